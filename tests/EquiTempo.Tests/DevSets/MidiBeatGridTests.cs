using EquiTempo.DevSets;

namespace EquiTempo.Tests.DevSets;

/// <summary>Beat grids of constructed MIDI files, whose beat times are known by construction.</summary>
public class MidiBeatGridTests
{
    private static MidiTempoMap Map(SmfBytes smf) => MidiTempoMap.Parse(smf.ToBytes(), "test.mid");

    [Fact]
    public void TempoChange_BeatsFollowTheTempoMapExactly()
    {
        // 8 quarters at 120 (4 s), then 60: the last note starts on beat 15 (4 + 7 = 11 s) and ends half a beat later.
        var map = Map(new SmfBytes().Tempo(0, 120).Tempo(8 * 480, 60).TimeSignature(0, 4, 4).Quarters(0, 16));

        var beats = MidiBeatGrid.Times(map, 1, audioSeconds: 60);

        double[] expected = [.. Enumerable.Range(0, 8).Select(k => k * 0.5), .. Enumerable.Range(0, 8).Select(k => 4.0 + k)];
        Assert.Equal(expected.Length, beats.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], beats[i], 9);
    }

    [Fact]
    public void CompoundMeter_BeatsOnTheDottedQuarter_WithThePeriodOfTheFeltBeatLabel()
    {
        // 6/8 at 150 quarter notes a minute is felt at 100 BPM. 95 ticks a quarter: a dotted quarter is 142.5 ticks, between two ticks.
        var map = Map(new SmfBytes(ticksPerQuarter: 95).Tempo(0, 150).TimeSignature(0, 6, 8).Quarters(0, 30));
        var label = MidiTempoLabel.From(map);

        var beats = MidiBeatGrid.Times(map, label.BeatsPerQuarter, audioSeconds: 60);

        Assert.Equal(100, label.Bpm, 6);
        // The last note starts on quarter 29 (11.6 s) and lasts 47 ticks (11.8 s): beats 0, 0.6, … 11.4 s.
        Assert.Equal(20, beats.Length);
        for (int i = 0; i < beats.Length; i++) Assert.Equal(i * 60 / label.Bpm, beats[i], 9);
    }

    [Fact]
    public void BeatsCoverTheMusic_NotTheSilenceBeforeIt_NorAudioPastTheCut()
    {
        // First note on beat 4 (2 s at 120); the song's notes run to beat 40, the audio stops at 10.2 s.
        var map = Map(new SmfBytes().Tempo(0, 120).Quarters(4, 36));

        var beats = MidiBeatGrid.Times(map, 1, audioSeconds: 10.2);

        Assert.Equal(2.0, beats[0], 9);
        Assert.Equal(10.0, beats[^1], 9);
        Assert.Equal(17, beats.Length);
    }

    [Fact]
    public void FirstNotePlayedJustAfterTheBeat_StillHasItsBeat()
    {
        // A drummer 30 ms behind the click on beat one: 29 ticks of 480 at 120 BPM.
        var smf = new SmfBytes().Tempo(0, 120);
        smf.Note(29, 100);
        smf.Quarters(1, 20);

        var beats = MidiBeatGrid.Times(Map(smf), 1, audioSeconds: 60);

        Assert.Equal(0.0, beats[0], 9);
        Assert.Equal(0.5, beats[1], 9);
    }

    [Fact]
    public void TimeSignatureChange_RestartsTheGridOnTheNewBarLine()
    {
        // A bar of 4/4, a bar of 7/8 (3.5 quarters), then 4/4 again from quarter 7.5: beats restart there,
        // and quarter 7, half a beat before that bar line, is no beat of either bar.
        var map = Map(new SmfBytes().Tempo(0, 60).TimeSignature(0, 4, 4).TimeSignature(4 * 480, 7, 8)
            .TimeSignature(7 * 480 + 240, 4, 4).Quarters(0, 12));

        var beats = MidiBeatGrid.Times(map, 1, audioSeconds: 60);

        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5, 6, 7.5, 8.5, 9.5, 10.5, 11.5 }, beats.Select(b => Math.Round(b, 9)));
        // The 7/8 bar is 3.5 quarter beats: its beats cross its bar line, so none of the file's beats has a number.
        Assert.Null(MidiBeatGrid.Beats(map, 1, audioSeconds: 60).Numbers);
    }

    [Theory]
    [InlineData(4, 4, 1.0, new[] { 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4 })]
    [InlineData(3, 4, 1.0, new[] { 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3 })]
    [InlineData(6, 8, 2.0 / 3.0, new[] { 1, 2, 1, 2, 1, 2, 1, 2 })] // the felt dotted quarter, as the MIDI set labels 6/8
    [InlineData(6, 8, 1.0, new[] { 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3 })] // the quarter, as GMD labels 6/8
    public void OneTimeSignature_NumbersEachGridBeatInItsBar_FromTimeZero(int numerator, int denominator, double beatsPerQuarter, int[] expected)
    {
        // 12 quarters of notes at 60 quarters a minute: a quarter is 1 s, the last note ends at 11.5 s.
        var map = Map(new SmfBytes().Tempo(0, 60).TimeSignature(0, numerator, denominator).Quarters(0, 12));

        var beats = MidiBeatGrid.Beats(map, beatsPerQuarter, audioSeconds: 60);

        Assert.Equal(expected, beats.Numbers);
        Assert.Equal(beats.Times, MidiBeatGrid.Times(map, beatsPerQuarter, audioSeconds: 60));
        Assert.Equal(1 / beatsPerQuarter, beats.Times[1], 9);
    }

    [Fact]
    public void ChangeFrom44To34_StartsABarOfThreeOnTheChange()
    {
        var map = Map(new SmfBytes().Tempo(0, 60).TimeSignature(0, 4, 4).TimeSignature(8 * 480, 3, 4).Quarters(0, 14));

        var beats = MidiBeatGrid.Beats(map, 1, audioSeconds: 60);

        Assert.Equal(new[] { 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 1, 2, 3 }, beats.Numbers);
        Assert.Equal(Enumerable.Range(0, 14).Select(k => (double)k), beats.Times.Select(t => Math.Round(t, 9)));
    }

    [Fact]
    public void PickupBarMarkedByTheFile_PutsTheDownbeatAfterIt()
    {
        // A bar of 1/8 (an eighth, 0.25 s at 120) before the 4/4, as several game MIDI files open: the downbeat is at 0.25 s.
        var map = Map(new SmfBytes().Tempo(0, 120).TimeSignature(0, 1, 8).TimeSignature(240, 4, 4).Quarters(0, 6));

        var beats = MidiBeatGrid.Beats(map, 1, audioSeconds: 60);

        Assert.Equal(new[] { 0.25, 0.75, 1.25, 1.75, 2.25, 2.75 }, beats.Times.Select(t => Math.Round(t, 9)));
        Assert.Equal(new[] { 1, 2, 3, 4, 1, 2 }, beats.Numbers);
    }

    [Fact]
    public void MeterNotStatedForEveryBeat_GivesTimesOnly()
    {
        // No time signature at all (SMF's default 4/4 is not the file saying so), and one set only after four beats.
        var none = Map(new SmfBytes().Tempo(0, 120).Quarters(0, 12));
        var late = Map(new SmfBytes().Tempo(0, 120).TimeSignature(4 * 480, 4, 4).Quarters(0, 12));
        // A signature set after tick 0 but before the first note states every beat that is written.
        var beforeFirstNote = Map(new SmfBytes().Tempo(0, 120).TimeSignature(4 * 480, 3, 4).Quarters(4, 6));

        Assert.Null(MidiBeatGrid.Beats(none, 1, audioSeconds: 60).Numbers);
        Assert.Null(MidiBeatGrid.Beats(late, 1, audioSeconds: 60).Numbers);
        Assert.Equal(12, MidiBeatGrid.Beats(late, 1, audioSeconds: 60).Times.Length);
        Assert.Equal(new[] { 1, 2, 3, 1, 2, 3 }, MidiBeatGrid.Beats(beforeFirstNote, 1, audioSeconds: 60).Numbers);
    }
}
