namespace EquiTempo.Evaluation;

/// <summary>PNG of a local tempo curve (time, BPM) with the global estimate as a horizontal line (ScottPlot).</summary>
public static class TempoCurvePlot
{
    public static void Write(string pngPath, TempoEstimate estimate)
    {
        if (estimate.Curve is not { Count: > 0 } curve)
            throw new EquiTempoException(ErrorReason.NoTempo, estimate.File, "no local tempo curve to plot (too short for one window, or estimated without localCurve: true)");
        var plt = new ScottPlot.Plot();
        var line = plt.Add.ScatterLine(curve.Select(p => p.TimeSeconds).ToArray(), curve.Select(p => p.Bpm).ToArray());
        line.LegendText = "local tempo";
        line.LineWidth = 2;
        var global = plt.Add.HorizontalLine(estimate.Bpm);
        global.LegendText = $"global {estimate.Bpm:F1} BPM";
        global.LinePattern = ScottPlot.LinePattern.Dashed;
        double lo = Math.Min(curve.Min(p => p.Bpm), estimate.Bpm), hi = Math.Max(curve.Max(p => p.Bpm), estimate.Bpm);
        plt.Axes.SetLimitsY(Math.Max(0, lo * 0.8), hi * 1.2);
        plt.Axes.SetLimitsX(0, Math.Max(estimate.DurationSeconds, curve[^1].TimeSeconds));
        plt.Title(Path.GetFileName(estimate.File ?? "tempo curve"));
        plt.XLabel("time (s)");
        plt.YLabel("BPM");
        // Outside the data area: inside, the legend hid the end of the curves, where a run or a track ends.
        plt.ShowLegend(ScottPlot.Edge.Right);
        var dir = Path.GetDirectoryName(Path.GetFullPath(pngPath));
        if (dir is not null) Directory.CreateDirectory(dir);
        plt.SavePng(pngPath, 1000, 400);
    }
}
