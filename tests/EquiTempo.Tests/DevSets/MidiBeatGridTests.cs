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
    }
}
