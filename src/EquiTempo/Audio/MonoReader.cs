namespace EquiTempo.Audio;

/// <summary>Mono samples at the target rate from any <see cref="AudioSource"/>, resampling on the fly.</summary>
internal sealed class MonoReader : IDisposable
{
    private const int ChunkFrames = 16384;
    private readonly AudioSource _source;
    private readonly StreamingResampler? _resampler;
    private readonly CancellationToken _ct;
    private readonly float[] _chunk;

    public MonoReader(AudioSource source, int targetSampleRate, CancellationToken ct)
    {
        _source = source;
        _ct = ct;
        TargetSampleRate = targetSampleRate;
        if (source.SampleRate != targetSampleRate) _resampler = new StreamingResampler(source.SampleRate, targetSampleRate);
        _chunk = new float[ChunkFrames];
    }

    public int TargetSampleRate { get; }

    /// <summary>Fills <paramref name="output"/> as far as the audio goes; fewer samples only at the end.</summary>
    public int Read(Span<float> output)
    {
        int written = 0;
        while (written < output.Length)
        {
            _ct.ThrowIfCancellationRequested();
            if (_resampler is null)
            {
                int n = _source.ReadMono(output[written..]);
                if (n == 0) break;
                written += n;
                continue;
            }
            int pulled = _resampler.Pull(output[written..]);
            written += pulled;
            if (written == output.Length) break;
            if (pulled == 0)
            {
                if (_resampler.IsFinished) break;
                int frames = _source.ReadMono(_chunk);
                if (frames == 0) _resampler.Finish();
                else _resampler.Push(_chunk.AsSpan(0, frames));
            }
        }
        return written;
    }

    public void Dispose() => _source.Dispose();
}
