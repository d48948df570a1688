using EquiTempo.Model;
using static TorchSharp.torch;

namespace EquiTempo.Training;

/// <summary>
/// The element-wise mean of the weights of several model files of one architecture (e.g. a run's kept epochs,
/// <c>RUN/epochs/epoch-NNN.eqtm</c>): stochastic weight averaging over epochs (Izmailov et al. 2018) done after the run.
/// Epoch to epoch the equivariance figures of a self-supervised run move by more than the differences between
/// selection rules (README, "The paper-scale run"); the mean of the last epochs removes that noise instead of choosing
/// within it. Floating-point tensors (parameters and the input BatchNorm's running statistics, which average as well
/// as the weights since every epoch sees the same input distribution) are averaged in double precision; integer
/// buffers (the BatchNorm's batch count) are the last file's. The result carries the last file's metadata.
/// </summary>
public static class WeightAverage
{
    /// <summary>The mean model of <paramref name="modelPaths"/> (at least one); the caller disposes it.</summary>
    /// <exception cref="EquiTempoException">A file that is not a model, or whose network differs from the first's
    /// (settings, heads or tensor shapes), named.</exception>
    public static TempoModel Mean(IReadOnlyList<string> modelPaths)
    {
        if (modelPaths.Count == 0) throw new ArgumentException("no model files to average", nameof(modelPaths));
        var models = new List<TempoModel>();
        try
        {
            foreach (var path in modelPaths) models.Add(TempoModel.Load(path));
            var result = models[^1];
            var target = result.Network.state_dict();
            for (int i = 0; i < models.Count; i++)
            {
                if (models[i].Network.Config != result.Network.Config)
                    throw new EquiTempoException(ErrorReason.InvalidModel, modelPaths[i], $"its network ({models[i].Network.Config}) differs from {modelPaths[^1]}'s ({result.Network.Config}); only one architecture averages");
                var other = models[i].Network.state_dict();
                foreach (var (name, t) in target)
                    if (!other.TryGetValue(name, out var o) || !o.shape.SequenceEqual(t.shape))
                        throw new EquiTempoException(ErrorReason.InvalidModel, modelPaths[i], $"tensor '{name}' is missing or shaped differently from {modelPaths[^1]}'s");
            }
            using (no_grad())
            {
                var dicts = models.Select(m => m.Network.state_dict()).ToList();
                foreach (var (name, t) in target)
                {
                    if (!t.is_floating_point()) continue;
                    using var sum = zeros(t.shape, ScalarType.Float64);
                    foreach (var d in dicts)
                    {
                        using var x = d[name].to_type(ScalarType.Float64);
                        sum.add_(x);
                    }
                    using var mean = sum.div(models.Count).to_type(t.dtype);
                    t.copy_(mean);
                }
            }
            models.RemoveAt(models.Count - 1);
            return result;
        }
        finally
        {
            foreach (var m in models) m.Dispose();
        }
    }
}
