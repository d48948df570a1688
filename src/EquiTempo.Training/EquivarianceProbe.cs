using EquiTempo.Training.Corpus;
using EquiTempo.Audio;
using EquiTempo.Features;
using EquiTempo.Model;
using EquiTempo.Training.Stretching;

namespace EquiTempo.Training;

/// <summary>How equivariant a network is on real audio: z measured on stretched copies of excerpts.</summary>
/// <param name="MedianRatioError">Median over within-file pairs of |(z_a/z_b) / (α_a/α_b) − 1|.</param>
/// <param name="Slope">Slope of log z against log α (within-file, pooled); 1 is perfect equivariance.</param>
/// <param name="RSquared">R² of that within-file fit.</param>
/// <param name="NonPositive">Outputs z ≤ 0 (ratios undefined); they count as failures in the error.</param>
public sealed record EquivarianceReport(int Files, int Excerpts, double[] Rates, double MedianRatioError,
    double Slope, double RSquared, int NonPositive, double MeanAbsZ);

public static class EquivarianceProbe
{
    public static readonly double[] DefaultRates = { 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2 };

    public static EquivarianceReport Measure(TempoTcn network, LogMelFrontEnd frontEnd, IReadOnlyList<CorpusFile> files,
        int seed = 1234, double[]? rates = null, int excerptsPerFile = 1)
    {
        rates ??= DefaultRates;
        // Views are filled from the source (no zero-padded tail), so only the music can tell the rate.
        var cfg = new TrainingConfig { FillViewsFromSource = true, MaxRate = rates.Max() };
        var sampler = new ViewPairSampler(cfg, frontEnd.Input.ChunkSamples, frontEnd.Input.SampleRate);
        var stretcher = new TimeStretcher();
        var logA = rates.Select(r => Math.Log(r)).ToArray();
        var errors = new List<double>();
        double sxy = 0, sxx = 0, syy = 0, absZ = 0;
        int nonPositive = 0, excerpts = 0, zCount = 0;
        network.eval();
        for (int f = 0; f < files.Count; f++)
        {
            for (int e = 0; e < excerptsPerFile; e++)
            {
                var rng = new Random(DeterministicSeed.Mix(seed, f, e));
                float[] excerpt;
                try
                {
                    double start = sampler.DrawStartSeconds(files[f], rng);
                    int sourceLength = sampler.SourceLength(rates.Max());
                    excerpt = ViewPairSampler.FitLength(AudioDecoder.DecodeMono(files[f].Path, frontEnd.Input.SampleRate, start,
                        (double)sourceLength / frontEnd.Input.SampleRate).Samples, sourceLength);
                }
                catch (AudioFormatException) { continue; }
                var views = rates.Select(a => stretcher.Stretch(excerpt, a, frontEnd.Input.SampleRate, frontEnd.Input.ChunkSamples)).ToArray();
                var z = ScaleCalibration.OutputsOf(network, frontEnd, views, batch: views.Length);
                excerpts++;
                foreach (var v in z) { absZ += Math.Abs(v); zCount++; }
                if (z.Any(v => v <= 0 || !float.IsFinite(v)))
                {
                    nonPositive += z.Count(v => v <= 0 || !float.IsFinite(v));
                    for (int a = 0; a < z.Length; a++) for (int b = a + 1; b < z.Length; b++) errors.Add(double.PositiveInfinity);
                    continue;
                }
                var logZ = z.Select(v => Math.Log(v)).ToArray();
                double mx = logA.Average(), my = logZ.Average();
                for (int k = 0; k < z.Length; k++)
                {
                    sxy += (logA[k] - mx) * (logZ[k] - my);
                    sxx += (logA[k] - mx) * (logA[k] - mx);
                    syy += (logZ[k] - my) * (logZ[k] - my);
                }
                for (int a = 0; a < z.Length; a++)
                    for (int b = a + 1; b < z.Length; b++)
                        errors.Add(Math.Abs((z[a] / z[b]) / (rates[a] / rates[b]) - 1));
            }
        }
        errors.Sort();
        double median = errors.Count == 0 ? double.NaN : errors[errors.Count / 2];
        double slope = sxx > 0 ? sxy / sxx : double.NaN;
        double r2 = sxx > 0 && syy > 0 ? sxy * sxy / (sxx * syy) : double.NaN;
        return new EquivarianceReport(files.Count, excerpts, rates, median, slope, r2, nonPositive, zCount > 0 ? absZ / zCount : double.NaN);
    }
}
