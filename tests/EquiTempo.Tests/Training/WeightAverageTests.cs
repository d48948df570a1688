using EquiTempo.Model;
using EquiTempo.Tests.Cli;
using EquiTempo.Training;

namespace EquiTempo.Tests.Training;

[Collection(LibTorchRngCollection.Name)]
public class WeightAverageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("eq-average-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private string Saved(string name, bool beatHead = false)
    {
        var path = Path.Combine(_dir, name);
        // A fresh random initialisation each time.
        using var m = beatHead ? new TempoModel(new ModelMetadata { Network = new TcnConfig(BeatHead: true) }) : new TempoModel();
        m.Save(path);
        return path;
    }

    private static Dictionary<string, float[]> Weights(TempoModel m) =>
        m.Network.state_dict().Where(p => p.Value.is_floating_point())
            .ToDictionary(p => p.Key, p => p.Value.to_type(TorchSharp.torch.ScalarType.Float32).data<float>().ToArray());

    [Fact]
    public void Mean_IsTheElementWiseMeanOfEveryWeight()
    {
        string a = Saved("a.eqtm"), b = Saved("b.eqtm"), c = Saved("c.eqtm");
        using var ma = TempoModel.Load(a);
        using var mb = TempoModel.Load(b);
        using var mc = TempoModel.Load(c);
        var (wa, wb, wc) = (Weights(ma), Weights(mb), Weights(mc));
        using var mean = WeightAverage.Mean(new[] { a, b, c });
        var w = Weights(mean);
        Assert.Equal(wa.Keys.OrderBy(k => k), w.Keys.OrderBy(k => k));
        Assert.Contains(wa, p => !p.Value.SequenceEqual(wb[p.Key]));   // the three differ, so the mean is not one of them
        foreach (var (name, values) in w)
            for (int i = 0; i < values.Length; i++)
                Assert.True(Math.Abs((wa[name][i] + (double)wb[name][i] + wc[name][i]) / 3 - values[i]) < 1e-6, $"{name}[{i}]");

        using var self = WeightAverage.Mean(new[] { a, a });
        foreach (var (name, values) in Weights(self)) Assert.Equal(wa[name], values);
    }

    [Fact]
    public void Mean_OfDifferentNetworks_IsRefusedNamingTheFile()
    {
        string plain = Saved("plain.eqtm"), withHead = Saved("head.eqtm", beatHead: true);
        var e = Assert.Throws<EquiTempoException>(() => WeightAverage.Mean(new[] { withHead, plain }));
        Assert.Contains("head.eqtm", e.Message);
    }

    [Fact]
    public void Cli_Average_WritesTheMeanModel_AndNeedsTwoFiles()
    {
        string a = Saved("a.eqtm"), b = Saved("b.eqtm"), out_ = Path.Combine(_dir, "mean.eqtm");
        var (code, _, err) = CliTests.Run("average", a, b, "--out", out_);
        Assert.True(code == 0, err);
        using var written = TempoModel.Load(out_);
        using var expected = WeightAverage.Mean(new[] { a, b });
        var w = Weights(expected);
        foreach (var (name, values) in Weights(written)) Assert.Equal(w[name], values);
        (code, _, err) = CliTests.Run("average", a, "--out", out_);
        Assert.Equal(2, code);
        Assert.Contains("two or more", err);
    }
}
