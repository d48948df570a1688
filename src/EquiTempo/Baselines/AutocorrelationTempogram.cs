using static TorchSharp.torch;

namespace EquiTempo.Baselines;

/// <summary>A tempo read from an autocorrelation: its BPM and its prior-weighted strength (pulse-train strength × prior).</summary>
public readonly record struct TempoPeak(double Bpm, double Strength);

/// <summary>What the tempogram of one onset envelope holds for tempo estimation.</summary>
/// <param name="MeanAutocorrelation">Normalised autocorrelation per lag (frames), averaged over every window.</param>
/// <param name="WindowBpm">Tempo of each window (one per envelope frame, centred on it); NaN where the window
/// holds no repeating onsets.</param>
/// <param name="SegmentTimes">Centre (seconds) of each group of consecutive windows, when groups were asked for.</param>
/// <param name="SegmentAutocorrelation">Mean autocorrelation of each group of windows.</param>
public sealed record TempogramSummary(
    double[] MeanAutocorrelation, float[] WindowBpm,
    double[]? SegmentTimes = null, double[][]? SegmentAutocorrelation = null);

/// <summary>
/// Local autocorrelation of an onset envelope (librosa's <c>feature.tempogram</c> and <c>feature.tempo</c>):
/// windows of <see cref="TempogramConfig.WindowSeconds"/> centred on every envelope frame, Hann-weighted,
/// autocorrelated and divided by their lag-0 value; a tempo is the lag whose pulse-train strength s (the
/// autocorrelation at the lag's multiples, see <see cref="TempogramConfig.LagMultiples"/>) maximises
/// log1p(1e6·s) + log prior. Autocorrelations come from TorchSharp's FFT in double precision, in groups
/// of windows so memory stays small however long the envelope. Thread-safe (immutable).
/// </summary>
public sealed class AutocorrelationTempogram
{
    /// <summary>
    /// Pulse-train strengths (autocorrelation relative to lag 0) below this count as no periodicity. log1p(1e6·x) flattens everything
    /// under about 1e-6, so a choice among such values would be the prior's alone: a made-up tempo.
    /// </summary>
    public const double MinPeriodicStrength = 1e-6;

    // LibTorch's FFT buffers for one batch of windows set the baseline's peak memory: 2048 windows took about 300 MB
    // more than 512, which were not slower (measured on a 10-minute file; README, Memory).
    private const int WindowsPerBatch = 512;
    // Pulse trains up to this many lags (8 KB) live on the stack: one is made for every window of a track.
    private const int StackLags = 1024;

    public TempogramConfig Config { get; }
    public double FramesPerSecond { get; }
    /// <summary>Autocorrelation window length in envelope frames; lags run from 0 to this minus 1.</summary>
    public int WindowFrames { get; }
    private readonly double[] _logPrior;   // per lag; −∞ where the tempo is excluded
    private readonly int _firstLag;        // the shortest lag whose tempo is allowed
    private readonly int _lastLag;         // the longest lag whose every multiple fits in the window

    public AutocorrelationTempogram(TempogramConfig config, double framesPerSecond)
    {
        config.Validate();
        if (!(framesPerSecond > 0)) throw new ArgumentOutOfRangeException(nameof(framesPerSecond), framesPerSecond, "frame rate must be positive");
        Config = config;
        FramesPerSecond = framesPerSecond;
        WindowFrames = (int)Math.Floor(config.WindowSeconds * framesPerSecond);
        if (WindowFrames < 3) throw new ArgumentException($"an autocorrelation window of {config.WindowSeconds} s is under 3 envelope frames");
        _logPrior = new double[WindowFrames];
        _firstLag = WindowFrames;
        for (int lag = 0; lag < WindowFrames; lag++)
        {
            double bpm = LagToBpm(lag);
            bool allowed = lag > 0 && bpm <= config.MaxBpm && bpm >= config.MinBpm;
            if (allowed) _firstLag = Math.Min(_firstLag, lag);
            double octaves = (Math.Log2(bpm) - Math.Log2(config.StartBpm)) / config.StdOctaves;
            _logPrior[lag] = allowed ? -0.5 * octaves * octaves : double.NegativeInfinity;
        }
        _lastLag = (WindowFrames - 1) / config.LagMultiples.Max();
        if (config.MinBpm > 0) _lastLag = Math.Min(_lastLag, (int)Math.Floor(60.0 * framesPerSecond / config.MinBpm));
        if (_firstLag >= _lastLag)
            throw new ArgumentException($"no tempo between {config.MinBpm} and {config.MaxBpm} BPM fits {config.LagMultiples.Max()} times in a {config.WindowSeconds} s window");
    }

    public double LagToBpm(double lag) => 60.0 * FramesPerSecond / lag;

