namespace EquiTempo.Training.LogTempo;

/// <summary>
/// Augmentations for the invariance loss, on the waveform. Defaults: ±6 dB gain, a two-band EQ (one-pole split at
/// 200 Hz–4 kHz, each side ±9 dB) and white noise 10–40 dB below the excerpt's RMS. Why: the log-tempogram is built from
/// the rise of log-mel, so a gain or a fixed EQ cancels in it except where they move sound against the noise floor; the
/// noise is what changes the onsets' contrast, as a poor recording or a busy mix does. Not done: codecs, another excerpt.
/// </summary>
public sealed record AugmentConfig(double GainDb = 6, double EqDb = 9, double MinSplitHz = 200, double MaxSplitHz = 4000, double MinSnrDb = 10, double MaxSnrDb = 40)
{
    public AugmentConfig Validated()
    {
        if (!(GainDb >= 0 && GainDb <= 40)) throw EquiTempoException.InvalidSetting(nameof(GainDb), $"must lie in 0–40 dB (got {GainDb})");
        if (!(EqDb >= 0 && EqDb <= 40)) throw EquiTempoException.InvalidSetting(nameof(EqDb), $"must lie in 0–40 dB (got {EqDb})");
        if (!(MinSplitHz > 0 && MinSplitHz <= MaxSplitHz)) throw EquiTempoException.InvalidSetting(nameof(MinSplitHz), $"must be positive and not above MaxSplitHz (got {MinSplitHz}–{MaxSplitHz})");
        if (!(MinSnrDb <= MaxSnrDb) || !double.IsFinite(MinSnrDb) || !double.IsFinite(MaxSnrDb)) throw EquiTempoException.InvalidSetting(nameof(MinSnrDb), $"must not exceed MaxSnrDb (got {MinSnrDb}–{MaxSnrDb})");
        return this;
    }
}

/// <summary>Applies <see cref="AugmentConfig"/>'s random gain, EQ and noise; thread-safe (the caller passes its Random).</summary>
public sealed class ViewAugmenter(AugmentConfig? config = null)
{
    public AugmentConfig Config { get; } = (config ?? new AugmentConfig()).Validated();

    public float[] Apply(float[] x, int sampleRate, Random rng)
    {
        double U(double lo, double hi) => lo + (hi - lo) * rng.NextDouble();
        double Db(double db) => Math.Pow(10, db / 20);
        double gain = Db(U(-Config.GainDb, Config.GainDb)), low = Db(U(-Config.EqDb, Config.EqDb)), high = Db(U(-Config.EqDb, Config.EqDb));
        double split = Math.Exp(U(Math.Log(Config.MinSplitHz), Math.Log(Config.MaxSplitHz)));
        double a = Math.Exp(-2 * Math.PI * split / sampleRate), state = 0, energy = 0;
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            state = (1 - a) * x[i] + a * state;
            double v = low * state + high * (x[i] - state);
            y[i] = (float)v;
            energy += v * v;
        }
        double sigma = Math.Sqrt(energy / Math.Max(1, x.Length)) * Db(-U(Config.MinSnrDb, Config.MaxSnrDb));
        for (int i = 0; i < y.Length; i++)
        {
            // Uniform noise of the same variance as N(0, σ²): the flux cannot tell the difference and it is cheaper.
            double noise = (2 * rng.NextDouble() - 1) * Math.Sqrt(3) * sigma;
            y[i] = (float)(gain * (y[i] + noise));
        }
        return y;
    }
}
