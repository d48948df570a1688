using System.Globalization;
using EquiTempo.Audio;

namespace EquiTempo.Training.Synthesis;

/// <summary>A lossy codec the production chain encodes to and decodes back from (with ffmpeg).</summary>
public enum LossyCodec { None, Opus, Mp3 }

/// <summary>One peaking EQ band (sox <c>equalizer</c>): centre frequency, width in octaves, gain in dB.</summary>
public sealed record EqBand(double Hz, double Octaves, double GainDb);

/// <summary>
/// Settings of <see cref="ProductionChain"/>. Null (or empty) turns a stage off. Ranges are checked by <see cref="Validate"/>.
/// </summary>
public sealed record ProductionConfig
{
    /// <summary>sox <c>reverb</c> reverberance, 0–100 (no pre-delay, so the dry signal keeps its time).</summary>
    public double? Reverb { get; init; }
    public IReadOnlyList<EqBand> Eq { get; init; } = Array.Empty<EqBand>();
    /// <summary>sox <c>compand</c> as a compressor/limiter with zero look-ahead delay.</summary>
    public bool Compress { get; init; }
    /// <summary>sox <c>overdrive</c> gain in dB, 0–40 (saturation).</summary>
    public double? Overdrive { get; init; }
    /// <summary>The peak level of the music, dBFS, −40 to 0.</summary>
    public double LevelDb { get; init; } = -1;
    /// <summary>An added noise floor (pink-ish noise), RMS dBFS, −100 to −20.</summary>
    public double? NoiseDb { get; init; }
    public LossyCodec Codec { get; init; } = LossyCodec.None;
    /// <summary>Bit rate of the lossy encode, 16–320 kbit/s.</summary>
    public int BitrateKbps { get; init; } = 96;

    /// <summary>Throws an <see cref="EquiTempoException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        static void Range(string what, double v, double lo, double hi)
        {
            if (!double.IsFinite(v) || v < lo || v > hi) throw EquiTempoException.InvalidSetting(what, $"must be in [{lo}, {hi}] (got {v})");
        }
        if (Reverb is { } r) Range("reverb", r, 0, 100);
        foreach (var b in Eq)
        {
            Range("eq frequency", b.Hz, 20, 20000);
            Range("eq width (octaves)", b.Octaves, 0.1, 5);
            Range("eq gain", b.GainDb, -24, 24);
        }
        if (Overdrive is { } o) Range("overdrive", o, 0, 40);
        Range("level", LevelDb, -40, 0);
        if (NoiseDb is { } n) Range("noise", n, -100, -20);
        if (Codec != LossyCodec.None) Range("bitrate", BitrateKbps, 16, 320);
        if (!Enum.IsDefined(Codec)) throw EquiTempoException.InvalidSetting("codec", $"unknown codec {Codec}");
    }

    public bool UsesSox => Reverb is not null || Eq.Count > 0 || Compress || Overdrive is not null;

    /// <summary>A short description for the index, e.g. "eq2 comp rev35 noise-62 opus64 -3dB"; "clean" when nothing is applied.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Eq.Count > 0) parts.Add($"eq{Eq.Count}");
        if (Overdrive is { } o) parts.Add($"od{o:F0}");
        if (Compress) parts.Add("comp");
        if (Reverb is { } r) parts.Add($"rev{r:F0}");
        if (NoiseDb is { } n) parts.Add($"noise{n:F0}");
        if (Codec != LossyCodec.None) parts.Add($"{Codec.ToString().ToLowerInvariant()}{BitrateKbps}");
        parts.Add($"{LevelDb:F0}dB");
        return string.Join(' ', parts).Replace(',', '.');
    }

    /// <summary>A random production: each stage on with some chance (EQ 70 %, reverb 50 %, compression 50 %,
    /// saturation 20 %, noise 50 %, Opus 35 %, MP3 30 %).</summary>
    public static ProductionConfig Draw(Random rng)
    {
        double U(double lo, double hi) => lo + (hi - lo) * rng.NextDouble();
        var eq = rng.NextDouble() < 0.7
            ? Enumerable.Range(0, 1 + rng.Next(3)).Select(_ => new EqBand(Math.Round(60 * Math.Pow(8000 / 60.0, rng.NextDouble())), Math.Round(U(0.5, 2), 2), Math.Round(U(-9, 6), 1))).ToArray()
            : Array.Empty<EqBand>();
        double codec = rng.NextDouble();
        return new ProductionConfig
        {
            Eq = eq,
            Reverb = rng.NextDouble() < 0.5 ? Math.Round(U(15, 70)) : null,
            Compress = rng.NextDouble() < 0.5,
            Overdrive = rng.NextDouble() < 0.2 ? Math.Round(U(3, 15)) : null,
            LevelDb = Math.Round(U(-12, -0.5), 1),
            NoiseDb = rng.NextDouble() < 0.5 ? Math.Round(U(-75, -45)) : null,
            Codec = codec < 0.35 ? LossyCodec.Opus : codec < 0.65 ? LossyCodec.Mp3 : LossyCodec.None,
            BitrateKbps = codec < 0.35 ? 32 + 16 * rng.Next(7) : 64 + 32 * rng.Next(5),
        };
    }
}

/// <summary>
/// Makes a render sound produced: sox effects (equalizer, overdrive, compand, reverb), a level, an added noise
/// floor, and a lossy encode→decode (ffmpeg: libopus or libmp3lame). The output has the input's length and time
/// line: no effect has look-ahead or pre-delay, reverb tails past the end are cut, and the codecs' encoder delay is
/// removed by the decoder (Opus pre-skip, the LAME gapless header), so beat times stay valid. Deterministic for a
/// given config and seed (sox runs in repeatable mode; the noise comes from the seed).
/// </summary>
public sealed class ProductionChain
{
    private readonly string? _sox, _ffmpeg;

