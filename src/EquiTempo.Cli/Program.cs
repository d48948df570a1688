using EquiTempo.Cli;
using EquiTempo.Cli.Commands;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(c =>
{
    c.SetApplicationName("equitempo");
    c.UseAssemblyInformationalVersion();
    c.UseStrictParsing();
    c.AddCommand<EstimateCommand>("estimate")
        .WithDescription("Tempo (BPM) of audio files: BPM, second tempo, salience, confidence.")
        .WithExample("estimate", "examples/traveling_minstrels-excerpt.ogg")
        .WithExample("estimate", "examples", "--format", "json", "--min-bpm", "60", "--max-bpm", "200")
        .WithExample("estimate", "examples", "--format", "jams", "-o", "tempi");
    c.AddCommand<BeatsCommand>("beats")
        .WithDescription("Beat times of audio files (dynamic-programming tracker on the learnt beat head, or the onset envelope): one time per line, --json, .beats files, or clicks mixed into the audio.")
        .WithExample("beats", "examples/traveling_minstrels-excerpt.ogg")
        .WithExample("beats", "examples", "--out", "beats");
    c.AddCommand<CalibrateCommand>("calibrate")
        .WithDescription("Label-free calibration: fit BPM = scale × z on drum patterns the program renders itself.");
    c.AddCommand<EvalCommand>("eval")
        .WithDescription("Evaluate a tempo method on labelled audio: Acc1, Acc2, P-score by kind; writes tracks.csv, report.md, scatter.png.")
        .WithExample("eval", "--labels", "~/.cache/equitempo/devsets/dev.tsv", "--out", "reports/default");
    c.AddCommand<TrainCommand>("train")
        .WithDescription("Self-supervised training (equivariant ratio loss) on folders of unlabelled audio.")
        .WithExample("train", "--audio", "~/.cache/equitempo/corpus/audio", "--out", "runs/ssl");
    c.AddCommand<FinetuneCommand>("finetune")
        .WithDescription("Train the 300-class tempo head on labelled tracks (the paper's route); --freeze for the head only, --fresh for the supervised baseline.")
        .WithExample("finetune", "--model", "models/equitempo-default.eqtm", "--labels", "index.tsv", "--out", "runs/ft");
    c.AddCommand<EquivarianceCommand>("equivariance")
        .WithDescription("Measure how z follows time-stretching on held-out audio (median ratio error, log-log slope, R²).");
    c.AddCommand<RenderRhythmsCommand>("render-rhythms")
        .WithDescription("Write drum patterns rendered at known tempi (WAV + index.tsv): labelled audio with no human label.");
    c.AddCommand<AverageCommand>("average").WithDescription("Write the element-wise mean of several models' weights (e.g. a run's last epochs).");
    c.AddCommand<CompactCommand>("compact").WithDescription("Write a model with float16 weights (half the size; for shipping).");
    c.AddCommand<RenderSongsCommand>("render-songs")
        .WithDescription("Compose multi-instrument songs at known tempi and render them with fluidsynth (WAV + index.tsv): labelled music with no human label.");
    c.AddCommand<RenderMixCommand>("render-mix")
        .WithDescription("Realistic label-free training audio: styled songs (15+ rhythm styles, felt-beat labels) played by several synthesisers and recorded drum kits, produced (EQ, compression, reverb, noise, Opus/MP3); WAV + .beats + index.tsv.")
        .WithExample("render-mix", "--out", "mix", "--count", "20", "--seconds", "30", "--seed", "3", "--sources", "timgm6mb,kit-lmms");
    c.AddCommand<InfoCommand>("info").WithDescription("Show a model file's header: network, front end, readout, training record.");
    c.PropagateExceptions();
});
// Bare `equitempo` is a usage error: show the help, exit 2.
if (args.Length == 0)
{
    app.Run(["--help"]);
    return ErrorReporting.UsageError;
}
// The parser takes a lone "-" for an option with no name; "--files-from -" means standard input, as in tar and rsync.
var parsed = args.Select((a, i) => a == "-" && i > 0 && args[i - 1] == "--files-from" ? null : i + 1 < args.Length && a == "--files-from" && args[i + 1] == "-" ? "--files-from=-" : a)
    .OfType<string>().ToArray();
parsed = EstimateCommand.MarkStdin(parsed);
return ErrorReporting.Run(() =>
{
    try
    {
        return app.Run(parsed);
    }
    catch (CommandRuntimeException e) when (UsageMessages.Clarify(e.Message, parsed) is var clear && clear != e.Message)
    {
        throw new UsageException(clear);
    }
}, Console.Error);
