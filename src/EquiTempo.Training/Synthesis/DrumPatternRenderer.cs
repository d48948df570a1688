namespace EquiTempo.Training.Synthesis;

/// <summary>Settings of rendered rhythm examples (audio whose tempo is known by construction).</summary>
public sealed record DrumRenderConfig(int SampleRate = 44100, double Seconds = 14.0, double Swing = 0.0);

/// <summary>
/// Renders drum patterns at an exact tempo with synthesised kick, snare, hi-hat and click voices, so
/// the program can make its own labelled audio (label-free calibration, tests). Patterns and timbres
/// vary with the seed; the beat (quarter note) is always at the requested BPM.
/// </summary>
public static class DrumPatternRenderer
{
    /// <summary>Pattern steps are sixteenth notes over one 4/4 bar: K kick, S snare, H hat, O open hat, C click, '.' rest.
    /// Several voices per step are allowed ("KH").</summary>
    public static readonly string[][] Patterns =
    {
        new[] { "KH", "H", "SH", "H", "KH", "H", "SH", "H" }.SelectMany(s => new[] { s, "." }).ToArray(),      // rock, 8th hats
        new[] { "KH", ".", "H", ".", "KSH", ".", "H", ".", "KH", ".", "H", ".", "KSH", ".", "H", "." },         // four on the floor, backbeat
        new[] { "KH", "H", "H", "H", "SH", "H", "H", "KH", "H", "KH", "H", "H", "SH", "H", "H", "H" },          // 16th hats, syncopated kick
        new[] { "K", ".", ".", ".", "S", ".", ".", ".", "K", ".", "K", ".", "S", ".", ".", "." },              // sparse
        new[] { "C", ".", ".", ".", "C", ".", ".", ".", "C", ".", ".", ".", "C", ".", ".", "." },              // click track
        new[] { "KO", ".", "H", "K", "S", ".", "H", ".", "KO", ".", "H", "K", "S", ".", "H", "H" },           // funk
    };

    public static float[] Render(double bpm, int seed, DrumRenderConfig? config = null, int? patternIndex = null)
    {
        var cfg = config ?? new DrumRenderConfig();
        if (!(bpm > 0) || !double.IsFinite(bpm)) throw EquiTempoException.InvalidSetting(nameof(bpm), $"must be a finite tempo > 0 (got {bpm})");
        // The samples are one array: a length past int.MaxValue (about 13 hours at 44.1 kHz) cannot be rendered.
        if (!(cfg.Seconds > 0) || cfg.Seconds * cfg.SampleRate >= int.MaxValue)
            throw EquiTempoException.InvalidSetting(nameof(cfg.Seconds), $"must be > 0 and fit one array of samples (got {cfg.Seconds} s)");
        var rng = new Random(seed);
        var pattern = Patterns[patternIndex ?? rng.Next(Patterns.Length)];
        int n = (int)(cfg.Seconds * cfg.SampleRate);
        var y = new float[n];
        double stepSec = 60.0 / bpm / 4;
        var voices = new Dictionary<char, float[]>
        {
            ['K'] = Kick(cfg.SampleRate, 45 + rng.NextDouble() * 25, 0.25 + rng.NextDouble() * 0.2),
            ['S'] = Snare(cfg.SampleRate, rng),
            ['H'] = Hat(cfg.SampleRate, rng, 0.03 + rng.NextDouble() * 0.03),
            ['O'] = Hat(cfg.SampleRate, rng, 0.15 + rng.NextDouble() * 0.1),
            ['C'] = Click(cfg.SampleRate, 1000 + rng.NextDouble() * 1500),
        };
        var gain = new Dictionary<char, float> { ['K'] = 0.9f, ['S'] = 0.6f, ['H'] = 0.25f, ['O'] = 0.25f, ['C'] = 0.7f };
        double offset = rng.NextDouble() * stepSec * 4;
        for (int step = 0; ; step++)
        {
            double t = offset + step * stepSec + (step % 2 == 1 ? cfg.Swing * stepSec : 0);
            int at = (int)(t * cfg.SampleRate);
            if (at >= n) break;
            foreach (char v in pattern[step % pattern.Length])
            {
                if (!voices.TryGetValue(v, out var voice)) continue;
                float g = gain[v] * (0.8f + 0.2f * (float)rng.NextDouble()) * (step % 4 == 0 ? 1f : 0.85f);
                for (int k = 0; k < voice.Length && at + k < n; k++) y[at + k] += g * voice[k];
            }
        }
        float peak = y.Max(v => Math.Abs(v));
        if (peak > 0.99f) for (int k = 0; k < n; k++) y[k] *= 0.99f / peak;
        return y;
    }

    private static float[] Kick(int sr, double baseHz, double decay)
    {
        int len = (int)(decay * sr);
        var x = new float[len];
        double phase = 0;
        for (int k = 0; k < len; k++)
        {
            double t = (double)k / sr;
            double f = baseHz + 120 * Math.Exp(-t * 40);            // pitch drop gives the thump
            phase += 2 * Math.PI * f / sr;
            x[k] = (float)(Math.Sin(phase) * Math.Exp(-t * 6 / decay));
        }
        return x;
    }

    private static float[] Snare(int sr, Random rng)
    {
        int len = (int)(0.2 * sr);
        var x = new float[len];
        double tone = 180 + rng.NextDouble() * 80;
        for (int k = 0; k < len; k++)
        {
            double t = (double)k / sr;
            x[k] = (float)((rng.NextDouble() * 2 - 1) * 0.7 * Math.Exp(-t * 25) + 0.4 * Math.Sin(2 * Math.PI * tone * t) * Math.Exp(-t * 30));
        }
        return x;
    }

    private static float[] Hat(int sr, Random rng, double decay)
    {
        int len = (int)(decay * 3 * sr);
        var x = new float[len];
        double prev = 0;
        for (int k = 0; k < len; k++)
        {
            double w = rng.NextDouble() * 2 - 1;
            double hp = w - prev;                                    // first difference: a crude high-pass, enough for a hat
            prev = w;
            x[k] = (float)(hp * 0.5 * Math.Exp(-(double)k / sr / decay));
        }
        return x;
    }

    private static float[] Click(int sr, double hz)
    {
        int len = (int)(0.02 * sr);
        var x = new float[len];
        for (int k = 0; k < len; k++) x[k] = (float)(Math.Sin(2 * Math.PI * hz * k / sr) * Math.Exp(-(double)k / sr * 300));
        return x;
    }
}
