using System.Globalization;
using EquiTempo.Audio;
using EquiTempo.Baselines;
using EquiTempo.Beats;
using EquiTempo.Evaluation;
using EquiTempo.Inference;
using EquiTempo.Model;

namespace EquiTempo.Bench;

/// <summary>
/// fusion-sweep --labels INDEX --model LOGTEMPO.eqtm [--evidence onsets,beats --beat-model M] [--weights 0,0.5,1,2]
/// [--floors 0.05] [--max-tracks N] [--tracks OUT.tsv]
/// Issue 12: the log-tempo model fused with the DSP evidence (<see cref="DspEvidenceFusion"/>) at several settings in one
/// pass: each track is decoded once, its chunk distributions and each evidence's pulse strengths computed once, and every
/// (evidence, weight, floor) read from them as <c>estimate --fuse dsp|beats</c> would (no evidence gate, no tempo range).
/// The evidence is the onset envelope (<c>onsets</c>, <c>--fuse dsp</c>) and/or the activation of the beat head of
/// <c>--beat-model</c> (<c>beats</c>, <c>--fuse beats</c>), computed from the chunks' log-mel as the estimator does.
/// Prints Acc1/Acc2 per kind and setting (markdown) and how many tracks each setting changes against the model alone
/// (by more than 4 %; of those, how many become Acc1-right and how many stop being); weight 0 is the model alone.
/// --tracks writes every track's answers (TSV).
/// </summary>
public static class FusionSweep
{
    public static void Run(string[] args)
    {
        string? Arg(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
        string labels = Arg("--labels") ?? throw new ArgumentException("--labels INDEX is required");
        string modelPath = Arg("--model") ?? throw new ArgumentException("--model LOGTEMPO.eqtm is required");
        double[] Doubles(string? s, string fallback) => (s ?? fallback).Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var weights = Doubles(Arg("--weights"), "0,0.5,1,2");
        var floors = Doubles(Arg("--floors"), "0.05");
        var evidences = (Arg("--evidence") ?? "onsets").Split(',').Select(e => e switch
        {
            "onsets" => FusionEvidence.Onsets,
            "beats" => FusionEvidence.BeatActivation,
            _ => throw new ArgumentException($"--evidence {e}: must be onsets or beats (or both, comma-separated)"),
        }).Distinct().ToList();
        string? beatModel = Arg("--beat-model");
        if (evidences.Contains(FusionEvidence.BeatActivation) && beatModel is null) throw new ArgumentException("--evidence beats needs --beat-model M");
        int maxTracks = Arg("--max-tracks") is string m ? int.Parse(m, CultureInfo.InvariantCulture) : int.MaxValue;
        var tracks = TempoIndex.Read(labels).Take(maxTracks).ToList();

        using var model = LogTempoModel.Load(modelPath);
        using var mel = model.CreateFrontEnd();
        using var tg = model.CreateTempogram();
        var input = model.Metadata.Input;
        var net = new LogTempoChunkNetwork(model, mel, tg, 1);
        var readout = new LogTempoChunkReadout(model.Readout ?? throw new ArgumentException("uncalibrated model"), tg.Config, TempoMetrics.DefaultTolerance);
        var chunker = Chunker.WithHop(input, null);
        var gate = new SilenceGate(-70);
        using var onsets = new OnsetStrength(OnsetStrengthConfig.AtRate(input.SampleRate));
        using var head = beatModel is null ? null : ModelBeatActivation.Load(beatModel);
        if (head is not null && head.SampleRate != input.SampleRate) throw new ArgumentException($"{beatModel} reads {head.SampleRate} Hz, the model {input.SampleRate} Hz");
        bool headReadsLogMel = head?.Reads(mel, chunker) == true;
        var settings = (from e in evidences from f in floors from w in weights select new DspFusionConfig { Evidence = e, Weight = w, Floor = f }).ToList();
        var fusions = settings.Select(c => new DspEvidenceFusion(c)).ToList();
        // One fusion per evidence computes its raw strengths; every setting of that evidence weighs them.
        var reader = evidences.ToDictionary(e => e, e => fusions[settings.FindIndex(c => c.Evidence == e)]);

        var rows = new List<(LabelledTrack Track, double Alone, double[] Bpm)>();
        foreach (var t in tracks)
        {
            try
            {
                var samples = AudioDecoder.DecodeMono(t.Path, input.SampleRate).Samples;
                var beats = head?.Begin();
                if (beats is not null && !headReadsLogMel) beats.AddSamples(samples);
                var outputs = net.Run(gate.Mark(chunker.Cut(samples)), default, headReadsLogMel ? beats : null).Where(readout.Usable).ToList();
                var activation = beats?.Finish(default, samples.Length);
                if (outputs.Count == 0) { rows.Add((t, double.NaN, settings.Select(_ => double.NaN).ToArray())); continue; }
                var mean = new double[outputs[0].ClassProbabilities!.Length];
                foreach (var o in outputs) for (int k = 0; k < mean.Length; k++) mean[k] += o.ClassProbabilities![k] / outputs.Count;
                var bins = readout.BinBpms(mean.Length);
                var envelope = new BeatActivation(onsets.Compute(samples), onsets.Config.FramesPerSecond);
                var evidence = reader.ToDictionary(r => r.Key, r => r.Value.Evidence(r.Value.Select(envelope, activation), bins));
                var bpm = fusions.Select(f => readout.Read(mean, withPrior: true, f.Weights(evidence[f.Config.Evidence]))?.Bpm ?? double.NaN).ToArray();
                rows.Add((t, readout.Read(mean, withPrior: true)?.Bpm ?? double.NaN, bpm));
                Console.Error.WriteLine($"{rows.Count}/{tracks.Count} {t.Kind} {t.Bpm:F1}: {string.Join(' ', bpm.Select(b => b.ToString("F1", CultureInfo.InvariantCulture)))}");
            }
            catch (EquiTempoException e) { Console.Error.WriteLine($"error: {e.Message}"); rows.Add((t, double.NaN, settings.Select(_ => double.NaN).ToArray())); }
        }

        string Name(DspFusionConfig c) => c.Evidence == FusionEvidence.BeatActivation ? "beats" : "onsets";
        if (Arg("--tracks") is string tracksFile)
            File.WriteAllLines(tracksFile, rows.Select(r => string.Join('\t', new[] { r.Track.Path, r.Track.Kind, F(r.Track.Bpm), F(r.Alone) }.Concat(r.Bpm.Select(F))))
                .Prepend(string.Join('\t', new[] { "path", "kind", "bpm", "alone" }.Concat(settings.Select(c => $"{Name(c)}:{F(c.Weight)}:{F(c.Floor)}")))));

        var kinds = rows.GroupBy(r => r.Track.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Append(rows.GroupBy(_ => "all").Single()).ToList();
        Console.WriteLine("| evidence | weight | floor | " + string.Join(" | ", kinds.Select(g => $"{(g.Key == "" ? "?" : g.Key)} ({g.Count()})")) + " | changed (Acc1 +/−) |");
        Console.WriteLine("|---|---:|---:|" + string.Concat(kinds.Select(_ => "---|")) + "---:|");
        for (int s = 0; s < settings.Count; s++)
        {
            var changed = rows.Where(r => !(Math.Abs(r.Bpm[s] / r.Alone - 1) <= TempoMetrics.DefaultTolerance) && !(double.IsNaN(r.Bpm[s]) && double.IsNaN(r.Alone))).ToList();
            int won = changed.Count(r => TempoMetrics.Acc1(r.Bpm[s], r.Track.Bpm) && !TempoMetrics.Acc1(r.Alone, r.Track.Bpm));
            int lost = changed.Count(r => !TempoMetrics.Acc1(r.Bpm[s], r.Track.Bpm) && TempoMetrics.Acc1(r.Alone, r.Track.Bpm));
            Console.WriteLine($"| {Name(settings[s])} | {settings[s].Weight.ToString(CultureInfo.InvariantCulture)} | {settings[s].Floor.ToString(CultureInfo.InvariantCulture)} | " + string.Join(" | ", kinds.Select(g =>
            {
                int n = g.Count();
                double a1 = 100.0 * g.Count(r => TempoMetrics.Acc1(r.Bpm[s], r.Track.Bpm)) / n, a2 = 100.0 * g.Count(r => TempoMetrics.Acc2(r.Bpm[s], r.Track.Bpm)) / n;
                return $"{a1:F1} / {a2:F1}";
            })) + $" | {changed.Count} (+{won}/−{lost}) |");
        }
    }

    private static string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
}
