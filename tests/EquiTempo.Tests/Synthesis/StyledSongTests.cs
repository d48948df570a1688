using EquiTempo.Training.Synthesis;

namespace EquiTempo.Tests.Synthesis;

/// <summary>Note-ons of a format-0 MIDI file read back from its bytes, in seconds (one tempo event, as the composers write).</summary>
internal static class SmfReader
{
    public static (int UsPerQuarter, int Numerator, int DenominatorPower, List<(double Time, int Channel, int Key)> Notes) Read(byte[] midi)
    {
        int tpq = (midi[12] << 8) | midi[13];
        int pos = 14 + 8, us = 500_000, num = 4, den = 2;
        long tick = 0;
        var ticks = new List<(long Tick, int Channel, int Key)>();
        while (pos < midi.Length)
        {
            long delta = 0;
            byte b;
            do { b = midi[pos++]; delta = (delta << 7) | (uint)(b & 0x7F); } while ((b & 0x80) != 0);
            tick += delta;
            byte status = midi[pos];
            if (status == 0xFF)
            {
                int type = midi[pos + 1], len = midi[pos + 2];
                if (type == 0x51) us = (midi[pos + 3] << 16) | (midi[pos + 4] << 8) | midi[pos + 5];
                if (type == 0x58) { num = midi[pos + 3]; den = midi[pos + 4]; }
                pos += 3 + len;
                continue;
            }
            int kind = status & 0xF0;
            if (kind == 0x90 && midi[pos + 2] > 0) ticks.Add((tick, status & 0x0F, midi[pos + 1]));
            pos += kind == 0xC0 ? 2 : 3;
        }
        double secondsPerTick = us / 1e6 / tpq;
        return (us, num, den, ticks.Select(t => (t.Tick * secondsPerTick, t.Channel, t.Key)).ToList());
    }
}

public class StyledSongTests
{
    private const double Exact = 1e-6;

    private static List<double> Drum(StyledSong song, int key) =>
        SmfReader.Read(song.Midi).Notes.Where(n => n.Channel == 9 && n.Key == key).Select(n => n.Time).ToList();

    [Fact]
    public void TwelveEight_LabelsTheDottedQuarter_ABeatEveryThreeEighths()
    {
        var style = RhythmStyles.Get("twelve-eight");
        var song = StyledSongComposer.Compose(style, 60, seed: 2, seconds: 12);
        var (us, num, den, notes) = SmfReader.Read(song.Midi);
        Assert.Equal((12, 3), (num, den));                                        // written 12/8
        Assert.Equal(666_667, us);                                                 // MIDI tempo: 90 quarter notes = 1.5 × the label
        double eighth = us / 1e6 / 2;
        Assert.All(song.Beats.Zip(song.Beats.Skip(1)), p => Assert.Equal(3 * eighth, p.Second.Time - p.First.Time, 9));
        Assert.Equal(new[] { 1, 2, 3, 4, 1, 2, 3, 4 }, song.Beats.Take(8).Select(b => b.Number));
        // The ride plays every eighth: three strokes per labelled beat in the first (never filled) bars.
        var ride = Drum(song, 51).Where(t => t < 3 * 4 * 3 * eighth - Exact).ToList();
        Assert.Equal(3 * 4 * 3, ride.Count);
        Assert.All(ride, t => Assert.Equal(0, Math.Round(t / eighth) - t / eighth, 6));
        // Kick on beats 1 and 3, snare on 2 and 4 (of the labelled dotted-quarter beats).
        var firstBars = song.Beats.Take(12).ToList();
        Assert.All(firstBars.Where(b => b.Number is 1 or 3), b => Assert.Contains(Drum(song, 36), t => Math.Abs(t - b.Time) < Exact));
        Assert.All(firstBars.Where(b => b.Number is 2 or 4), b => Assert.Contains(Drum(song, 38), t => Math.Abs(t - b.Time) < Exact));
    }

    [Fact]
    public void HalfTime_LabelIsTheBackbeatPulse_WhileBassAndChordsMoveTwiceAsFast()
    {
        var style = RhythmStyles.Get("half-time");
        var song = StyledSongComposer.Compose(style, 70, seed: 5, seconds: 20);
        var beats = song.Beats.Take(12).ToList();                                  // 3 bars: fills come only at the end of bar 4 or 8
        double end = 12 * 60.0 / 70 - Exact;
        var snares = Drum(song, 38).Where(t => t < end).ToList();
        var kicksOnBeats = Drum(song, 36).Where(t => t < end && beats.Any(b => Math.Abs(b.Time - t) < Exact)).ToList();
        Assert.Equal(beats.Where(b => b.Number is 2 or 4).Select(b => b.Time), snares, new Near(Exact));
        Assert.Equal(beats.Where(b => b.Number is 1 or 3).Select(b => b.Time), kicksOnBeats, new Near(Exact));
        // The label counts the backbeat: the bass strikes at least twice per labelled beat, the chords change every beat.
        var bass = SmfReader.Read(song.Midi).Notes.Count(n => n.Channel == 1 && n.Time < end);
        Assert.True(bass >= 2 * beats.Count, $"{bass} bass notes in {beats.Count} beats");
        Assert.Equal(1, style.BeatsPerChord);
        Assert.Equal(70, song.Bpm);
    }

