using System.ComponentModel;
using EquiTempo.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EquiTempo.Cli.Commands;

public sealed class TrainCommand : Command<TrainCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-a|--audio <PATH>"), Description("Audio file or folder (repeatable; searched recursively).")]
        public string[] Audio { get; init; } = Array.Empty<string>();
        [CommandOption("-o|--out <DIR>"), Description("Run folder: checkpoints, config.json, logs, model.eqtm.")]
        public string Out { get; init; } = "";
        [CommandOption("--family <FAMILY>"), Description("paper (default: the paper's TCN and ratio loss) or log-tempo (issue 12: tempogram on a log-tempo axis, shift-equivariant network, shifted cross-entropy).")]
        public string Family { get; init; } = PaperFamily;
        [CommandOption("--tempogram <KIND>"), Description("log-tempo family: the periodicity read at each tempo, autocorrelation (default), fourier or both.")]
        public string? Tempogram { get; init; }
        [CommandOption("--resume"), Description("Continue the run in --out from its last completed epoch.")]
        public bool Resume { get; init; }
        [CommandOption("--epochs <N>")] public int? Epochs { get; init; }
        [CommandOption("--batch <PAIRS>"), Description("Pairs per step (paper: 32).")] public int? Batch { get; init; }
        [CommandOption("--lr <RATE>")] public double? LearningRate { get; init; }
        [CommandOption("--seed <N>")] public int? Seed { get; init; }
        [CommandOption("--validation <FRACTION>"), Description("Files held out for validation (paper: 0.2).")] public double? Validation { get; init; }
        [CommandOption("--stretch <DOMAIN>"), Description("waveform (WSOLA, paper) or features (log-mel frame interpolation).")]
        public string? Stretch { get; init; }
        [CommandOption("--init <SCHEME>"), Description("signal-preserving (default) or pytorch (the reference code's layer defaults).")]
        public string? Init { get; init; }
        [CommandOption("--init-from <MODEL>"), Description("Start from a model's weights (e.g. pre-trained on rendered rhythms).")]
        public string? InitFrom { get; init; }
        [CommandOption("--fill-views"), Description("Decode excerpt × α so sped-up views have no silent tail (the paper zero-pads).")]
        public bool FillViews { get; init; }
        [CommandOption("--decode-cache <DIR>"), Description("Where the decoded corpus is kept (default ~/.cache/equitempo/decoded; \"none\" to decode each excerpt).")]
        public string? DecodeCache { get; init; }
        [CommandOption("--excerpts-per-file <N>")] public int? ExcerptsPerFile { get; init; }
        [CommandOption("--micro-batch <PAIRS>"), Description("Pairs per micro-batch (speed only).")] public int? MicroBatch { get; init; }
        [CommandOption("--max-steps <N>"), Description("Cap steps per epoch (quick runs).")] public int? MaxSteps { get; init; }
        [CommandOption("--min-seconds <S>"), Description("Skip files shorter than this.")] public double? MinSeconds { get; init; }
        [CommandOption("--excerpt-samples <N>"), Description("Excerpt length in samples at 44.1 kHz (paper: 600000).")] public int? ExcerptSamples { get; init; }
        [CommandOption("--min-rate <ALPHA>"), Description("Slowest stretch drawn for a view (paper: 0.8).")] public double? MinRate { get; init; }
        [CommandOption("--max-rate <ALPHA>"), Description("Fastest stretch drawn for a view (paper: 1.2).")] public double? MaxRate { get; init; }
        [CommandOption("--keep-epochs"), Description("Also keep every epoch's weights in the run folder (epochs/epoch-NNN.eqtm), not only the best (model.eqtm) and the last (checkpoint.eqtm).")] public bool KeepEpochs { get; init; }

        public const string PaperFamily = "paper";
        public bool IsLogTempo => Family.Equals(EquiTempo.Model.LogTempoModel.FamilyName, StringComparison.OrdinalIgnoreCase);

        public override ValidationResult Validate() => OptionChecks.First(
            OptionChecks.OneOf("--family", Family, PaperFamily, EquiTempo.Model.LogTempoModel.FamilyName),
            IsLogTempo && Stretch == "features" ? "--stretch features: the log-tempo family stretches on the waveform only" : null,
            IsLogTempo && Init is not null ? "--init: the log-tempo family has one initialisation" : null,
            IsLogTempo && InitFrom is not null ? "--init-from: the log-tempo family starts from a fresh network" : null,
            IsLogTempo && MicroBatch is not null ? "--micro-batch: the log-tempo family has no micro-batches" : null,
            !IsLogTempo && Tempogram is not null ? "--tempogram: only the log-tempo family (--family log-tempo) has a tempogram" : null,
            OptionChecks.OneOf("--tempogram", Tempogram, "autocorrelation", "fourier", "both"),
            OptionChecks.Required("--audio", Audio),
            OptionChecks.Required("--out", Out),
            OptionChecks.NotAFile("--out", Out),
            OptionChecks.OneOf("--init", Init, "signal-preserving", "pytorch"),
            OptionChecks.OneOf("--stretch", Stretch, "waveform", "features"),
            OptionChecks.IntRange("--epochs", Epochs, 1),
            OptionChecks.IntRange("--batch", Batch, 1),
            OptionChecks.Positive("--lr", LearningRate),
            OptionChecks.Fraction("--validation", Validation),
            OptionChecks.Range("--min-rate", MinRate, ExcerptLimits.MinStretch, ExcerptLimits.MaxStretch),
            OptionChecks.Range("--max-rate", MaxRate, ExcerptLimits.MinStretch, ExcerptLimits.MaxStretch),
            OptionChecks.Ordered("--min-rate", MinRate ?? new TrainingConfig().MinRate, "--max-rate", MaxRate ?? new TrainingConfig().MaxRate),
            OptionChecks.IntRange("--excerpts-per-file", ExcerptsPerFile, 1, ExcerptLimits.MaxPerFile),
            OptionChecks.IntRange("--micro-batch", MicroBatch, 1),
            OptionChecks.IntRange("--max-steps", MaxSteps, 0),
            OptionChecks.Range("--min-seconds", MinSeconds, 0, double.MaxValue),
            OptionChecks.IntRange("--excerpt-samples", ExcerptSamples, ExcerptLimits.MinSamples, ExcerptLimits.MaxSamples),
            OptionChecks.NotAFolder("--init-from", InitFrom),
            OptionChecks.NotAFile("--decode-cache", DecodeCache));
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var d = new TrainingConfig();
        var cfg = d with
        {
            Epochs = s.Epochs ?? d.Epochs,
            BatchPairs = s.Batch ?? d.BatchPairs,
            LearningRate = s.LearningRate ?? d.LearningRate,
            Seed = s.Seed ?? d.Seed,
            ValidationFraction = s.Validation ?? d.ValidationFraction,
            Stretch = s.Stretch == "features" ? StretchDomain.Features : StretchDomain.Waveform,
            ExcerptsPerFile = s.ExcerptsPerFile ?? d.ExcerptsPerFile,
            FillViewsFromSource = s.FillViews,
            InitFrom = s.InitFrom,
            DecodeCacheDirectory = s.DecodeCache == "none" ? "" : s.DecodeCache,
            MicroBatchPairs = s.MicroBatch ?? d.MicroBatchPairs,
            MaxStepsPerEpoch = s.MaxSteps ?? d.MaxStepsPerEpoch,
            MinFileSeconds = s.MinSeconds ?? d.MinFileSeconds,
            KeepEpochs = s.KeepEpochs,
            MinRate = s.MinRate ?? d.MinRate,
            MaxRate = s.MaxRate ?? d.MaxRate,
        };
        var input = s.ExcerptSamples is int chunk ? new EquiTempo.Features.ModelInput(ChunkSamples: chunk) : new EquiTempo.Features.ModelInput();
        // A resumed run keeps its family, whichever --family says.
        bool logTempo = s.IsLogTempo || (s.Resume && EquiTempo.Model.LogTempoModel.IsLogTempoFile(Path.Combine(s.Out, SelfSupervisedTrainer.CheckpointFileName)));
        var result = logTempo
            ? TrainingConsole.Run("training", (progress, log) => new EquiTempo.Training.LogTempo.LogTempoTrainer(cfg, input: input, architecture: LogTempoArchitecture(s)).Run(s.Audio, s.Out, s.Resume, progress, log, cancellationToken))
            : TrainPaper(s, cfg, input, cancellationToken);
        if (result.SkippedFiles.Count > 0) AnsiConsole.MarkupLineInterpolated($"[yellow]{result.SkippedFiles.Count} file(s) skipped (see log above)[/]");
        AnsiConsole.MarkupLineInterpolated($"[green]done[/]: {result.EpochsCompleted} epochs on {result.TrainFiles} files ({result.ValidationFiles} validation), best validation loss {result.BestValidationLoss?.ToString("F4") ?? "n/a"}, {result.Elapsed:hh\\:mm\\:ss}; {TrainingConsole.ModelLine(result.ModelPath)}");
        return 0;
    }

    private static EquiTempo.Model.LogTempoArchitecture LogTempoArchitecture(Settings s)
    {
        var d = new EquiTempo.Model.LogTempoArchitecture();
        return s.Tempogram is null ? d : d with { Tempogram = d.Tempogram with { Kind = Enum.Parse<EquiTempo.Features.TempogramKind>(s.Tempogram, ignoreCase: true) } };
    }

    private static TrainingResult TrainPaper(Settings s, TrainingConfig cfg, EquiTempo.Features.ModelInput input, CancellationToken cancellationToken)
    {
        var net = new EquiTempo.Model.TcnConfig(Init: s.Init == "pytorch" ? EquiTempo.Model.TcnInit.PyTorchDefault : EquiTempo.Model.TcnInit.SignalPreserving);
        var trainer = new SelfSupervisedTrainer(cfg, input, network: net);
        return TrainingConsole.Run("training", (progress, log) => trainer.Run(s.Audio, s.Out, s.Resume, progress, log, cancellationToken));
    }
}
