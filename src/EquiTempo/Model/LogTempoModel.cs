using System.Text;
using EquiTempo.Features;
using static TorchSharp.torch;

namespace EquiTempo.Model;

/// <summary>The log-tempo family's architecture as stored in the model file: its tempogram and its network.</summary>
public sealed record LogTempoArchitecture(LogTempogramConfig Tempogram, LogTempoNetworkConfig Network)
{
    public LogTempoArchitecture() : this(new LogTempogramConfig(), new LogTempoNetworkConfig()) { }
}

/// <summary>
/// A log-tempo network (issue 12) with its metadata, saved in the same file format as <see cref="TempoModel"/> (the same
/// header and tensor layout; the header's <see cref="ModelMetadata.Family"/> says which network the tensors belong to).
/// The log-mel settings are the model's <see cref="ModelMetadata.Input"/> and <see cref="ModelMetadata.FrontEnd"/>;
/// <see cref="ModelMetadata.Network"/> (the paper's TCN settings) is unused by this family.
/// </summary>
public sealed class LogTempoModel : IModelFile, IDisposable
{
    public const string FamilyName = "log-tempo";

    public LogTempoNetwork Network { get; }
    public ModelMetadata Metadata { get; }
    public LogTempoArchitecture Architecture => Metadata.LogTempo!;

    public LogTempoModel(ModelMetadata? metadata = null)
    {
        Metadata = metadata ?? new ModelMetadata();
        Metadata.Family = FamilyName;
        Metadata.LogTempo ??= new LogTempoArchitecture();
        Metadata.FrontEnd.ValidatedFor(Metadata.Input);
        Architecture.Tempogram.ValidatedFor(Metadata.Input);
        Network = new LogTempoNetwork(Architecture.Network, Architecture.Tempogram.Channels);
    }

    public LogMelFrontEnd CreateFrontEnd() => new(Metadata.Input, Metadata.FrontEnd);

    public LogTempogramFrontEnd CreateTempogram() => new(Metadata.Input, Architecture.Tempogram);

    /// <summary>The stored calibration, or null before <c>calibrate</c>.</summary>
    public LogTempoReadout? Readout => Metadata.ReadoutOf<LogTempoReadout>();

    public void Save(string path, bool halfPrecision = false) => TempoModel.SaveFile(path, Metadata, Network.state_dict(), halfPrecision);

    /// <summary>Whether the file at <paramref name="path"/> holds a log-tempo model (reads the header only).</summary>
    public static bool IsLogTempoFile(string path) => File.Exists(path) && TempoModel.ReadMetadata(path).IsLogTempo;

    public static LogTempoModel Load(string path)
    {
        using var fs = TempoModel.OpenChecked(path);
        return Load(fs, path);
    }

    /// <summary>Reads a log-tempo model from <paramref name="stream"/> (left open, read forwards only);
    /// <paramref name="path"/> names the source in error messages: a file path, a resource name.</summary>
    public static LogTempoModel Load(Stream stream, string path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        var meta = TempoModel.ReadHeader(r, path);
        if (!meta.IsLogTempo) throw new ModelFileException(path, $"is a {meta.Family ?? "tcn"} model, not a {FamilyName} model");
        if (meta.LogTempo is null) throw new ModelFileException(path, "a log-tempo model without its tempogram and network settings");
        LogTempoModel model;
        try { model = new LogTempoModel(meta); }
        catch (EquiTempoException e) when (e.Reason == ErrorReason.InvalidSetting) { throw new ModelFileException(path, e.Message, e); }
        try { TempoModel.ReadTensors(r, model.Network.state_dict(), path); }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            model.Dispose();
            throw new ModelFileException(path, $"model file is truncated or corrupt ({e.Message})", e);
        }
        catch { model.Dispose(); throw; }
        model.Network.eval();
        return model;
    }

    public void Dispose() => Network.Dispose();
}
