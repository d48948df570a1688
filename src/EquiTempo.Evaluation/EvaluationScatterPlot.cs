namespace EquiTempo.Evaluation;

/// <summary>
/// PNG of estimated against reference tempo on log–log axes from 30 to 300 BPM, with the lines where the
/// estimate is 1, 2, 3, ½ or ⅓ times the reference, so octave and triple errors show as points on a line.
/// </summary>
public static class EvaluationScatterPlot
{
    public const double MinBpm = 30, MaxBpm = 300;
    private static readonly (double Factor, string Label)[] RatioLines = { (1, "×1"), (2, "×2"), (3, "×3"), (0.5, "×½"), (1.0 / 3, "×⅓") };
    private static readonly double[] TickBpm = { 30, 40, 50, 60, 80, 100, 120, 150, 200, 250, 300 };

    public static void Write(TempoEvaluationResult result, string pngPath, int sizePixels = 800)
    {
        var plt = new ScottPlot.Plot();
        double lo = Math.Log10(MinBpm), hi = Math.Log10(MaxBpm);
        foreach (var (factor, label) in RatioLines)
        {
            double shift = Math.Log10(factor);
            var line = plt.Add.Line(lo, lo + shift, hi, hi + shift);
            line.LineWidth = factor == 1 ? 1.5f : 1;
            line.LineColor = ScottPlot.Colors.Gray.WithAlpha(factor == 1 ? 0.9 : 0.5);
            line.LinePattern = factor == 1 ? ScottPlot.LinePattern.Solid : ScottPlot.LinePattern.Dashed;
            // Label each line just inside the plot where it leaves it (top edge for ×1 and above, right edge below).
            double x = Math.Min(hi, hi - shift) - 0.04;
            var text = plt.Add.Text(label, x, x + shift);
            text.LabelFontSize = 14;
            text.LabelFontColor = ScottPlot.Colors.DimGray;
            text.LabelAlignment = ScottPlot.Alignment.LowerRight;
        }

        var palette = new ScottPlot.Palettes.Category10();
        var estimated = result.Outcomes.Where(o => !o.Failed).ToList();
        int outside = 0, k = 0;
        foreach (var kind in estimated.GroupBy(o => o.Track.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var color = palette.GetColor(k++);
            var inside = kind.Where(o => InRange(o.Track.Bpm) && InRange(o.Bpm!.Value)).ToList();
            var beyond = kind.Except(inside).ToList();
            outside += beyond.Count;
            var points = plt.Add.ScatterPoints(inside.Select(o => Math.Log10(o.Track.Bpm)).ToArray(), inside.Select(o => Math.Log10(o.Bpm!.Value)).ToArray());
            points.Color = color;
            points.MarkerSize = 7;
            points.LegendText = $"{kind.Key} ({kind.Count()})";
            if (beyond.Count == 0) continue;
            // Out-of-range estimates are drawn on the border, hollow, rather than silently dropped.
            var edge = plt.Add.ScatterPoints(beyond.Select(o => Clamp(o.Track.Bpm)).ToArray(), beyond.Select(o => Clamp(o.Bpm!.Value)).ToArray());
            edge.Color = color;
            edge.MarkerShape = ScottPlot.MarkerShape.OpenTriangleUp;
            edge.MarkerSize = 9;
        }

        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var b in TickBpm) ticks.AddMajor(Math.Log10(b), b.ToString(System.Globalization.CultureInfo.InvariantCulture));
        plt.Axes.Bottom.TickGenerator = ticks;
        plt.Axes.Left.TickGenerator = ticks;
        plt.Axes.SetLimits(lo, hi, lo, hi);
        plt.XLabel("reference tempo (BPM)");
        plt.YLabel("estimated tempo (BPM)");
        string note = outside > 0 ? $"; {outside} outside {MinBpm:0}–{MaxBpm:0} BPM drawn on the border (▵)" : "";
        plt.Title($"{result.Method}: {estimated.Count} tracks{note}");
        if (estimated.Count > 0) plt.ShowLegend(ScottPlot.Alignment.UpperLeft);
        plt.SavePng(pngPath, sizePixels, sizePixels);
    }

    private static bool InRange(double bpm) => bpm >= MinBpm && bpm <= MaxBpm;

    private static double Clamp(double bpm) => Math.Log10(Math.Clamp(bpm, MinBpm, MaxBpm));
}
