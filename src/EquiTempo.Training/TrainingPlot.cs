using System.Globalization;

namespace EquiTempo.Training;

/// <summary>PNG of the training curves (per-step loss, per-epoch train and validation loss) with ScottPlot.</summary>
public static class TrainingPlot
{
    public static void Write(string pngPath, string stepsCsv, string epochsCsv,
        string title = "EquiTempo self-supervised training", string lossName = "equivariant ratio loss")
    {
        var steps = ReadColumns(stepsCsv);
        var epochs = ReadColumns(epochsCsv);
        var plt = new ScottPlot.Plot();
        if (steps.Count > 0)
        {
            // Step rows → fractional epoch on x, so both series share an axis.
            var perEpoch = steps.GroupBy(r => r[0]).ToDictionary(g => g.Key, g => g.Max(r => r[1]));
            var xs = steps.Select(r => r[0] - 1 + r[1] / perEpoch[r[0]]).ToArray();
            var sc = plt.Add.ScatterLine(xs, steps.Select(r => r[2]).ToArray());
            sc.LegendText = "train (step)";
            sc.LineWidth = 1;
            sc.Color = ScottPlot.Colors.Gray.WithAlpha(0.6);
        }
        if (epochs.Count > 0)
        {
            var ex = epochs.Select(r => r[0]).ToArray();
            var tr = plt.Add.Scatter(ex, epochs.Select(r => r[1]).ToArray());
            tr.LegendText = "train (epoch mean)";
            var withVal = epochs.Where(r => !double.IsNaN(r[2])).ToList();
            if (withVal.Count > 0)
            {
                var va = plt.Add.Scatter(withVal.Select(r => r[0]).ToArray(), withVal.Select(r => r[2]).ToArray());
                va.LegendText = "validation";
            }
        }
        plt.Title(title);
        plt.XLabel("epoch");
        plt.YLabel(lossName);
        // Outside the data area: inside, the legend hid the end of the curves, where a run or a track ends.
        plt.ShowLegend(ScottPlot.Edge.Right);
        plt.SavePng(pngPath, 900, 500);
    }

    private static List<double[]> ReadColumns(string csv)
    {
        if (!File.Exists(csv)) return new();
        return File.ReadLines(csv).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(',').Select(c => double.TryParse(c, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray())
            .ToList();
    }
}
