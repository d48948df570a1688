namespace EquiTempo.Baselines;

/// <summary>
/// Settings of <see cref="TempoEvidenceGate"/>: how much evidence a track must show before any method may give it a
/// tempo. The defaults were chosen on the development sets and on synthetic non-music (see the README's
/// "Confidence and no tempo" section): every development track passes them, and noise, tones, chirps, DC, single
/// clicks, randomly timed clicks and sub-2-second files do not.
/// </summary>
public sealed record TempoEvidenceConfig
{
    /// <summary>Shortest input (seconds) with a tempo: 2 s holds four beats at 120 BPM, two at 60.</summary>
    public double MinSeconds { get; init; } = 2.0;

    /// <summary>Fewest onsets (see <see cref="OnsetPeakRadiusSeconds"/>): a tempo is the spacing of repeated onsets,
    /// and four give three intervals.</summary>
    public int MinOnsets { get; init; } = 4;

    /// <summary>An onset is a frame of the onset-strength envelope that is the largest within this many seconds either
    /// side (70 ms: shorter than a 300 BPM sixteenth's twice) and lies more than one standard deviation above the
    /// envelope's mean.</summary>
    public double OnsetPeakRadiusSeconds { get; init; } = 0.07;

    /// <summary>Weakest onset (the envelope's mean rise over the mel bands, dB; 0.3 is a rise of 38 dB in one band of
    /// 128, or 0.3 dB in all). A swept sine's band crossings (at most 0.15 dB) stay below it; the onsets of the
    /// development tracks, even the densest mixes, reach 2 dB and more.</summary>
    public double MinOnsetDb { get; init; } = 0.3;

    /// <summary>Smallest periodicity (the detrended envelope's autocorrelation, relative to lag 0, at its best lag
    /// between <see cref="SlowestBpm"/> and <see cref="FastestBpm"/>). Over 30 s, white noise at any level gives
    /// 0.04–0.07, randomly timed clicks 0.08; the development tracks give 0.155 and more (one exception, see the
    /// README).</summary>
    public double MinPeriodicity { get; init; } = 0.12;

    /// <summary>Also require periodicity × √frames of at least this: the autocorrelation of n frames of noise spreads
    /// as 1/√n, so a short input needs a clearer peak than a long one to show more than chance. Noise and randomly
    /// timed clicks give at most 3; the development tracks 7 and more.</summary>
    public double MinPeriodicityZ { get; init; } = 5.0;

    /// <summary>The envelope minus its mean over ±this many seconds is autocorrelated: a loudness change (a fade, a
    /// louder chorus) then does not read as periodicity at every lag.</summary>
    public double DetrendSeconds { get; init; } = 1.0;

    /// <summary>Slowest beat the periodicity is looked for at.</summary>
    public double SlowestBpm { get; init; } = 30;

    /// <summary>Fastest beat the periodicity is looked for at.</summary>
    public double FastestBpm { get; init; } = 320;

    /// <summary>This record, or an <see cref="EquiTempoException"/> naming the first setting out of range.</summary>
    public TempoEvidenceConfig Validated()
    {
        if (!(double.IsFinite(MinSeconds) && MinSeconds >= 0)) throw Bad(nameof(MinSeconds), $"{MinSeconds} s must be a finite number of seconds, at least 0");
        if (MinOnsets < 0) throw Bad(nameof(MinOnsets), $"{MinOnsets} must be at least 0");
        if (!(double.IsFinite(OnsetPeakRadiusSeconds) && OnsetPeakRadiusSeconds > 0)) throw Bad(nameof(OnsetPeakRadiusSeconds), $"{OnsetPeakRadiusSeconds} s must be positive");
        if (!(double.IsFinite(MinOnsetDb) && MinOnsetDb >= 0)) throw Bad(nameof(MinOnsetDb), $"{MinOnsetDb} dB must be finite and at least 0");
        if (!(MinPeriodicity >= 0 && MinPeriodicity < 1)) throw Bad(nameof(MinPeriodicity), $"{MinPeriodicity} must lie in [0, 1)");
        if (!(double.IsFinite(MinPeriodicityZ) && MinPeriodicityZ >= 0)) throw Bad(nameof(MinPeriodicityZ), $"{MinPeriodicityZ} must be finite and at least 0");
        if (!(double.IsFinite(DetrendSeconds) && DetrendSeconds > 0)) throw Bad(nameof(DetrendSeconds), $"{DetrendSeconds} s must be positive");
        if (!(double.IsFinite(SlowestBpm) && SlowestBpm > 0 && double.IsFinite(FastestBpm) && FastestBpm > SlowestBpm))
            throw Bad(nameof(FastestBpm), $"the beat range {SlowestBpm}–{FastestBpm} BPM must be positive and increasing");
        return this;
    }

    private static EquiTempoException Bad(string setting, string problem) =>
        EquiTempoException.InvalidSetting($"tempo evidence {setting}", problem);
}

/// <summary>What a track's onset-strength envelope shows: its length, its onsets and how periodic they are.</summary>
/// <param name="DurationSeconds">Length of the input.</param>
/// <param name="Frames">Envelope frames the periodicity was measured over.</param>
/// <param name="Onsets">Onsets found (see <see cref="TempoEvidenceConfig.OnsetPeakRadiusSeconds"/>).</param>
/// <param name="Periodicity">Autocorrelation of the detrended envelope at <paramref name="PeriodBpm"/>, relative to lag
/// 0: 1 = the envelope repeats exactly, about 1/√frames for noise.</param>
/// <param name="PeriodBpm">The beat rate of that lag (not a tempo estimate: it may be a bar or a subdivision).</param>
public sealed record TempoEvidence(double DurationSeconds, int Frames, int Onsets, double Periodicity, double PeriodBpm)
{
    /// <summary>Periodicity in units of its spread for noise of the same length.</summary>
    public double PeriodicityZ => Periodicity * Math.Sqrt(Frames);
}

