using System.ComponentModel;
using EquiTempo.Evaluation;
using EquiTempo.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EquiTempo.Cli.Commands;

public sealed class FinetuneCommand : Command<FinetuneCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-m|--model <FILE>"), Description("Self-supervised model to start from.")] public string? Model { get; init; }
        [CommandOption("--fresh"), Description("Start from a fresh network instead (the supervised-from-scratch baseline).")] public bool Fresh { get; init; }
        [CommandOption("-l|--labels <INDEX>"), Description("Labelled tracks: an index file (CSV/TSV: path, bpm and optionally kind) or a folder of annotation files beside their audio; repeatable.")] public string[] Labels { get; init; } = Array.Empty<string>();
        [CommandOption("-o|--out <DIR>"), Description("Run folder: checkpoints, logs, model.eqtm (the best validation epoch).")] public string Out { get; init; } = "";
        [CommandOption("--freeze"), Description("Train the class head only (a linear probe on frozen features).")] public bool Freeze { get; init; }
        [CommandOption("--resume"), Description("Continue the run in --out from its last completed epoch.")] public bool Resume { get; init; }
        [CommandOption("--epochs <N>"), Description("Paper: 100.")] public int? Epochs { get; init; }
        [CommandOption("--batch <N>"), Description("Paper: 16.")] public int? Batch { get; init; }
        [CommandOption("--lr <RATE>"), Description("Paper: 3e-3.")] public double? LearningRate { get; init; }
        [CommandOption("--patience <EPOCHS>"), Description("Stop after this many epochs without a lower validation loss (0 = never; default 10).")] public int? Patience { get; init; }
        [CommandOption("--validation <FRACTION>"), Description("Tracks held out to choose the best epoch (default 0.2).")] public double? Validation { get; init; }
        [CommandOption("--min-rate <A>"), Description("Stretch augmentation: lowest α (label × α); default 1 = none, as the paper.")] public double? MinRate { get; init; }
        [CommandOption("--max-rate <A>"), Description("Stretch augmentation: highest α.")] public double? MaxRate { get; init; }
        [CommandOption("--label-sigma <S>"), Description("Soft targets: Gaussian in log tempo with this width (0.02 ≈ ±2 %); 0 = one-hot (the paper).")] public double? LabelSigma { get; init; }
        [CommandOption("--excerpts-per-track <N>")] public int? ExcerptsPerTrack { get; init; }
        [CommandOption("--max-tracks <N>"), Description("Use only the first N labelled tracks (few-label experiments).")] public int? MaxTracks { get; init; }
        [CommandOption("--max-steps <N>"), Description("Cap steps per epoch (quick runs).")] public int? MaxSteps { get; init; }
        [CommandOption("--seed <N>")] public int? Seed { get; init; }
        [CommandOption("--excerpt-samples <N>"), Description("Training excerpt length in samples at 44.1 kHz (paper: 600000); estimation still uses the model's 13.6 s chunks.")] public int? ExcerptSamples { get; init; }
        [CommandOption("--beat-weight <W>"), Description("Multi-task: also train a frame-wise beat head on the tracks' beat times (an index's beats column, or .beats annotations) with loss = cross-entropy + W · beat cross-entropy; 0 = the tempo head alone (default).")] public double? BeatWeight { get; init; }
        [CommandOption("--downbeat-weight <W>"), Description("Multi-task: also train a frame-wise downbeat head beside the beat head (needs --beat-weight; a model without either head gains both) on the downbeats of the tracks whose beats are numbered (.beats lines 'time number', 1 = downbeat), adding W · downbeat cross-entropy; tracks without numbers train the tempo and beat heads only. 0 = no downbeat head (default).")] public double? DownbeatWeight { get; init; }
        [CommandOption("--label-source <TEXT>"), Description("What the labels are, stored in the model (say whether humans made them).")] public string? LabelSource { get; init; }

        public override ValidationResult Validate() => OptionChecks.First(
            OptionChecks.Required("--labels", Labels),
            OptionChecks.Required("--out", Out),
            OptionChecks.NotAFile("--out", Out),
            Model is null == !Fresh ? "give either --model (fine-tune a self-supervised model) or --fresh (train from scratch)" : null,
            OptionChecks.NotAFolder("--model", Model),
            OptionChecks.Exclusive("--freeze", Freeze, "--fresh", Fresh),
            OptionChecks.IntRange("--epochs", Epochs, 1),
            OptionChecks.IntRange("--batch", Batch, 1),
            OptionChecks.Positive("--lr", LearningRate),
            OptionChecks.IntRange("--patience", Patience, 0),
            OptionChecks.Fraction("--validation", Validation),
            OptionChecks.Range("--min-rate", MinRate, ExcerptLimits.MinStretch, ExcerptLimits.MaxStretch),
            OptionChecks.Range("--max-rate", MaxRate, ExcerptLimits.MinStretch, ExcerptLimits.MaxStretch),
            OptionChecks.Ordered("--min-rate", MinRate ?? 1, "--max-rate", MaxRate ?? 1),
            OptionChecks.Range("--label-sigma", LabelSigma, 0, 1),
            OptionChecks.IntRange("--excerpts-per-track", ExcerptsPerTrack, 1, ExcerptLimits.MaxPerFile),
            OptionChecks.Range("--beat-weight", BeatWeight, 0, 100),
            OptionChecks.Exclusive("--beat-weight", BeatWeight is > 0, "--freeze", Freeze),
            OptionChecks.Range("--downbeat-weight", DownbeatWeight, 0, 100),
            DownbeatWeight is > 0 && BeatWeight is not > 0
                ? $"--downbeat-weight {DownbeatWeight}: needs --beat-weight too (the downbeat head is trained beside the beat head, on the frame features the beat loss shapes; a model without a beat head gains both)" : null,
            OptionChecks.IntRange("--max-tracks", MaxTracks, 1),
            OptionChecks.IntRange("--max-steps", MaxSteps, 0),
            OptionChecks.IntRange("--excerpt-samples", ExcerptSamples, ExcerptLimits.MinSamples, ExcerptLimits.MaxSamples));
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        var tracks = new List<LabelledTrack>();
        foreach (var labels in s.Labels)
        {
            var set = LabelledDataset.Load(labels);
            if (set.Tracks.Count == 0) throw new EquiTempoException(ErrorReason.InvalidData, labels, "holds no labelled tracks");
            foreach (var note in set.Notes) AnsiConsole.MarkupLineInterpolated($"[grey]{note}[/]");
            tracks.AddRange(set.Tracks);
        }
        if (s.MaxTracks is int m) tracks = tracks.Take(m).ToList();
        var d = new FineTuneConfig();
        var cfg = d with
        {
            Epochs = s.Epochs ?? d.Epochs,
            BatchSize = s.Batch ?? d.BatchSize,
            LearningRate = s.LearningRate ?? d.LearningRate,
            Freeze = s.Freeze,
            Patience = s.Patience ?? d.Patience,
            ValidationFraction = s.Validation ?? d.ValidationFraction,
            MinRate = s.MinRate ?? d.MinRate,
            MaxRate = s.MaxRate ?? d.MaxRate,
            ExcerptsPerTrack = s.ExcerptsPerTrack ?? d.ExcerptsPerTrack,
            LabelSigma = s.LabelSigma ?? d.LabelSigma,
            MaxStepsPerEpoch = s.MaxSteps ?? d.MaxStepsPerEpoch,
            Seed = s.Seed ?? d.Seed,
            TrainingExcerptSamples = s.ExcerptSamples,
            BeatLossWeight = s.BeatWeight ?? d.BeatLossWeight,
            DownbeatLossWeight = s.DownbeatWeight ?? d.DownbeatLossWeight,
        };
        if (cfg.BeatLossWeight > 0)
        {
            int withBeats = tracks.Count(t => t.BeatTimes is not null);
            if (withBeats == 0) throw new UsageException($"--beat-weight {cfg.BeatLossWeight}: none of the {tracks.Count} labelled tracks has beat times (an index's beats column, or .beats annotations)");
            AnsiConsole.MarkupLineInterpolated($"[grey]beat head: {withBeats} of {tracks.Count} tracks have beat times[/]");
        }
        if (cfg.DownbeatLossWeight > 0)
        {
            int withDownbeats = tracks.Count(t => t.DownbeatTimes is not null);
            if (withDownbeats == 0) throw new UsageException($"--downbeat-weight {cfg.DownbeatLossWeight}: none of the {tracks.Count} labelled tracks has downbeat times (numbered beats: .beats lines 'time number', 1 = downbeat)");
            AnsiConsole.MarkupLineInterpolated($"[grey]downbeat head: {withDownbeats} of {tracks.Count} tracks have numbered beats; the others add no downbeat loss[/]");
        }
        var source = s.LabelSource ?? $"labels from {string.Join(", ", s.Labels.Select(Path.GetFileName))} ({tracks.Count} tracks)";
        var tuner = new ClassifierFineTuner(cfg);
        var r = TrainingConsole.Run("fine-tuning", (progress, log) => tuner.Run(tracks, s.Model, s.Out, source, s.Resume, null, progress, log, ct));
        if (r.SkippedFiles.Count > 0) AnsiConsole.MarkupLineInterpolated($"[yellow]{r.SkippedFiles.Count} track(s) skipped (see log above)[/]");
        // Without a validation set there is no accuracy to report, and before any epoch no best one.
        string best = r.BestEpoch == 0 ? "no epoch completed"
            : r.ValidationTracks == 0 ? $"last epoch {r.BestEpoch} (no validation tracks)"
            : $"best epoch {r.BestEpoch}: validation Acc1 {r.BestValidationAcc1:P1}, Acc2 {r.BestValidationAcc2:P1}";
        AnsiConsole.MarkupLineInterpolated($"[green]done[/]: {r.EpochsCompleted} epochs{(r.StoppedEarly ? " (stopped early)" : "")} on {r.TrainTracks} tracks ({r.ValidationTracks} validation); {best}; {r.Elapsed:hh\\:mm\\:ss}; {TrainingConsole.ModelLine(r.ModelPath)}");
        return 0;
    }
}
