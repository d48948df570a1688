using EquiTempo.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace EquiTempo.Training;

/// <summary>
/// One optimisation step of the self-supervised objective on a batch of view pairs, computed in
/// cache-sized micro-batches with gradient accumulation.
/// </summary>
/// <remarks>
/// Why micro-batches: the first conv stage of a 32-view batch holds ~220 MB per activation tensor, so on
/// a CPU every elementwise pass is memory-bound. Running the trunk on a few views at a time keeps those
/// tensors near cache size. The only cross-sample operation is the input BatchNorm, so it runs on the
/// whole group (as the reference does: one forward for all i-views, one for all j-views); its output is
/// detached, the trunk runs per micro-batch accumulating both parameter gradients and the gradient
/// w.r.t. the normalised input, and that gradient is finally pushed back through the BatchNorm. The
/// result equals the full-batch gradient up to float summation order.
/// </remarks>
public sealed class EquivariantStep
{
    private readonly TempoTcn _model;
    public int MicroBatchPairs { get; }

    public EquivariantStep(TempoTcn model, int microBatchPairs = 2)
    {
        _model = model;
        MicroBatchPairs = Math.Max(1, microBatchPairs);
    }

    /// <summary>Forward + backward for the pairs (xi[k], xj[k]) with rates (ai[k], aj[k]); gradients are
    /// accumulated into the model's parameters (caller zeroes them and steps the optimiser). Returns the mean loss.</summary>
    public double ForwardBackward(Tensor xi, Tensor xj, Tensor ai, Tensor aj)
    {
        long n = xi.shape[0];
        return MicroBatchedBackward(_model, new[] { xi, xj }, MicroBatchPairs, (views, s, len) =>
            EquivariantRatioLoss.Compute(_model.ScalarFromEmbedding(_model.EmbedNormalized(views[0])), _model.ScalarFromEmbedding(_model.EmbedNormalized(views[1])),
                ai.narrow(0, s, len), aj.narrow(0, s, len), sumInsteadOfMean: true).div(HeldScalars.Of(n)));
    }

    /// <summary>
    /// The micro-batching of the class remarks, for any loss: each input batch is normalised whole, the
    /// loss of each micro-batch (a sum over its samples, already divided by the batch size) is computed on
    /// slices of the detached normalised inputs and back-propagated, and the gradients gathered at the
    /// normalised inputs are finally pushed back through the normalisation. Returns the summed loss.
    /// </summary>
    internal static double MicroBatchedBackward(TempoTcn model, Tensor[] inputs, int microBatch, Func<Tensor[], long, long, Tensor> lossOf)
    {
        using var scope = NewDisposeScope();
        long n = inputs[0].shape[0];
        var normalized = inputs.Select(model.Normalize).ToArray();
        var detached = normalized.Select(t => t.detach().requires_grad_(true)).ToArray();
        double total = 0;
        for (long s = 0; s < n; s += microBatch)
        {
            using var inner = NewDisposeScope();
            long len = Math.Min(microBatch, n - s);
            var loss = lossOf(detached.Select(d => d.narrow(0, s, len)).ToArray(), s, len);
            loss.backward();
            total += loss.item<float>();
        }
        autograd.backward(normalized, detached.Select(d => d.grad!).ToArray());
        return total;
    }

    /// <summary>Loss without gradients (validation); model should be in eval mode.</summary>
    public double Evaluate(Tensor xi, Tensor xj, Tensor ai, Tensor aj)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long n = xi.shape[0];
        double total = 0;
        for (long s = 0; s < n; s += MicroBatchPairs * 4)
        {
            long len = Math.Min(MicroBatchPairs * 4, n - s);
            var zi = _model.forward(xi.narrow(0, s, len));
            var zj = _model.forward(xj.narrow(0, s, len));
            total += EquivariantRatioLoss.Compute(zi, zj, ai.narrow(0, s, len), aj.narrow(0, s, len), sumInsteadOfMean: true).item<float>();
        }
        return total / n;
    }
}
