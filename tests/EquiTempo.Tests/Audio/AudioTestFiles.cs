using System.Buffers.Binary;
using System.Diagnostics;
using EquiTempo.Audio;

namespace EquiTempo.Tests.Audio;

/// <summary>A fresh temporary directory, removed with everything in it on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "equitempo-audio-" + Guid.NewGuid().ToString("N")));

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Sample encodings <see cref="AudioTestFiles.WriteWav"/> can write.</summary>
public enum SampleType { U8, S16, S24, S32, F32, F64 }

/// <summary>Signals, WAV files of every layout, and ffmpeg-encoded files for the audio tests.</summary>
internal static class AudioTestFiles
{
    public static float[] Sine(double hz, int sampleRate, double seconds, double amplitude = 0.5, double phase = 0)
    {
        var x = new float[(int)Math.Round(seconds * sampleRate)];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(amplitude * Math.Sin(2 * Math.PI * hz * i / sampleRate + phase));
        return x;
    }

    /// <summary>Interleaves channels; channel c gets a sine at baseHz*(c+1) so that channels are distinguishable.</summary>
    public static float[] MultiChannelSines(int channels, int sampleRate, double seconds, double baseHz = 220, double amplitude = 0.3)
    {
        int frames = (int)Math.Round(seconds * sampleRate);
        var x = new float[frames * channels];
        for (int i = 0; i < frames; i++)
            for (int c = 0; c < channels; c++)
                x[i * channels + c] = (float)(amplitude * Math.Sin(2 * Math.PI * baseHz * (c + 1) * i / sampleRate));
        return x;
    }

    public static float[] MeanOfChannels(float[] interleaved, int channels)
    {
        var mono = new float[interleaved.Length / channels];
        for (int i = 0; i < mono.Length; i++)
        {
            double s = 0;
            for (int c = 0; c < channels; c++) s += interleaved[i * channels + c];
            mono[i] = (float)(s / channels);
        }
        return mono;
    }

    public static int BytesOf(SampleType t) => t switch
    {
        SampleType.U8 => 1, SampleType.S16 => 2, SampleType.S24 => 3, SampleType.S32 => 4, SampleType.F32 => 4, _ => 8,
    };

    /// <summary>Largest quantisation error of a sample type for values in [-1, 1].</summary>
    public static double Tolerance(SampleType t) => t switch
    {
        SampleType.U8 => 1.0 / 128, SampleType.S16 => 1.0 / 32768, SampleType.S24 => 1.0 / 8388608, _ => 1e-6,
    };

    /// <summary>
    /// Writes a WAV by hand so that every layout can be produced: any sample type, plain or WAVE_FORMAT_EXTENSIBLE
    /// header, an extra chunk before the data, and a declared data size that may differ from what is written.
    /// </summary>
    public static void WriteWav(string path, float[] interleaved, int channels, int sampleRate, SampleType type,
        bool extensible = false, uint? declaredDataBytes = null, int? writeFrames = null)
    {
        int bytes = BytesOf(type);
        bool isFloat = type is SampleType.F32 or SampleType.F64;
        int frames = writeFrames ?? interleaved.Length / channels;
        var data = new byte[frames * channels * bytes];
        for (int i = 0; i < frames * channels; i++)
        {
            double v = interleaved[i];
            var dst = data.AsSpan(i * bytes);
            switch (type)
            {
                case SampleType.U8: dst[0] = (byte)Math.Clamp(Math.Round(v * 128 + 128), 0, 255); break;
                case SampleType.S16: BinaryPrimitives.WriteInt16LittleEndian(dst, (short)Math.Clamp(Math.Round(v * 32768), short.MinValue, short.MaxValue)); break;
                case SampleType.S24:
                    int s24 = (int)Math.Clamp(Math.Round(v * 8388608), -8388608, 8388607);
                    dst[0] = (byte)s24; dst[1] = (byte)(s24 >> 8); dst[2] = (byte)(s24 >> 16);
                    break;
                case SampleType.S32: BinaryPrimitives.WriteInt32LittleEndian(dst, (int)Math.Clamp(Math.Round(v * 2147483648.0), int.MinValue, int.MaxValue)); break;
                case SampleType.F32: BinaryPrimitives.WriteSingleLittleEndian(dst, interleaved[i]); break;
                case SampleType.F64: BinaryPrimitives.WriteDoubleLittleEndian(dst, interleaved[i]); break;
            }
        }
        using var w = new BinaryWriter(System.IO.File.Create(path));
        int fmtSize = extensible ? 40 : 16;
        uint dataSize = declaredDataBytes ?? (uint)data.Length;
        byte[] junk = "equitempo test"u8.ToArray(); // odd-sized chunk: exercises pad-byte handling
        w.Write("RIFF"u8);
        w.Write((uint)(4 + 8 + fmtSize + 8 + junk.Length + 2 + 8 + data.Length));
        w.Write("WAVE"u8);
        w.Write("fmt "u8);
        w.Write(fmtSize);
        w.Write((ushort)(extensible ? 0xFFFE : isFloat ? 3 : 1));
        w.Write((ushort)channels);
        w.Write(sampleRate);
        w.Write(sampleRate * channels * bytes);
        w.Write((ushort)(channels * bytes));
        w.Write((ushort)(bytes * 8));
        if (extensible)
        {
            w.Write((ushort)22);
            w.Write((ushort)(bytes * 8));
            w.Write(channels >= 32 ? -1 : (1 << channels) - 1);
            // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: {0000000X-0000-0010-8000-00aa00389b71}
            w.Write(new Guid(isFloat ? 3 : 1, 0, 0x10, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71).ToByteArray());
        }
        w.Write("junk"u8);
        w.Write(junk.Length + 1);
        w.Write(junk);
        w.Write((byte)0);
        w.Write((byte)0); // pad byte
        w.Write("data"u8);
        w.Write(dataSize);
        w.Write(data);
    }

