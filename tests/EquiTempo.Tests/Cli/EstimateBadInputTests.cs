using EquiTempo.Audio;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Cli;

/// <summary>Files the bad-input cases below refer to by placeholder ({clicks}, {empty}, ...), made once.</summary>
public sealed class BadInputFiles : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), $"eq-badinput-{Guid.NewGuid():N}");

    public BadInputFiles()
    {
        Directory.CreateDirectory(Path.Combine(Dir, "empty"));
        Directory.CreateDirectory(Path.Combine(Dir, "texts"));
        File.WriteAllText(Path.Combine(Dir, "texts", "notes.txt"), "no audio here");
        WavWriter.WriteMono16(Path.Combine(Dir, "clicks.wav"), TestSignals.ClickTrack(120, 6), 22050);
        File.WriteAllText(Path.Combine(Dir, "corrupt.wav"), "RIFF but not really");
        File.WriteAllText(Path.Combine(Dir, "blank-list.txt"), "\n  \n");
        File.WriteAllText(Path.Combine(Dir, "existing.json"), "{}");
    }

    public string[] Expand(string[] args) => args.Select(a => a.Replace("{dir}", Dir)
        .Replace("{clicks}", Path.Combine(Dir, "clicks.wav")).Replace("{corrupt}", Path.Combine(Dir, "corrupt.wav"))
        .Replace("{empty}", Path.Combine(Dir, "empty")).Replace("{texts}", Path.Combine(Dir, "texts"))).ToArray();

    public void Dispose() { try { Directory.Delete(Dir, true); } catch { } }
}

