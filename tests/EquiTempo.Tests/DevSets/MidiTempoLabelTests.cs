using EquiTempo.DevSets;
using EquiTempo.Tests.Audio;

namespace EquiTempo.Tests.DevSets;

public class MidiTempoLabelTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static MidiTempoLabel Label(SmfBytes smf) => MidiTempoLabel.From(MidiTempoMap.Parse(smf.ToBytes(), "test.mid"));

    [Fact]
    public void SteadySong_IsLabelledWithItsTempo_AndTimedFromFirstNoteToLastNoteEnd()
    {
        var label = Label(new SmfBytes().Tempo(0, 120).TimeSignature(0, 4, 4).Quarters(0, 64));

        Assert.Equal(120, label.Bpm, 3);
        Assert.Equal(120, label.QuarterBpm, 6);
        Assert.Equal(1, label.Share, 9);
        Assert.Equal("4/4", label.Meter?.ToString());
        Assert.Equal(63 * 0.5 + 0.25, label.Seconds, 6); // the last note starts on beat 63 and lasts an eighth
        Assert.True(label.IsSteady(0.95));
    }

    [Fact]
    public void DummyTempoBeforeTheFirstNote_IsIgnored()
    {
        // Sequencers often write a placeholder tempo at tick 0 and the real one a few ticks later.
        var smf = new SmfBytes().Tempo(0, 500).Tempo(120, 96).Quarters(1, 80);
        var map = MidiTempoMap.Parse(smf.ToBytes(), "dummy.mid");
        var label = MidiTempoLabel.From(map);

        Assert.Equal(96, label.Bpm, 3);
        Assert.Equal(1, label.Share, 9);
        Assert.Equal(120 / 480.0 * 60 / 500 + 360 / 480.0 * 60 / 96, map.FirstNoteSeconds, 9);
    }

    [Fact]
    public void FormatOneCompoundMeter_FeltBeatIsTwoThirdsOfTheQuarterTempo()
    {
        var smf = new SmfBytes().Track(0).Tempo(0, 150).TimeSignature(0, 6, 8).Track(1).Quarters(0, 90);
        var label = Label(smf);

        Assert.Equal(100, label.Bpm, 3);
        Assert.Equal(150, label.QuarterBpm, 6);
        Assert.Equal("6/8", label.Meter?.ToString());
    }

    [Fact]
    public void TempoChange_GivesTheLongerTempoAndItsShare_AndIsNotSteady()
    {
        // 32 beats at 120 (16 s), then 31.5 beats to the last note's end at 90 (21 s).
        var label = Label(new SmfBytes().Tempo(0, 120).Tempo(32 * 480, 90).Quarters(0, 64));

        Assert.Equal(90, label.Bpm, 3);
        Assert.Equal(21.0 / 37.0, label.Share, 6);
        Assert.False(label.IsSteady(0.95));
    }

    [Fact]
    public void NudgesWithinTwoPercent_CountAsOneTempo()
    {
        var label = Label(new SmfBytes().Tempo(0, 120).Tempo(40 * 480, 119).Tempo(44 * 480, 120).Quarters(0, 64));

        Assert.Equal(120, label.Bpm, 3);
        Assert.Equal(1, label.Share, 9);
    }

    [Fact]
    public void SecondsAt_FollowsTheTempoChanges()
    {
        var map = MidiTempoMap.Parse(new SmfBytes().Tempo(0, 120).Tempo(960, 60).Quarters(0, 4).ToBytes(), "t.mid");

        Assert.Equal(1.0, map.SecondsAt(960), 9);   // two quarters at 120
        Assert.Equal(2.0, map.SecondsAt(1440), 9);  // then one at 60
        Assert.Equal(120, map.TempoChanges[0].QuarterBpm, 6);
    }

    [Fact]
    public void NoTempoEvent_MeansSmfDefaultOf120()
    {
        Assert.Equal(120, Label(new SmfBytes().Quarters(0, 70)).Bpm, 6);
    }

    public static TheoryData<string, Func<byte[]>, string> MalformedFiles => new()
    {
        { "not MIDI", () => "RIFF....WAVEfmt "u8.ToArray(), "not a Standard MIDI File" },
        { "truncated", () => new SmfBytes().Tempo(0, 120).Quarters(0, 40).ToBytes()[..60], "truncated" },
        { "SMPTE", () => new SmfBytes().Quarters(0, 40).ToBytes(division: unchecked((short)0xE728)), "SMPTE" },
        { "format 2", () => new SmfBytes().Quarters(0, 40).ToBytes(format: 2), "format 2" },
        { "no notes", () => new SmfBytes().Tempo(0, 120).ToBytes(), "no notes" },
        { "data byte without status", () => new SmfBytes().Event(0, 0x40, 0x40).Quarters(0, 40).ToBytes(), "no status byte" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void MalformedFile_GivesAnErrorNamingTheFile(string name, Func<byte[]> bytes, string reason)
    {
        string path = _dir.File(name.Replace(' ', '-') + ".mid");
        File.WriteAllBytes(path, bytes());

        var e = Assert.Throws<InvalidDataException>(() => MidiTempoLabel.FromFile(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void MissingFile_IsNamed()
    {
        string path = _dir.File("absent.mid");
        var e = Assert.Throws<FileNotFoundException>(() => MidiTempoMap.Read(path));
        Assert.StartsWith(path, e.Message);
    }
}