    /// <summary>Amplitude of the <paramref name="hz"/> component (least-squares sine/cosine fit over the middle 80%).</summary>
    public static double ToneAmplitude(ReadOnlySpan<float> x, double hz, int sampleRate)
    {
        int start = x.Length / 10, end = x.Length - x.Length / 10;
        double ss = 0, sc = 0, cc = 0, ys = 0, yc = 0;
        for (int i = start; i < end; i++)
        {
            double w = 2 * Math.PI * hz * i / sampleRate, s = Math.Sin(w), c = Math.Cos(w);
            ss += s * s; cc += c * c; sc += s * c; ys += x[i] * s; yc += x[i] * c;
        }
        double det = ss * cc - sc * sc;
        double a = (ys * cc - yc * sc) / det, b = (yc * ss - ys * sc) / det;
        return Math.Sqrt(a * a + b * b);
    }

    public static double Rms(ReadOnlySpan<float> x)
    {
        int start = x.Length / 10, end = x.Length - x.Length / 10;
        double acc = 0;
        for (int i = start; i < end; i++) acc += (double)x[i] * x[i];
        return Math.Sqrt(acc / Math.Max(1, end - start));
    }

    public static double Db(double ratio) => 20 * Math.Log10(ratio);

    public static bool HasFfmpeg => ExternalToolLocator.Find("ffmpeg") is not null && ExternalToolLocator.Find("ffprobe") is not null;

    /// <summary>Runs ffmpeg to make a test file; fails the test with ffmpeg's message if it cannot.</summary>
    public static string Encode(string outputPath, params string[] args)
    {
        var info = new ProcessStartInfo(ExternalToolLocator.Find("ffmpeg")!) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { "-nostdin", "-hide_banner", "-loglevel", "error", "-y" }.Concat(args).Append(outputPath)) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException("ffmpeg took over 60 s making " + outputPath); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg failed making {outputPath}: {stderr.Result}");
        return outputPath;
    }

    /// <summary>A sine (ffmpeg's lavfi source) encoded with the given codec options.</summary>
    public static string EncodeSine(string outputPath, double hz, double seconds, int sampleRate, int channels, params string[] codecArgs)
    {
        var args = new List<string> { "-f", "lavfi", "-i", $"sine=frequency={hz}:sample_rate={sampleRate}:duration={seconds}" };
        if (channels > 1) args.AddRange(["-ac", channels.ToString()]);
        args.AddRange(codecArgs);
        return Encode(outputPath, [.. args]);
    }

    /// <summary>Copies the first <paramref name="fraction"/> of a file, as a cut-off download would leave it.</summary>
    public static string Truncate(string source, string target, double fraction)
    {
        byte[] all = System.IO.File.ReadAllBytes(source);
        System.IO.File.WriteAllBytes(target, all[..(int)(all.Length * fraction)]);
        return target;
    }
}

/// <summary>A fact that needs ffmpeg/ffprobe on the PATH (installed by tools/bootstrap.sh); skipped with the reason otherwise.</summary>
internal sealed class FfmpegFactAttribute : FactAttribute
{
    public FfmpegFactAttribute()
    {
        if (!AudioTestFiles.HasFfmpeg) Skip = "ffmpeg/ffprobe not on the PATH: run tools/bootstrap.sh (Debian package `ffmpeg`)";
    }
}

/// <summary>A fact about file permissions, which root ignores; skipped when running as root.</summary>
internal sealed class NonRootFactAttribute : FactAttribute
{
    public NonRootFactAttribute()
    {
        if (OperatingSystem.IsWindows() || Environment.UserName == "root") Skip = "permissions do not apply to root (tests run as root here)";
    }
}
