using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace EquiTempo.Model;

/// <summary>
/// Settings of the log-tempo network (issue 12). Defaults: 3 conv layers of 16 channels, kernel 5 bins (a ±8.7 % context
/// at 24 bins an octave), and a Toeplitz layer spanning 72 bins (3 octaves) each side: a peak can be moved anywhere in
/// a 3-octave crop, which is what a learnt per-model offset or a choice between periodicity peaks needs. 1,857
/// parameters (7 kB): small enough that the tempogram, not the network, carries the tempo.
/// </summary>
public sealed record LogTempoNetworkConfig(int Channels = 16, int Layers = 3, int KernelSize = 5, int ToeplitzSpan = 72)
{
    public LogTempoNetworkConfig Validated()
    {
        if (Channels < 1 || Channels > 256) throw Bad(nameof(Channels), $"{Channels} must lie in 1–256");
        if (Layers < 1 || Layers > 16) throw Bad(nameof(Layers), $"{Layers} must lie in 1–16");
        if (KernelSize < 1 || KernelSize % 2 == 0 || KernelSize > 63) throw Bad(nameof(KernelSize), $"{KernelSize} must be odd, 1–63");
        if (ToeplitzSpan < 1 || ToeplitzSpan > 1024) throw Bad(nameof(ToeplitzSpan), $"{ToeplitzSpan} must lie in 1–1024");
        return this;
    }

    private static EquiTempoException Bad(string setting, string problem) => EquiTempoException.InvalidSetting($"log-tempo network {setting}", problem);
}

/// <summary>
/// Tempogram (N, rows, bins) → logits over the same log-tempo bins (N, bins). Every layer is a convolution along the
/// tempo axis with zero padding that keeps the length (the tempogram's rows, one per band and periodicity function, are
/// the input channels), and the last is a Toeplitz
/// layer: out[i] = Σ_j w[i − j]·h[j] + b, one weight per offset i − j (PESTO's shift-equivariant linear layer, here a
/// one-channel conv with kernel 2·span − 1). So shifting the input by s bins shifts the logits by s bins, away from the
/// edges: a time-stretch by α (a shift by log2(α)·bins-per-octave) moves the distribution by the same shift, by
/// construction, and training decides only its shape and where relative to the tempogram's peaks it lies.
/// </summary>
public sealed class LogTempoNetwork : nn.Module<Tensor, Tensor>
{
    public LogTempoNetworkConfig Config { get; }
    public int Bands { get; }
    private readonly ModuleList<Conv1d> convs = new();
    private readonly Conv1d toeplitz;

    public LogTempoNetwork(LogTempoNetworkConfig? config = null, int bands = 4) : base("LogTempoNetwork")
    {
        Config = (config ?? new LogTempoNetworkConfig()).Validated();
        if (bands < 1) throw EquiTempoException.InvalidSetting("log-tempo network bands", $"{bands} must be at least 1");
        Bands = bands;
        int c = Config.Channels, k = Config.KernelSize;
        for (int i = 0; i < Config.Layers; i++)
            convs.Add(nn.Conv1d(i == 0 ? bands : c, i == Config.Layers - 1 ? 1 : c, k, padding: k / 2));
        toeplitz = nn.Conv1d(1, 1, 2 * Config.ToeplitzSpan - 1, padding: Config.ToeplitzSpan - 1);
        RegisterComponents();
        // The Toeplitz layer starts as the identity (its centre weight 1): the first distributions are the softmax of the
        // conv stack's map, and training moves them from there instead of from a random smear.
        using var noGrad = no_grad();
        toeplitz.weight!.zero_();
        toeplitz.weight![0, 0, Config.ToeplitzSpan - 1] = tensor(1f);
        toeplitz.bias!.zero_();
    }

    /// <summary>Logits over the input's bins, (N, bins).</summary>
    public override Tensor forward(Tensor tempogram)
    {
        using var scope = NewDisposeScope();
        var h = tempogram;
        for (int i = 0; i < convs.Count; i++)
        {
            h = convs[i].forward(h);
            if (i < convs.Count - 1) h = TempoTcn.Elu(h);
        }
        return toeplitz.forward(h).squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>The softmax over log-tempo bins, (N, bins).</summary>
    public Tensor Distribution(Tensor tempogram)
    {
        using var logits = forward(tempogram);
        return F.softmax(logits, 1);
    }

    public long ParameterCount => parameters().Sum(p => p.numel());
}