/// <summary>
/// Bad input to `estimate` and `eval`, one kind a row: the exit code (2 usage, 1 an input failed), the message on
/// stderr naming the option or file and the problem, and no error text on stdout.
/// </summary>
public class EstimateBadInputTests(BadInputFiles files) : IClassFixture<BadInputFiles>
{
    public static TheoryData<string, int, string[], string[]> Cases => new()
    {
        // kind, exit code, arguments, substrings of the stderr message
        { "hop not a number", 2, ["estimate", "{clicks}", "--hop", "abc"], ["--hop 'abc'", "expected a number"] },
        { "hop given as --hop=value, not a number", 2, ["estimate", "{clicks}", "--hop=fast"], ["--hop 'fast'", "expected a number"] },
        { "hop zero", 2, ["estimate", "{clicks}", "--hop", "0"], ["--hop", "must be positive"] },
        { "hop negative", 2, ["estimate", "{clicks}", "--hop=-1"], ["--hop", "must be positive"] },
        { "hop too small for bounded work", 2, ["estimate", "{clicks}", "--hop", "0.001"], ["--hop", "1/100 of a chunk"] },
        { "hop infinite", 2, ["estimate", "{clicks}", "--hop", "Infinity"], ["--hop", "must be positive"] },
        { "min-bpm zero", 2, ["estimate", "{clicks}", "--min-bpm", "0"], ["--min-bpm", "positive"] },
        { "min-bpm not a number", 2, ["estimate", "{clicks}", "--min-bpm", "slow"], ["--min-bpm 'slow'", "expected a number"] },
        { "max-bpm negative", 2, ["estimate", "{clicks}", "--max-bpm=-120"], ["--max-bpm", "positive"] },
        { "max-bpm under twice min-bpm", 2, ["estimate", "{clicks}", "--min-bpm", "100", "--max-bpm", "150"], ["--max-bpm", "twice the slowest"] },
        { "silence-db above full scale", 2, ["estimate", "{clicks}", "--silence-db", "5"], ["--silence-db", "at most 0"] },
        { "silence-db not finite", 2, ["estimate", "{clicks}", "--silence-db", "NaN"], ["--silence-db", "finite"] },
        { "unknown format", 2, ["estimate", "{clicks}", "--format", "xml"], ["--format xml", "table, json, tsv, mirex, jams"] },
        { "format without its value", 2, ["estimate", "{clicks}", "--format"], ["--format"] },
        { "unknown method", 2, ["estimate", "{clicks}", "--method", "magic"], ["--method magic", "model, dsp"] },
        { "dsp with a model file", 2, ["estimate", "{clicks}", "--method", "dsp", "--model", "x.eqtm"], ["--model", "no model file"] },
        { "dsp with a chunk hop", 2, ["estimate", "{clicks}", "--method", "dsp", "--hop", "2"], ["--hop", "no chunk hop"] },
        { "unknown option", 2, ["estimate", "{clicks}", "--bogus"], ["Unknown option 'bogus'"] },
        { "unknown option and no path", 2, ["estimate", "--bogus"], ["Unknown option 'bogus'"] },
        { "misspelled option", 2, ["estimate", "{clicks}", "--modle", "x.eqtm"], ["Unknown option 'modle'"] },
        { "no input at all", 2, ["estimate"], ["give at least one audio file or folder"] },
        { "quiet and verbose together", 2, ["estimate", "{clicks}", "-q", "-v"], ["--quiet and --verbose"] },
        { "one .png plot for several files", 2, ["estimate", "{clicks}", "{clicks}", "--plot", "{dir}/out.png"], ["--plot", "out.png", "name a folder"] },
        { "one .png plot for a folder of several files", 2, ["estimate", "{dir}", "--plot", "{dir}/out.png", "--method", "dsp"], ["--plot", "out.png", "files were found"] },
        { "plot path is an existing file", 2, ["estimate", "{clicks}", "--plot", "{dir}/existing.json"], ["--plot", "existing.json", "is a file"] },
        { "files-from list missing", 2, ["estimate", "--files-from", "{dir}/no-list.txt"], ["--files-from", "no-list.txt", "no such file"] },
        { "files-from list with no path", 1, ["estimate", "--files-from", "{dir}/blank-list.txt"], ["--files-from", "blank-list.txt", "no path"] },
        { "output file for several inputs", 2, ["estimate", "{clicks}", "{corrupt}", "-o", "{dir}/existing.json", "--method", "dsp"], ["--output", "existing.json", "need a folder"] },
        { "empty folder", 1, ["estimate", "{empty}"], ["empty", "no audio file in this folder", ".wav", ".flac"] },
        { "folder with only non-audio files", 1, ["estimate", "{texts}", "--format", "json"], ["texts", "no audio file in this folder", ".ogg"] },
        { "missing file", 1, ["estimate", "{dir}/absent.wav", "--method", "dsp"], ["absent.wav", "no such file or folder"] },
        { "corrupt audio file", 1, ["estimate", "{corrupt}", "--method", "dsp"], ["corrupt.wav", "WAV"] },
        { "missing model file", 1, ["estimate", "{clicks}", "--model", "{dir}/absent.eqtm"], ["absent.eqtm"] },
        { "eval tolerance not a number", 2, ["eval", "--labels", "{dir}", "--out", "{dir}/o", "--tolerance", "tight"], ["--tolerance 'tight'", "expected a number"] },
        { "eval max-tracks a fraction", 2, ["eval", "--labels", "{dir}", "--out", "{dir}/o", "--max-tracks", "1.5"], ["--max-tracks '1.5'", "expected a whole number"] },
        { "eval max-tracks zero", 2, ["eval", "--labels", "{dir}", "--out", "{dir}/o", "--max-tracks", "0"], ["--max-tracks", "at least 1"] },
        { "eval quiet and verbose together", 2, ["eval", "--labels", "{dir}", "--out", "{dir}/o", "-q", "-v"], ["--quiet and --verbose"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadInput_ExitsWithItsCode_AndSaysWhatIsWrongOnStderrOnly(string kind, int exitCode, string[] args, string[] message)
    {
        var (code, output, err) = CliTests.Run(files.Expand(args));
        Assert.True(code == exitCode, $"{kind}: exit {code}, expected {exitCode}\nstderr: {err}");
        Assert.StartsWith("error: ", err);
        foreach (var part in message) Assert.Contains(files.Expand([part])[0], err);
        Assert.DoesNotContain("error", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", err);     // never a stack trace
    }
}
