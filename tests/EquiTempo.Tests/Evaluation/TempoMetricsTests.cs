using EquiTempo.Evaluation;

namespace EquiTempo.Tests.Evaluation;

public class TempoMetricsTests
{
    [Theory]
    [InlineData(120.0, 120.0, true)]
    [InlineData(124.8, 120.0, true)]     // exactly +4 %
    [InlineData(115.2, 120.0, true)]     // exactly −4 %
    [InlineData(124.9, 120.0, false)]
    [InlineData(60.0, 120.0, false)]
    public void Acc1_IsFourPercent(double est, double reference, bool expected) =>
        Assert.Equal(expected, TempoMetrics.Acc1(est, reference));

    [Theory]
    [InlineData(240.0, 120.0, true)]
    [InlineData(60.0, 120.0, true)]
    [InlineData(360.0, 120.0, true)]
    [InlineData(40.0, 120.0, true)]
    [InlineData(180.0, 120.0, false)]    // 3/2 is not forgiven
    [InlineData(80.0, 120.0, false)]
    public void Acc2_ForgivesOctaveAndTripleErrors(double est, double reference, bool expected) =>
        Assert.Equal(expected, TempoMetrics.Acc2(est, reference));

    [Fact]
    public void OctaveError_IsLog2Ratio()
    {
        Assert.Equal(1, TempoMetrics.OctaveError(240, 120), 9);
        Assert.Equal(-1, TempoMetrics.OctaveError(60, 120), 9);
    }

    [Theory]
    [InlineData(0.0, 120.0)]
    [InlineData(-5.0, 120.0)]
    [InlineData(120.0, 0.0)]
    [InlineData(double.NaN, 120.0)]
    public void NonPositiveValues_AreRejected(double est, double reference) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TempoMetrics.Acc1(est, reference));

    [Fact]
    public void Tolerance_IsConfigurable()
    {
        Assert.False(TempoMetrics.Acc1(126, 120));          // +5 % misses at the default 4 %
        Assert.True(TempoMetrics.Acc1(126, 120, 0.05));     // and hits at 5 %
        Assert.True(TempoMetrics.Acc2(252, 120, 0.05));
        Assert.Throws<ArgumentOutOfRangeException>(() => TempoMetrics.Acc1(120, 120, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TempoMetrics.Acc1(120, 120, -0.01));
    }

    // References 60 and 120 BPM, 70 % of listeners felt 60.
    [Theory]
    [InlineData(60.0, 120.0, 1.0)]       // both found
    [InlineData(120.0, 60.0, 1.0)]       // order of the estimates does not matter
    [InlineData(60.0, 90.0, 0.7)]        // only T1: its salience
    [InlineData(90.0, 120.0, 0.3)]       // only T2: 1 − salience
    [InlineData(90.0, 180.0, 0.0)]       // neither
    [InlineData(64.8, 129.6, 1.0)]       // both exactly +8 %: on the tolerance still counts
    [InlineData(55.2, 110.4, 1.0)]       // both exactly −8 %
    [InlineData(64.9, 110.0, 0.0)]       // just beyond 8 % on each
    [InlineData(60.0, 60.0, 0.7)]        // one estimate given twice
    public void PScore_WeighsTheTwoReferencesBySalience(double est1, double est2, double expected) =>
        Assert.Equal(expected, TempoMetrics.PScore(est1, est2, 60, 120, 0.7), 12);

    [Fact]
    public void PScore_ToleranceIsEightPercentByDefault_AndConfigurable()
    {
        Assert.Equal(1.0, TempoMetrics.PScore(129, 129, 120, 60, 1.0), 12);        // +7.5 %
        Assert.Equal(0.0, TempoMetrics.PScore(129, 129, 120, 60, 1.0, 0.04), 12);
    }

    [Theory]
    [InlineData(0.0, 120.0, 60.0, 120.0, 0.5)]
    [InlineData(60.0, -1.0, 60.0, 120.0, 0.5)]
    [InlineData(60.0, 120.0, 0.0, 120.0, 0.5)]
    [InlineData(60.0, 120.0, 60.0, -120.0, 0.5)]
    [InlineData(60.0, 120.0, 60.0, 120.0, 1.5)]
    [InlineData(60.0, 120.0, 60.0, 120.0, -0.1)]
    [InlineData(60.0, 120.0, 60.0, 120.0, double.NaN)]
    public void PScore_RejectsNonPositiveTempiAndSalienceOutsideZeroOne(double e1, double e2, double r1, double r2, double s) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TempoMetrics.PScore(e1, e2, r1, r2, s));
}

