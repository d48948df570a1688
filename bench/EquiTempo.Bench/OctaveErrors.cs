using System.Globalization;
using EquiTempo.Audio;
using EquiTempo.Evaluation;
using EquiTempo.Inference;
using EquiTempo.Model;
using EquiTempo.Training;

namespace EquiTempo.Bench;

/// <summary>
/// octave-errors --labels INDEX --model LOGTEMPO.eqtm --paper SSL.eqtm --out DIR [--max-tracks N]
/// Issue 12's measurement before any head: per dev-set kind (and all), the octave-folded error log2(estimate / label) mod 1
/// of the log-tempo network's own peak (its calibrated offset, no metrical prior) and of the paper's z (times the model's
/// scale when it has one: a constant factor only rotates the folded errors, it does not change their spread), with the
/// circular spread, the share within ±4 % of the mean error, and r(log estimate, log BPM) plain and up to octave.
/// Writes DIR/octave-errors-KIND.png, DIR/octave-errors.csv (per track) and prints the table (markdown).
/// </summary>
public static class OctaveErrors
{
    public static void Run(string[] args)
    {
        string? Arg(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
        string labels = Arg("--labels") ?? throw new ArgumentException("--labels INDEX is required");
        string logTempoPath = Arg("--model") ?? throw new ArgumentException("--model LOGTEMPO.eqtm is required");
        string paperPath = Arg("--paper") ?? throw new ArgumentException("--paper SSL.eqtm is required");
        string outDir = Arg("--out") ?? throw new ArgumentException("--out DIR is required");
        int maxTracks = Arg("--max-tracks") is string m ? int.Parse(m, CultureInfo.InvariantCulture) : int.MaxValue;
        Directory.CreateDirectory(outDir);
        var tracks = TempoIndex.Read(labels).Take(maxTracks).ToList();

        using var lt = LogTempoModel.Load(logTempoPath);
        using var ltMel = lt.CreateFrontEnd();
        using var ltTg = lt.CreateTempogram();
        var ltNet = new LogTempoChunkNetwork(lt, ltMel, ltTg, 4);
        var ltRead = new LogTempoChunkReadout(lt.Readout ?? new LogTempoReadout(0, null, null, "uncalibrated"), ltTg.Config, TempoMetrics.DefaultTolerance);
        var chunker = Chunker.WithHop(lt.Metadata.Input, null);
        var gate = new SilenceGate(-70);
        using var paper = TempoModel.Load(paperPath);
        using var paperMel = paper.CreateFrontEnd();
        double scale = paper.Metadata.ReadoutOf<ScaleReadout>()?.Scale ?? 1;

        var rows = new List<(LabelledTrack Track, double LogTempo, double Paper)>();
        using var csv = new StreamWriter(Path.Combine(outDir, "octave-errors.csv"));
        csv.WriteLine("path,kind,bpm,logtempo_peak_bpm,paper_z_times_scale,logtempo_folded,paper_folded");
        foreach (var t in tracks)
        {
            try
            {
                var samples = AudioDecoder.DecodeMono(t.Path, lt.Metadata.Input.SampleRate).Samples;
                var outputs = ltNet.Run(gate.Mark(chunker.Cut(samples))).Where(o => o.Voiced && o.ClassProbabilities is not null).ToList();
                double ltBpm = double.NaN;
                if (outputs.Count > 0)
                {
                    var mean = new double[outputs[0].ClassProbabilities!.Length];
                    foreach (var o in outputs) for (int k = 0; k < mean.Length; k++) mean[k] += o.ClassProbabilities![k] / outputs.Count;
                    ltBpm = ltRead.Read(mean, withPrior: false)?.Bpm ?? double.NaN;
                }
                double z = ScaleCalibration.TrackOutput(paper.Network, paperMel, t.Path) * scale;
                rows.Add((t, ltBpm, z));
                csv.WriteLine(string.Join(',', Quote(t.Path), t.Kind, F(t.Bpm), F(ltBpm), F(z), F(FoldedTempoError.Fold(ltBpm, t.Bpm)), F(FoldedTempoError.Fold(z, t.Bpm))));
                Console.Error.WriteLine($"{rows.Count}/{tracks.Count} {t.Path}: {t.Bpm:F1} BPM, log-tempo {ltBpm:F1}, paper z·scale {z:F2}");
            }
            catch (EquiTempoException e) { Console.Error.WriteLine($"error: {e.Message}"); }
        }

        Console.WriteLine($"| set | n | log-tempo spread (oct) | paper z spread (oct) | log-tempo within ±4 % of its mean | paper z within ±4 % | log-tempo r / r up to octave | paper z r / r up to octave |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in rows.GroupBy(r => r.Track.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Append(rows.GroupBy(_ => "all").Single()))
        {
            var a = FoldedTempoError.Summarise(group.Select(r => (r.LogTempo, r.Track.Bpm)).ToList());
            var b = FoldedTempoError.Summarise(group.Select(r => (r.Paper, r.Track.Bpm)).ToList());
            string kind = group.Key == "" ? "unlabelled-kind" : group.Key;
            FoldedErrorHistogram.Write(Path.Combine(outDir, $"octave-errors-{kind}.png"), $"{kind}: log2(estimate / label) mod 1, before any head",
                new[] { ("log-tempo peak", a), ("paper z", b) });
            Console.WriteLine($"| {kind} | {group.Count()} | {a.SpreadOctaves:F3} | {b.SpreadOctaves:F3} | {a.WithinTolerance:P1} | {b.WithinTolerance:P1} | {a.LogCorrelation:F2} / {a.LogCorrelationUpToOctave:F2} | {b.LogCorrelation:F2} / {b.LogCorrelationUpToOctave:F2} |");
        }
    }

    private static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
    private static string Quote(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
