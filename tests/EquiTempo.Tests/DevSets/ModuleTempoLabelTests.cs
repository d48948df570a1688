using EquiTempo.DevSets;
using EquiTempo.Tests.Audio;
using static EquiTempo.Tests.DevSets.ModuleBytes;

namespace EquiTempo.Tests.DevSets;

/// <summary>Modules built from bytes, played through libopenmpt (Debian libopenmpt0, installed by tools/bootstrap.sh).</summary>
public class ModuleTempoLabelTests : IDisposable
{
    private const int SampleRate = 8000; // timing does not depend on it, and the tests stay fast
    private static readonly Command[] Speed6Tempo150 = [new(1, 0xF, 6), new(2, 0xF, 150)];
    private static readonly Command[] Speed3 = [new(1, 0xF, 3)];
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private (ModuleTempoLabel Label, ModulePlayback Playback, ModulePlayer Player) Play(string name, byte[] bytes, double maxSeconds = 600)
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        var player = ModulePlayer.Open(path);
        var playback = player.Play(0, SampleRate, maxSeconds);
        return (ModuleTempoLabel.From(playback, player.FileRowsPerBeat, path), playback, player);
    }

    [Fact]
    public void SteadyMod_RowRateIs24TimesTempoOverSpeed_AndBpmAssumesFourRowsABeat()
    {
        // F06 = speed 6 (below 0x20), F96 = tempo 150: a row lasts 6 × 2.5 / 150 = 0.1 s.
        var (label, playback, player) = Play("steady.mod", Mod([Speed6Tempo150], [0, 0, 0]));
        using var _ = player;

        Assert.Equal("mod", player.Format);
        Assert.Equal(600, label.RowsPerMinute, 9);
        Assert.Equal(150, label.Bpm, 9);
        Assert.Equal(4, label.RowsPerBeat);
        Assert.False(label.RowsPerBeatFromFile);
        Assert.InRange(label.Share, 0.99, 1);  // the first tick runs at MOD's default tempo, 125
        Assert.Equal(600, label.MeasuredRowsPerMinute, 600 * 0.01);
        // libopenmpt plays a tick or two past the last row.
        Assert.Equal(3 * Rows * 0.1, playback.PlayedSeconds, 0.1);
        Assert.True(playback.ReachedEnd);
        Assert.True(label.IsSteady(0.95));
    }

    [Fact]
    public void SpeedChangeInTheOrderList_LowersTheShare()
    {
        // Two patterns at 600 rows/min (12.8 s), then one where F03 doubles the row rate (3.2 s).
        var (label, _, player) = Play("change.mod", Mod([Speed6Tempo150, Speed3], [0, 0, 1]));
        using var _ = player;

        Assert.Equal(600, label.RowsPerMinute, 9);
        Assert.Equal(0.8, label.Share, 0.01);
        Assert.False(label.IsSteady(0.95));
    }

    [Fact]
    public void ItPatternHighlight_GivesTheRowsPerBeat()
    {
        var (label, _, player) = Play("highlight.it", It(speed: 6, tempo: 150, rowsPerBeat: 3, orders: 2));
        using var _ = player;

        Assert.Equal("it", player.Format);
        Assert.Equal(3, player.FileRowsPerBeat);
        Assert.True(label.RowsPerBeatFromFile);
        Assert.Equal(600, label.RowsPerMinute, 9);
        Assert.Equal(200, label.Bpm, 9);
        Assert.True(label.IsSteady(0.95));
    }

    [Fact]
    public void Render_StopsAtTheCap()
    {
        var (_, playback, player) = Play("capped.mod", Mod([Speed6Tempo150], [0, 0, 0]), maxSeconds: 5);
        using var _ = player;

        Assert.Equal(5, playback.PlayedSeconds, 9);
        Assert.False(playback.ReachedEnd);
    }

    [Fact]
    public void Render_GivesSound()
    {
        string path = _dir.File("sound.mod");
        File.WriteAllBytes(path, Mod([Speed6Tempo150], [0]));
        using var player = ModulePlayer.Open(path);
        var samples = new List<float>();
        player.Play(0, SampleRate, 600, chunk => samples.AddRange(chunk));

        Assert.Equal(Rows * 0.1 * SampleRate, samples.Count, SampleRate * 0.1);
        Assert.True(samples.Max(Math.Abs) > 0.01f);
    }

    [Fact]
    public void NotAModule_GivesAnErrorNamingTheFile()
    {
        string path = _dir.File("noise.xm");
        File.WriteAllBytes(path, "this is a text file, not a module"u8.ToArray());

        var e = Assert.Throws<InvalidDataException>(() => ModulePlayer.Open(path));
        Assert.StartsWith(path + ": ", e.Message);
    }

    [Theory]
    [InlineData(8, 8)]
    [InlineData(0, null)]
    [InlineData(200, null)]
    public void ItRowsPerBeat_ReadsTheHighlightByte(int stored, int? expected)
    {
        Assert.Equal(expected, ModulePlayer.ItRowsPerBeat(It(6, 125, stored, 1)));
        Assert.Null(ModulePlayer.ItRowsPerBeat(Mod([Speed6Tempo150], [0])));
    }
}
