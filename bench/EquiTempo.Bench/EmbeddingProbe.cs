using EquiTempo.Audio;
using EquiTempo.Evaluation;
using EquiTempo.Features;
using EquiTempo.Model;
using static TorchSharp.torch;

namespace EquiTempo.Bench;

/// <summary>
/// How much absolute tempo a model's 16-d embedding carries across tracks: the middle 13.6 s of each
/// labelled track is embedded, a ridge regression of log BPM on the embedding is fitted on one index and
/// scored on another (Pearson r of log BPM, Acc1, Acc2). A cheap check before spending CPU on fine-tuning.
/// </summary>
public static class EmbeddingProbe
{
    public static void Run(string model, string trainIndex, string testIndex)
    {
        using var m = TempoModel.Load(model);
        using var fe = m.CreateFrontEnd();
        var (xtr, ytr) = Embed(m, fe, TempoIndex.Read(trainIndex));
        var (xte, yte) = Embed(m, fe, TempoIndex.Read(testIndex));
        foreach (var lambda in new[] { 1e-3, 1e-1, 10 })
        {
            var w = Ridge(xtr, ytr, lambda);
            var pred = xte.Select(x => Dot(w, x)).ToArray();
            double r = Pearson(pred, yte);
            int a1 = 0, a2 = 0;
            for (int i = 0; i < pred.Length; i++)
            {
                if (TempoMetrics.Acc1(Math.Exp(pred[i]), Math.Exp(yte[i]))) a1++;
                if (TempoMetrics.Acc2(Math.Exp(pred[i]), Math.Exp(yte[i]))) a2++;
            }
            Console.WriteLine($"ridge λ={lambda}: r(log BPM) on test {r:F3}, Acc1 {100.0 * a1 / pred.Length:F1} %, Acc2 {100.0 * a2 / pred.Length:F1} % (n={pred.Length}; train r {Pearson(xtr.Select(x => Dot(w, x)).ToArray(), ytr):F3})");
        }
    }

    private static (List<double[]> X, double[] Y) Embed(TempoModel m, LogMelFrontEnd fe, List<LabelledTrack> tracks)
    {
        int n = fe.Input.ChunkSamples;
        var xs = new List<double[]>();
        var ys = new List<double>();
        foreach (var t in tracks)
        {
            var audio = AudioDecoder.DecodeMono(t.Path, fe.Input.SampleRate).Samples;
            int start = Math.Max(0, (audio.Length - n) / 2);
            var ex = new float[n];
            Array.Copy(audio, start, ex, 0, Math.Min(n, audio.Length - start));
            using var scope = NewDisposeScope();
            using var g = no_grad();
            var e = m.Network.Embed(fe.Forward(new List<float[]> { ex }, n));
            var z = m.Network.ScalarFromEmbedding(e);
            xs.Add(e[0].data<float>().Select(v => (double)v).Append(Math.Log(Math.Max(1e-6, z.item<float>()))).Append(1.0).ToArray());
            ys.Add(Math.Log(t.Bpm));
        }
        return (xs, ys.ToArray());
    }

    private static double[] Ridge(List<double[]> x, double[] y, double lambda)
    {
        int d = x[0].Length;
        var a = new double[d, d + 1];
        for (int i = 0; i < x.Count; i++)
            for (int p = 0; p < d; p++)
            {
                for (int q = 0; q < d; q++) a[p, q] += x[i][p] * x[i][q];
                a[p, d] += x[i][p] * y[i];
            }
        for (int p = 0; p < d - 1; p++) a[p, p] += lambda;   // the intercept is not penalised
        // Gauss–Jordan with partial pivoting on a 18×18 system.
        for (int c = 0; c < d; c++)
        {
            int piv = Enumerable.Range(c, d - c).OrderByDescending(r => Math.Abs(a[r, c])).First();
            for (int k = 0; k <= d; k++) (a[c, k], a[piv, k]) = (a[piv, k], a[c, k]);
            for (int r = 0; r < d; r++)
            {
                if (r == c) continue;
                double f = a[r, c] / a[c, c];
                for (int k = c; k <= d; k++) a[r, k] -= f * a[c, k];
            }
        }
        return Enumerable.Range(0, d).Select(p => a[p, d] / a[p, p]).ToArray();
    }

    private static double Dot(double[] w, double[] x) => w.Zip(x, (a, b) => a * b).Sum();

    private static double Pearson(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average();
        double c = a.Zip(b, (x, y) => (x - ma) * (y - mb)).Sum();
        return c / Math.Sqrt(a.Sum(x => (x - ma) * (x - ma)) * b.Sum(y => (y - mb) * (y - mb)));
    }
}