    /// <summary>
    /// Tempogram of <paramref name="envelope"/>. With <paramref name="segmentFrames"/>, consecutive windows are
    /// also grouped by that many and each group's mean autocorrelation kept (for a local tempo curve).
    /// </summary>
    public TempogramSummary Analyse(float[] envelope, int? segmentFrames = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Length == 0) throw new ArgumentException("the onset envelope is empty", nameof(envelope));
        if (segmentFrames is <= 0) throw new ArgumentOutOfRangeException(nameof(segmentFrames), segmentFrames, "segments must hold at least one window");
        int n = envelope.Length, win = WindowFrames, half = win / 2;
        var padded = RampPadded(envelope, half);
        int fftLength = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(2 * win - 1));

        var sum = new double[win];
        var windowBpm = new float[n];
        int segments = segmentFrames is int sf ? (n + sf - 1) / sf : 0;
        var segmentSums = new double[segments][];
        for (int s = 0; s < segments; s++) segmentSums[s] = new double[win];

        using var hann = hann_window(win, periodic: true, dtype: float64);
        for (int first = 0; first < n; first += WindowsPerBatch)
        {
            ct.ThrowIfCancellationRequested();
            int count = Math.Min(WindowsPerBatch, n - first);
            double[] acf;
            using (var scope = NewDisposeScope())
            {
                var span = tensor(padded.AsSpan(first, count + win - 1).ToArray(), dtype: float64);
                var frames = span.unfold(0, win, 1) * hann;                                // (count, win)
                var magnitude = fft.rfft(frames, fftLength, dim: 1).abs();
                // x·x, not square(): square() goes through a Scalar that crashed LibTorch once in a two-track parallel
                // evaluation (INTERNAL ASSERT in Scalar.h, 2026-12-01).
                var power = magnitude * magnitude;
                var ac = fft.irfft(power, fftLength, dim: 1)[.., ..win];
                // librosa's normalize(norm=inf): divide by the largest |value|, leave all-zero windows at zero.
                var norm = ac.abs().amax(new long[] { 1 }, keepdim: true);
                ac = ac / where(norm > 0, norm, ones_like(norm));
                acf = ac.contiguous().data<double>().ToArray();
            }
            for (int k = 0; k < count; k++)
            {
                var column = new ReadOnlySpan<double>(acf, k * win, win);
                for (int lag = 0; lag < win; lag++) sum[lag] += column[lag];
                if (segmentFrames is int size)
                {
                    var target = segmentSums[(first + k) / size];
                    for (int lag = 0; lag < win; lag++) target[lag] += column[lag];
                }
                windowBpm[first + k] = Best(column) is TempoPeak p ? (float)p.Bpm : float.NaN;
            }
        }

        for (int lag = 0; lag < win; lag++) sum[lag] /= n;
        if (segmentFrames is not int groupSize) return new TempogramSummary(sum, windowBpm);
        var times = new double[segments];
        for (int s = 0; s < segments; s++)
        {
            int from = s * groupSize, to = Math.Min(n, from + groupSize);
            for (int lag = 0; lag < win; lag++) segmentSums[s][lag] /= to - from;
            times[s] = (from + to - 1) / 2.0 / FramesPerSecond;
        }
        return new TempogramSummary(sum, windowBpm, times, segmentSums);
    }

    /// <summary>The pulse-train strength (<see cref="TempogramConfig.LagMultiples"/>) of every lag from 0 to the longest
    /// whose multiples fit in the window, without the prior or the tempo bounds: the evidence another method may weigh.</summary>
    public double[] PulseStrengths(ReadOnlySpan<double> acf)
    {
        var pulse = new double[(WindowFrames - 1) / Config.LagMultiples.Max() + 1];
        PulseTrain(acf, pulse);
        return pulse;
    }

    /// <summary>The prior-weighted best tempo of an autocorrelation; null when it shows no periodicity.</summary>
    public TempoPeak? Best(ReadOnlySpan<double> acf)
    {
        Span<double> pulse = _lastLag < StackLags ? stackalloc double[_lastLag + 1] : new double[_lastLag + 1];
        return Best(acf, PulseTrain(acf, pulse));
    }

    /// <summary>
    /// The best tempo and its strongest metrical relative: for each ratio of <see cref="TempoRange.MetricalRatios"/>,
    /// the best-scored lag whose tempo lies within ±<paramref name="tolerance"/> of the best tempo × ratio, and of
    /// those the one with the largest strength. The second is null when no relative lies in the allowed range.
    /// </summary>
    public (TempoPeak First, TempoPeak? Second)? BestAndRelated(ReadOnlySpan<double> acf, double tolerance)
    {
        Span<double> pulseBuffer = _lastLag < StackLags ? stackalloc double[_lastLag + 1] : new double[_lastLag + 1];
        var pulse = PulseTrain(acf, pulseBuffer);
        if (Best(acf, pulse) is not TempoPeak first) return null;
        TempoPeak? second = null;
        foreach (double ratio in TempoRange.MetricalRatios)
        {
            double target = first.Bpm * ratio;
            int best = -1;
            for (int lag = _firstLag; lag <= _lastLag; lag++)
                if (double.IsFinite(_logPrior[lag]) && Math.Abs(LagToBpm(lag) / target - 1) <= tolerance && (best < 0 || Score(pulse, lag) > Score(pulse, best))) best = lag;
            if (best < 0) continue;
            var peak = Peak(acf, pulse, best);
            // Refinement follows the autocorrelation's own peak up to 1.5 lags away, which on a slope can leave the
            // relative's band (a 60 BPM click track's ×2 moved to 111 BPM): the lag's own tempo then stands.
            if (Math.Abs(peak.Bpm / target - 1) > tolerance) peak = peak with { Bpm = LagToBpm(best) };
            if (second is not TempoPeak s || peak.Strength > s.Strength) second = peak;
        }
        return (first, second);
    }

    /// <summary>
    /// The mean of the autocorrelation at each multiple k of a lag (<see cref="TempogramConfig.LagMultiples"/>):
    /// a beat period is reinforced by its half-bar and bar periods, while an off-beat period (say ¾ of a beat in
    /// a 3-3-2 pattern) is not. The beat lies within ±½ lag of a grid lag, so its k-th multiple lies within
    /// ±k/2 of k·lag: the largest value there is taken. With the multiple 1 alone this is the autocorrelation
    /// itself, as librosa's.
    /// </summary>
    private ReadOnlySpan<double> PulseTrain(ReadOnlySpan<double> acf, Span<double> pulse)
    {
        if (acf.Length != WindowFrames) throw new ArgumentException($"expected {WindowFrames} lags, got {acf.Length}", nameof(acf));
        var multiples = Config.LagMultiples;
        for (int lag = 0; lag < pulse.Length; lag++)
        {
            double sum = 0;
            foreach (int k in multiples)
            {
                int centre = k * lag, reach = k / 2;
                double largest = acf[centre];
                for (int d = 1; d <= reach; d++)
                    largest = Math.Max(largest, Math.Max(acf[Math.Max(0, centre - d)], acf[Math.Min(acf.Length - 1, centre + d)]));
                sum += largest;
            }
            pulse[lag] = sum / multiples.Count;
        }
        return pulse;
    }

    private TempoPeak? Best(ReadOnlySpan<double> acf, ReadOnlySpan<double> pulse)
    {
        int best = -1;
        double bestScore = double.NegativeInfinity, strongest = 0;
        for (int lag = _firstLag; lag <= _lastLag; lag++)
        {
            strongest = Math.Max(strongest, pulse[lag]);
            double score = Score(pulse, lag);
            if (score > bestScore) { bestScore = score; best = lag; }
        }
        if (best < 0 || strongest < MinPeriodicStrength) return null;
        return Peak(acf, pulse, best);
    }

    private double Score(ReadOnlySpan<double> pulse, int lag) => Math.Log(1 + 1e6 * Math.Max(pulse[lag], 0)) + _logPrior[lag];

    /// <summary>The tempo at a chosen lag: its strength from the pulse train, its BPM from the autocorrelation's
    /// own peak beside it (the pulse train's maxima over neighbourhoods are too flat to locate it).</summary>
    private TempoPeak Peak(ReadOnlySpan<double> acf, ReadOnlySpan<double> pulse, int lag)
    {
        double strength = Math.Max(pulse[lag], 0) * Math.Exp(_logPrior[lag]);
        if (!Config.RefinePeak) return new TempoPeak(LagToBpm(lag), strength);
        int top = lag;
        if (lag - 1 >= _firstLag && acf[lag - 1] > acf[top]) top = lag - 1;
        if (lag + 1 < acf.Length && acf[lag + 1] > acf[top]) top = lag + 1;
        if (top < 1 || top + 1 >= acf.Length) return new TempoPeak(LagToBpm(top), strength);
        double a = acf[top - 1], b = acf[top], c = acf[top + 1], curvature = a - 2 * b + c;
        // Only a true local maximum has a vertex to move to; on a slope the grid lag stays.
        if (b < a || b < c || curvature >= 0) return new TempoPeak(LagToBpm(top), strength);
        double offset = Math.Clamp(0.5 * (a - c) / curvature, -0.5, 0.5);
        return new TempoPeak(LagToBpm(top + offset), strength);
    }

    // numpy's pad(mode="linear_ramp", end_values=0), as librosa centres its windows: ramps from zero to the
    // edge values, so the first and last windows do not see a step at the envelope's ends.
    private static double[] RampPadded(float[] envelope, int width)
    {
        int n = envelope.Length;
        var padded = new double[n + 2 * width];
        for (int i = 0; i < width; i++)
        {
            padded[i] = envelope[0] * (double)i / width;
            padded[width + n + i] = envelope[n - 1] * (double)(width - 1 - i) / width;
        }
        for (int i = 0; i < n; i++) padded[width + i] = envelope[i];
        return padded;
    }
}
