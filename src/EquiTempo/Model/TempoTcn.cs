using EquiTempo.Features;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace EquiTempo.Model;

/// <summary>Network settings; defaults are the paper's "TCN" (about 28k parameters with the 300-class head).
/// <see cref="BeatHead"/> adds the frame-wise beat head (<see cref="TempoTcn.BeatLogitsFromFeatures"/>), <see cref="DownbeatHead"/>
/// a downbeat head beside it (<see cref="TempoTcn.DownbeatLogitsFromFeatures"/>; only with a beat head, which it is trained
/// with); files written before either existed lack the setting and load without that head.</summary>
public sealed record TcnConfig(
    int Filters = 16,
    int KernelSize = 5,
    int Dilations = 10,
    double Dropout = 0.1,
    int EmbeddingSize = 16,
    int TempoClasses = 300,
    TcnInit Init = TcnInit.SignalPreserving,
    bool BeatHead = false,
    bool DownbeatHead = false);

/// <summary>How the weights start.</summary>
public enum TcnInit
{
    /// <summary>PyTorch's layer defaults, as the reference code had. Each residual block (with its 1×1
    /// residual conv) shrinks the input-dependent part of the signal about threefold while the biases
    /// add constants, so after 10 blocks z is almost the same for every input (measured: identical to
    /// 3 decimals) and the ratio loss has next to no gradient towards tempo: on 2 CPU cores, 200 steps
    /// on one fixed batch did not reduce it.</summary>
    PyTorchDefault,
    /// <summary>He-normal convs with zero biases, identity 1×1 residual convs, and the last conv of each
    /// residual branch at zero (Goyal et al. 2017; Fixup): the TCN starts as an identity over the front
    /// convs' features and each block's branch grows from there, so input differences reach z.</summary>
    SignalPreserving,
}

/// <summary>
/// The paper's TCN: BatchNorm2d(1) → three conv blocks that fold the 81 mel bands to one →
/// 10 dilated residual blocks → global average over time → dropout → Linear(16→16) (the embedding)
/// → ELU → Linear(16→1), the scalar z that self-supervision makes proportional to tempo.
/// A classifier head ELU → Linear(16→300) on the embedding serves the fine-tuned downstream route.
/// An optional beat head, Conv1d(filters→1, kernel 3, same) on the frame features before the time average,
/// gives a beat logit per frame (100 frames/s), trained with the class head (Böck et al. 2019's multi-task TCN); an optional
/// downbeat head of the same form beside it gives a downbeat logit per frame.
/// </summary>
/// <remarks>
/// Two forms of the same function, chosen for speed on CPU: ELU is applied after the
/// frequency max-pool rather than before it. ELU is strictly increasing, so max(ELU(a)) = ELU(max(a))
/// and the gradient reaches the same arg-max element: outputs and gradients are unchanged, but the
/// ELU and its backward touch a third of the elements. The first conv computes only the 78 bands that
/// the (3×1) pool keeps (PyTorch's floor mode drops band 78 of 79 anyway).
/// </remarks>
public sealed class TempoTcn : nn.Module<Tensor, Tensor>
{
    public TcnConfig Config { get; private set; }
    /// <summary>The mel bands the first convs fold to one (the model's <see cref="ModelInput.MelBands"/>).</summary>
    public int MelBands { get; }
    private readonly BatchNorm2d bn_input;
    private readonly Conv2d conv1, conv2, conv3;
    private readonly Dropout dropout;
    private readonly ModuleList<ResidualBlock> tcn;
    private readonly Dropout head_dropout;
    private readonly Linear dense;
    private readonly Linear output_reg;
    private readonly Linear output;
    private Conv1d? beat;
    private Conv1d? downbeat;

