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

    /// <summary>Class probabilities (B, classes) without gradients; the model should be in eval mode.</summary>
    public Tensor Probabilities(Tensor x)
    {
        using var noGrad = no_grad();
        using var emb = _model.Embed(x);
        using var logits = _model.ClassLogitsFromEmbedding(emb);
        return nn.functional.softmax(logits, 1);
    }
}