    [Fact]
    public void Waltz_HasADownbeatEveryThreeBeats_WithTheKickOnIt()
    {
        var song = StyledSongComposer.Compose(RhythmStyles.Get("waltz"), 120, seed: 1, seconds: 9);
        Assert.Equal(Enumerable.Range(0, 18).Select(k => k % 3 + 1), song.Beats.Select(b => b.Number));
        var (_, num, den, _) = SmfReader.Read(song.Midi);
        Assert.Equal((3, 2), (num, den));
        var downbeats = song.Beats.Where(b => b.Number == 1).Take(3).ToList();
        Assert.All(downbeats, b => Assert.Contains(Drum(song, 36), t => Math.Abs(t - b.Time) < Exact));
        Assert.Equal(0.5 * 3, downbeats[1].Time - downbeats[0].Time, 9);
    }

    public static TheoryData<string> Styles() => new(RhythmStyles.All.Select(s => s.Name));

    /// <summary>The beat file and the MIDI file agree: every drum onset in the MIDI bytes lies on the style's grid counted
    /// from the beats, the drum hits handed to sample kits are those onsets, and where the style puts a kick on the bar's
    /// first step the downbeats of the first bars have one at their exact time.</summary>
    [Theory]
    [MemberData(nameof(Styles))]
    public void BeatTimes_MatchTheMidiOnsets(string name)
    {
        var style = RhythmStyles.Get(name);
        double bpm = Math.Sqrt(style.MinBpm * style.MaxBpm);
        var song = StyledSongComposer.Compose(style, bpm, seed: 9, seconds: 15);
        var (_, _, _, notes) = SmfReader.Read(song.Midi);
        double period = song.Beats[1].Time - song.Beats[0].Time, grid = period / style.StepsPerBeat;
        Assert.Equal(60 / bpm, period, 5);
        foreach (var n in notes.Where(n => n.Channel == 9))
            Assert.Equal(0, Math.Round(n.Time / grid) - n.Time / grid, 6);
        Assert.Equal(notes.Where(n => n.Channel == 9 && n.Time < 15).Select(n => n.Time).Order(), song.DrumHits.Select(h => h.Time), new Near(Exact));
        if (style.Drums.TryGetValue('K', out var kick) && kick[0] != '.')
            Assert.All(song.Beats.Where(b => b.Number == 1).Take(3), b => Assert.Contains(Drum(song, 36), t => Math.Abs(t - b.Time) < Exact));
        if (!style.HasDrums) Assert.Empty(song.DrumHits);
        Assert.DoesNotContain(SmfReader.Read(song.MidiWithoutDrums).Notes, n => n.Channel == 9);
        Assert.Equal(notes.Count(n => n.Channel != 9), SmfReader.Read(song.MidiWithoutDrums).Notes.Count);
    }

    [Fact]
    public void ReggaeOneDrop_PutsKickAndRimOnBeatThreeOnly()
    {
        var song = StyledSongComposer.Compose(RhythmStyles.Get("reggae-one-drop"), 75, seed: 3, seconds: 16);
        var threes = song.Beats.Where(b => b.Number == 3).Select(b => b.Time).ToList();
        Assert.All(Drum(song, 36), t => Assert.Contains(threes, b => Math.Abs(b - t) < Exact));
        Assert.All(Drum(song, 37), t => Assert.Contains(threes, b => Math.Abs(b - t) < Exact));
    }

    [Fact]
    public void Songs_AreDeterministic_AndVaryWithTheSeed()
    {
        var style = RhythmStyles.Get("funk");
        Assert.Equal(StyledSongComposer.Compose(style, 100, 4, 10).Midi, StyledSongComposer.Compose(style, 100, 4, 10).Midi);
        Assert.NotEqual(StyledSongComposer.Compose(style, 100, 4, 10).Midi, StyledSongComposer.Compose(style, 100, 5, 10).Midi);
    }

    [Fact]
    public void Fills_ComeAtTheEndOfEveryFourthOrEighthBar()
    {
        var style = RhythmStyles.Get("rock");
        var song = StyledSongComposer.Compose(style, 120, seed: 8, seconds: 20);   // 10 bars of 2 s
        var toms = song.DrumHits.Where(h => h.Note is 41 or 43 or 45 or 47 or 48 or 50).ToList();
        Assert.NotEmpty(toms);
        Assert.All(toms, h => Assert.True(h.Time % 8.0 >= 6 - Exact || h.Time % 16.0 >= 14 - Exact, $"tom at {h.Time} s is not in the last beats of a 4th bar"));
        Assert.Contains(song.DrumHits, h => h.Note == 49);                         // the crash after a fill
    }

    [Fact]
    public void UnknownStyle_IsAClearError()
    {
        var e = Assert.Throws<EquiTempoException>(() => RhythmStyles.Get("polka"));
        Assert.Equal(ErrorReason.InvalidSetting, e.Reason);
        Assert.Contains("polka", e.Message);
        Assert.Contains("twelve-eight", e.Message);
    }

    private sealed class Near(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(double x) => 0;
    }
}
