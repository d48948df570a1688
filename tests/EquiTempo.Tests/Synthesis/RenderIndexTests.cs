using EquiTempo.Evaluation;
using EquiTempo.Training.Synthesis;

namespace EquiTempo.Tests.Synthesis;

public class RenderIndexTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("eq-index-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    [Fact]
    public void Rhythms_RoundTrip_WithTodaysColumns()
    {
        var rows = new[] { new RenderIndexRow("rhythm0000_61.20bpm.wav", 61.2034, "rendered"), new RenderIndexRow("rhythm0001_150.00bpm.wav", 150, "rendered") };
        var path = Path.Combine(_dir, RenderIndex.FileName);
        RenderIndex.Write(path, rows);
        Assert.Equal(new[] { "path\tbpm\tkind", "rhythm0000_61.20bpm.wav\t61.203\trendered", "rhythm0001_150.00bpm.wav\t150.000\trendered" }, File.ReadAllLines(path));
        var back = RenderIndex.Read(path);
        Assert.Equal(new[] { rows[0] with { Bpm = 61.203 }, rows[1] }, back);
    }

    [Fact]
    public void Songs_RoundTrip_AndReadAsALabelledIndex()
    {
        var rows = new[] { new RenderIndexRow("song0000_99.00bpm.wav", 99, "rendered-song", "rock", "piano+bass") };
        var path = Path.Combine(_dir, RenderIndex.FileName);
        RenderIndex.Write(path, rows);
        Assert.Equal("path\tbpm\tkind\tdrums\tinstruments", File.ReadLines(path).First());
        Assert.Equal(rows, RenderIndex.Read(path));
        var labelled = TempoIndex.Read(path);
        Assert.Equal(99, Assert.Single(labelled).Bpm, 6);
    }

    [Fact]
    public void NotAnIndex_IsInvalidData()
    {
        var path = Path.Combine(_dir, "x.tsv");
        File.WriteAllText(path, "a\tb\n");
        Assert.Equal(ErrorReason.InvalidData, Assert.Throws<EquiTempoException>(() => RenderIndex.Read(path)).Reason);
    }
}
