using EquiTempo.Audio;
using EquiTempo.Evaluation;
using EquiTempo.Training.Synthesis;

namespace EquiTempo.Tests.Cli;

/// <summary>A fact that needs fluidsynth and the FluidR3 GM soundfont; skipped with the reason otherwise.</summary>
internal sealed class FluidSynthFactAttribute : FactAttribute
{
    public FluidSynthFactAttribute()
    {
        if (ExternalToolLocator.Find("fluidsynth") is null || !File.Exists(FluidSynthRenderer.DefaultSoundFont))
            Skip = "fluidsynth or FluidR3_GM.sf2 missing: `apt-get install fluidsynth fluid-soundfont-gm`";
    }
}

public class RenderMixCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("eq-render-mix-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    [FluidSynthFact]
    public void RenderMix_WritesWavBeatsAndAnIndexTheLabelReaderTakes()
    {
        var (code, _, err) = CliTests.Run("render-mix", "--out", _dir, "--count", "2", "--seconds", "3", "--seed", "4",
            "--sources", "fluidr3-gm", "--styles", "waltz,twelve-eight", "--no-production");
        Assert.True(code == 0, err);
        var rows = RenderIndex.Read(Path.Combine(_dir, RenderIndex.FileName));
        Assert.Equal(new[] { "twelve-eight", "waltz" }, rows.Select(r => r.Style).Order());
        Assert.All(rows, r => Assert.Equal("fluidr3-gm", r.Source));
        Assert.All(rows, r => Assert.Equal("-1dB", r.Production));
        var tracks = TempoIndex.Read(Path.Combine(_dir, RenderIndex.FileName));
        foreach (var (row, track) in rows.Zip(tracks))
        {
            var audio = AudioDecoder.DecodeMono(track.Path);
            Assert.Equal(3 * 44100, audio.Samples.Length);
            Assert.True(audio.Samples.Max(Math.Abs) > 0.5f, $"{row.Path} is nearly silent");
            var beats = File.ReadAllLines(Path.Combine(_dir, row.Beats!)).Select(l => l.Split('\t')).ToList();
            int perBar = row.Style == "waltz" ? 3 : 4;
            Assert.Equal(Enumerable.Range(0, beats.Count).Select(k => (k % perBar + 1).ToString()), beats.Select(b => b[1]));
            Assert.Equal(60 / row.Bpm, track.BeatTimes![1] - track.BeatTimes[0], 5);
        }
    }
}
