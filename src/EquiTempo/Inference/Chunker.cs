using EquiTempo.Features;

namespace EquiTempo.Inference;

/// <summary>One piece of a track at the model rate: its samples (a full chunk, or a shorter last one), where it
/// starts, and whether the <see cref="SilenceGate"/> found it loud enough to carry a tempo.</summary>
public sealed record AudioChunk(float[] Samples, long StartSample, int SampleRate, bool Voiced = true)
{
    public double StartSeconds => (double)StartSample / SampleRate;
    /// <summary>The middle of the chunk's real samples: where a local tempo read from it is placed.</summary>
    public double CentreSeconds => (StartSample + Samples.Length / 2.0) / SampleRate;
}

/// <summary>
/// Audio at the model rate → chunks of <see cref="ModelInput.ChunkSamples"/> starting every <see cref="HopSamples"/>.
/// The last chunk is the first that reaches the end of the audio and may be shorter (the network zero-pads it).
/// <see cref="Cut"/> reads samples in memory; <see cref="Stream"/> re-cuts decoded blocks of any size into the same
/// chunks while holding only one chunk of samples. Both are lazy.
/// </summary>
public sealed class Chunker
{
    public ModelInput Input { get; }
    public int ChunkSamples => Input.ChunkSamples;
    public int HopSamples { get; }

    public Chunker(ModelInput input, int hopSamples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hopSamples, 1);
        Input = input;
        HopSamples = hopSamples;
    }

    /// <summary>A chunker with a hop of <paramref name="hopSeconds"/> (at least one sample), or non-overlapping chunks when null.</summary>
    public static Chunker WithHop(ModelInput input, double? hopSeconds) =>
        new(input, hopSeconds is double h ? Math.Max(1, (int)(h * input.SampleRate)) : input.ChunkSamples);

    public IEnumerable<AudioChunk> Cut(float[] samples)
    {
        int n = ChunkSamples;
        for (long s = 0; s < samples.Length; s += HopSamples)
        {
            int len = (int)Math.Min(n, samples.Length - s);
            var c = new float[len];
            Array.Copy(samples, s, c, 0, len);
            yield return new AudioChunk(c, s, Input.SampleRate);
            if (s + n >= samples.Length) break;
        }
    }

    /// <summary>The chunks <see cref="Cut"/> gives for the concatenation of <paramref name="blocks"/>.</summary>
    public IEnumerable<AudioChunk> Stream(IEnumerable<float[]> blocks)
    {
        int n = ChunkSamples;
        var pending = new float[n];   // samples [start, start + have) of the next chunk
        int have = 0;
        long start = 0, received = 0, lastEnd = 0;
        foreach (var block in blocks)
        {
            int i = 0;
            while (i < block.Length)
            {
                long pos = received + i;
                if (pos < start) { i += (int)Math.Min(block.Length - i, start - pos); continue; }   // a gap when the hop exceeds a chunk
                int take = Math.Min(n - have, block.Length - i);
                Array.Copy(block, i, pending, have, take);
                have += take;
                i += take;
                if (have < n) continue;
                yield return new AudioChunk((float[])pending.Clone(), start, Input.SampleRate);
                lastEnd = start + n;
                start += HopSamples;
                if (HopSamples < n)
                {
                    Array.Copy(pending, HopSamples, pending, 0, n - HopSamples);
                    have = n - HopSamples;
                }
                else have = 0;
            }
            received += block.Length;
        }
        if (have > 0 && lastEnd < received)
            yield return new AudioChunk(pending[..have], start, Input.SampleRate);
    }
}
