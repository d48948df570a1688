using EquiTempo.Model;
using static TorchSharp.torch;

namespace EquiTempo.Training;

/// <summary>
/// One optimisation step of the tempo-class head's cross-entropy, in micro-batches with the same
/// BatchNorm treatment as <see cref="EquivariantStep"/> (whole-batch normalisation, trunk per micro-batch,
/// gradient pushed back through the normalisation at the end), so the gradient equals the full batch's.
/// With a frozen backbone only the head is in the graph.
/// </summary>
public sealed class TempoClassStep
{
    private readonly TempoTcn _model;
    private readonly bool _freeze;
    public int MicroBatch { get; }

    public TempoClassStep(TempoTcn model, bool freezeBackbone, int microBatch = 4)
    {
        _model = model;
        _freeze = freezeBackbone;
        MicroBatch = Math.Max(1, microBatch);
    }

    /// <summary>Tempo class of a BPM value: round(BPM), clamped to the head's classes (the paper's 0–299).</summary>
    public static long ClassOf(double bpm, int classes) => Math.Clamp((long)Math.Round(bpm), 1, classes - 1);

    /// <summary>
    /// Target distribution over the classes for a tempo: one-hot on round(BPM) when <paramref name="sigma"/> is 0,
    /// else a Gaussian in log tempo with that standard deviation, normalised over classes 1…classes−1.
    /// </summary>
    public static float[] Target(double bpm, int classes, double sigma)
    {
        var q = new float[classes];
        if (sigma <= 0) { q[ClassOf(bpm, classes)] = 1; return q; }
        double sum = 0;
        for (int c = 1; c < classes; c++) { double d = Math.Log(c / bpm) / sigma; sum += q[c] = (float)Math.Exp(-0.5 * d * d); }
        if (sum < 1e-12) { q[ClassOf(bpm, classes)] = 1; return q; }
        for (int c = 1; c < classes; c++) q[c] = (float)(q[c] / sum);
        return q;
    }

    private static Tensor CrossEntropySum(Tensor logits, Tensor targets) =>
        (targets * nn.functional.log_softmax(logits, 1)).sum().neg();

    /// <summary>Forward + backward on log-mel inputs (B, 1, bands, frames) with target distributions (B, classes)
    /// (see <see cref="Target"/>); returns the mean cross-entropy.</summary>
    public double ForwardBackward(Tensor x, Tensor targets)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        if (_freeze)
        {
            Tensor emb;
            using (no_grad()) emb = _model.Embed(x);
            var loss = CrossEntropySum(_model.ClassLogitsFromEmbedding(emb), targets).div(HeldScalars.Of(n));   // see HeldScalars
            loss.backward();
            return loss.item<float>();
        }
        return EquivariantStep.MicroBatchedBackward(_model, new[] { x }, MicroBatch, (views, s, len) =>
            CrossEntropySum(_model.ClassLogitsFromEmbedding(_model.EmbedNormalized(views[0])), targets.narrow(0, s, len)).div(HeldScalars.Of(n)));
    }

    /// <summary>A frame head's targets for one batch: (B, output frames) values in [0, 1], which rows have targets
    /// (<see cref="Mask"/> 1, the others 0: their rows are ignored) and the weight of the head's loss.</summary>
    public sealed record FrameTargets(Tensor Targets, float[] Mask, double Weight);

    /// <summary>
    /// The multi-task step: class cross-entropy + <see cref="FrameTargets.Weight"/> · each frame head's binary
    /// cross-entropy (a mean over an excerpt's frames, averaged over the excerpts its mask keeps): the beat head's and,
    /// when <paramref name="downbeats"/> are given, the downbeat head's. All heads read one pass of the trunk. Returns the
    /// mean total loss and each head's part (before its weight; 0 when no excerpt has its targets).
    /// </summary>
    public (double Loss, double BeatLoss, double DownbeatLoss) ForwardBackward(Tensor x, Tensor targets, FrameTargets beats, FrameTargets? downbeats = null)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        var heads = new List<(FrameTargets Targets, Func<Tensor, Tensor> Logits)> { (beats, _model.BeatLogitsFromFeatures) };
        if (downbeats is not null) heads.Add((downbeats, _model.DownbeatLogitsFromFeatures));
        var masks = heads.Select(h => tensor(h.Targets.Mask)).ToArray();
        var counts = heads.Select(h => (int)h.Targets.Mask.Sum()).ToArray();
        var sums = new double[2];
        double total = EquivariantStep.MicroBatchedBackward(_model, new[] { x }, MicroBatch, (views, s, len) =>
        {
            var features = _model.Features(views[0]);
            var loss = CrossEntropySum(_model.ClassLogitsFromEmbedding(_model.EmbeddingFromFeatures(features)), targets.narrow(0, s, len)).div(HeldScalars.Of(n));
            for (int h = 0; h < heads.Count; h++)
            {
                if (counts[h] == 0) continue;
                var bce = BeatCrossEntropySum(heads[h].Logits(features), heads[h].Targets.Targets.narrow(0, s, len), masks[h].narrow(0, s, len))
                    .div(HeldScalars.Of(counts[h]));
                sums[h] += bce.item<float>();
                loss = loss.add(bce, HeldScalars.Of(heads[h].Targets.Weight));
            }
            return loss;
        });
        return (total, sums[0], sums[1]);
    }

    /// <summary>Σ over excerpts (weighted by <paramref name="mask"/>) of the mean over frames of the binary cross-entropy.</summary>
    internal static Tensor BeatCrossEntropySum(Tensor logits, Tensor targets, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var perFrame = nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction: nn.Reduction.None);
        return perFrame.mean(new long[] { 1 }).mul(mask).sum().MoveToOuterDisposeScope();
    }

    /// <summary>Class probabilities, beat-head logits (B, frames) and, when the network has that head, downbeat-head
    /// logits (B, frames) from one pass, without gradients; eval mode.</summary>
    public (Tensor Probabilities, Tensor BeatLogits, Tensor? DownbeatLogits) ProbabilitiesAndBeats(Tensor x)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var features = _model.Features(_model.Normalize(x));
        var p = nn.functional.softmax(_model.ClassLogitsFromEmbedding(_model.EmbeddingFromFeatures(features)), 1);
        var downbeats = _model.HasDownbeatHead ? _model.DownbeatLogitsFromFeatures(features).MoveToOuterDisposeScope() : null;
        return (p.MoveToOuterDisposeScope(), _model.BeatLogitsFromFeatures(features).MoveToOuterDisposeScope(), downbeats);
    }

    /// <summary>Class probabilities (B, classes) without gradients; the model should be in eval mode.</summary>
    public Tensor Probabilities(Tensor x)
    {
        using var noGrad = no_grad();
        using var emb = _model.Embed(x);
        using var logits = _model.ClassLogitsFromEmbedding(emb);
        return nn.functional.softmax(logits, 1);
    }
}
