using System.ComponentModel;
using System.Globalization;
using EquiTempo.Audio;
using EquiTempo.Baselines;
using EquiTempo.Beats;
using EquiTempo.Evaluation;
using EquiTempo.Inference;
using EquiTempo.Model;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EquiTempo.Cli.Commands;

public sealed class EstimateCommand : Command<EstimateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[PATHS]"), Description("Audio files or folders (searched recursively).")] public string[] Paths { get; init; } = Array.Empty<string>();
        [CommandOption("--files-from <LIST>"), Description("Also read input paths from this file, one per line (- for standard input); relative paths are relative to the current folder.")] public string? FilesFrom { get; init; }
        [CommandOption("--method <NAME>"), Description("model (default): the trained network; dsp: the signal-processing baseline (onset autocorrelation, librosa-style).")] public string Method { get; init; } = "model";
        public const string ModelDescription = "Model file for --method model, or a shipped model by name: default (used when omitted), labelfree.";
        [CommandOption("-m|--model <FILE|NAME>"), Description(ModelDescription)] public string? Model { get; init; }
        [CommandOption("-f|--format <FORMAT>"), Description("table (default), json (one object per line; a failed file is {\"file\", \"error\"}), tsv (header line; tab, newline, carriage return and backslash in a field are written \\t \\n \\r \\\\), mirex (T1, T2, salience of T1, tab-separated; the file first when several) or jams (one JAMS document per file, \"tempo\" namespace).")] public string Format { get; init; } = "table";
        [CommandOption("-o|--output <FILE|DIR>"), Description("Write the results here instead of stdout: a file for one input; for several inputs, or an existing folder, one file per input under DIR (its path below the inputs' common folder + .bpm.json, .bpm.tsv, .bpm.txt (mirex), .jams or .bpm.table.txt).")] public string? Output { get; init; }
        [CommandOption("--local"), Description("Also compute a local tempo curve (sliding window).")] public bool Local { get; init; }
        [CommandOption("--hop <SECONDS>"), Description("Chunk hop for --method model (default: chunk length, non-overlapping).")] public double? Hop { get; init; }
        [CommandOption("--min-bpm <BPM>"), Description("Slowest tempo an answer may have.")] public double? MinBpm { get; init; }
        [CommandOption("--max-bpm <BPM>"), Description("Fastest tempo an answer may have (at least twice --min-bpm).")] public double? MaxBpm { get; init; }
        [CommandOption("--fuse <EVIDENCE>"), Description(FuseOptions.FuseDescription)] public string? Fuse { get; init; }
        [CommandOption("--fuse-weight <W>"), Description(FuseOptions.WeightDescription)] public double? FuseWeight { get; init; }
        [CommandOption("--silence-db <DBFS>"), Description("Chunks quieter than this RMS level carry no tempo and are skipped (default -70, at most 0).")] public double? SilenceDb { get; init; }
        [CommandOption("--plot <PNG|DIR>"), Description("Draw the local tempo curve (implies --local): a .png path for one file, else a folder that gets one <audio path>.png per file.")] public string? Plot { get; init; }
        [CommandOption("--beats"), Description("Also track the beats at the estimated tempo (as the beats command does) and add their times (seconds) to each result as \"beats\" (--format json only).")] public bool Beats { get; init; }
        [CommandOption("--activation <KIND>"), Description("With --beats: " + BeatActivationOptions.ActivationDescription)] public string? Activation { get; init; }
        [CommandOption("--beat-model <FILE|NAME>"), Description("With --beats, or for --fuse beats (the head whose activation is fused): " + BeatActivationOptions.BeatModelDescription)] public string? BeatModel { get; init; }
        [CommandOption("-q|--quiet"), Description("Only errors on stderr (no progress, no notes of files written).")] public bool Quiet { get; init; }
        [CommandOption("-v|--verbose"), Description("Also say which model and decoder were used and how long each file took (stderr).")] public bool Verbose { get; init; }

        public bool IsDsp => Method.Equals(DspTempoEstimator.MethodName, StringComparison.OrdinalIgnoreCase);
        /// <summary>Whether an input is standard input (given as -).</summary>
        public bool ReadsStandardInput => Paths.Any(p => p is "-" or StdinArgument);

        /// <summary>The flag of each estimator setting, so a value the library refuses is reported as the option to change.</summary>
        private static readonly Dictionary<string, string> FlagOfSetting = new()
        {
            [$"estimator {nameof(EstimatorConfig.HopSeconds)}"] = "--hop",
            [$"estimator {nameof(EstimatorConfig.MinBpm)}"] = "--min-bpm",
            [$"estimator {nameof(EstimatorConfig.MaxBpm)}"] = "--max-bpm",
            [$"estimator {nameof(EstimatorConfig.SilenceDbfs)}"] = "--silence-db",
            [$"fusion {nameof(DspFusionConfig.Weight)}"] = "--fuse-weight",
        };

        public EstimatorConfig Config()
        {
            var config = new EstimatorConfig { HopSeconds = Hop, MinBpm = MinBpm, MaxBpm = MaxBpm, Fusion = FuseOptions.Config(Fuse, FuseWeight) };
            return SilenceDb is double db ? config with { SilenceDbfs = db } : config;
        }

        public override ValidationResult Validate()
        {
            if (Paths.Length == 0 && FilesFrom is null) return ValidationResult.Error("give at least one audio file or folder, or --files-from LIST");
            if (!EstimateFormat.Names.Contains(Format))
                return ValidationResult.Error($"--format{(Format.StartsWith("__") ? "" : " " + Format)}: must be one of {string.Join(", ", EstimateFormat.Names)}");
            if (!TempoMethods.Names.Contains(Method.ToLowerInvariant())) return ValidationResult.Error($"--method {Method}: must be one of {string.Join(", ", TempoMethods.Names)}");
            if (IsDsp && Model is not null) return ValidationResult.Error("--model: the dsp method uses no model file");
            if (IsDsp && Hop is not null) return ValidationResult.Error("--hop: the dsp method has no chunk hop");
            if (FuseOptions.Problem(Fuse, FuseWeight, IsDsp, Model, BeatModel) is { } fuseProblem) return ValidationResult.Error(fuseProblem);
            if (Quiet && Verbose) return ValidationResult.Error("--quiet and --verbose contradict each other: give one");
            if (Beats && Format != "json") return ValidationResult.Error($"--beats: only the json format carries beat times (given: --format {Format})");
            if (!Beats && Activation is not null) return ValidationResult.Error("--activation: chooses what --beats tracks on; give --beats");
            if (!Beats && BeatModel is not null && !FuseOptions.AsksForBeats(Fuse))
                return ValidationResult.Error("--beat-model: chooses what --beats tracks on, or the head --fuse beats reads; give --beats or --fuse beats");
            if (BeatActivationOptions.Problem(Activation, BeatModel) is { } activationProblem) return ValidationResult.Error(activationProblem);
            // The model computes the beat head's activation in its own pass; beside the DSP baseline the head reads the audio
            // again, which a pipe cannot give.
            if (ReadsStandardInput && IsDsp && (Activation ?? BeatModel) is not null && !BeatActivationOptions.UsesOnsets(Activation, BeatModel))
                return ValidationResult.Error($"{(BeatModel is not null ? "--beat-model " + BeatModel : "--activation " + Activation)}: beside the dsp method a beat head's activation reads the audio a second time, which standard input cannot give; give a file, --method model, or --activation onset");
            if (FilesFrom is not null && FilesFrom != "-" && !File.Exists(FilesFrom)) return ValidationResult.Error($"--files-from {FilesFrom}: no such file");
            if (Plot is not null && IsPngPath(Plot) && Paths.Length > 1)
                return ValidationResult.Error($"--plot {Plot}: a .png path holds one plot, but {Paths.Length} paths are given; name a folder instead");
            if (Plot is not null && File.Exists(Plot) && !IsPngPath(Plot)) return ValidationResult.Error($"--plot {Plot}: is a file, not a folder or a .png path");
            try
            {
                Config().Validated();
            }
            catch (EquiTempoException e) when (e.Subject is not null && FlagOfSetting.TryGetValue(e.Subject, out var flag))
            {
                return ValidationResult.Error($"{flag}: {e.Problem}");
            }
            return ValidationResult.Success();
        }

        public static bool IsPngPath(string path) => path.EndsWith(".png", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        var console = RunConsole.ForProcess(s.Quiet ? Verbosity.Quiet : s.Verbose ? Verbosity.Verbose : Verbosity.Normal);
        var inputs = CollectInputs(s);
        if (!inputs.Any(i => i.Problem is null))
        {
            foreach (var i in inputs) console.Error(i.Problem!);
            return ErrorReporting.InputFailed;
        }
        var files = inputs.Where(i => i.Problem is null).Select(i => i.Path).ToList();
        if (s.Plot is not null && Settings.IsPngPath(s.Plot) && files.Count > 1)
            throw new UsageException($"--plot {s.Plot}: a .png path holds one plot, but {files.Count} files were found; name a folder instead");
        var plots = s.Plot is null ? null : Settings.IsPngPath(s.Plot) ? new Dictionary<string, string> { [files[0]] = s.Plot } : PerInputPaths.Map(files, s.Plot, ".png");

        // --fuse beats needs the head of --beat-model whether or not --beats tracks on it (Validate saw to that).
        using var beatActivation = s.Beats ? BeatActivationOptions.Create(s.Activation, s.BeatModel, s.ReadsStandardInput && s.IsDsp)
            : FuseOptions.AsksForBeats(s.Fuse) ? ModelBeatActivation.Load(s.BeatModel!) : null;
        using var method = TempoMethods.Create(s.Method, s.Model, s.Config(), beatActivation as ModelBeatActivation);
        using var beats = s.Beats ? new BeatTracker(activation: beatActivation) : null;
        var run = Describe(method, s.Model);
        console.Detail($"method {run.Method}" + (run.Model is null ? "" : $", model {run.Model} (made {run.ModelVersion})") + $", {DecodersInUse()}");
        var format = EstimateFormat.For(s.Format, run, EstimateFormat.FileColumnWidth(inputs.Select(i => i.Path), LineWidth()));
        using var sink = ResultSink.Open(s.Output, inputs.Count, files, format, console);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            // The first Ctrl-C finishes cleanly (results written so far stay complete); a second one kills at once.
            if (stop.IsCancellationRequested) return;
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCtrlC;
        int written = 0, failed = 0, nextInput = 0;
        void Emit(EstimateRow row)
        {
            if (row.Error is not null) { failed++; console.Error(row.Error); }
            sink.Write(row);
            written++;
            console.Progress($"{written}/{inputs.Count} files" + (failed > 0 ? $", {failed} failed" : "") + $"  {Path.GetFileName(row.File)}");
        }
        void EmitProblemsBefore(int index)
        {
            for (; nextInput < index; nextInput++)
                if (inputs[nextInput].Problem is { } problem) Emit(new EstimateRow(inputs[nextInput].Path, null, problem));
        }
        var inputIndexOfFile = inputs.Select((input, i) => (input, i)).Where(x => x.input.Problem is null).Select(x => x.i).ToList();
        try
        {
            console.Progress($"0/{inputs.Count} files");
            var batch = files.Select(f => f == StdinName ? new BatchInput(f, Console.OpenStandardInput) : new BatchInput(f)).ToList();
            TempoBatch.Run(method, batch, s.Local || s.Plot is not null, outcome =>
            {
                EmitProblemsBefore(inputIndexOfFile[outcome.Index]);
                nextInput++;
                var row = outcome.Estimate is { } r
                    ? new EstimateRow(outcome.Path, r, null)
                    : new EstimateRow(outcome.Path, null, outcome.Error!.Subject is null ? $"{outcome.Path}: {outcome.Error.Message}" : outcome.Error.Message);
                if (row.Estimate is not null && plots is not null) row = DrawPlot(row, plots[row.File], console);
                if (row.Estimate is { } found && beats is not null) row = AddBeats(row, beats, found, stop.Token);
                console.Detail($"{row.File}: {outcome.Elapsed.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)} s"
                    + (row.Estimate is { } e ? $", {e.Chunks} chunk(s)" : ", failed") + $", {FormatOf(row.File)}");
                Emit(row);
            }, parallelism: 2, stop.Token);
            EmitProblemsBefore(inputs.Count);
            console.Progress(null);
            sink.Finish();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            console.Progress(null);
            sink.Finish();
            console.Error($"interrupted: {written} of {inputs.Count} input(s) done and written");
            return Interrupted;
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
        return failed == 0 ? 0 : ErrorReporting.InputFailed;
    }

    /// <summary>An input as given, expanded: an audio file, or a path that yields none and why (kept in its place).</summary>
    internal sealed record Input(string Path, string? Problem);

    /// <summary>How results and errors name standard input, and what "-" becomes before parsing (the parser takes a
    /// lone "-" for an option; no path contains a NUL).</summary>
    private const string StdinName = PerInputPaths.StdinName, StdinArgument = "\0stdin";

    /// <summary>The arguments with each lone "-" of an estimate command marked as standard input.</summary>
    public static string[] MarkStdin(string[] args) =>
        args.Length > 0 && args[0] is "estimate" or "beats" ? args.Select(a => a == "-" ? StdinArgument : a).ToArray() : args;

    /// <summary>The paths on the command line and in --files-from, folders expanded, in the order given.</summary>
    private static List<Input> CollectInputs(Settings s) => CollectInputs(s.Paths, s.FilesFrom);

    /// <summary>The paths given and those listed in <paramref name="filesFrom"/>, folders expanded, in the order given;
    /// a missing path or a folder without audio is kept in its place with the problem.</summary>
    internal static List<Input> CollectInputs(IEnumerable<string> paths, string? filesFrom)
    {
        var given = paths.Concat(filesFrom is null ? [] : ReadList(filesFrom));
        var inputs = new List<Input>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in given)
        {
            if (p == StdinArgument)
                inputs.Add(new Input(StdinName, !seen.Add(StdinArgument) ? $"{StdinName}: given more than once: standard input can be read only once"
                    : filesFrom == "-" ? $"{StdinName}: standard input already holds the --files-from list" : null));
            else if (Directory.Exists(p))
            {
                var found = AudioDecoder.FindAudioFiles([p]).ToList();
                if (found.Count == 0)
                    inputs.Add(new Input(p, $"{p}: no audio file in this folder (looked for {string.Join(" ", AudioDecoder.SearchedExtensions().Select(e => "." + e))})"));
                inputs.AddRange(found.Where(f => seen.Add(Path.GetFullPath(f))).Select(f => new Input(f, null)));
            }
            else if (File.Exists(p)) { if (seen.Add(Path.GetFullPath(p))) inputs.Add(new Input(p, null)); }
            else inputs.Add(new Input(p, $"{p}: no such file or folder"));
        }
        return inputs;
    }

    private static IEnumerable<string> ReadList(string list)
    {
        try
        {
            IReadOnlyList<string> lines = list == "-" ? ReadAll(Console.In) : File.ReadAllLines(list);
            var paths = lines.Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
            if (paths.Count == 0) throw new EquiTempoException(ErrorReason.InvalidSetting, $"--files-from {list}", "the list holds no path (one path per line)");
            return paths;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EquiTempoException(ErrorReason.InvalidSetting, $"--files-from {list}", $"cannot be read: {e.Message}");
        }

        static List<string> ReadAll(TextReader reader)
        {
            var lines = new List<string>();
            for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine()) lines.Add(line);
            return lines;
        }
    }

    /// <summary>The row with the beats at the tempo just estimated, from the onset envelope the estimate carries (the
    /// file is not decoded again) or, on a model's beat activation, from the file read again; a file that fails now
    /// fails as a whole.</summary>
    private static EstimateRow AddBeats(EstimateRow row, BeatTracker tracker, TempoEstimate estimate, CancellationToken ct)
    {
        try { return row with { Beats = tracker.Track(estimate, ct) }; }
        catch (EquiTempoException e) { return row with { Estimate = null, Error = e.Message }; }
    }

    private static EstimateRow DrawPlot(EstimateRow row, string png, RunConsole console)
    {
        try
        {
            TempoCurvePlot.Write(png, row.Estimate!);
            console.Note($"plot: {png}");
            return row;
        }
        catch (EquiTempoException e)
        {
            return row with { Estimate = null, Error = e.Message };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return row with { Estimate = null, Error = $"{row.File}: plot {png} cannot be written: {e.Message}" };
        }
    }

    /// <summary>Width a table line may take: COLUMNS when set, else the terminal's, else none (a file or a pipe gets
    /// whole file names).</summary>
    private static int? LineWidth()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out int columns) && columns > 0)
            return columns;
        if (Console.IsOutputRedirected) return null;
        try { return Console.WindowWidth > 0 ? Console.WindowWidth : null; }
        catch (IOException) { return null; }
    }

    private static RunDescription Describe(ITempoMethod method, string? model)
    {
        if (method is not TempoEstimator estimator) return new RunDescription(method.Name, null, null);
        string name = model is null || TempoMethods.NamesShippedModel(model)
            ? $"equitempo-{(model ?? ShippedModels.Default).ToLowerInvariant()}"
            : Path.GetFileNameWithoutExtension(model);
        return new RunDescription(method.Name, name, estimator.Metadata.CreatedUtc.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
    }

    private static string DecodersInUse()
    {
        string? ffmpeg = ExternalToolLocator.Find("ffmpeg");
        if (ffmpeg is null) return "decoders: managed (ffmpeg is not on the PATH: WAV, Ogg Vorbis and MP3 only)";
        return DecoderOptions.FromEnvironment().PreferManaged
            ? $"decoders: managed first ({DecoderOptions.DecodersVariable}=managed), then {ffmpeg}"
            : $"decoders: managed WAV reader, {ffmpeg} for everything else";
    }

    private static string FormatOf(string file)
    {
        if (file == StdinName) return "format sniffed from the stream";
        try { return $"format {AudioDecoder.Probe(file).Format}"; }
        catch (EquiTempoException) { return "format unknown"; }
    }
}
