using EquiTempo.Audio;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Cli;

/// <summary>Inputs without a tempo, through the real program: exit 1, one "error: FILE: reason" line on stderr, and
/// stdout without the error line (empty in the table format; in TSV the file's row, in its place, with no BPM and the
/// reason in its error column, as a script reading the results expects).</summary>
public class NoTempoBadInputTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-notempo-{Guid.NewGuid():N}");
    public NoTempoBadInputTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    /// <summary>Every kind of <see cref="NonMusic"/> with the model, a few also with the DSP baseline and in TSV.</summary>
    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var kind in NonMusic.Kinds.Keys) data.Add(kind, "model", "table");
        foreach (var kind in new[] { "noise full scale", "sine 440 Hz", "one click", "0.1 s noise" }) data.Add(kind, "dsp", "tsv");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void InputWithoutATempo_ExitsOne_WithTheReasonOnStderr(string kind, string method, string format)
    {
        var (make, reason) = NonMusic.Kinds[kind];
        var path = Path.Combine(_dir, kind.Replace(' ', '_').Replace('/', '-') + ".wav");
        WavWriter.WriteMono16(path, make(), NonMusic.Rate);
        var (code, stdout, stderr) = CliTests.Run("estimate", path, "--method", method, "--format", format);
        Assert.Equal(1, code);
        Assert.Contains($"error: {path}: ", stderr);
        Assert.Contains(reason, stderr);
        Assert.DoesNotContain("error:", stdout);
        if (format == "table") Assert.Equal("", stdout.Trim());
        else
        {
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var header = lines[0].Split('\t');
            var row = lines.Single(l => l.StartsWith(path + "\t")).Split('\t');
            Assert.Equal("", row[Array.IndexOf(header, "bpm")]);
            Assert.Contains(reason, row[Array.IndexOf(header, "error")]);
        }
    }
}