    public ProductionChain(ProductionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        if (config.UsesSox) _sox = TimbreSource.RequireTool("sox", "sox");
        if (config.Codec != LossyCodec.None) _ffmpeg = TimbreSource.RequireTool("ffmpeg", "ffmpeg");
    }

    public ProductionConfig Config { get; }

    /// <summary>The sox effect chain (arguments after the output file).</summary>
    internal IReadOnlyList<string> SoxEffects()
    {
        var c = Config;
        var a = new List<string>();
        string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
        foreach (var b in c.Eq) a.AddRange(new[] { "equalizer", F(b.Hz), F(b.Octaves) + "o", F(b.GainDb) });
        if (c.Overdrive is { } o) a.AddRange(new[] { "overdrive", F(o), "20" });
        // attack,decay  knee:transfer points  make-up gain  initial level  delay 0 (no look-ahead, no latency)
        if (c.Compress) a.AddRange(new[] { "compand", "0.005,0.12", "6:-70,-70,-40,-28,-20,-14,0,-5", "0", "-90", "0" });
        // reverberance, HF damping, room scale, stereo depth, pre-delay 0 ms, wet gain
        if (c.Reverb is { } r) a.AddRange(new[] { "reverb", F(r), "50", "70", "100", "0", "-4" });
        return a;
    }

    /// <summary>Applies the chain to mono <paramref name="x"/> at <paramref name="sampleRate"/>; <paramref name="subject"/>
    /// (the output file) is named in errors.</summary>
    public float[] Apply(float[] x, int sampleRate, int seed, string scratchDir, string subject, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(x);
        Directory.CreateDirectory(scratchDir);
        double seconds = (double)x.Length / sampleRate;
        float[] y = x;
        if (_sox is not null)
        {
            string inWav = TimbreSource.Scratch(scratchDir, ".wav"), outWav = TimbreSource.Scratch(scratchDir, ".wav");
            try
            {
                // 12 dB of headroom first, so EQ boosts and reverb do not clip inside sox (the level is set afterwards).
                float peak = PeakOf(y);
                var scaled = y.Select(v => peak > 0 ? v * 0.25f / peak : v).ToArray();
                WavWriter.WriteFloat(inWav, scaled, sampleRate, 1);
                var args = new List<string> { "-R", "-V1", inWav, "-e", "floating-point", "-b", "32", outWav };
                args.AddRange(SoxEffects());
                TimbreSource.RunTool(_sox, args, subject, outWav, ct);
                y = TimbreSource.FitLength(AudioDecoder.DecodeMono(outWav, sampleRate, ct: ct).Samples, x.Length);
            }
            finally { File.Delete(inWav); File.Delete(outWav); }
        }
        // Level, then the noise floor (relative to full scale), then a hard limit at ±1.
        float p = PeakOf(y);
        float gain = p > 0 ? (float)(Math.Pow(10, Config.LevelDb / 20) / p) : 0f;
        var z = new float[y.Length];
        for (int i = 0; i < z.Length; i++) z[i] = y[i] * gain;
        if (Config.NoiseDb is { } noiseDb) AddNoise(z, noiseDb, seed);
        for (int i = 0; i < z.Length; i++) z[i] = Math.Clamp(z[i], -1f, 1f);
        if (_ffmpeg is not null) z = EncodeDecode(z, sampleRate, scratchDir, subject, ct);
        return z;
    }

    private float[] EncodeDecode(float[] x, int sampleRate, string scratchDir, string subject, CancellationToken ct)
    {
        string ext = Config.Codec == LossyCodec.Opus ? ".opus" : ".mp3";
        string codec = Config.Codec == LossyCodec.Opus ? "libopus" : "libmp3lame";
        string inWav = TimbreSource.Scratch(scratchDir, ".wav"), coded = TimbreSource.Scratch(scratchDir, ext);
        try
        {
            WavWriter.WriteMono16(inWav, x, sampleRate);
            TimbreSource.RunTool(_ffmpeg!, new[] { "-nostdin", "-v", "error", "-y", "-i", inWav, "-c:a", codec, "-b:a", $"{Config.BitrateKbps}k", "-map_metadata", "-1", coded }, subject, coded, ct);
            return TimbreSource.FitLength(AudioDecoder.DecodeMono(coded, sampleRate, ct: ct).Samples, x.Length);
        }
        finally { File.Delete(inWav); File.Delete(coded); }
    }

    /// <summary>Adds noise at <paramref name="db"/> RMS dBFS: white noise through a one-pole low-pass mixed with the white (a darker, tape-like floor).</summary>
    private static void AddNoise(float[] z, double db, int seed)
    {
        var rng = new Random(seed ^ 0x5eed);
        var n = new float[z.Length];
        double lp = 0, sum = 0;
        for (int i = 0; i < n.Length; i++)
        {
            double w = rng.NextDouble() * 2 - 1;
            lp = 0.97 * lp + 0.03 * w;
            n[i] = (float)(0.3 * w + 4 * lp);
            sum += (double)n[i] * n[i];
        }
        double rms = Math.Sqrt(sum / Math.Max(1, n.Length));
        if (rms <= 0) return;
        float g = (float)(Math.Pow(10, db / 20) / rms);
        for (int i = 0; i < z.Length; i++) z[i] += g * n[i];
    }

    private static float PeakOf(float[] x)
    {
        float p = 0;
        foreach (var v in x) p = Math.Max(p, Math.Abs(v));
        return p;
    }
}
