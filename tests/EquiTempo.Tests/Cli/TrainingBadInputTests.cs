using EquiTempo.Model;
using EquiTempo.Tests.Training;

namespace EquiTempo.Tests.Cli;

/// <summary>The files the bad-input cases point at, made once: audio, a model, label indexes good and bad.</summary>
public sealed class TrainingBadInputFiles : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("eq-train-bad-").FullName;

    public TrainingBadInputFiles()
    {
        var tracks = ClickTrackFiles.Write(Path.Combine(Dir, "audio"), new[] { 100.0, 140 }, 3);
        File.WriteAllLines(Path.Combine(Dir, "labels.tsv"), new[] { "path\tbpm" }.Concat(tracks.Select(t => $"{t.Path}\t{t.Bpm}")));
        File.WriteAllLines(Path.Combine(Dir, "bad-labels.tsv"), new[] { "path\tbpm", $"{tracks[0].Path}\tfast" });
        File.WriteAllLines(Path.Combine(Dir, "no-labels.tsv"), new[] { "path\tbpm" });
        // Copied, not built: a new network would draw from LibTorch's global generator under other tests' seeds.
        using (var shipped = ShippedModels.Open(ShippedModels.TcnDefault))
        using (var copy = File.Create(Path.Combine(Dir, "model.eqtm"))) shipped.CopyTo(copy);
        File.WriteAllText(Path.Combine(Dir, "not-a-model.eqtm"), "plain text");
        File.WriteAllText(Path.Combine(Dir, "a-file"), "plain text");
        Directory.CreateDirectory(Path.Combine(Dir, "empty"));
    }

    /// <summary>The arguments with {name} replaced by the fixture's paths; {out} is a new folder name for each case.</summary>
    public string[] Expand(string[] args)
    {
        string fresh = Path.Combine(Dir, $"out-{Guid.NewGuid():N}");
        return args.Select(a => a
            .Replace("{audio}", Path.Combine(Dir, "audio")).Replace("{labels}", Path.Combine(Dir, "labels.tsv"))
            .Replace("{bad-labels}", Path.Combine(Dir, "bad-labels.tsv")).Replace("{no-labels}", Path.Combine(Dir, "no-labels.tsv")).Replace("{model}", Path.Combine(Dir, "model.eqtm"))
            .Replace("{not-a-model}", Path.Combine(Dir, "not-a-model.eqtm")).Replace("{file}", Path.Combine(Dir, "a-file"))
            .Replace("{empty}", Path.Combine(Dir, "empty")).Replace("{missing}", Path.Combine(Dir, "missing"))
            .Replace("{out}", fresh)).ToArray();
    }

    public void Dispose() { try { Directory.Delete(Dir, true); } catch { } }
}

/// <summary>
/// Bad input to the training-side commands (train, finetune, calibrate, equivariance, render-rhythms,
/// render-songs, compact, info): each case is one kind of mistake and must give its exit code (2 a usage
/// error, 1 an input that failed), one "error:" line on stderr naming the option or file and the problem,
/// nothing of it on stdout, and no crash trace.
/// </summary>
public class TrainingBadInputTests(TrainingBadInputFiles files) : IClassFixture<TrainingBadInputFiles>
{
    private const int Usage = 2, Input = 1;

    private static readonly string[] Train = { "train", "--audio", "{audio}", "--out", "{out}" };
    private static readonly string[] Finetune = { "finetune", "--model", "{model}", "--labels", "{labels}", "--out", "{out}" };
    private static readonly string[] Calibrate = { "calibrate", "--model", "{model}", "--out", "{out}.eqtm" };
    private static readonly string[] Equivariance = { "equivariance", "--fresh", "--audio", "{audio}" };
    private static readonly string[] Rhythms = { "render-rhythms", "--out", "{out}", "--count", "1", "--seconds", "2" };
    private static readonly string[] Songs = { "render-songs", "--out", "{out}", "--count", "1", "--seconds", "2" };
    private static readonly string[] Mix = { "render-mix", "--out", "{out}", "--count", "1", "--seconds", "2" };