/// <summary>
/// Decides from evidence whether a track has a tempo at all, the same way for every method: long enough, enough
/// onsets, and onsets more periodic than chance (<see cref="TempoEvidenceConfig"/>). A method measures
/// <see cref="TempoEvidence"/> from an onset-strength envelope (<see cref="OnsetStrength"/>) and calls
/// <see cref="Check"/>, which raises <see cref="NoTempoException"/> with the reason rather than let a tempo be made
/// up from a prior or a network's habit. Thread-safe (immutable).
/// </summary>
public sealed class TempoEvidenceGate
{
    public TempoEvidenceConfig Config { get; }

    public TempoEvidenceGate(TempoEvidenceConfig? config = null) => Config = (config ?? new TempoEvidenceConfig()).Validated();

    /// <summary>The evidence in <paramref name="envelope"/> (onset strength at <paramref name="framesPerSecond"/>) of an
    /// input <paramref name="durationSeconds"/> long.</summary>
    public TempoEvidence Measure(ReadOnlySpan<float> envelope, double framesPerSecond, double durationSeconds)
    {
        if (!(framesPerSecond > 0)) throw new ArgumentOutOfRangeException(nameof(framesPerSecond), framesPerSecond, "frame rate must be positive");
        int n = envelope.Length;
        var (periodicity, lag) = Periodicity(envelope, framesPerSecond);
        return new TempoEvidence(durationSeconds, n, CountOnsets(envelope, framesPerSecond), periodicity, lag > 0 ? 60 * framesPerSecond / lag : 0);
    }

    /// <summary>Why <paramref name="evidence"/> shows no tempo, or null when it shows one.</summary>
    public string? Refusal(TempoEvidence evidence)
    {
        var c = Config;
        if (evidence.DurationSeconds < c.MinSeconds)
            return $"too short: {evidence.DurationSeconds:0.###} s, at least {c.MinSeconds:0.##} s is needed for a tempo";
        if (evidence.Onsets < c.MinOnsets)
            return $"too few onsets: {evidence.Onsets} found, at least {c.MinOnsets} are needed for a tempo (a steady tone, DC or isolated clicks have none to repeat)";
        double needed = Math.Max(c.MinPeriodicity, evidence.Frames > 0 ? c.MinPeriodicityZ / Math.Sqrt(evidence.Frames) : 1);
        if (!(evidence.Periodicity >= needed))
            return $"no periodic onsets: the onsets' periodicity is {evidence.Periodicity:0.000}, at least {needed:0.000} is needed " +
                   "(noise and randomly timed sounds stay below it)";
        return null;
    }

    /// <summary>Raises <see cref="NoTempoException"/> for <paramref name="name"/> when <paramref name="evidence"/> shows no tempo.</summary>
    public void Check(string name, TempoEvidence evidence)
    {
        if (Refusal(evidence) is string reason) throw new NoTempoException(name, $"{reason}: no tempo to estimate");
    }

    private int CountOnsets(ReadOnlySpan<float> env, double framesPerSecond)
    {
        int n = env.Length;
        if (n == 0) return 0;
        double mean = 0, sq = 0;
        foreach (var v in env) mean += v;
        mean /= n;
        foreach (var v in env) sq += (v - mean) * (v - mean);
        double threshold = Math.Max(Config.MinOnsetDb, mean + Math.Sqrt(sq / n));
        int radius = Math.Max(1, (int)Math.Round(Config.OnsetPeakRadiusSeconds * framesPerSecond));
        int onsets = 0;
        for (int t = 0; t < n; t++)
        {
            if (!(env[t] > threshold)) continue;
            bool peak = true;
            // Ties go to the first frame of a plateau, so a flat-topped onset counts once.
            for (int d = 1; d <= radius && peak; d++)
                peak = (t - d < 0 || env[t - d] < env[t]) && (t + d >= n || env[t + d] <= env[t]);
            if (peak) onsets++;
        }
        return onsets;
    }

    private (double Value, int Lag) Periodicity(ReadOnlySpan<float> env, double framesPerSecond)
    {
        int n = env.Length;
        if (n < 2) return (0, 0);
        int reach = Math.Max(1, (int)Math.Round(Config.DetrendSeconds * framesPerSecond));
        var prefix = new double[n + 1];
        for (int t = 0; t < n; t++) prefix[t + 1] = prefix[t] + env[t];
        var e = new double[n];
        double energy = 0;
        for (int t = 0; t < n; t++)
        {
            int a = Math.Max(0, t - reach), b = Math.Min(n, t + reach + 1);
            e[t] = env[t] - (prefix[b] - prefix[a]) / (b - a);
            energy += e[t] * e[t];
        }
        if (!(energy > 0)) return (0, 0);
        int shortest = Math.Max(1, (int)Math.Floor(60 * framesPerSecond / Config.FastestBpm));
        int longest = Math.Min(n - 1, (int)Math.Ceiling(60 * framesPerSecond / Config.SlowestBpm));
        double best = 0;
        int bestLag = 0;
        for (int lag = shortest; lag <= longest; lag++)
        {
            double s = 0;
            for (int t = 0; t + lag < n; t++) s += e[t] * e[t + lag];
            s /= energy;
            if (s > best) { best = s; bestLag = lag; }
        }
        return (best, bestLag);
    }
}
