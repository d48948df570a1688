using System.Text.Json.Nodes;
using EquiTempo.Beats;
using EquiTempo.Cli.Commands;
using EquiTempo.Evaluation;

namespace EquiTempo.Tests.Cli;

/// <summary>What `beats` and `estimate --beats` write of a beat track with and without numbers.</summary>
public class BeatOutputTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-beatout-{Guid.NewGuid():N}");
    public BeatOutputTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private static readonly BeatTrack Plain = new("a.wav", [0.5, 1.0, 1.5, 2.0, 2.5], 120, "given", "constructed", 3);
    private static readonly BeatTrack Numbered = Plain with { Numbers = [3, 1, 2, 3, 1], BeatsPerBar = 3 };

    [Fact]
    public void BeatsLines_AreTimeTabNumber_WhenNumbered_AndReadBackAsTheSameBeats()
    {
        Assert.Equal(["0.500\t3", "1.000\t1", "1.500\t2", "2.000\t3", "2.500\t1"], BeatAnnotation.Of(Numbered).Lines());
        Assert.Equal(["0.500", "1.000", "1.500", "2.000", "2.500"], BeatAnnotation.Of(Plain).Lines());
        var path = Path.Combine(_dir, "a.beats");
        File.WriteAllLines(path, BeatAnnotation.Of(Numbered).Lines());
        var back = TempoAnnotationFile.ReadBeats(path);
        Assert.Equal(Numbered.Times, back.Times);
        Assert.Equal(Numbered.Numbers, back.Numbers);
        Assert.Equal([1.0, 2.5], back.DownbeatTimes!);
    }

    [Fact]
    public void Json_CarriesNumbersMeterAndDownbeats_OnlyWhenNumbered()
    {
        var numbered = BeatsCommand.Json(Numbered, "a.wav");
        Assert.Equal("[3,1,2,3,1]", numbered["numbers"]!.ToJsonString());
        Assert.Equal(3, numbered["beats_per_bar"]!.GetValue<int>());
        Assert.Equal("[1,2.5]", numbered["downbeats"]!.ToJsonString());
        var plain = BeatsCommand.Json(Plain, "a.wav");
        Assert.Equal(["file", "bpm", "tempo_source", "activation", "duration_s", "beats"], plain.Select(kv => kv.Key));

        var estimate = new TempoEstimate("a.wav", 120, 60, 0.7, 0.9, 3, 1, "test");
        var json = EstimateFormat.For("json", new RunDescription("dsp", null, null), 10);
        var withBars = JsonNode.Parse(json.Render(new EstimateRow("a.wav", estimate, null, Numbered), false)!)!;
        Assert.Equal("[3,1,2,3,1]", withBars["numbers"]!.ToJsonString());
        Assert.Equal("[1,2.5]", withBars["downbeats"]!.ToJsonString());
        var without = JsonNode.Parse(json.Render(new EstimateRow("a.wav", estimate, null, Plain), false)!)!.AsObject();
        Assert.False(without.ContainsKey("numbers") || without.ContainsKey("downbeats") || without.ContainsKey("beats_per_bar"));
        Assert.Equal("[0.5,1,1.5,2,2.5]", without["beats"]!.ToJsonString());
    }
}
