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
        var e = Assert.Throws<InvalidDataException>(() => TempoIndex.Read(p));
        Assert.Contains($"{p}:3", e.Message);
        File.WriteAllText(p, "name\tspeed\na.wav\t120\n");
        Assert.Contains($"{p}:1", Assert.Throws<InvalidDataException>(() => TempoIndex.Read(p)).Message);
    }
}