    public static TheoryData<string, string[], int, string[]> Cases()
    {
        var d = new TheoryData<string, string[], int, string[]>();
        void Add(string kind, string[] command, string extra, int code, params string[] message) =>
            d.Add(kind, command.Concat(extra.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray(), code, message);

        Add("train: zero epochs", Train, "--epochs 0", Usage, "--epochs", "at least 1");
        Add("train: zero batch (hung)", Train, "--batch 0", Usage, "--batch", "at least 1");
        Add("train: negative learning rate", Train, "--lr -0.1", Usage, "--lr", "greater than 0");
        Add("train: learning rate not a number", Train, "--lr NaN", Usage, "--lr", "NaN");
        Add("train: validation fraction above 1 (blamed decoding)", Train, "--validation 1.5", Usage, "--validation", "1.5");
        Add("train: excerpt shorter than the network's field (LibTorch trace)", Train, "--excerpt-samples 10", Usage, "--excerpt-samples", "10");
        Add("train: excerpt too long for memory", Train, "--excerpt-samples 2000000000", Usage, "--excerpt-samples", "between");
        Add("train: zero micro-batch (accepted)", Train, "--micro-batch 0", Usage, "--micro-batch");
        Add("train: negative step cap", Train, "--max-steps -1", Usage, "--max-steps");
        Add("train: negative minimum length", Train, "--min-seconds -1", Usage, "--min-seconds");
        Add("train: zero excerpts per file", Train, "--excerpts-per-file 0", Usage, "--excerpts-per-file");
        Add("train: rates in the wrong order", Train, "--min-rate 1.3 --max-rate 1.2", Usage, "--min-rate", "must not exceed");
        Add("train: fastest view rate left at the default under a slower minimum", Train, "--min-rate 1.5", Usage, "--min-rate", "must not exceed");
        Add("train: stretch beyond two octaves", Train, "--max-rate 10", Usage, "--max-rate", "10");
        Add("train: unknown stretch domain", Train, "--stretch time", Usage, "--stretch", "waveform or features");
        Add("train: unknown initialisation", Train, "--init xavier", Usage, "--init", "xavier");
        Add("train: run folder is a file", new[] { "train", "--audio", "{audio}", "--out", "{file}" }, "", Usage, "--out", "is a file");
        Add("train: audio folder missing", new[] { "train", "--audio", "{missing}", "--out", "{out}" }, "", Input, "missing", "no such file or folder");
        Add("train: audio folder empty", new[] { "train", "--audio", "{empty}", "--out", "{out}" }, "", Input, "empty", "no audio files");
        Add("train: start model not a model", Train, "--init-from {not-a-model}", Input, "not-a-model.eqtm", "not an EquiTempo model");
        Add("train: resume of a folder with no run", Train, "--resume", Input, "no run state");
        Add("train: misspelled option (ignored once)", Train, "--fil-views", Usage, "fil-views");
        Add("train: count not a number", Train, "--epochs many", Usage, "many");
        Add("train: audio missing", new[] { "train", "--out", "{out}" }, "", Usage, "--audio", "required");

        Add("finetune: zero batch (LibTorch trace)", Finetune, "--batch 0", Usage, "--batch", "at least 1");
        Add("finetune: zero epochs (printed Acc1 -100 %)", Finetune, "--epochs 0", Usage, "--epochs", "at least 1");
        Add("finetune: negative label width (accepted)", Finetune, "--label-sigma -1", Usage, "--label-sigma", "-1");
        Add("finetune: negative patience", Finetune, "--patience -1", Usage, "--patience");
        Add("finetune: rates in the wrong order", Finetune, "--min-rate 1.2 --max-rate 0.9", Usage, "--min-rate", "must not exceed");
        Add("finetune: stretch beyond two octaves", Finetune, "--max-rate 10", Usage, "--max-rate", "10");
        Add("finetune: negative validation fraction", Finetune, "--validation -0.1", Usage, "--validation");
        Add("finetune: zero tracks", Finetune, "--max-tracks 0", Usage, "--max-tracks");
        Add("finetune: zero excerpts per track", Finetune, "--excerpts-per-track 0", Usage, "--excerpts-per-track");
        Add("finetune: zero learning rate", Finetune, "--lr 0", Usage, "--lr");
        Add("finetune: short excerpt", Finetune, "--excerpt-samples 100", Usage, "--excerpt-samples");
        Add("finetune: frozen fresh network", new[] { "finetune", "--fresh", "--freeze", "--labels", "{labels}", "--out", "{out}" }, "", Usage, "--freeze", "--fresh");
        Add("finetune: both a model and fresh", Finetune, "--fresh", Usage, "--model", "--fresh");
        Add("finetune: labels file missing", new[] { "finetune", "--model", "{model}", "--labels", "{missing}", "--out", "{out}" }, "", Input, "missing", "no such index");
        Add("finetune: labels malformed (line number)", new[] { "finetune", "--model", "{model}", "--labels", "{bad-labels}", "--out", "{out}" }, "", Input, "bad-labels.tsv:2", "fast");
        Add("finetune: labels index with no rows (blamed decoding)", new[] { "finetune", "--model", "{model}", "--labels", "{no-labels}", "--out", "{out}" }, "", Input, "no-labels.tsv", "no labelled tracks");
        Add("finetune: labels folder without annotations", new[] { "finetune", "--model", "{model}", "--labels", "{empty}", "--out", "{out}" }, "", Input, "empty", "no annotation files");
        Add("finetune: model file not a model", new[] { "finetune", "--model", "{not-a-model}", "--labels", "{labels}", "--out", "{out}" }, "", Input, "not-a-model.eqtm");
        Add("finetune: model file missing", new[] { "finetune", "--model", "{missing}", "--labels", "{labels}", "--out", "{out}" }, "", Input, "missing", "not found");
        Add("finetune: run folder is a file", new[] { "finetune", "--model", "{model}", "--labels", "{labels}", "--out", "{file}" }, "", Usage, "--out", "is a file");
        Add("finetune: misspelled option", Finetune, "--modle x", Usage, "modle");

        Add("calibrate: one rendered example", Calibrate, "--examples 1", Usage, "--examples");
        Add("calibrate: too many rendered examples", Calibrate, "--examples 100000", Usage, "--examples", "1000");
        Add("calibrate: track cap without labels", Calibrate, "--max-tracks 3", Usage, "--max-tracks", "--labels");
        Add("calibrate: model missing", new[] { "calibrate", "--model", "{missing}" }, "", Input, "missing", "not found");
        Add("calibrate: model not a model", new[] { "calibrate", "--model", "{not-a-model}" }, "", Input, "not-a-model.eqtm");
        Add("calibrate: output is a folder", new[] { "calibrate", "--model", "{model}", "--out", "{empty}" }, "", Usage, "--out", "is a folder");
        Add("calibrate: labels malformed", Calibrate, "--labels {bad-labels}", Input, "bad-labels.tsv:2");
        Add("calibrate: evaluation index missing (found after the model was rewritten)", new[] { "calibrate", "--model", "{model}", "--evaluate", "{missing}" }, "", Input, "missing");
        Add("calibrate: labels index with no rows", Calibrate, "--labels {no-labels}", Input, "no-labels.tsv", "no labelled tracks");
        Add("calibrate: misspelled option", Calibrate, "--exampels 4", Usage, "exampels");

        Add("equivariance: zero files", Equivariance, "--max-files 0", Usage, "--max-files");
        Add("equivariance: a model and fresh", Equivariance, "--model {model}", Usage, "--model", "--fresh");
        Add("equivariance: no audio in the folder (crash trace)", new[] { "equivariance", "--fresh", "--audio", "{empty}" }, "", Input, "empty", "no audio files");
        Add("equivariance: misspelled option", Equivariance, "--max-file 3", Usage, "max-file");

        Add("render-rhythms: negative length (OverflowException trace)", Rhythms, "--seconds -5", Usage, "--seconds", "-5");
        Add("render-rhythms: zero count", Rhythms, "--count 0", Usage, "--count");
        Add("render-rhythms: zero tempo", Rhythms, "--min-bpm 0", Usage, "--min-bpm");
        Add("render-rhythms: tempo range reversed", Rhythms, "--min-bpm 150 --max-bpm 100", Usage, "--min-bpm", "must not exceed");
        Add("render-rhythms: tempo not a number", Rhythms, "--max-bpm NaN", Usage, "--max-bpm", "NaN");
        Add("render-rhythms: output folder is a file", new[] { "render-rhythms", "--out", "{file}" }, "", Usage, "--out", "is a file");
        Add("render-rhythms: misspelled option", Rhythms, "--cont 3", Usage, "cont");

        Add("render-songs: a day-long song", Songs, "--seconds 100000", Usage, "--seconds");
        Add("render-songs: tempo above the classes", Songs, "--max-bpm 500", Usage, "--max-bpm", "299");
        Add("render-songs: soundfont missing", Songs, "--soundfont {missing}", Input, "missing", "soundfont not found");
        Add("render-songs: soundfont is a folder", Songs, "--soundfont {empty}", Usage, "--soundfont", "is a folder");
        Add("render-songs: misspelled option", Songs, "--sound-font x", Usage, "sound-font");

        Add("render-mix: unknown style", Mix, "--styles rock,polka", Input, "polka", "twelve-eight");
        Add("render-mix: unknown source", Mix, "--sources steinway", Input, "steinway", "timidity-freepats");
        Add("render-mix: kit probability above 1", Mix, "--kit-probability 1.5", Usage, "--kit-probability");
        Add("render-mix: three jobs", Mix, "--jobs 3", Usage, "--jobs");
        Add("render-mix: styles outside the tempo range", Mix, "--styles drum-n-bass --max-bpm 120", Input, "drum-n-bass", "120");
        Add("render-mix: misspelled option", Mix, "--style rock", Usage, "style");

        Add("compact: output is a folder", new[] { "compact", "{model}", "{empty}" }, "", Usage, "OUT", "is a folder");
        Add("compact: model missing", new[] { "compact", "{missing}", "{out}.eqtm" }, "", Input, "missing", "not found");
        Add("compact: misspelled option", new[] { "compact", "{model}", "{out}.eqtm" }, "--half", Usage, "half");
        Add("info: not a model", new[] { "info", "{not-a-model}" }, "", Input, "not-a-model.eqtm", "not an EquiTempo model");
        Add("info: a folder", new[] { "info", "{empty}" }, "", Usage, "MODEL", "is a folder");
        Add("info: misspelled option", new[] { "info", "{model}" }, "--jsn", Usage, "jsn");
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadInput_GivesItsExitCode_AndOneErrorLineOnStderr(string kind, string[] args, int code, string[] message)
    {
        var (exit, stdout, stderr) = CliTests.Run(files.Expand(args));
        Assert.True(exit == code, $"{kind}: exit {exit}, expected {code}; stderr: {stderr}");
        Assert.DoesNotContain("error", stdout, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("error: ", stderr);
        Assert.DoesNotContain("   at ", stderr);                 // no stack trace
        foreach (var part in files.Expand(message)) Assert.Contains(part, stderr);
    }
}
