using EquiTempo.Audio;
using EquiTempo.Evaluation;
using EquiTempo.Tests.Audio;
using EquiTempo.Training.Synthesis;

namespace EquiTempo.Tests.Synthesis;

/// <summary>A fact that needs sox and ffmpeg on the PATH; skipped with the reason otherwise.</summary>
internal sealed class SoxFactAttribute : FactAttribute
{
    public SoxFactAttribute()
    {
        if (ExternalToolLocator.Find("sox") is null) Skip = "sox is not on the PATH: `apt-get install sox` (the production chain's effects)";
        else if (!AudioTestFiles.HasFfmpeg) Skip = "ffmpeg/ffprobe not on the PATH: run tools/bootstrap.sh (Debian package `ffmpeg`)";
    }
}

public class RealisticRenderTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private const int Sr = TimbreSource.SampleRate;
    private readonly string _dir = Directory.CreateTempSubdirectory("eq-mix-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    /// <summary>A one-shot: <paramref name="silence"/> s of leading silence, then a 40 ms decaying burst (tone plus noise).</summary>
    private string OneShot(string name, double silence, double hz, int seed)
    {
        var rng = new Random(seed);
        int lead = (int)(silence * Sr), len = (int)(0.04 * Sr);
        var x = new float[lead + len];
        for (int k = 0; k < len; k++)
            x[lead + k] = (float)((0.6 * Math.Sin(2 * Math.PI * hz * k / Sr) + 0.4 * (rng.NextDouble() * 2 - 1)) * Math.Exp(-k / (0.008 * Sr)));
        var path = Path.Combine(_dir, name);
        WavWriter.WriteMono16(path, x, Sr);
        return path;
    }

    [Fact]
    public void SampleKit_PutsEnergyAtTheHitTimes_EvenWhenTheSamplesStartWithSilence()
    {
        var kit = new SampleKitSource("kit-test", new Dictionary<int, IReadOnlyList<string>>
        {
            [36] = new[] { OneShot("kick.wav", 0.03, 60, 1) }, [38] = new[] { OneShot("snare.wav", 0.02, 200, 2) }, [42] = new[] { OneShot("hat.wav", 0.05, 6000, 3) },
        }, "test");
        var song = StyledSongComposer.Compose(RhythmStyles.Get("rock"), 100, seed: 3, seconds: 6);
        var y = kit.Render(song, withDrums: true, _dir);
        Assert.Equal(6 * Sr, y.Length);
        float Peak(double from, double to)
        {
            float p = 0;
            for (int i = Math.Max(0, (int)(from * Sr)); i < Math.Min(y.Length, (int)(to * Sr)); i++) p = Math.Max(p, Math.Abs(y[i]));
            return p;
        }
        // Sixteenths at 100 BPM are 150 ms apart and a stroke dies in about 40 ms: before each stroke the kit is quiet.
        foreach (var t in song.DrumHits.Select(h => h.Time).Distinct())
        {
            int onset = Enumerable.Range((int)((t - 0.02) * Sr), (int)(0.04 * Sr)).First(i => i >= 0 && Math.Abs(y[i]) > 0.05f);
            Assert.InRange(onset / (double)Sr - t, -0.010, 0.010);
            Assert.True(Peak(t, t + 0.01) > 0.2f, $"no stroke energy just after {t:F3} s");
        }
    }

    [Fact]
    public void HydrogenInstrumentNames_MapToGeneralMidiNotes()
    {
        Assert.Equal(36, SampleKitSource.NoteForName("Kick (Tama Superstar 22\")"));
        Assert.Equal(36, SampleKitSource.NoteForName("c3 - bass drum 1"));
        Assert.Equal(38, SampleKitSource.NoteForName("Pearl Snare"));
        Assert.Equal(37, SampleKitSource.NoteForName("Pearl Snare Rimshot"));
        Assert.Equal(42, SampleKitSource.NoteForName("Sabian Hat Closed"));
        Assert.Equal(42, SampleKitSource.NoteForName("VariBreaks Hat 1 Cl"));
        Assert.Equal(44, SampleKitSource.NoteForName("Pedal HH"));
        Assert.Equal(46, SampleKitSource.NoteForName("Hi-Hat Open (Paiste Alpha Metal edge 14\")"));
        Assert.Equal(49, SampleKitSource.NoteForName("crash16inch"));
        Assert.Equal(41, SampleKitSource.NoteForName("Tom Low"));
        Assert.Equal(48, SampleKitSource.NoteForName("tomhi2"));
        Assert.Null(SampleKitSource.NoteForName("Ride Bell (Paiste Custom 18\")"));   // a bell, and "Custom" is no tom
        Assert.Null(SampleKitSource.NoteForName("Djembe1 Slap"));
    }

    [Fact]
    public void TimidityConfig_ListsItsPrograms_AndSongsForItUseOnlyThose()
    {
        var programs = TimiditySource.ProgramsIn(new[] { "dir /usr/share/midi/freepats", "drumset 0", " 36\tDrum_000/036_Kick_2.pat", "bank 0", " 0\tTone_000/000_Acoustic_Grand_Piano.pat", " 33 Tone_000/033_Finger_Bass.pat", " 40 x.pat # violin", "drumset 1", " 38 y.pat" });
        Assert.Equal(new[] { 0, 33, 40 }, programs.Order());
        var song = StyledSongComposer.Compose(RhythmStyles.Get("pop"), 100, 1, 4, programs);
        Assert.Equal("harmony 0, bass 33, lead 40", song.Instruments);
    }

    /// <summary>Clicks 0.5 s apart; returns the samples and the click times.</summary>
    private static (float[] X, double[] Times) Clicks(double seconds)
    {
        var x = new float[(int)(seconds * Sr)];
        var times = Enumerable.Range(0, (int)(seconds / 0.5) - 1).Select(k => 0.25 + 0.5 * k).ToArray();
        foreach (var t in times)
            for (int k = 0; k < (int)(0.03 * Sr); k++) x[(int)(t * Sr) + k] += (float)(Math.Sin(2 * Math.PI * 1500 * k / Sr) * Math.Exp(-k / (0.004 * Sr)));
        return (x, times);
    }

    /// <summary>The lag (s) of <paramref name="y"/> behind <paramref name="x"/> that best aligns their envelopes, searched over ±10 ms.</summary>
    private static double Lag(float[] x, float[] y)
    {
        int max = Sr / 100, best = 0;
        double bestScore = double.NegativeInfinity;
        for (int lag = -max; lag <= max; lag++)
        {
            double s = 0;
            for (int i = Math.Max(0, -lag); i < x.Length && i + lag < y.Length; i += 4) s += Math.Abs(x[i]) * Math.Abs(y[i + lag]);
            if (s > bestScore) { bestScore = s; best = lag; }
        }
        return best / (double)Sr;
    }

    [SoxFact]
    public void ProductionChain_KeepsTheLengthAndTheBeatTimes_ThroughEffectsAndBothCodecs()
    {
        var (x, times) = Clicks(3);
        foreach (var codec in new[] { LossyCodec.None, LossyCodec.Opus, LossyCodec.Mp3 })
        {
            var config = new ProductionConfig
            {
                Eq = new[] { new EqBand(300, 1, 4), new EqBand(4000, 2, -6) }, Overdrive = 6, Compress = true, Reverb = 40,
                LevelDb = -3, NoiseDb = -60, Codec = codec, BitrateKbps = 96,
            };
            var y = new ProductionChain(config).Apply(x, Sr, seed: 1, _dir, "test.wav");
            Assert.Equal(x.Length, y.Length);
            double lag = Lag(x, y);
            output.WriteLine($"{codec}: lag {lag * 1000:F3} ms");
            Assert.True(Math.Abs(lag) <= 0.001, $"{codec}: output lags the input by {lag * 1000:F2} ms");
            // Each click is still there, at its time: the output's peak near the click is far above the gaps between clicks.
            foreach (var t in times)
            {
                float near = 0, before = 0;
                for (int i = (int)(t * Sr); i < (int)((t + 0.01) * Sr); i++) near = Math.Max(near, Math.Abs(y[i]));
                for (int i = (int)((t - 0.03) * Sr); i < (int)((t - 0.005) * Sr); i++) before = Math.Max(before, Math.Abs(y[i]));
                Assert.True(near > 3 * before, $"{codec}: click at {t} s: {near:F3} vs {before:F3} before it");
            }
            Assert.Equal(y, new ProductionChain(config).Apply(x, Sr, seed: 1, _dir, "test.wav"));   // deterministic
        }
    }

    [Fact]
    public void ProductionConfig_OutOfRange_NamesTheSetting()
    {
        var e = Assert.Throws<EquiTempoException>(() => new ProductionChain(new ProductionConfig { Reverb = 150 }));
        Assert.Equal(ErrorReason.InvalidSetting, e.Reason);
        Assert.Contains("reverb", e.Message);
        Assert.Contains("eq gain", Assert.Throws<EquiTempoException>(() => new ProductionConfig { Eq = new[] { new EqBand(100, 1, 40) } }.Validate()).Message);
        Assert.Contains("bitrate", Assert.Throws<EquiTempoException>(() => new ProductionConfig { Codec = LossyCodec.Opus, BitrateKbps = 4 }.Validate()).Message);
        var drawn = Enumerable.Range(0, 200).Select(s => ProductionConfig.Draw(new Random(s))).ToList();
        drawn.ForEach(c => c.Validate());
        Assert.Contains(drawn, c => c.Codec == LossyCodec.Opus);
        Assert.Contains(drawn, c => c.Codec == LossyCodec.Mp3);
        Assert.Contains(drawn, c => c.Codec == LossyCodec.None);
    }

    [Fact]
    public void SoxEffects_HaveNoPreDelayAndNoLookAhead()
    {
        var fx = new ProductionChain(new ProductionConfig { Compress = true, Reverb = 30 }).SoxEffects();
        int c = fx.ToList().IndexOf("compand"), r = fx.ToList().IndexOf("reverb");
        Assert.Equal("0", fx[c + 5]);      // compand delay
        Assert.Equal("0", fx[r + 5]);      // reverb pre-delay
    }

    [Fact]
    public void MissingSoundFont_UnknownSource_AndAKitWithoutASnare_AreClearErrors()
    {
        var missing = Path.Combine(_dir, "none.sf2");
        var e = Assert.Throws<EquiTempoException>(() => new FluidSynthSource("x", missing, "fluid-soundfont-gs"));
        Assert.Contains(missing, e.Message);
        Assert.Contains("fluid-soundfont-gs", e.Message);
        var u = Assert.Throws<EquiTempoException>(() => TimbreSources.Get("steinway"));
        Assert.Contains("steinway", u.Message);
        Assert.Contains("timidity-freepats", u.Message);
        var k = Assert.Throws<EquiTempoException>(() => new SampleKitSource("kit-x", new Dictionary<int, IReadOnlyList<string>> { [36] = new[] { OneShot("k.wav", 0, 60, 1) } }, "test"));
        Assert.Contains("38", k.Message);
    }

    /// <summary>A named source that is never rendered: the planner only reads names and kinds.</summary>
    private sealed class Named(string name, bool kit) : TimbreSource(name, "test")
    {
        public override bool IsDrumKit => kit;
        public override float[] Render(StyledSong song, bool withDrums, string scratchDir, CancellationToken ct = default) => throw new NotSupportedException();
    }

    [Fact]
    public void Plan_BalancesStylesAndSources_IsDeterministic_AndKeepsTempiInTheStyleRange()
    {
        var synths = new TimbreSource[] { new Named("a", false), new Named("b", false), new Named("c", false) };
        var kits = new TimbreSource[] { new Named("kit-1", true), new Named("kit-2", true) };
        var plans = MixRenderer.Plan(2 * RhythmStyles.All.Count, 5, RhythmStyles.All, synths, kits);
        Assert.All(plans.GroupBy(p => p.Style.Name), g => Assert.Equal(2, g.Count()));
        Assert.Equal(RhythmStyles.All.Count, plans.Select(p => p.Style.Name).Distinct().Count());
        var perSynth = plans.GroupBy(p => p.Synth.Name).Select(g => g.Count()).ToList();
        Assert.True(perSynth.Max() - perSynth.Min() <= 1, string.Join(",", perSynth));
        Assert.All(plans, p => Assert.InRange(p.Bpm, p.Style.MinBpm, p.Style.MaxBpm));
        Assert.All(plans.Where(p => !p.Style.HasDrums), p => Assert.Null(p.Kit));
        Assert.Contains(plans, p => p.Kit is not null);
        Assert.Contains(plans, p => p.SourceName == $"{p.Synth.Name}+{p.Kit?.Name}");
        var again = MixRenderer.Plan(2 * RhythmStyles.All.Count, 5, RhythmStyles.All, synths, kits);
        Assert.Equal(plans.Select(p => (p.Stem, p.SourceName, p.Seed, p.Production.Describe())), again.Select(p => (p.Stem, p.SourceName, p.Seed, p.Production.Describe())));
        Assert.Throws<EquiTempoException>(() => MixRenderer.Plan(3, 5, RhythmStyles.All, kits, kits));                  // a kit cannot play a song
        var outside = Assert.Throws<EquiTempoException>(() => MixRenderer.Plan(3, 5, new[] { RhythmStyles.Get("drum-n-bass") }, synths, kits, maxBpm: 120));
        Assert.Contains("drum-n-bass", outside.Message);
    }

    [Fact]
    public void MixIndex_RoundTrips_AndReadsAsALabelledSetWithBeats()
    {
        var style = RhythmStyles.Get("six-eight");
        var beats = StyledSongComposer.BeatsOf(style, StyledSongComposer.BeatSeconds(style, 72), 5);
        MixRenderer.WriteBeats(Path.Combine(_dir, "m.beats"), beats);
        Assert.Equal("0.000000\t1", File.ReadLines(Path.Combine(_dir, "m.beats")).First());
        // 72 dotted quarters = 108 quarters a minute: 555 556 µs a quarter in the MIDI file, so 0.833334 s a beat.
        Assert.Equal("0.833334\t2", File.ReadLines(Path.Combine(_dir, "m.beats")).Skip(1).First());
        var rows = new[] { new RenderIndexRow("m.wav", 72, MixRenderer.Kind, Beats: "m.beats", Source: "timgm6mb+kit-lmms", Style: "six-eight", Production: "eq1 opus64 -3dB") };
        var path = Path.Combine(_dir, RenderIndex.FileName);
        RenderIndex.Write(path, rows);
        Assert.Equal("path\tbpm\tkind\tbeats\tsource\tstyle\tproduction", File.ReadLines(path).First());
        Assert.Equal(rows, RenderIndex.Read(path));
        var track = Assert.Single(TempoIndex.Read(path));
        Assert.Equal(72, track.Bpm, 6);
        Assert.Equal(MixRenderer.Kind, track.Kind);
        Assert.Equal(beats.Select(b => Math.Round(b.Time, 6)), track.BeatTimes!);
    }
}
