using System.Globalization;
using EquiTempo.Audio;

namespace EquiTempo.Training.Synthesis;

/// <summary>What one track of a realistic render set is made of; all drawn from the set's seed by <see cref="MixRenderer.Plan"/>.</summary>
public sealed record MixTrackPlan(int Index, RhythmStyle Style, double Bpm, int Seed, TimbreSource Synth, TimbreSource? Kit, ProductionConfig Production)
{
    /// <summary>The timbre source(s) for the index: the synthesiser, plus "+kit" when a drum kit plays the drums.</summary>
    public string SourceName => Kit is null ? Synth.Name : $"{Synth.Name}+{Kit.Name}";
    /// <summary>File name without extension, e.g. "mix0007_twelve-eight_63.10bpm".</summary>
    public string Stem => string.Create(CultureInfo.InvariantCulture, $"mix{Index:D4}_{Style.Name}_{Bpm:F2}bpm");
}

/// <summary>
/// Renders realistic label-free training audio: songs composed in a <see cref="RhythmStyle"/>, played by a General
/// MIDI synthesiser (and, for some songs, a separate drum kit), produced with a <see cref="ProductionChain"/>, written
/// as a 16-bit mono WAV with a <c>.beats</c> file of the felt beats ("time TAB beat-number", 1 = downbeat).
/// </summary>
public static class MixRenderer
{
    public const string Kind = "rendered-mix";

    /// <summary>
    /// Plans <paramref name="count"/> tracks. Styles and synthesisers are balanced: each is dealt in turn from a list
    /// reshuffled every round. A drum style gets a drum kit from <paramref name="kits"/> (also dealt in turn) with
    /// chance <paramref name="kitProbability"/>; otherwise the synthesiser's own General MIDI kit plays. The felt tempo
    /// is log-uniform over the style's range cut to [<paramref name="minBpm"/>, <paramref name="maxBpm"/>].
    /// </summary>
    public static List<MixTrackPlan> Plan(int count, int seed, IReadOnlyList<RhythmStyle> styles, IReadOnlyList<TimbreSource> synths,
        IReadOnlyList<TimbreSource> kits, double kitProbability = 0.5, bool produce = true, double minBpm = 50, double maxBpm = 220)
    {
        if (count < 1) throw EquiTempoException.InvalidSetting(nameof(count), $"must be at least 1 (got {count})");
        if (styles.Count == 0) throw EquiTempoException.InvalidSetting("styles", "no rhythm style given");
        if (synths.Count == 0) throw EquiTempoException.InvalidSetting("sources", "no synthesiser source given (a drum kit alone cannot play a song)");
        if (synths.FirstOrDefault(s => s.IsDrumKit) is { } k) throw EquiTempoException.InvalidSetting("sources", $"{k.Name} is a drum kit, not a synthesiser");
        if (kits.FirstOrDefault(s => !s.IsDrumKit) is { } m) throw EquiTempoException.InvalidSetting("kits", $"{m.Name} is a synthesiser, not a drum kit");
        if (!(kitProbability >= 0 && kitProbability <= 1)) throw EquiTempoException.InvalidSetting("kit probability", $"must be in [0, 1] (got {kitProbability})");
        foreach (var st in styles)
            if (Math.Max(st.MinBpm, minBpm) > Math.Min(st.MaxBpm, maxBpm))
                throw EquiTempoException.InvalidSetting("styles", $"style {st.Name} plays {st.MinBpm}–{st.MaxBpm} BPM, outside the tempo range {minBpm}–{maxBpm}");
        var rng = new Random(seed);
        var styleDeck = new Deck<RhythmStyle>(styles, rng);
        var synthDeck = new Deck<TimbreSource>(synths, rng);
        var kitDeck = kits.Count > 0 ? new Deck<TimbreSource>(kits, rng) : null;
        var plans = new List<MixTrackPlan>(count);
        for (int i = 0; i < count; i++)
        {
            var style = styleDeck.Next();
            double lo = Math.Max(style.MinBpm, minBpm), hi = Math.Min(style.MaxBpm, maxBpm);
            double bpm = Math.Round(lo * Math.Pow(hi / lo, rng.NextDouble()), 3);
            var synth = synthDeck.Next();
            TimbreSource? kit = style.HasDrums && kitDeck is not null && rng.NextDouble() < kitProbability ? kitDeck.Next() : null;
            var production = produce ? ProductionConfig.Draw(rng) : new ProductionConfig();
            plans.Add(new MixTrackPlan(i, style, bpm, DeterministicSeed.Mix(seed, i), synth, kit, production));
        }
        return plans;
    }

