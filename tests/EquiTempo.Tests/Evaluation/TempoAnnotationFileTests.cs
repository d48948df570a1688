using EquiTempo.Evaluation;

namespace EquiTempo.Tests.Evaluation;

/// <summary>The per-track annotation formats of tempo data sets, written here as the data sets ship them.</summary>
public class TempoAnnotationFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-ann-{Guid.NewGuid():N}");
    public TempoAnnotationFileTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private string Write(string name, string text)
    {
        var p = Path.Combine(_dir, name);
        File.WriteAllText(p, text);
        return p;
    }

    [Fact]
    public void BpmFile_HoldsOneNumber()
    {
        Assert.Equal(new TempoAnnotation(171.419), TempoAnnotationFile.Read(Write("1118326.LOFI.bpm", "171.419")));
        Assert.Equal(new TempoAnnotation(85.53), TempoAnnotationFile.Read(Write("gtzan_country_00000.bpm", "8.553000000000000114e+01\n")));
    }

    [Fact]
    public void MirexTriple_PutsTheMoreSalientTempoFirst()
    {
        Assert.Equal(new TempoAnnotation(127, 139, 0.95), TempoAnnotationFile.Read(Write("a.mirex", "127.0\t139.0\t0.95")));
        var swapped = TempoAnnotationFile.Read(Write("b.mirex", "60 120 0.25"))!;
        Assert.Equal((120.0, 60.0), (swapped.Bpm, swapped.Bpm2!.Value));
        Assert.Equal(0.75, swapped.Salience!.Value, 12);
        Assert.Equal(new TempoAnnotation(100), TempoAnnotationFile.Read(Write("c.mirex", "100 0 1")));   // T2 = 0: one tempo
    }

    [Fact]
    public void ZeroBpm_MarksATrackWithoutTempo()
    {
        Assert.Null(TempoAnnotationFile.Read(Write("none.bpm", "0.0\n")));
        Assert.Null(TempoAnnotationFile.Read(Write("none.mirex", "0.0\t0.0\t0.0")));
    }

    [Theory]
    [InlineData("bad.bpm", "fast", 1, "not a number")]
    [InlineData("bad.bpm", "-120", 1, "negative")]
    [InlineData("bad.bpm", "# tempo\n120 130", 2, "found 2")]
    [InlineData("bad.bpm", "120\n121", 2, "one line")]
    [InlineData("bad.mirex", "60 120 1.5", 1, "salience")]
    [InlineData("bad.beats", "0.5\n1.0\nx\n", 3, "not a number")]
    [InlineData("bad.beats", "0.5\n1.0\n0.9\n", 3, "not after")]
    [InlineData("bad.txt", "0.5\n-1.0\n", 2, "negative")]
    public void MalformedTempoOrBeatFile_NamesFileAndLine(string name, string text, int line, string problem)
    {
        var p = Write(name, text);
        var e = Assert.Throws<EquiTempoException>(() => TempoAnnotationFile.Read(p));
        Assert.Contains($"{p}:{line}:", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void EmptyFile_IsAnErrorNamingIt()
    {
        var p = Write("empty.bpm", "\n\n");
        Assert.Contains(p, Assert.Throws<EquiTempoException>(() => TempoAnnotationFile.Read(p)).Message);
    }

    [Fact]
    public void BeatTimes_GiveSixtyOverTheMedianInterval()
    {
        // Intervals 0.5, 0.5, 0.6, 0.5: the median is 0.5 s, 120 BPM, whatever the one slow beat.
        var p = Write("Media-105901.beats", "0.25\t1.1\n0.75\t1.2\n1.25\t1.3\n1.85\t1.4\n2.35\t2.1\n");
        Assert.Equal(120, TempoAnnotationFile.Read(p)!.Bpm, 9);
        // An even count of intervals takes the mean of the middle two: 0.4 and 0.6 → 0.5 s.
        Assert.Equal(120, TempoAnnotationFile.TempoFromBeatTimes(new[] { 0.0, 0.4, 1.0 }), 9);
    }

    [Fact]
    public void TxtFile_IsATempoWithOneLine_AndBeatTimesWithMore()
    {
        Assert.Equal(96, TempoAnnotationFile.Read(Write("one.txt", "96\n"))!.Bpm, 9);
        Assert.Equal(75, TempoAnnotationFile.Read(Write("SMC_001_1_1_0_a.txt", "0.8\n1.6\n2.4\n3.2\n"))!.Bpm, 9);
    }

    [Fact]
    public void BeatFile_WithOneBeat_IsAnError()
    {
        var p = Write("one.beats", "0.5 1\n");
        Assert.Contains("at least two", Assert.Throws<EquiTempoException>(() => TempoAnnotationFile.Read(p)).Message);
    }

    private const string GiantStepsV2 = """
        {
          "annotations": [
            { "annotation_metadata": { "version": "2.0", "corpus": "GiantSteps Tempo" },
              "namespace": "tempo",
              "data": [
                { "time": 0.0, "duration": 120.0, "value": 139.0, "confidence": 0.05128205128205121 },
                { "time": 0.0, "duration": 120.0, "value": 127.0, "confidence": 0.9487179487179488 }
              ],
              "sandbox": {}, "time": 0, "duration": null }
          ],
          "file_metadata": { "title": "1030011.LOFI", "duration": 120 },
          "sandbox": {}
        }
        """;

    [Fact]
    public void Jams_TakesTheMostConfidentTempo_AndKeepsTheOtherWithItsSalience()
    {
        var a = TempoAnnotationFile.Read(Write("1030011.LOFI.jams", GiantStepsV2))!;
        Assert.Equal(127, a.Bpm);
        Assert.Equal(139, a.Bpm2);
        Assert.Equal(0.9487179487179488, a.Salience!.Value, 12);
    }

    [Fact]
    public void Jams_WithoutTempoObservations_MarksATrackWithoutTempo() =>
        Assert.Null(TempoAnnotationFile.Read(Write("1327052.LOFI.jams", """{"annotations": [{"namespace": "tempo", "data": []}]}""")));

    [Fact]
    public void Jams_FromPython_WithNaNConfidences_AndOnlyBeats_GivesTheBeatTempo()
    {
        // Python's json writes bare NaN; the SMC JAMS files carry beats and no tempo.
        var text = """{"annotations": [{"namespace": "beat", "data": [{"time": 1.0, "duration": 0.0, "value": NaN, "confidence": NaN}, {"time": 1.8, "duration": 0.0, "value": NaN, "confidence": NaN}, {"time": 2.6, "duration": 0.0, "value": NaN, "confidence": NaN}]}], "sandbox": {"note": "NaN inside a string stays"}}""";
        Assert.Equal(75, TempoAnnotationFile.Read(Write("SMC_002.jams", text))!.Bpm, 9);
        Assert.Equal("""{"a": [null, null, "NaN, Infinity", null]}""",
            TempoAnnotationFile.WithoutNonFiniteLiterals("""{"a": [NaN, -Infinity, "NaN, Infinity", Infinity]}"""));
    }

    [Fact]
    public void Jams_SingleTempo_HasNoSecondReference() =>
        Assert.Equal(new TempoAnnotation(98.5), TempoAnnotationFile.Read(Write("one.jams", """{"annotations": [{"namespace": "tempo", "data": [{"time": 0, "duration": 30, "value": 98.5, "confidence": 1.0}]}]}""")));

    [Fact]
    public void MalformedJams_NamesTheFile_AndTheLineOrField()
    {
        var broken = Write("broken.jams", "{\n  \"annotations\": [\n    { \"namespace\": \"tempo\", \"data\": [ }\n  ]\n}");
        Assert.Contains($"{broken}:3:", Assert.Throws<EquiTempoException>(() => TempoAnnotationFile.Read(broken)).Message);
        var text = Write("text.jams", """{"annotations": [{"namespace": "tempo", "data": [{"time": 0, "value": "fast"}]}]}""");
        var e = Assert.Throws<EquiTempoException>(() => TempoAnnotationFile.Read(text));
        Assert.Contains(text, e.Message);
        Assert.Contains("annotations[0].data[0].value", e.Message);
        var other = Write("chords.jams", """{"annotations": [{"namespace": "chord", "data": []}]}""");
        Assert.Contains("no annotation in the \"tempo\"", Assert.Throws<EquiTempoException>(() => TempoAnnotationFile.Read(other)).Message);
    }
}