    public TempoTcn(TcnConfig? config = null, int melBands = 81) : base("TempoTcn")
    {
        Config = config ?? new TcnConfig();
        if (Config.DownbeatHead && !Config.BeatHead) throw EquiTempoException.InvalidSetting("downbeat head", "needs the beat head, beside which it is trained");
        if (melBands < ModelInput.MinMelBands) throw EquiTempoException.InvalidSetting("mel bands", $"{melBands} is below {ModelInput.MinMelBands}, which the network's convs need");
        MelBands = melBands;
        int f = Config.Filters;
        bn_input = nn.BatchNorm2d(1);
        conv1 = nn.Conv2d(1, f, (3, 3));
        conv2 = nn.Conv2d(f, f, (3, 3));
        conv3 = nn.Conv2d(f, f, (FoldedBands(melBands), 1));
        dropout = nn.Dropout(Config.Dropout);
        tcn = new ModuleList<ResidualBlock>();
        for (int i = 0; i < Config.Dilations; i++)
            tcn.Add(new ResidualBlock($"block{i}", f, f, Config.KernelSize, 1 << i, Config.Dropout));
        head_dropout = nn.Dropout(Config.Dropout);
        dense = nn.Linear(f, Config.EmbeddingSize);
        output_reg = nn.Linear(Config.EmbeddingSize, 1);
        output = nn.Linear(Config.EmbeddingSize, Config.TempoClasses);
        RegisterComponents();
        if (Config.Init == TcnInit.SignalPreserving) InitialiseSignalPreserving();
        // Drawn after every other weight, so that a network with the head starts from the same weights for the rest
        // as one without, and registered last, as AddBeatHead registers it (the parameter order a checkpoint's
        // optimiser state follows). The downbeat head comes after the beat head for the same reasons: a file with the
        // beat head alone keeps its order, and a network with both starts from the beat-only network's weights.
        if (Config.BeatHead) RegisterBeatHead();
        if (Config.DownbeatHead) RegisterDownbeatHead();
    }

    private void InitialiseSignalPreserving()
    {
        using var noGrad = no_grad();
        foreach (var conv in new[] { conv1, conv2, conv3 })
        {
            nn.init.kaiming_normal_(conv.weight, nonlinearity: nn.init.NonlinearityType.ReLU);
            conv.bias!.zero_();
        }
        foreach (var block in tcn) block.InitialiseSignalPreserving();
    }

    /// <summary>Kernel 3 (±10 ms): a beat is placed from its frame's neighbours, the trunk's dilated convs see the rest.</summary>
    private static Conv1d BeatConv(int filters) => nn.Conv1d(filters, 1, 3, padding: 1);

    /// <summary>Whether the network has the frame-wise beat head.</summary>
    public bool HasBeatHead => beat is not null;

    /// <summary>Whether the network has the frame-wise downbeat head (it then has the beat head too).</summary>
    public bool HasDownbeatHead => downbeat is not null;

    /// <summary>Adds an untrained beat head (for a model trained without one to learn it); no-op when it has one.</summary>
    public void AddBeatHead()
    {
        if (beat is not null) return;
        RegisterBeatHead();
        if (!training) beat!.eval();
        Config = Config with { BeatHead = true };
    }

    /// <summary>Adds an untrained downbeat head, and an untrained beat head first when the network has none (the
    /// downbeat head is only trained beside it); no-op when it has one.</summary>
    public void AddDownbeatHead()
    {
        if (downbeat is not null) return;
        AddBeatHead();
        RegisterDownbeatHead();
        if (!training) downbeat!.eval();
        Config = Config with { DownbeatHead = true };
    }

    private void RegisterBeatHead()
    {
        beat = BeatConv(Config.Filters);
        register_module(nameof(beat), beat);
    }

    private void RegisterDownbeatHead()
    {
        downbeat = BeatConv(Config.Filters);
        register_module(nameof(downbeat), downbeat);
    }

    /// <summary>Output frame j of <see cref="Features"/> describes input frame j + this: the two (3×3) convs are
    /// valid in time and lose one frame each side each.</summary>
    public const int FeatureFrameOffset = 2;

    /// <summary>Frame features (B, filters, frames) → beat logits (B, frames); the network must have a beat head.</summary>
    public Tensor BeatLogitsFromFeatures(Tensor features) => FrameLogits(beat, features, "beat");

    /// <summary>Frame features (B, filters, frames) → downbeat logits (B, frames); the network must have a downbeat head.</summary>
    public Tensor DownbeatLogitsFromFeatures(Tensor features) => FrameLogits(downbeat, features, "downbeat");