public class TempoIndexTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-idx-{Guid.NewGuid():N}");
    public TempoIndexTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    [Fact]
    public void Tsv_WithRelativePathsAndKinds()
    {
        var p = Path.Combine(_dir, "index.tsv");
        File.WriteAllText(p, "path\tbpm\tkind\naudio/a.wav\t120\tdrums\n# comment\n\n/abs/b.ogg\t87.5\tmidi\n");
        var t = TempoIndex.Read(p);
        Assert.Equal(2, t.Count);
        Assert.Equal(Path.Combine(_dir, "audio", "a.wav"), t[0].Path);
        Assert.Equal(87.5, t[1].Bpm);
        Assert.Equal("midi", t[1].Kind);
    }

    [Fact]
    public void Csv_WithOtherColumnNames()
    {
        var p = Path.Combine(_dir, "index.csv");
        File.WriteAllText(p, "file,tempo\nx.mp3,100\n");
        var t = TempoIndex.Read(p);
        Assert.Single(t);
        Assert.Equal("all", t[0].Kind);
    }

    [Fact]
    public void MalformedLine_NamesFileAndLine()
    {
        var p = Path.Combine(_dir, "bad.tsv");
        File.WriteAllText(p, "path\tbpm\na.wav\t120\nb.wav\tfast\n");
        var e = Assert.Throws<EquiTempoException>(() => TempoIndex.Read(p));
        Assert.Contains($"{p}:3", e.Message);
        File.WriteAllText(p, "name\tspeed\na.wav\t120\n");
        Assert.Contains($"{p}:1", Assert.Throws<EquiTempoException>(() => TempoIndex.Read(p)).Message);
    }

    [Fact]
    public void HeaderlessMarsyasCollection_IsPathTabBpm()
    {
        var p = Path.Combine(_dir, "genres_tempos.mf");
        File.WriteAllText(p, "genres/blues/blues.00000.wav\t123.5\ngenres/jazz/jazz.00001.wav\t88\n");
        var t = TempoIndex.Read(p);
        Assert.Equal(2, t.Count);
        Assert.Equal(Path.Combine(_dir, "genres", "blues", "blues.00000.wav"), t[0].Path);
        Assert.Equal(123.5, t[0].Bpm);
        Assert.False(t[0].HasTwoReferences);
    }

    [Fact]
    public void RelativePaths_AreTakenFromTheAudioFolderWhenGiven()
    {
        var p = Path.Combine(_dir, "index.csv");
        File.WriteAllText(p, "path,bpm\na.wav,120\n");
        var audio = Path.Combine(_dir, "elsewhere");
        Assert.Equal(Path.Combine(audio, "a.wav"), TempoIndex.Read(p, audio)[0].Path);
    }

    [Fact]
    public void SecondTempoAndSalienceColumns_GiveTwoReferences()
    {
        var p = Path.Combine(_dir, "two.tsv");
        File.WriteAllText(p, "path\tbpm\tbpm2\tsalience\na.wav\t127\t139\t0.95\nb.wav\t90\t\t\n");
        var t = TempoIndex.Read(p);
        Assert.Equal((127.0, 139.0, 0.95), (t[0].Bpm, t[0].Bpm2!.Value, t[0].Salience!.Value));
        Assert.True(t[0].HasTwoReferences);
        Assert.False(t[1].HasTwoReferences);
        File.WriteAllText(p, "path\tbpm\tbpm2\tsalience\na.wav\t127\t139\t1.5\n");
        Assert.Contains($"{p}:2", Assert.Throws<EquiTempoException>(() => TempoIndex.Read(p)).Message);
    }
}
