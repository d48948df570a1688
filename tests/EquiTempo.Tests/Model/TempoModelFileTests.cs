using EquiTempo.Model;
using static TorchSharp.torch;

namespace EquiTempo.Tests.Model;

[Collection(LibTorchRngCollection.Name)]
public class TempoModelFileTests
{
    [Fact]
    public void SaveLoad_RoundTripsWeightsStatsAndMetadata()
    {
        var path = Path.Combine(Path.GetTempPath(), $"eq-{Guid.NewGuid():N}.eqtm");
        try
        {
            manual_seed(4);
            using var model = new TempoModel();
            model.Metadata.SetReadout(new ScaleReadout(123.5, "test"));
            model.Metadata.Training["note"] = "unit test";
            model.Network.train();
            using (no_grad()) using (var warm = model.Network.forward(randn(4, 1, 81, 120) * 2 + 3)) { } // moves BN running stats
            model.Network.eval();
            using var x = randn(2, 1, 81, 200);
            using var z0 = model.Network.forward(x);
            model.Save(path);
            using var loaded = TempoModel.Load(path);
            using var z1 = loaded.Network.forward(x);
            Assert.True(allclose(z0, z1, rtol: 1e-6, atol: 1e-7));
            Assert.Equal(new ScaleReadout(123.5, "test"), loaded.Metadata.PreferredReadout);
            Assert.Equal("unit test", TempoModel.ReadMetadata(path).Training["note"]);
            Assert.InRange(new FileInfo(path).Length, 90_000, 130_000);   // ~28k float32 weights
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void SavingOverAFolder_IsAnErrorNamingIt_AndLeavesNoTemporaryFile()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"eq-save-{Guid.NewGuid():N}");
        var target = Path.Combine(dir, "model.eqtm");
        Directory.CreateDirectory(target);                 // a folder where the model file should go
        try
        {
            using var model = new TempoModel();
            var e = Assert.Throws<EquiTempoException>(() => model.Save(target));
            Assert.Equal(target, e.Subject);
            Assert.Contains("cannot be written", e.Problem);
            Assert.Equal(new[] { target }, Directory.GetFileSystemEntries(dir));   // only the folder: no .tmp left
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void HalfPrecisionFile_IsHalfTheSizeAndGivesNearlyTheSameOutputs()
    {
        var full = Path.Combine(Path.GetTempPath(), $"eq-{Guid.NewGuid():N}.eqtm");
        var half = full + ".half.eqtm";
        try
        {
            manual_seed(5);
            using var model = new TempoModel();
            model.Network.eval();
            using var x = randn(3, 1, 81, 300);
            using var z0 = model.Network.forward(x);
            using var p0 = model.Network.ClassLogitsFromEmbedding(model.Network.Embed(x));
            model.Save(full);
            model.Save(half, halfPrecision: true);
            Assert.InRange(new FileInfo(half).Length, 0.45 * new FileInfo(full).Length, 0.55 * new FileInfo(full).Length);
            using var loaded = TempoModel.Load(half);
            using var z1 = loaded.Network.forward(x);
            using var p1 = loaded.Network.ClassLogitsFromEmbedding(loaded.Network.Embed(x));
            // Half keeps 11 significant bits: relative errors of about 1e-3 after the network's sums.
            Assert.True(allclose(z0, z1, rtol: 1e-2, atol: 1e-3), $"z {z0.max().item<float>()} vs {z1.max().item<float>()}");
            Assert.True(allclose(p0, p1, rtol: 1e-2, atol: 1e-2));
        }
        finally { File.Delete(full); File.Delete(half); }
    }

    [Fact]
    public void TruncatedOrForeignFile_GivesAnErrorNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"eq-{Guid.NewGuid():N}.eqtm");
        var junk = Path.Combine(Path.GetTempPath(), $"eq-{Guid.NewGuid():N}.eqtm");
        try
        {
            using (var m = new TempoModel()) m.Save(path);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            var e = Assert.Throws<ModelFileException>(() => TempoModel.Load(path));
            Assert.StartsWith(path + ": ", e.Message);
            Assert.Equal(ErrorReason.InvalidModel, e.Reason);
            File.WriteAllText(junk, "hello, not a model");
            var e2 = Assert.Throws<ModelFileException>(() => TempoModel.Load(junk));
            Assert.Equal(junk + ": not an EquiTempo model file", e2.Message);
            var e3 = Assert.Throws<ModelFileException>(() => TempoModel.Load(junk + ".missing"));
            Assert.Equal(junk + ".missing: model file not found", e3.Message);
            var e4 = Assert.Throws<ModelFileException>(() => TempoModel.Load(Path.GetTempPath()));
            Assert.Contains("is a folder", e4.Message);
        }
        finally { File.Delete(path); File.Delete(junk); }
    }

    [Fact]
    public void Stream_LoadsAsTheFileDoes_AndErrorsNameTheSource()
    {
        manual_seed(6);
        using var model = new TempoModel();
        model.Metadata.SetReadout(new ScaleReadout(77, "test"));
        model.Network.eval();
        using var bytes = new MemoryStream();
        var path = Path.Combine(Path.GetTempPath(), $"eq-{Guid.NewGuid():N}.eqtm");
        try { model.Save(path); bytes.Write(File.ReadAllBytes(path)); }
        finally { File.Delete(path); }
        bytes.Position = 0;
        using var loaded = TempoModel.Load(bytes, "in-memory");
        Assert.True(bytes.CanRead);   // left open for the caller
        Assert.Equal(77, loaded.Metadata.ReadoutOf<ScaleReadout>()!.Scale);
        using var x = randn(2, 1, 81, 200);
        using var z0 = model.Network.forward(x);
        using var z1 = loaded.Network.forward(x);
        Assert.True(allclose(z0, z1));
        var e = Assert.Throws<ModelFileException>(() => TempoModel.Load(new MemoryStream(bytes.ToArray()[..(int)(bytes.Length / 2)]), "Some.Resource.eqtm"));
        Assert.StartsWith("Some.Resource.eqtm: ", e.Message);
        var e2 = Assert.Throws<ModelFileException>(() => TempoModel.ReadMetadata(new MemoryStream("not a model"u8.ToArray()), "Other.Resource"));
        Assert.Equal("Other.Resource: not an EquiTempo model file", e2.Message);
    }
}
