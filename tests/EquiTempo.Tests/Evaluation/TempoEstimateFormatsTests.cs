using System.Text.Json;
using EquiTempo.Evaluation;

namespace EquiTempo.Tests.Evaluation;

/// <summary>The MIREX line, the JAMS document and TSV fields, read back by the parsers that consume them.</summary>
public class TempoEstimateFormatsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-formats-{Guid.NewGuid():N}");
    public TempoEstimateFormatsTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    [Theory]
    [InlineData(120, 60, 0.7, "60.00\t120.00\t0.30")]   // the slower tempo first, with its own salience
    [InlineData(80, 160, 0.55, "80.00\t160.00\t0.55")]
    [InlineData(100, 0, 1, "100.00\t100.00\t1.00")]     // no second tempo: one tempo, all the salience
    public void MirexLine_PutsTheSlowerTempoFirst_WithItsSalience(double bpm, double bpm2, double salience, string expected)
    {
        var line = TempoEstimateFormats.MirexLine(new TempoEstimate("x.wav", bpm, bpm2, salience, 0.5, 30, 3, "test"));
        Assert.Equal(expected, line);
        var path = Path.Combine(_dir, "x.mirex");
        File.WriteAllText(path, line + "\n");
        var read = TempoAnnotationFile.Read(path)!;
        Assert.Equal(bpm, read.Bpm, 2);   // the reader takes the more salient tempo: the estimate's main one
    }

    [Fact]
    public void Jams_HoldsATempoAnnotation_WithBothTempi_ThatTheJamsReaderReadsBack()
    {
        var estimate = new TempoEstimate("songs/x.wav", 128, 64, 0.8, 0.9, 42.5, 4, "test");
        var doc = TempoEstimateFormats.Jams(estimate, "equitempo model", "2026-11-25T16:09:18Z");
        var path = Path.Combine(_dir, "x.jams");
        File.WriteAllText(path, doc.ToJsonString());
        using var parsed = JsonDocument.Parse(File.ReadAllText(path));
        var annotation = parsed.RootElement.GetProperty("annotations")[0];
        Assert.Equal("tempo", annotation.GetProperty("namespace").GetString());
        var data = annotation.GetProperty("data");
        Assert.Equal(2, data.GetArrayLength());
        Assert.Equal(128, data[0].GetProperty("value").GetDouble());
        Assert.Equal(0.8, data[0].GetProperty("confidence").GetDouble(), 3);
        Assert.Equal(0.2, data[1].GetProperty("confidence").GetDouble(), 3);
        Assert.Equal(42.5, parsed.RootElement.GetProperty("file_metadata").GetProperty("duration").GetDouble());
        Assert.Equal(128, TempoAnnotationFile.Read(path)!.Bpm, 2);
    }

    [Theory]
    [InlineData("plain.wav", "plain.wav")]
    [InlineData("a\tb.wav", "a\\tb.wav")]
    [InlineData("line\nbreak\r.wav", "line\\nbreak\\r.wav")]
    [InlineData("back\\slash.wav", "back\\\\slash.wav")]
    public void TsvField_EscapesWhatWouldSplitAFieldOrALine(string raw, string escaped)
    {
        var field = TempoEstimateFormats.TsvField(raw);
        Assert.Equal(escaped, field);
        Assert.DoesNotContain('\t', field);
        Assert.DoesNotContain('\n', field);
    }
}
