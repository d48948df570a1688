using System.Globalization;
using EquiTempo.Audio;
using EquiTempo.Baselines;
using EquiTempo.Evaluation;
using EquiTempo.Inference;
using EquiTempo.Model;

namespace EquiTempo.Bench;

/// <summary>
/// fusion-sweep --labels INDEX --model LOGTEMPO.eqtm [--weights 0,0.5,1,2] [--floors 0.05] [--max-tracks N]
/// Issue 12: the log-tempo model fused with the DSP evidence (<see cref="DspEvidenceFusion"/>) at several settings in one
/// pass: each track is decoded once, its chunk distributions and DSP evidence computed once, and every (weight, floor)
/// read from them as <c>estimate --fuse dsp</c> would (no evidence gate, no tempo range). Prints Acc1/Acc2 per kind and
/// setting (markdown); weight 0 is the model alone.
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
        var settings = (from f in floors from w in weights select new DspFusionConfig { Weight = w, Floor = f }).ToList();
        var fusions = settings.Select(c => new DspEvidenceFusion(c, onsets.Config.FramesPerSecond)).ToList();

        var rows = new List<(LabelledTrack Track, double[] Bpm)>();
        foreach (var t in tracks)
        {
            try
            {
                var samples = AudioDecoder.DecodeMono(t.Path, input.SampleRate).Samples;
                var outputs = net.Run(gate.Mark(chunker.Cut(samples))).Where(readout.Usable).ToList();
                if (outputs.Count == 0) { rows.Add((t, settings.Select(_ => double.NaN).ToArray())); continue; }
                var mean = new double[outputs[0].ClassProbabilities!.Length];
                foreach (var o in outputs) for (int k = 0; k < mean.Length; k++) mean[k] += o.ClassProbabilities![k] / outputs.Count;
                var evidence = fusions[0].Evidence(onsets.Compute(samples), readout.BinBpms(mean.Length));
                var bpm = fusions.Select(f => readout.Read(mean, withPrior: true, f.Weights(evidence))?.Bpm ?? double.NaN).ToArray();
                rows.Add((t, bpm));
                Console.Error.WriteLine($"{rows.Count}/{tracks.Count} {t.Kind} {t.Bpm:F1}: {string.Join(' ', bpm.Select(b => b.ToString("F1", CultureInfo.InvariantCulture)))}");
            }
            catch (EquiTempoException e) { Console.Error.WriteLine($"error: {e.Message}"); rows.Add((t, settings.Select(_ => double.NaN).ToArray())); }
        }

        var kinds = rows.GroupBy(r => r.Track.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Append(rows.GroupBy(_ => "all").Single()).ToList();
        Console.WriteLine("| weight | floor | " + string.Join(" | ", kinds.Select(g => $"{(g.Key == "" ? "?" : g.Key)} ({g.Count()})")) + " |");
        Console.WriteLine("|---:|---:|" + string.Concat(kinds.Select(_ => "---|")));
        for (int s = 0; s < settings.Count; s++)
            Console.WriteLine($"| {settings[s].Weight.ToString(CultureInfo.InvariantCulture)} | {settings[s].Floor.ToString(CultureInfo.InvariantCulture)} | " + string.Join(" | ", kinds.Select(g =>
            {
                int n = g.Count();
                double a1 = 100.0 * g.Count(r => TempoMetrics.Acc1(r.Bpm[s], r.Track.Bpm)) / n, a2 = 100.0 * g.Count(r => TempoMetrics.Acc2(r.Bpm[s], r.Track.Bpm)) / n;
                return $"{a1:F1} / {a2:F1}";
            })) + " |");
    }
}
