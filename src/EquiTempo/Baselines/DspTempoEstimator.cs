using EquiTempo.Audio;

namespace EquiTempo.Baselines;

/// <summary>
/// The classical signal-processing baseline, after librosa's <c>beat.tempo</c>: spectral-flux onset strength
/// (<see cref="OnsetStrength"/>), an autocorrelation tempogram averaged over the track, and the lag whose
/// autocorrelation at 1–4 times itself is strongest under a log-normal tempo prior centred on 120 BPM
/// (<see cref="AutocorrelationTempogram"/>). No training, no model file.
/// <para>
/// <see cref="TempoEstimate.Bpm2"/> is the strongest metrical relative of Bpm (×2, ×½, ×3, ×⅓, ×3/2, ×⅔, each within
/// ±tolerance; Bpm itself when none lies in range). <see cref="TempoEstimate.Salience"/> is s1 / (s1 + s2) of the two
/// peaks' prior-weighted strengths. Inputs without a tempo (too short, no onsets, no periodicity) are refused by the
/// <see cref="TempoEvidenceGate"/>, as by the model's estimator. <see cref="TempoEstimate.Confidence"/> is the share of the autocorrelation
/// windows (one per onset frame, each <see cref="TempogramConfig.WindowSeconds"/> long) whose own tempo agrees
/// with Bpm within ±4 %, among the windows that hold repeating onsets: 1 = the same tempo throughout, near 0 =
/// no agreement. <see cref="TempoEstimate.Chunks"/> counts the window-long parts louder than the silence threshold.
/// </para>
/// Files are streamed: memory holds one window-long block of audio and the onset envelope (43 values per
/// second), so hour-long files are fine. Thread-safe.
/// </summary>
public sealed class DspTempoEstimator : ITempoMethod
{
    public const string MethodName = "dsp";

    public DspTempoConfig Config { get; }
    private readonly OnsetStrength _onsets;
    private readonly AutocorrelationTempogram _tempogram;
    private readonly TempoEvidenceGate _evidence;

    public DspTempoEstimator(DspTempoConfig? config = null)
    {
        Config = config ?? new DspTempoConfig();
        Config.Validate();
        _onsets = new OnsetStrength(Config.Onset);
        _tempogram = new AutocorrelationTempogram(Config.Tempogram, Config.Onset.FramesPerSecond);
        _evidence = new TempoEvidenceGate(Config.Evidence);
    }

    public string Name => MethodName;

    private int SampleRate => Config.Onset.SampleRate;

    // Silence is judged per part of one autocorrelation window, the span a local tempo is read from.
    private double PartSeconds => Config.Tempogram.WindowSeconds;

    public TempoEstimate Estimate(string path, bool localCurve = false, CancellationToken ct = default) =>
        Estimate(AudioDecoder.ReadBlocks(path, PartSeconds, SampleRate, ct), path, localCurve, ct);

    public TempoEstimate Estimate(Stream audio, string name, bool localCurve = false, CancellationToken ct = default) =>
        Estimate(AudioDecoder.ReadBlocks(audio, name, PartSeconds, SampleRate, ct), name, localCurve, ct);

    private TempoEstimate Estimate(IEnumerable<float[]> blocks, string name, bool localCurve, CancellationToken ct) =>
        Summarise(name, Analyse(blocks.Select(b => (ReadOnlyMemory<float>)b), ct), localCurve, ct);

    public TempoEstimate Estimate(float[] samples, int sampleRate, bool localCurve = false, string? name = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(samples);
        name ??= "<samples>";
        if (samples.Length == 0) throw new AudioFormatException(name, "contains no audio samples");
        if (sampleRate != SampleRate) samples = Resampler.Resample(samples, sampleRate, SampleRate);
        int part = (int)Math.Round(PartSeconds * SampleRate);
        var blocks = Enumerable.Range(0, (samples.Length + part - 1) / part)
            .Select(k => new ReadOnlyMemory<float>(samples, k * part, Math.Min(part, samples.Length - k * part)));
        return Summarise(name, Analyse(blocks, ct), localCurve, ct);
    }

    private sealed record Analysis(float[] Envelope, long Samples, int LoudParts);

    private Analysis Analyse(IEnumerable<ReadOnlyMemory<float>> parts, CancellationToken ct)
    {
        double silence = Math.Pow(10, Config.SilenceDbfs / 20);
        var stream = _onsets.Begin();
        long samples = 0;
        int loud = 0;
        foreach (var part in parts)
        {
            ct.ThrowIfCancellationRequested();
            var x = part.Span;
            double energy = 0;
            foreach (var v in x) energy += (double)v * v;
            if (x.Length > 0 && Math.Sqrt(energy / x.Length) > silence) loud++;
            stream.Add(x);
            samples += x.Length;
        }
        return new Analysis(stream.Finish(), samples, loud);
    }

    private TempoEstimate Summarise(string name, Analysis a, bool localCurve, CancellationToken ct)
    {
        if (a.LoudParts == 0)
            throw new NoTempoException(name, $"silent (every part is below {Config.SilenceDbfs} dBFS): no tempo to estimate");
        double duration = (double)a.Samples / SampleRate;
        _evidence.Check(name, _evidence.Measure(a.Envelope, Config.Onset.FramesPerSecond, duration));
        int? segmentFrames = localCurve ? Math.Max(1, (int)Math.Round(Config.LocalHopSeconds * Config.Onset.FramesPerSecond)) : null;
        var tg = _tempogram.Analyse(a.Envelope, segmentFrames, ct);
        var peaks = _tempogram.BestAndRelated(tg.MeanAutocorrelation, Config.Tolerance)
            ?? throw new NoTempoException(name, $"no onsets repeat within {Config.Tempogram.WindowSeconds:0.#} s: no tempo to estimate");
        var (first, second) = peaks;
        var range = Config.Range;
        double bpm = range.Clamp(first.Bpm);

        int periodic = 0, agreeing = 0;
        foreach (var windowBpm in tg.WindowBpm)
        {
            if (float.IsNaN(windowBpm)) continue;
            periodic++;
            if (Math.Abs(windowBpm / first.Bpm - 1) <= Config.Tolerance) agreeing++;
        }
        double confidence = periodic == 0 ? 0 : (double)agreeing / periodic;
        double strength2 = second?.Strength ?? 0;
        double salience = first.Strength + strength2 > 0 ? first.Strength / (first.Strength + strength2) : 1;

        List<TempoPoint>? curve = null;
        if (localCurve)
        {
            curve = new List<TempoPoint>();
            for (int s = 0; s < tg.SegmentTimes!.Length; s++)
                if (_tempogram.Best(tg.SegmentAutocorrelation![s]) is TempoPeak local)
                    curve.Add(new TempoPoint(tg.SegmentTimes[s], range.Clamp(local.Bpm)));
        }
        return new TempoEstimate(name, bpm, second is TempoPeak p2 ? range.Clamp(p2.Bpm) : bpm, salience, confidence,
            duration, a.LoudParts, "tempogram", curve, new Beats.BeatActivation(a.Envelope, Config.Onset.FramesPerSecond));
    }

    public void Dispose() => _onsets.Dispose();
}
