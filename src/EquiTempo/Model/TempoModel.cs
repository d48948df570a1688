using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EquiTempo.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace EquiTempo.Model;

/// <summary>How a model turns its output into BPM. Filled by the downstream routes (calibration, fine-tuning).</summary>
public sealed class TempoReadout
{
    /// <summary>BPM = Scale × z, when a scale factor was fitted (label-free or few-label calibration).</summary>
    public double? Scale { get; set; }
    /// <summary>How the scale was obtained (e.g. "rendered click tracks, no human labels").</summary>
    public string? ScaleSource { get; set; }
    /// <summary>True when the 300-class head was trained (fine-tuned route); then it is the preferred readout.</summary>
    public bool ClassHeadTrained { get; set; }
    public string? ClassHeadSource { get; set; }
}

/// <summary>Everything about a model file except its weights; stored as JSON inside the file.</summary>
public sealed class ModelMetadata
{
    public string Format { get; set; } = "equitempo-model";
    public int FormatVersion { get; set; } = 1;
    public TcnConfig Network { get; set; } = new();
    public LogMelConfig FrontEnd { get; set; } = new();
    public TempoReadout Readout { get; set; } = new();
    public DateTime CreatedUtc { get; set; } = DateTime.UtcNow;
    public string? Description { get; set; }
    /// <summary>Free-form training record (command, data, epochs, wall time, losses).</summary>
    public Dictionary<string, string> Training { get; set; } = new();
}

/// <summary>
/// A network with its front-end settings and readout, saved as one file: "EQTM", a JSON header, then the
/// named tensors as raw little-endian arrays. A self-describing format of our own (rather than
/// TorchSharp's state-dict files) so the header can be read without LibTorch and the calibration lives
/// in the same file as the weights. Saving is atomic (temp file + rename), so a killed run never
/// leaves a half-written model.
/// </summary>
public sealed class TempoModel : IDisposable
{
    private static readonly byte[] Magic = "EQTM"u8.ToArray();
    /// <summary>The JSON settings of model headers; run folders write their records with the same.</summary>
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public TempoTcn Network { get; }
    public ModelMetadata Metadata { get; }

    public TempoModel(ModelMetadata? metadata = null, TempoTcn? network = null)
    {
        Metadata = metadata ?? new ModelMetadata();
        Network = network ?? new TempoTcn(Metadata.Network);
    }

    /// <param name="halfPrecision">Store float tensors as IEEE half (kind 2): half the size, for shipping.
    /// Loading always yields float32; the estimate changes by far less than the 4 % tolerance (tested).</param>
    public void Save(string path, bool halfPrecision = false)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, "." + Path.GetFileName(path) + $".{Environment.ProcessId}.tmp");
        using (var fs = File.Create(tmp))
        using (var w = new BinaryWriter(fs, Encoding.UTF8))
        {
            w.Write(Magic);
            var header = JsonSerializer.SerializeToUtf8Bytes(Metadata, Json);
            w.Write(header.Length);
            w.Write(header);
            var state = Network.state_dict();
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
        File.Move(tmp, path, overwrite: true);
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
        var model = new TempoModel(meta);
        try
        {
            ReadTensors(r, model.Network.state_dict(), name);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            model.Dispose();
            throw new InvalidDataException($"{name}: model file is truncated or corrupt ({e.Message})", e);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.Network.eval();
        return model;
    }

    private static void ReadTensors(BinaryReader r, Dictionary<string, Tensor> state, string name)
    {
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
                throw new InvalidDataException($"{name}: unknown tensor '{tensorName}' (model file from another network version?)");
            if (!target.shape.SequenceEqual(shape))
                throw new InvalidDataException($"{name}: tensor '{tensorName}' has shape [{string.Join(",", shape)}], network expects [{string.Join(",", target.shape)}]");
            if (kind == 1)
            {
                var vals = new long[n];
                for (long k = 0; k < n; k++) vals[k] = r.ReadInt64();
                using var src = tensor(vals, shape);
                target.copy_(src);
            }
            else if (kind == 2)
            {
                var vals = new float[n];
                for (long k = 0; k < n; k++) vals[k] = (float)r.ReadHalf();
                using var src = tensor(vals, shape);
                target.copy_(src);
            }
            else if (kind != 0) throw new InvalidDataException($"{name}: tensor '{tensorName}' has unknown storage kind {kind}");
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
    }

    private static FileStream OpenChecked(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: model file not found", path);
        return File.OpenRead(path);
    }

    private static ModelMetadata ReadHeader(BinaryReader r, string path)
    {
        try
        {
            var magic = r.ReadBytes(4);
            if (!magic.AsSpan().SequenceEqual(Magic)) throw new InvalidDataException($"{path}: not an EquiTempo model file");
            int len = r.ReadInt32();
            if (len <= 0 || len > 16 << 20) throw new InvalidDataException($"{path}: corrupt model header");
            var json = r.ReadBytes(len);
            return JsonSerializer.Deserialize<ModelMetadata>(json, Json) ?? throw new InvalidDataException($"{path}: empty model header");
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException)
        {
            throw new InvalidDataException($"{path}: model file is truncated or corrupt ({e.Message})", e);
        }
    }

    public void Dispose() => Network.Dispose();
}
