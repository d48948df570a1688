using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EquiTempo.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace EquiTempo.Model;

/// <summary>Everything about a model file except its weights; stored as JSON inside the file.</summary>
public sealed class ModelMetadata
{
    /// <summary>Version 2 stores the <see cref="ModelInput"/> once; version 1 kept its parts in the front-end
    /// and network settings and is read by moving them there (<see cref="TempoModel.ReadMetadata(string)"/>).</summary>
    public const int CurrentFormatVersion = 2;
    public string Format { get; set; } = "equitempo-model";
    public int FormatVersion { get; set; } = CurrentFormatVersion;
    /// <summary>What the model reads: rate, chunk length, hop and mel bands, for every stage.</summary>
    public ModelInput Input { get; set; } = new();
    public TcnConfig Network { get; set; } = new();
    public LogMelConfig FrontEnd { get; set; } = new();
    /// <summary>How the model's output becomes BPM, in order of preference (the estimator uses the first);
    /// empty for a self-supervised network before any head or calibration.</summary>
    public List<TempoReadout> Readouts { get; set; } = new();

    /// <summary>The readout the estimator uses, or null when the model has none yet.</summary>
    [JsonIgnore] public TempoReadout? PreferredReadout => Readouts.Count > 0 ? Readouts[0] : null;

    /// <summary>The stored readout of kind <typeparamref name="T"/>, or null.</summary>
    public T? ReadoutOf<T>() where T : TempoReadout => Readouts.OfType<T>().FirstOrDefault();

    /// <summary>Stores <paramref name="readout"/> in place of any of its kind; a class head comes first
    /// because it reads the whole distribution, where a scale reads one number.</summary>
    public void SetReadout(TempoReadout readout)
    {
        Readouts.RemoveAll(r => r.GetType() == readout.GetType());
        Readouts.Add(readout);
        Readouts.Sort((x, y) => x.Preference.CompareTo(y.Preference));
    }

    /// <summary>Drops the readout of kind <typeparamref name="T"/> (e.g. a scale that no longer holds once the backbone moved).</summary>
    public void RemoveReadout<T>() where T : TempoReadout => Readouts.RemoveAll(r => r is T);
    public DateTime CreatedUtc { get; set; } = DateTime.UtcNow;
    public string? Description { get; set; }
    /// <summary>Free-form training record (command, data, epochs, wall time, losses).</summary>
    public Dictionary<string, string> Training { get; set; } = new();

    /// <summary>The model family: null for the paper's network (<see cref="TempoTcn"/>, every file before issue 12, so
    /// they load unchanged), <see cref="LogTempoModel.FamilyName"/> for the log-tempo network.</summary>
    public string? Family { get; set; }
    /// <summary>The log-tempo family's tempogram and network settings; null for the paper's network.</summary>
    public LogTempoArchitecture? LogTempo { get; set; }
    [JsonIgnore] public bool IsLogTempo => Family == LogTempoModel.FamilyName;
}

/// <summary>A model that a training run can checkpoint: its metadata and an atomic save.</summary>
public interface IModelFile
{
    ModelMetadata Metadata { get; }
    void Save(string path, bool halfPrecision = false);
}

