using NAudio.Wave;

namespace EquiTempo.Audio;

/// <summary>Writes WAV files for tests, examples and diagnostics.</summary>
public static class WavWriter
{
    /// <summary>16-bit PCM mono; samples are clipped to [-1, 1] and non-finite ones written as 0.</summary>
    public static void WriteMono16(string path, float[] samples, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate));
        var pcm = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++)
        {
            float v = float.IsFinite(samples[i]) ? Math.Clamp(samples[i], -1f, 1f) : 0f;
            short s = (short)Math.Round(v * 32767f);
            pcm[2 * i] = (byte)s;
            pcm[2 * i + 1] = (byte)(s >> 8);
        }
        using var writer = new WaveFileWriter(path, new WaveFormat(sampleRate, 16, 1));
        writer.Write(pcm, 0, pcm.Length);
    }

    /// <summary>32-bit IEEE float, interleaved frames of <paramref name="channels"/> samples, written as given (NaN included).</summary>
    public static void WriteFloat(string path, float[] interleaved, int sampleRate, int channels)
    {
        ArgumentNullException.ThrowIfNull(interleaved);
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate));
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels));
        if (interleaved.Length % channels != 0)
            throw new ArgumentException($"Length {interleaved.Length} is not a whole number of {channels}-channel frames.", nameof(interleaved));
        var bytes = new byte[interleaved.Length * 4];
        Buffer.BlockCopy(interleaved, 0, bytes, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < bytes.Length; i += 4) Array.Reverse(bytes, i, 4);
        using var writer = new WaveFileWriter(path, WaveFormat.CreateIeeeFloatWaveFormat(sampleRate, channels));
        writer.Write(bytes, 0, bytes.Length);
    }
}
