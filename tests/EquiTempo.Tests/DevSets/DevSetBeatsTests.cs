using EquiTempo.Audio;
using EquiTempo.DevSets.Tool;
using EquiTempo.Evaluation;
using EquiTempo.Tests.Architecture;
using EquiTempo.Tests.Audio;

namespace EquiTempo.Tests.DevSets;

/// <summary>
/// The .beats files of the dev sets rendered from MIDI, end to end on constructed files: written by the
/// builders' beats stages beside audio that is already there, listed in the index, and read back by the
/// evaluation's index reader; and carried into dev.tsv by tools/build-dev-index.sh.
/// </summary>
public class DevSetBeatsTests : IDisposable
{
    private const int SampleRate = 8000;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Put(string relative, byte[] bytes)
    {
        string path = _dir.File(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string Silence(string relative, double seconds)
    {
        string path = _dir.File(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        WavWriter.WriteMono16(path, new float[(int)(seconds * SampleRate)], SampleRate);
        return path;
    }

    private static void AssertGrid(IReadOnlyList<double>? beats, double period, int count)
    {
        Assert.NotNull(beats);
        Assert.Equal(count, beats.Count);
        for (int i = 0; i < count; i++) Assert.Equal(i * period, beats[i], 5);
    }

    [Fact]
    public void IndexBeats_WritesTheGridOfEachRowsMidi_AtTheFeltBeatOfItsLabel_AndTheIndexReadsThemBack()
    {
        // a: 4/4 at 120, notes to 19.75 s, audio cut at 12 s. b: 6/8 at 150 quarters, labelled 100 (the dotted quarter).
        Put("gmd/midi/a.mid", new SmfBytes().Tempo(0, 120).TimeSignature(0, 4, 4).Quarters(0, 40).ToBytes());
        Put("gmd/midi/s/b.mid", new SmfBytes().Tempo(0, 150).TimeSignature(0, 6, 8).Quarters(0, 30).ToBytes());
        Silence("set/audio/a.wav", 12);
        Silence("set/audio/b.wav", 30);
        string index = Put("set/index.tsv", "path\tbpm\tkind\tmidi\naudio/a.wav\t120\tdrums\ta.mid\naudio/b.wav\t100\tdrums\ts/b.mid\n"u8.ToArray());

        IndexBeats.Run(index, _dir.File("gmd/midi"), TextWriter.Null);
        IndexBeats.Run(index, _dir.File("gmd/midi"), TextWriter.Null); // a second run replaces the column, adds none

        Assert.Equal("path\tbpm\tkind\tmidi\tbeats", File.ReadLines(index).First());
        var tracks = TempoIndex.Read(index);
        AssertGrid(tracks[0].BeatTimes, 60 / tracks[0].Bpm, 25);   // 0 … 12 s
        AssertGrid(tracks[1].BeatTimes, 60 / tracks[1].Bpm, 20);   // 0 … 11.4 s, the last note ends at 11.8 s
        Assert.True(File.Exists(_dir.File("set/audio/b.beats")));
        // Numbered in their bars from the MIDI time signature: a downbeat every 4 quarters (2 s), every 2 dotted quarters (1.2 s).
        Assert.Equal("0.000000\t1", File.ReadLines(_dir.File("set/audio/a.beats")).First());
        AssertGrid(tracks[0].DownbeatTimes, 2.0, 7);
        AssertGrid(tracks[1].DownbeatTimes, 1.2, 10);
    }

    [Fact]
    public void IndexBeats_LabelNoGridAgreesWith_IsAnErrorNamingTheLine()
    {
        Put("midi/a.mid", new SmfBytes().Tempo(0, 120).Quarters(0, 40).ToBytes());
        Silence("set/a.wav", 5);
        string index = Put("set/index.tsv", "path\tbpm\tmidi\na.wav\t90\ta.mid\n"u8.ToArray());

        var e = Assert.Throws<InvalidDataException>(() => IndexBeats.Run(index, _dir.File("midi"), TextWriter.Null));

        Assert.StartsWith(index + ":2: label 90 BPM", e.Message);
    }

    [Fact]
    public void MidiSetWithoutRendering_WritesBeatsForTheRendersThereAre_AndLeavesOutTheOthers()
    {
        // Both songs at 100 BPM, 40 quarters (the last note ends at 23.7 s); only x has a render.
        Put("pkg/songs/x.mid", new SmfBytes().Tempo(0, 100).TimeSignature(0, 4, 4).Quarters(0, 40).ToBytes());
        Put("pkg/songs/y.mid", new SmfBytes().Tempo(0, 100).Quarters(0, 40).Note(0, 10, key: 64).ToBytes());
        string output = _dir.File("set");
        Silence("set/audio/pkg/x.wav", 25);
        var options = new DevSetOptions(output, MinSeconds: 5, MinShare: 0.95, MaxSeconds: 240, SoundFont: _dir.File("absent.sf2"),
            [("pkg", _dir.File("pkg"))], RenderMissing: false);

        Assert.Equal(0, MidiDevSet.Build(options, TextWriter.Null));

        var tracks = TempoIndex.Read(Path.Combine(output, "index.tsv"));
        Assert.Equal(Path.Combine(output, "audio/pkg/x.wav"), Assert.Single(tracks).Path);
        AssertGrid(tracks[0].BeatTimes, 0.6, 40);
        AssertGrid(tracks[0].DownbeatTimes, 2.4, 10);
        Assert.Contains(File.ReadLines(Path.Combine(output, "labels.tsv")), l => l.StartsWith("pkg\ty.mid\tnot-rendered", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(output, "audio/pkg/y.wav")));
    }

    [Fact]
    public void ProductionSetWithoutRendering_NumbersTheProjectGridInItsBars_AndLeavesOutProjectsNotRendered()
    {
        // a: 6/8 at 150 quarter notes a minute, felt at 100 BPM (0.6 s), two beats a bar (1.2 s). c: 4/4 at 140, a loop
        // of exactly 32 beats at 44.1 kHz (96/7 s), whose last beat is on the end of the audio. b has no render.
        static byte[] Project(int bpm, int numerator, int denominator) => System.Text.Encoding.UTF8.GetBytes(
            $"""<?xml version="1.0"?><lmms-project><head bpm="{bpm}" timesig_numerator="{numerator}" timesig_denominator="{denominator}"/></lmms-project>""");
        Put("projects/demos/a.mmp", Project(150, 6, 8));
        Put("projects/demos/b.mmp", Project(151, 6, 8));
        Put("projects/demos/c.mmp", Project(140, 4, 4));
        Silence("set/audio/lmms/a.wav", 6);
        WavWriter.WriteMono16(_dir.File("set/audio/lmms/c.wav"), new float[604_800], 44_100);
        string output = _dir.File("set");
        var options = new DevSetOptions(output, MinSeconds: 5, MinShare: 0.95, MaxSeconds: 240, SoundFont: "",
            [("lmms", _dir.File("projects/demos"))], RenderMissing: false);

        Assert.Equal(0, ProductionDevSet.Build(options, TextWriter.Null));

        var tracks = TempoIndex.Read(Path.Combine(output, "index.tsv"));
        Assert.Equal(2, tracks.Count);
        AssertGrid(tracks[0].BeatTimes, 0.6, 11);     // 0 … 6 s
        AssertGrid(tracks[0].DownbeatTimes, 1.2, 6);
        AssertGrid(tracks[1].BeatTimes, 60.0 / 140, 33);
        AssertGrid(tracks[1].DownbeatTimes, 240.0 / 140, 9);
        Assert.Contains(File.ReadLines(Path.Combine(output, "labels.tsv")), l => l.StartsWith("lmms\tb.mmp\tnot-rendered", StringComparison.Ordinal));
    }

    [Fact]
    public void DevIndex_CarriesTheBeatsColumnAsAbsolutePaths_AndRowsWithoutBeatsHaveNone()
    {
        string dev = _dir.File("devsets");
        Put("devsets/gmd/index.tsv", "path\tbpm\tkind\tstyle\tsplit\tmidi\tbeats\naudio/g.wav\t120\tdrums\trock\tvalidation\tg.mid\taudio/g.beats\n"u8.ToArray());
        Put("devsets/gmd/audio/g.beats", "0.5\n1.0\n1.5\n"u8.ToArray());
        Put("devsets/midi/index.tsv", "path\tbpm\tkind\tbeats\tscore_with\naudio/p/m.wav\t100\tmidi\taudio/p/m.beats\tacc1\n"u8.ToArray());
        Put("devsets/midi/audio/p/m.beats", "0\n0.6\n"u8.ToArray());
        Put("devsets/modules/index.tsv", "path\tbpm\tkind\naudio/o.wav\t125\tmodule\n"u8.ToArray());
        Put("devsets/productions/index.tsv", "path\tbpm\tkind\tbeats\naudio/q.wav\t90\tproduction\t\n"u8.ToArray());

        var run = ExternalTool.Run("bash", [Path.Combine(ArchitectureTests.Root, "tools/build-dev-index.sh")], TimeSpan.FromMinutes(1), "bash",
            new Dictionary<string, string> { ["EQUITEMPO_CACHE"] = _dir.Path });

        Assert.True(run.ExitCode == 0, run.ToString());
        var tracks = TempoIndex.Read(Path.Combine(dev, "dev.tsv"));
        Assert.Equal(new[] { "drums", "midi", "module", "production" }, tracks.Select(t => t.Kind));
        Assert.Equal(Path.Combine(dev, "gmd/audio/g.wav"), tracks[0].Path);
        Assert.Equal(new[] { 0.5, 1.0, 1.5 }, tracks[0].BeatTimes);
        Assert.Equal(new[] { 0, 0.6 }, tracks[1].BeatTimes);
        Assert.Null(tracks[2].BeatTimes);
        Assert.Null(tracks[3].BeatTimes);
        Assert.All(File.ReadLines(Path.Combine(dev, "dev.tsv")).Skip(1).Select(l => l.Split('\t')[3]),
            cell => Assert.True(cell.Length == 0 || Path.IsPathRooted(cell), cell));
    }
}