    private static Tensor FrameLogits(Conv1d? head, Tensor features, string what)
    {
        if (head is null) throw new InvalidOperationException($"the network has no {what} head");
        using var logits = head.forward(features);
        return logits.squeeze(1);
    }

    /// <summary>Compute the first two conv blocks in the reference code's order (ELU, then pool over all
    /// bands). Same function; kept to test that equality and to benchmark what the reordering buys.</summary>
    public bool ReferenceOrder { get; set; }

    /// <summary>Run each conv → pool → ELU stage and each residual block as one hand-written pass
    /// (<see cref="Kernels.FirstConvStage"/>, <see cref="Kernels.PooledConvStage"/>,
    /// <see cref="Kernels.ResidualBlockKernel"/>) where the CPU supports it; off gives LibTorch's ops, kept to
    /// test that equality and to benchmark it.</summary>
    public bool FusedStages
    {
        get => fusedStages;
        set { fusedStages = value; foreach (var block in tcn) block.Fused = value; }
    }
    private bool fusedStages = true;

    /// <summary>ELU with α, scale and input scale 1 as held Scalars, not the double overload (see <see cref="HeldScalars"/>).</summary>
    internal static Tensor Elu(Tensor x) => x.elu(HeldScalars.One, HeldScalars.One, HeldScalars.One);

    /// <summary>Bands left after conv(3)→pool(3)→conv(3)→pool(3): the height of the last conv kernel (8 for 81).</summary>
    public static int FoldedBands(int melBands) => ((melBands - 2) / 3 - 2) / 3;

    /// <summary>Input normalisation (BatchNorm2d over the batch in training mode). Split out so a trainer
    /// can normalise a whole batch and run the rest in micro-batches with identical gradients.</summary>
    public Tensor Normalize(Tensor x) => bn_input.forward(x);

    /// <summary>Normalised log-mel (B, 1, bands, frames) → frame features (B, filters, frames − 4).</summary>
    public Tensor Features(Tensor xn)
    {
        using var scope = NewDisposeScope();
        Tensor x;
        if (ReferenceOrder)
        {
            x = dropout.forward(F.max_pool2d(Elu(conv1.forward(xn)), new long[] { 3, 1 }));
            x = dropout.forward(F.max_pool2d(Elu(conv2.forward(x)), new long[] { 3, 1 }));
        }
        else
        {
            if (FusedStages && Kernels.FirstConvStage.Supports(xn, conv1.weight!, conv1.bias))
                x = Kernels.FirstConvStage.Apply(xn, conv1.weight!, conv1.bias!);
            else
            {
                long bands = xn.shape[2];
                long keep = (bands - 2) / 3 * 3;                   // conv1 rows that pool1 keeps
                x = Elu(F.max_pool2d(conv1.forward(xn.narrow(2, 0, keep + 2)), new long[] { 3, 1 }));
            }
            x = dropout.forward(x);
            if (FusedStages && Kernels.PooledConvStage.Supports(x, conv2.weight!, conv2.bias))
                x = Kernels.PooledConvStage.Apply(x, conv2.weight!, conv2.bias!);
            else
                x = Elu(F.max_pool2d(conv2.forward(x), new long[] { 3, 1 }));
            x = dropout.forward(x);
        }
        x = dropout.forward(Elu(conv3.forward(x)));
        x = x.squeeze(2);
        foreach (var block in tcn) x = block.forward(x);
        return Elu(x).MoveToOuterDisposeScope();
    }

    /// <summary>Normalised input → 16-d embedding: the Linear(16→16) output before its ELU.</summary>
    public Tensor EmbedNormalized(Tensor xn)
    {
        using var features = Features(xn);
        return EmbeddingFromFeatures(features);
    }

    /// <summary>Frame features (B, filters, frames) → the 16-d embedding (time average, dropout, Linear).</summary>
    public Tensor EmbeddingFromFeatures(Tensor features)
    {
        using var scope = NewDisposeScope();
        var pooled = features.mean(new long[] { 2 });
        return dense.forward(head_dropout.forward(pooled)).MoveToOuterDisposeScope();
    }

