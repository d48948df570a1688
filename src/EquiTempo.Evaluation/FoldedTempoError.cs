namespace EquiTempo.Evaluation;

/// <summary>How estimates err once the octave is forgiven (issue 12), for one set of tracks.</summary>
/// <param name="Tracks">Tracks with a positive, finite estimate.</param>
/// <param name="FoldedErrors">log2(estimate / reference) mod 1, in [−½, ½) octave, one per track.</param>
/// <param name="CircularMean">Circular mean of the folded errors (octaves): a constant scale shows here, not in the spread.</param>
/// <param name="SpreadOctaves">Circular standard deviation √(−2 ln R)/(2π) of the folded errors, in octaves (0 = every
/// track off by the same factor up to octaves; ≈ 0.29 or more = uniform).</param>
/// <param name="WithinTolerance">Share of tracks whose folded error, less the circular mean, is within ±4 % (log2 1.04).</param>
/// <param name="LogCorrelation">Pearson r of log estimate against log reference.</param>
/// <param name="LogCorrelationUpToOctave">The same after each estimate is moved by whole octaves to the one nearest its reference.</param>
public sealed record FoldedErrorSummary(int Tracks, IReadOnlyList<double> FoldedErrors, double CircularMean, double SpreadOctaves, double WithinTolerance,
    double LogCorrelation, double LogCorrelationUpToOctave);

/// <summary>Octave-folded tempo errors: the measure of a tempo representation before any head decides the metrical level.</summary>
public static class FoldedTempoError
{
    /// <summary>log2(estimate / reference) folded into [−½, ½).</summary>
    public static double Fold(double estimate, double reference)
    {
        double e = Math.Log2(estimate / reference);
        return e - Math.Floor(e + 0.5);
    }

    public static FoldedErrorSummary Summarise(IReadOnlyList<(double Estimate, double Reference)> pairs)
    {
        var ok = pairs.Where(p => p.Estimate > 0 && double.IsFinite(p.Estimate) && p.Reference > 0).ToList();
        var folded = ok.Select(p => Fold(p.Estimate, p.Reference)).ToArray();
        if (folded.Length == 0) return new FoldedErrorSummary(0, folded, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        double c = folded.Average(e => Math.Cos(2 * Math.PI * e)), s = folded.Average(e => Math.Sin(2 * Math.PI * e));
        double mean = Math.Atan2(s, c) / (2 * Math.PI), resultant = Math.Sqrt(c * c + s * s);
        double spread = Math.Sqrt(-2 * Math.Log(Math.Max(resultant, 1e-12))) / (2 * Math.PI);
        double tol = Math.Log2(1 + TempoMetrics.DefaultTolerance);
        double within = folded.Count(e => Math.Abs(Wrap(e - mean)) <= tol) / (double)folded.Length;
        var logRef = ok.Select(p => Math.Log(p.Reference)).ToArray();
        var logEst = ok.Select(p => Math.Log(p.Estimate)).ToArray();
        var logNear = ok.Select(p => Math.Log(p.Reference) + Fold(p.Estimate, p.Reference) * Math.Log(2)).ToArray();
        return new FoldedErrorSummary(folded.Length, folded, mean, spread, within, Pearson(logEst, logRef), Pearson(logNear, logRef));
    }

    private static double Wrap(double e) => e - Math.Floor(e + 0.5);

    /// <summary>Pearson's r; NaN when either side has no variance.</summary>
    public static double Pearson(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count < 2) return double.NaN;
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Count; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb); }
        return saa > 0 && sbb > 0 ? sab / Math.Sqrt(saa * sbb) : double.NaN;
    }
}

/// <summary>PNG of the octave-folded error distributions of several methods on one set of tracks: the share of tracks per
/// 1/40-octave bin of log2(estimate / reference) mod 1, one line per method, with the ±4 % band marked.</summary>
public static class FoldedErrorHistogram
{
    public const int Bins = 40;

    public static void Write(string pngPath, string title, IReadOnlyList<(string Label, FoldedErrorSummary Summary)> series)
    {
        var plt = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int k = 0;
        foreach (var (label, summary) in series)
        {
            var counts = new double[Bins];
            foreach (var e in summary.FoldedErrors) counts[Math.Clamp((int)Math.Floor((e + 0.5) * Bins), 0, Bins - 1)]++;
            var xs = Enumerable.Range(0, Bins).Select(i => -0.5 + (i + 0.5) / Bins).ToArray();
            var ys = counts.Select(c => summary.Tracks > 0 ? c / summary.Tracks : 0).ToArray();
            var line = plt.Add.ScatterLine(xs, ys);
            line.Color = palette.GetColor(k++);
            line.LineWidth = 2;
            line.LegendText = $"{label}: n {summary.Tracks}, spread {summary.SpreadOctaves:F3} oct";
        }
        double tol = Math.Log2(1 + TempoMetrics.DefaultTolerance);
        foreach (double x in new[] { -tol, tol })
        {
            var v = plt.Add.VerticalLine(x);
            v.LinePattern = ScottPlot.LinePattern.Dashed;
            v.Color = ScottPlot.Colors.Gray;
        }
        plt.Axes.SetLimitsX(-0.5, 0.5);
        plt.XLabel("log2(estimate / reference) mod 1 (octaves)");
        plt.YLabel("share of tracks per 1/40 octave");
        plt.Title(title);
        plt.ShowLegend(ScottPlot.Alignment.UpperRight);
        plt.SavePng(pngPath, 900, 500);
    }
}