/// <summary>
/// A network with its front-end settings and readout, saved as one file: "EQTM", a JSON header, then the
/// named tensors as raw little-endian arrays. A self-describing format of our own (rather than
/// TorchSharp's state-dict files) so the header can be read without LibTorch and the calibration lives
/// in the same file as the weights. Saving is atomic (temp file + rename), so a killed run never
/// leaves a half-written model.
/// </summary>
public sealed class TempoModel : IModelFile, IDisposable
{
    private static readonly byte[] Magic = "EQTM"u8.ToArray();
    /// <summary>The JSON settings of model headers; run folders write their records with the same.</summary>
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, AllowOutOfOrderMetadataProperties = true };

    public TempoTcn Network { get; }
    public ModelMetadata Metadata { get; }

    public TempoModel(ModelMetadata? metadata = null, TempoTcn? network = null)
    {
        Metadata = metadata ?? new ModelMetadata();
        if (Metadata.Family is not null) throw WrongFamily(null, Metadata.Family);
        Metadata.FrontEnd.ValidatedFor(Metadata.Input);
        if (network is not null && network.MelBands != Metadata.Input.MelBands)
            throw new ModelFileException(null, $"the network folds {network.MelBands} mel bands but the model input has {Metadata.Input.MelBands}");
        Network = network ?? new TempoTcn(Metadata.Network, Metadata.Input.MelBands);
    }

    /// <summary>The front end this model was trained with (its input and spectral settings).</summary>
    public LogMelFrontEnd CreateFrontEnd() => new(Metadata.Input, Metadata.FrontEnd);

    /// <param name="path">Where to write; the file appears whole or not at all.</param>
    /// <param name="halfPrecision">Store float tensors as IEEE half (kind 2): half the size, for shipping.
    /// Loading always yields float32; the estimate changes by far less than the 4 % tolerance (tested).</param>
    public void Save(string path, bool halfPrecision = false) => SaveFile(path, Metadata, Network.state_dict(), halfPrecision);

    /// <summary>Writes a model file of any family: the header, then the named tensors; atomic.</summary>
    internal static void SaveFile(string path, ModelMetadata metadata, Dictionary<string, Tensor> state, bool halfPrecision)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var tmp = Path.Combine(dir, "." + Path.GetFileName(path) + $".{Environment.ProcessId}.tmp");
        // Written beside the target and renamed over it, so a failure never leaves a half-written model; the
        // temporary file goes too.
        try
        {
            Directory.CreateDirectory(dir);
            WriteTo(tmp, metadata, state, halfPrecision);
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e)
        {
            try { File.Delete(tmp); } catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
            if (e is IOException or UnauthorizedAccessException)
                throw new EquiTempoException(ErrorReason.InvalidSetting, path, $"cannot be written: {e.Message}");
            throw;
        }
    }

    private static void WriteTo(string tmp, ModelMetadata metadata, Dictionary<string, Tensor> state, bool halfPrecision)
    {
        using (var fs = File.Create(tmp))
        using (var w = new BinaryWriter(fs, Encoding.UTF8))
        {
            w.Write(Magic);
            var header = JsonSerializer.SerializeToUtf8Bytes(metadata, Json);
            w.Write(header.Length);
            w.Write(header);
            w.Write(state.Count);
            foreach (var (name, t) in state)
            {
                w.Write(name);
                w.Write((int)t.dim());
                foreach (var d in t.shape) w.Write(d);
                if (t.dtype == ScalarType.Int64)
                {
                    w.Write((byte)1);
                    foreach (var v in t.cpu().data<long>()) w.Write(v);
                }
                else
                {
                    w.Write((byte)(halfPrecision ? 2 : 0));
                    using var f = t.detach().cpu().to_type(ScalarType.Float32).contiguous();
                    var values = f.data<float>().ToArray();
                    if (halfPrecision)
                        foreach (var v in values) w.Write((Half)v);
                    else
                        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
                }
            }
        }
    }

    /// <summary>Reads only the JSON header (no LibTorch work).</summary>
    public static ModelMetadata ReadMetadata(string path)
    {
        using var fs = OpenChecked(path);
        return ReadMetadata(fs, path);
    }

    /// <summary>Reads only the JSON header from <paramref name="stream"/> (left open);
    /// <paramref name="name"/> names the source in error messages.</summary>
    public static ModelMetadata ReadMetadata(Stream stream, string name)
    {
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        return ReadHeader(r, name);
    }

    /// <summary>True when the file this model was loaded from stored its float tensors as half precision
    /// (so a re-save can keep the file's precision).</summary>
    public bool HalfPrecision { get; private set; }

    public static TempoModel Load(string path)
    {
        using var fs = OpenChecked(path);
        return Load(fs, path);
    }

    /// <summary>Reads a model from <paramref name="stream"/> (left open; read forwards only, so it need not
    /// seek). <paramref name="name"/> names the source in error messages: a file path, a resource name.</summary>
    public static TempoModel Load(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        var meta = ReadHeader(r, name);
        if (meta.Family is not null) throw WrongFamily(name, meta.Family);
        var model = new TempoModel(meta);
        try
        {
            var read = new HashSet<string>();
            model.HalfPrecision = ReadTensors(r, model.Network.state_dict(), name, read);
            // A header that promises a beat (or downbeat) head whose weights the file lacks would otherwise give a random one.
            if (model.Network.HasBeatHead && !read.Contains("beat.weight"))
                throw new ModelFileException(name, "its header has a beat head but the file holds no beat-head weights");
            if (model.Network.HasDownbeatHead && !read.Contains("downbeat.weight"))
                throw new ModelFileException(name, "its header has a downbeat head but the file holds no downbeat-head weights");
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            model.Dispose();
            throw new ModelFileException(name, $"model file is truncated or corrupt ({e.Message})", e);
        }
        catch { model.Dispose(); throw; }
        model.Network.eval();
        return model;
    }

    /// <returns>Whether any float tensor was stored as half precision.</returns>
    /// <param name="read">Collects the names of the tensors read, when given.</param>
    internal static bool ReadTensors(BinaryReader r, Dictionary<string, Tensor> state, string name, ISet<string>? read = null)
    {
        bool half = false;
        int count = r.ReadInt32();
        using var noGrad = no_grad();
        for (int i = 0; i < count; i++)
        {
            string tensorName = r.ReadString();
            int dims = r.ReadInt32();
            var shape = new long[dims];
            for (int d = 0; d < dims; d++) shape[d] = r.ReadInt64();
            long n = shape.Aggregate(1L, (a, b) => a * b);
            byte kind = r.ReadByte();
            if (!state.TryGetValue(tensorName, out var target))
                throw new ModelFileException(name, $"unknown tensor '{tensorName}' (model file from another network version?)");
            if (!target.shape.SequenceEqual(shape))
                throw new ModelFileException(name, $"tensor '{tensorName}' has shape [{string.Join(",", shape)}], network expects [{string.Join(",", target.shape)}]");
            read?.Add(tensorName);
            if (kind == 1)
            {
                var vals = new long[n];
                for (long k = 0; k < n; k++) vals[k] = r.ReadInt64();
                using var src = tensor(vals, shape);
                target.copy_(src);
            }
            else if (kind == 2)
            {
                half = true;
                var vals = new float[n];
                for (long k = 0; k < n; k++) vals[k] = (float)r.ReadHalf();
                using var src = tensor(vals, shape);
                target.copy_(src);
            }
            else if (kind != 0) throw new ModelFileException(name, $"tensor '{tensorName}' has unknown storage kind {kind}");
            else
            {
                var bytes = r.ReadBytes(checked((int)(n * 4)));
                if (bytes.Length != n * 4) throw new EndOfStreamException();
                var vals = new float[n];
                Buffer.BlockCopy(bytes, 0, vals, 0, bytes.Length);
                using var src = tensor(vals, shape);
                target.copy_(src);
            }
        }
        return half;
    }

    internal static FileStream OpenChecked(string path)
    {
        if (!File.Exists(path)) throw new ModelFileException(path, Directory.Exists(path) ? "is a folder, not a model file" : "model file not found");
        return File.OpenRead(path);
    }

    internal static ModelMetadata ReadHeader(BinaryReader r, string path)
    {
        try
        {
            var magic = r.ReadBytes(4);
            if (!magic.AsSpan().SequenceEqual(Magic)) throw new ModelFileException(path, "not an EquiTempo model file");
            int len = r.ReadInt32();
            if (len <= 0 || len > 16 << 20) throw new ModelFileException(path, "corrupt model header");
            var node = JsonNode.Parse(r.ReadBytes(len)) as JsonObject ?? throw new ModelFileException(path, "empty model header");
            int version = node["FormatVersion"]?.GetValue<int>() ?? 1;
            if (version > ModelMetadata.CurrentFormatVersion)
                throw new ModelFileException(path, $"format version {version} is newer than this library reads ({ModelMetadata.CurrentFormatVersion})");
            if (version == 1) UpgradeVersion1(node, path);
            var meta = node.Deserialize<ModelMetadata>(Json) ?? throw new ModelFileException(path, "empty model header");
            try { meta.FrontEnd.ValidatedFor(meta.Input); }
            catch (EquiTempoException e) when (e.Reason == ErrorReason.InvalidSetting) { throw new ModelFileException(path, e.Message, e); }
            if (meta.Network is { DownbeatHead: true, BeatHead: false })
                throw new ModelFileException(path, "its header has a downbeat head without the beat head it is trained beside");
            return meta;
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or InvalidOperationException or FormatException)
        {
            throw new ModelFileException(path, $"model file is truncated or corrupt ({e.Message})", e);
        }
    }

    /// <summary>Version 1 kept the rate, hop, bands and chunk length in the front-end settings and the bands
    /// a second time in the network's: they move into <see cref="ModelMetadata.Input"/>, once, and must agree.</summary>
    private static void UpgradeVersion1(JsonObject node, string path)
    {
        var fe = node["FrontEnd"] as JsonObject ?? new JsonObject();
        var net = node["Network"] as JsonObject ?? new JsonObject();
        var d = new ModelInput();
        int Take(JsonObject o, string name, int fallback)
        {
            int v = o[name]?.GetValue<int>() ?? fallback;
            o.Remove(name);
            return v;
        }
        var input = new ModelInput(Take(fe, "SampleRate", d.SampleRate), Take(fe, "ExcerptSamples", d.ChunkSamples),
            Take(fe, "HopLength", d.HopLength), Take(fe, "MelBands", d.MelBands));
        int netBands = Take(net, "MelBands", input.MelBands);
        if (netBands != input.MelBands)
            throw new ModelFileException(path, $"its network folds {netBands} mel bands but its front end makes {input.MelBands}");
        node["Input"] = JsonSerializer.SerializeToNode(input, Json);
        // The readout was one object with a nullable scale and a class-head flag.
        var readouts = new JsonArray();
        if (node["Readout"] is JsonObject old)
        {
            if (old["ClassHeadTrained"]?.GetValue<bool>() == true)
                readouts.Add(JsonSerializer.SerializeToNode<TempoReadout>(new ClassHeadReadout(old["ClassHeadSource"]?.GetValue<string>() ?? "unknown"), Json));
            if (old["Scale"]?.GetValue<double>() is double scale)
                readouts.Add(JsonSerializer.SerializeToNode<TempoReadout>(new ScaleReadout(scale, old["ScaleSource"]?.GetValue<string>() ?? "unknown"), Json));
        }
        node.Remove("Readout");
        node["Readouts"] = readouts;
        node["FormatVersion"] = ModelMetadata.CurrentFormatVersion;
    }

    /// <summary>Adds an untrained beat head to the network and records it in the metadata, so the file saves and
    /// loads it (a no-op when the model has one).</summary>
    public void AddBeatHead()
    {
        Network.AddBeatHead();
        Metadata.Network = Network.Config;
    }

    /// <summary>Adds an untrained downbeat head (and a beat head when it has none) to the network and records them in the
    /// metadata (a no-op when the model has one).</summary>
    public void AddDownbeatHead()
    {
        Network.AddDownbeatHead();
        Metadata.Network = Network.Config;
    }

    public void Dispose() => Network.Dispose();

    /// <summary>A file of another family given where the paper's network is needed (fine-tuning, a scale, compacting).</summary>
    private static ModelFileException WrongFamily(string? name, string family) =>
        new(name, $"is a {family} model; this step needs the paper's network (family tcn)");
}

/// <summary>A model file that is missing, corrupt, from another network version, or whose parts disagree.</summary>
public sealed class ModelFileException(string? path, string problem, Exception? inner = null)
    : EquiTempoException(ErrorReason.InvalidModel, path, problem, inner);