    public Tensor Embed(Tensor x) { using var xn = Normalize(x); return EmbedNormalized(xn); }

    /// <summary>Embedding → scalar z (B).</summary>
    public Tensor ScalarFromEmbedding(Tensor embedding)
    {
        using var a = Elu(embedding);
        using var z = output_reg.forward(a);
        return z.squeeze(1);
    }

    /// <summary>Embedding → tempo-class logits (B, 300).</summary>
    public Tensor ClassLogitsFromEmbedding(Tensor embedding)
    {
        using var a = Elu(embedding);
        return output.forward(a);
    }

    /// <summary>Log-mel (B, 1, bands, frames) → scalar z (B).</summary>
    public override Tensor forward(Tensor x)
    {
        using var e = Embed(x);
        return ScalarFromEmbedding(e);
    }

    /// <summary>Parameters of the self-supervised part (everything but the class head).</summary>
    public IEnumerable<Parameter> BackboneParameters() =>
        named_parameters().Where(p => !p.name.StartsWith("output.")).Select(p => p.parameter);

    public IEnumerable<Parameter> ClassHeadParameters() => output.parameters();

    public long ParameterCount(bool includeClassHead = true) =>
        named_parameters().Where(p => includeClassHead || !p.name.StartsWith("output.")).Sum(p => p.parameter.numel());
}

/// <summary>Dilated residual block: conv(k, dilation d, same) → ELU → spatial dropout → 1×1 conv,
/// plus a 1×1 conv of the input on the residual path (the reference "TCN" block).</summary>
public sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv1d conv;
    private readonly Dropout1d spatial_dropout;
    private readonly Conv1d conv1x1;
    private readonly Conv1d conv1x1_res;
    private readonly int dilation;
    private readonly double dropout;

    /// <summary>Use <see cref="Kernels.ResidualBlockKernel"/> where it serves (set through <see cref="TempoTcn.FusedStages"/>).</summary>
    internal bool Fused { get; set; } = true;

    public ResidualBlock(string name, int inChannels, int filters, int kernelSize, int dilation, double dropout) : base(name)
    {
        conv = nn.Conv1d(inChannels, filters, kernelSize, dilation: dilation, padding: (kernelSize - 1) * dilation / 2);
        spatial_dropout = nn.Dropout1d(dropout);
        conv1x1 = nn.Conv1d(filters, filters, 1);
        conv1x1_res = nn.Conv1d(inChannels, filters, 1);
        this.dilation = dilation;
        this.dropout = dropout;
        RegisterComponents();
    }

    internal void InitialiseSignalPreserving()
    {
        nn.init.kaiming_normal_(conv.weight, nonlinearity: nn.init.NonlinearityType.ReLU);
        conv.bias!.zero_();
        conv1x1.weight.zero_();
        conv1x1.bias!.zero_();
        conv1x1_res.weight.zero_();
        long c = Math.Min(conv1x1_res.weight.shape[0], conv1x1_res.weight.shape[1]);
        for (long i = 0; i < c; i++) conv1x1_res.weight[i, i, 0] = 1f;
        conv1x1_res.bias!.zero_();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        if (Fused && Kernels.ResidualBlockKernel.Supports(x, conv.weight!, conv.bias, conv1x1.weight!, conv1x1.bias, conv1x1_res.weight!, conv1x1_res.bias, dilation))
        {
            // Dropout1d's channel mask, drawn from LibTorch's RNG so that seeding works as for the module.
            Tensor? mask = training && dropout > 0 ? F.dropout(ones(x.shape[0], x.shape[1]), dropout, true) : null;
            return Kernels.ResidualBlockKernel.Apply(x, conv.weight!, conv.bias!, conv1x1.weight!, conv1x1.bias!, conv1x1_res.weight!, conv1x1_res.bias!,
                dilation, mask).MoveToOuterDisposeScope();
        }
        var y = conv1x1.forward(spatial_dropout.forward(TempoTcn.Elu(conv.forward(x))));
        return conv1x1_res.forward(x).add(y, HeldScalars.One).MoveToOuterDisposeScope();   // HeldScalars: not `+`
    }
}