    /// <summary>Renders <paramref name="plan"/>: the mono samples at <see cref="TimbreSource.SampleRate"/> and the song (its beats).</summary>
    public static (float[] Samples, StyledSong Song) Render(MixTrackPlan plan, double seconds, string scratchDir, string subject, CancellationToken ct = default)
    {
        Directory.CreateDirectory(scratchDir);
        var song = StyledSongComposer.Compose(plan.Style, plan.Bpm, plan.Seed, seconds, plan.Synth.Programs);
        var rng = new Random(plan.Seed);
        var music = plan.Synth.Render(song, withDrums: plan.Kit is null, scratchDir, ct);
        if (plan.Kit is not null)
        {
            var drums = plan.Kit.Render(song, withDrums: true, scratchDir, ct);
            double rm = Rms(music), rd = Rms(drums);
            // Drums between 4 dB under and 4 dB over the rest of the band (by RMS).
            float g = rd > 0 && rm > 0 ? (float)(rm / rd * Math.Pow(10, (rng.NextDouble() * 8 - 4) / 20)) : 1f;
            for (int i = 0; i < music.Length; i++) music[i] += g * drums[i];
        }
        var produced = new ProductionChain(plan.Production).Apply(music, TimbreSource.SampleRate, plan.Seed, scratchDir, subject, ct);
        return (produced, song);
    }

    /// <summary>Renders and writes DIR/stem.wav and DIR/stem.beats; returns the index row. An existing WAV with its
    /// beat file is kept (an interrupted run continues), the beat file is rewritten.</summary>
    public static RenderIndexRow RenderTo(MixTrackPlan plan, double seconds, string outDir, CancellationToken ct = default)
    {
        string wav = Path.Combine(outDir, plan.Stem + ".wav"), beats = Path.Combine(outDir, plan.Stem + ".beats");
        if (!File.Exists(wav))
        {
            var (samples, _) = Render(plan, seconds, Path.Combine(outDir, ".scratch"), wav, ct);
            var tmp = wav + ".tmp";
            WavWriter.WriteMono16(tmp, samples, TimbreSource.SampleRate);
            File.Move(tmp, wav, true);
        }
        WriteBeats(beats, StyledSongComposer.BeatsOf(plan.Style, StyledSongComposer.BeatSeconds(plan.Style, plan.Bpm), seconds));
        return new RenderIndexRow(plan.Stem + ".wav", plan.Bpm, Kind, Instruments: null, Beats: plan.Stem + ".beats",
            Source: plan.SourceName, Style: plan.Style.Name, Production: plan.Production.Describe());
    }

    /// <summary>Writes a <c>.beats</c> file: one line per beat, "time TAB number" (seconds with 6 decimals; 1 = downbeat).</summary>
    public static void WriteBeats(string path, IEnumerable<Beat> beats) =>
        File.WriteAllLines(path, beats.Select(b => string.Create(CultureInfo.InvariantCulture, $"{b.Time:F6}\t{b.Number}")));

    private static double Rms(float[] x)
    {
        double s = 0;
        foreach (var v in x) s += (double)v * v;
        return Math.Sqrt(s / Math.Max(1, x.Length));
    }

    /// <summary>Deals items in turn from a list reshuffled (from the plan's RNG) every time it runs out.</summary>
    private sealed class Deck<T>(IReadOnlyList<T> items, Random rng)
    {
        private readonly List<T> _left = new();

        public T Next()
        {
            if (_left.Count == 0)
            {
                _left.AddRange(items);
                for (int i = _left.Count - 1; i > 0; i--) { int j = rng.Next(i + 1); (_left[i], _left[j]) = (_left[j], _left[i]); }
            }
            var x = _left[^1];
            _left.RemoveAt(_left.Count - 1);
            return x;
        }
    }
}
