using System.Text;
using System.Text.Json.Nodes;
using EquiTempo.Features;
using EquiTempo.Model;

namespace EquiTempo.Tests.Model;

/// <summary>The model input is one record, stored in the model file, that every stage reads.</summary>
public class ModelInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("eq-input-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    [Fact]
    public void Defaults_AreThePapers()
    {
        var i = new ModelInput();
        Assert.Equal((44100, 600_000, 441, 81), (i.SampleRate, i.ChunkSamples, i.HopLength, i.MelBands));
        Assert.Equal(1361, i.ChunkFrames);
        Assert.Equal(100, i.FramesPerSecond, 9);
        Assert.Equal(600_000 / 44100.0, i.ChunkSeconds, 9);
    }

    [Theory]
    [InlineData(0, 600_000, 441, 81, "SampleRate")]
    [InlineData(44100, 10, 441, 81, "ChunkSamples")]
    [InlineData(44100, 600_000, 0, 81, "HopLength")]
    [InlineData(44100, 600_000, 441, 3, "MelBands")]
    public void OutOfRange_IsAnInvalidSettingNamingIt(int rate, int chunk, int hop, int bands, string setting)
    {
        var e = Assert.Throws<EquiTempoException>(() => new ModelInput(rate, chunk, hop, bands).Validated());
        Assert.Equal(ErrorReason.InvalidSetting, e.Reason);
        Assert.Contains(setting, e.Message);
    }

    [Fact]
    public void FrontEndAndNetwork_FollowTheInput()
    {
        var input = new ModelInput(SampleRate: 22050, ChunkSamples: 88_200, HopLength: 220, MelBands: 40);
        using var model = new TempoModel(new ModelMetadata { Input = input, FrontEnd = new LogMelConfig(FftSize: 1024, MaxHz: 10_000) });
        using var fe = model.CreateFrontEnd();
        using var spec = fe.Forward(new float[input.ChunkSamples]);
        Assert.Equal(new long[] { 1, 40, input.ChunkFrames }, spec.shape);
        Assert.Equal(40, model.Network.MelBands);
        using var z = model.Network.forward(spec.unsqueeze(0));
        Assert.Equal(new long[] { 1 }, z.shape);
    }

    [Fact]
    public void SavedInput_IsLoadedBack()
    {
        var path = Path.Combine(_dir, "m.eqtm");
        var input = new ModelInput(ChunkSamples: 300_000, MelBands: 64);
        using (var m = new TempoModel(new ModelMetadata { Input = input })) m.Save(path);
        Assert.Equal(input, TempoModel.ReadMetadata(path).Input);
        using var loaded = TempoModel.Load(path);
        Assert.Equal(64, loaded.Network.MelBands);
    }

    [Fact]
    public void FrontEndThatCannotServeTheInput_IsRefused()
    {
        var e = Assert.Throws<EquiTempoException>(() => new TempoModel(new ModelMetadata { Input = new ModelInput(SampleRate: 16000) }));
        Assert.Contains("Nyquist", e.Message);   // the default 17 kHz top band lies above 8 kHz
        using var net = new TempoTcn(melBands: 64);
        var e2 = Assert.Throws<ModelFileException>(() => new TempoModel(new ModelMetadata(), net));
        Assert.Contains("64 mel bands", e2.Message);
    }

    [Fact]
    public void Version1Header_IsUpgraded_AndDisagreeingBandsAreAnError()
    {
        var path = Path.Combine(_dir, "v1.eqtm");
        using (var m = new TempoModel(new ModelMetadata { Input = new ModelInput(ChunkSamples: 300_000) })) m.Save(path);
        RewriteHeader(path, h =>
        {
            var input = h["Input"]!.AsObject();
            h.Remove("Input");
            h["FormatVersion"] = 1;
            var fe = h["FrontEnd"]!.AsObject();
            fe["SampleRate"] = 44100; fe["HopLength"] = 441; fe["MelBands"] = 81; fe["ExcerptSamples"] = input["ChunkSamples"]!.GetValue<int>();
            h["Network"]!.AsObject()["MelBands"] = 81;
        });
        var meta = TempoModel.ReadMetadata(path);
        Assert.Equal(new ModelInput(ChunkSamples: 300_000), meta.Input);
        Assert.Equal(ModelMetadata.CurrentFormatVersion, meta.FormatVersion);
        using (TempoModel.Load(path)) { }

        RewriteHeader(path, h => { h["Network"]!.AsObject()["MelBands"] = 64; h["FormatVersion"] = 1; h.Remove("Input");
            var fe = h["FrontEnd"]!.AsObject(); fe["MelBands"] = 81; });
        var e = Assert.Throws<ModelFileException>(() => TempoModel.ReadMetadata(path));
        Assert.Equal(path + ": its network folds 64 mel bands but its front end makes 81", e.Message);
    }

    [Fact]
    public void NewerFormat_IsRefusedByName()
    {
        var path = Path.Combine(_dir, "future.eqtm");
        using (var m = new TempoModel()) m.Save(path);
        RewriteHeader(path, h => h["FormatVersion"] = 99);
        var e = Assert.Throws<ModelFileException>(() => TempoModel.Load(path));
        Assert.Contains("format version 99", e.Message);
    }

    /// <summary>Edits the JSON header of a model file in place, keeping its tensors.</summary>
    private static void RewriteHeader(string path, Action<JsonObject> edit)
    {
        var bytes = File.ReadAllBytes(path);
        int len = BitConverter.ToInt32(bytes, 4);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, len))!.AsObject();
        edit(header);
        var newHeader = Encoding.UTF8.GetBytes(header.ToJsonString());
        using var fs = File.Create(path);
        fs.Write(bytes, 0, 4);
        fs.Write(BitConverter.GetBytes(newHeader.Length));
        fs.Write(newHeader);
        fs.Write(bytes, 8 + len, bytes.Length - 8 - len);
    }
}
