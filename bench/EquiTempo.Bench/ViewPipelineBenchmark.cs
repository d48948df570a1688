using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using EquiTempo.Audio;
using EquiTempo.Features;
using static TorchSharp.torch;
using EquiTempo.Training.Stretching;

namespace EquiTempo.Bench;

/// <summary>
/// Cost of making the network inputs for one pair of views (the data-loading side of a training step),
/// for the two stretch domains: WSOLA on the waveform + two log-mel transforms, or one log-mel
/// transform + two frame interpolations. Source: a 16.3 s excerpt (600,000 × 1.2 samples + margin).
/// </summary>
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class ViewPipelineBenchmark
{
    private float[] _source = null!;
    private LogMelFrontEnd _frontEnd = null!;
    private readonly TimeStretcher _stretcher = new();
    private const int N = 600_000;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        // Noise bursts on a 120 BPM grid over a quiet noise floor: realistic transient density for WSOLA's search.
        _source = new float[N * 12 / 10 + 4410];
        for (int i = 0; i < _source.Length; i++) _source[i] = (float)(rng.NextDouble() - 0.5) * 0.02f;
        for (int b = 0; b < _source.Length; b += 22050)
            for (int k = 0; k < 2000 && b + k < _source.Length; k++) _source[b + k] += (float)(rng.NextDouble() - 0.5) * MathF.Exp(-k / 300f);
        _frontEnd = new LogMelFrontEnd();
    }

    [Benchmark(Description = "pair, waveform WSOLA (paper)")]
    public long WaveformPair()
    {
        var vi = _stretcher.Stretch(_source, 0.85, 44100, N);
        var vj = _stretcher.Stretch(_source, 1.15, 44100, N);
        using var scope = NewDisposeScope();
        var x = _frontEnd.Forward(tensor(vi.Concat(vj).ToArray(), new long[] { 2, N }));
        return x.shape[3];
    }

    [Benchmark(Description = "pair, log-mel frame interpolation")]
    public long FeaturePair()
    {
        using var scope = NewDisposeScope();
        var spec = _frontEnd.Forward(tensor(_source, new long[] { 1, _source.Length }));
        var a = FeatureTimeStretch.Stretch(spec, new[] { 0.85 }, 1361, _frontEnd.Config.SilenceValue);
        var b = FeatureTimeStretch.Stretch(spec, new[] { 1.15 }, 1361, _frontEnd.Config.SilenceValue);
        return a.shape[3] + b.shape[3];
    }
}
