using EquiTempo.Evaluation;

namespace EquiTempo.Tests.Evaluation;

public class BeatAnnotationFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-beatfile-{Guid.NewGuid():N}");
    public BeatAnnotationFileTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData("0.5\n1.0\n1.5\n")]
    [InlineData("0.5\t1\n1.0\t2\n1.5\t3\n")]          // time and beat number, tab-separated (Ballroom, Hainsworth)
    [InlineData("# beats\n0.5 1.1\n\n1.0   1.2\n1.5 1.3\n")]   // spaces, bar.beat positions, a comment and a blank line
    public void BeatsFile_GivesItsTimes(string text)
    {
        Assert.Equal(new[] { 0.5, 1.0, 1.5 }, TempoAnnotationFile.ReadBeatTimeList(Write("a.beats", text)));
    }

    [Fact]
    public void MalformedBeatsFile_NamesTheFileAndLine()
    {
        var path = Write("bad.beats", "0.5\n0.4\n");
        var e = Assert.Throws<EquiTempoException>(() => TempoAnnotationFile.ReadBeatTimeList(path));
        Assert.StartsWith($"{path}:2", e.Message);
        path = Write("word.beats", "0.5\nbeat\n");
        Assert.StartsWith($"{path}:2", Assert.Throws<EquiTempoException>(() => TempoAnnotationFile.ReadBeatTimeList(path)).Message);
        Assert.Throws<EquiTempoException>(() => TempoAnnotationFile.ReadBeatTimeList(Path.Combine(_dir, "missing.beats")));
    }

    [Fact]
    public void BeatTimesIfAny_AreReadFromBeatFiles_AndNotFromTempoFiles()
    {
        Assert.Equal(new[] { 1.0, 1.5 }, TempoAnnotationFile.ReadBeatTimesIfAny(Write("a.txt", "1.0\n1.5\n")));
        Assert.Null(TempoAnnotationFile.ReadBeatTimesIfAny(Write("b.txt", "120\n")));
        Assert.Null(TempoAnnotationFile.ReadBeatTimesIfAny(Write("c.bpm", "120\n")));
        Assert.Equal(new[] { 0.5, 1.0 }, TempoAnnotationFile.ReadBeatTimesIfAny(Write("d.beats", "0.5 1\n1.0 2\n")));
    }

    [Fact]
    public void NumberedBeats_GiveTheDownbeats_AndAnythingElseGivesNone()
    {
        var numbered = TempoAnnotationFile.ReadBeats(Write("n.beats", "0.5\t3\n1.0\t1\n1.5\t2\n2.0\t3\n2.5\t1\n"));
        Assert.Equal(new[] { 3, 1, 2, 3, 1 }, numbered.Numbers);
        Assert.Equal(new[] { 1.0, 2.5 }, numbered.DownbeatTimes);
        Assert.Null(TempoAnnotationFile.ReadBeats(Write("t.beats", "0.5\n1.0\n")).DownbeatTimes);
        Assert.Null(TempoAnnotationFile.ReadBeats(Write("b.beats", "0.5 1.1\n1.0 1.2\n")).Numbers);   // bar.beat positions
        Assert.Null(TempoAnnotationFile.ReadBeats(Write("m.beats", "0.5 1\n1.0\n")).Numbers);         // some lines unnumbered
        Assert.Null(TempoAnnotationFile.ReadBeats(Write("z.beats", "0.5 0\n1.0 1\n")).Numbers);        // 0 is no beat number
    }

    [Fact]
    public void ADatasetOfBeatFiles_CarriesTheBeatTimes()
    {
        File.WriteAllText(Path.Combine(_dir, "song.wav"), "");
        Write("song.beats", "0.5\t1\n1.0\t2\n1.5\t3\n");
        var track = Assert.Single(LabelledDataset.Load(_dir, _dir).Tracks);
        Assert.Equal(new[] { 0.5, 1.0, 1.5 }, track.BeatTimes);
        Assert.Equal(120, track.Bpm, 6);
    }
}
