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

    /// <summary>A chunker with a hop of <paramref name="hopSeconds"/> (at least one sample), or, when null, chunks one after
    /// another as the paper's inference cuts them, at <see cref="ModelInput.FrameAlignedChunkHop"/>: the chunk length in
    /// whole hops, so that every chunk's spectrogram is on the track's frame grid and a second reader of the track's
    /// log-mel (the beat head) can take it rather than compute it again.</summary>
    public static Chunker WithHop(ModelInput input, double? hopSeconds) =>
        new(input, hopSeconds is double h ? Math.Max(1, (int)(h * input.SampleRate)) : input.FrameAlignedChunkHop);

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
        var cutter = Begin();
        foreach (var block in blocks)
            foreach (var chunk in cutter.Push(block))
                yield return chunk;
        foreach (var chunk in cutter.Finish())
            yield return chunk;
    }

    /// <summary>Starts cutting one signal pushed block by block: several chunkers can then share one decoding pass
    /// (the track's chunks and the local curve's windows).</summary>
    public Cutter Begin() => new(this);

    /// <summary>
    /// One signal's chunks as its blocks arrive: <see cref="Push"/> each block in order, then <see cref="Finish"/>.
    /// The chunks equal those <see cref="Cut"/> gives for the whole signal; only one chunk of samples is held.
    /// Each call's chunks must be enumerated before the next call.
    /// </summary>
    public sealed class Cutter
    {
        private readonly Chunker _chunker;
        private readonly float[] _pending;   // samples [start, start + have) of the next chunk
        private int _have;
        private long _start, _received, _lastEnd;

        internal Cutter(Chunker chunker)
        {
            _chunker = chunker;
            _pending = new float[chunker.ChunkSamples];
        }

        public IEnumerable<AudioChunk> Push(float[] block)
        {
            int n = _chunker.ChunkSamples, hop = _chunker.HopSamples, rate = _chunker.Input.SampleRate;
            int i = 0;
            while (i < block.Length)
            {
                long pos = _received + i;
                if (pos < _start) { i += (int)Math.Min(block.Length - i, _start - pos); continue; }   // a gap when the hop exceeds a chunk
                int take = Math.Min(n - _have, block.Length - i);
                Array.Copy(block, i, _pending, _have, take);
                _have += take;
                i += take;
                if (_have < n) continue;
                yield return new AudioChunk((float[])_pending.Clone(), _start, rate);
                _lastEnd = _start + n;
                _start += hop;
                if (hop < n)
                {
                    Array.Copy(_pending, hop, _pending, 0, n - hop);
                    _have = n - hop;
                }
                else _have = 0;
            }
            _received += block.Length;
        }

        /// <summary>The last, shorter chunk, if the audio runs past the last full one.</summary>
        public IEnumerable<AudioChunk> Finish()
        {
            if (_have > 0 && _lastEnd < _received)
                yield return new AudioChunk(_pending[.._have], _start, _chunker.Input.SampleRate);
        }

        /// <summary>Samples pushed so far.</summary>
        public long Received => _received;
    }
}
