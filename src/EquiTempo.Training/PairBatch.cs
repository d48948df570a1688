using EquiTempo.Features;
using static TorchSharp.torch;
using EquiTempo.Training.Stretching;

namespace EquiTempo.Training;

/// <summary>A batch of view pairs as network inputs: log-mel (N, 1, bands, frames) for the i- and j-views.</summary>
public sealed class PairBatch : IDisposable
{
    public Tensor InputsI { get; }
    public Tensor InputsJ { get; }
    public Tensor RatesI { get; }
    public Tensor RatesJ { get; }
    public int Count => (int)RatesI.shape[0];

    private PairBatch(Tensor xi, Tensor xj, Tensor ai, Tensor aj) { InputsI = xi; InputsJ = xj; RatesI = ai; RatesJ = aj; }

    /// <summary>Runs the front end (and, in feature mode, the frame-domain stretch) on a list of pairs.</summary>
    /// <param name="excerptSamples">View length; in feature mode the source may be longer (filled views) and the stretched frames are cut to this length's frame count.</param>
    public static PairBatch Build(IReadOnlyList<ViewPair> pairs, LogMelFrontEnd frontEnd, StretchDomain domain, int excerptSamples)
    {
        using var scope = NewDisposeScope();
        int len = pairs[0].ViewI.Length;
        var ai = tensor(pairs.Select(p => p.RateI).ToArray());
        var aj = tensor(pairs.Select(p => p.RateJ).ToArray());
        Tensor xi, xj;
        if (domain == StretchDomain.Features)
        {
            var spec = frontEnd.Forward(pairs.Select(p => p.ViewI).ToList(), len);
            int frames = frontEnd.Input.FrameCount(excerptSamples);
            xi = FeatureTimeStretch.Stretch(spec, pairs.Select(p => (double)p.RateI).ToArray(), frames, frontEnd.Config.SilenceValue);
            xj = FeatureTimeStretch.Stretch(spec, pairs.Select(p => (double)p.RateJ).ToArray(), frames, frontEnd.Config.SilenceValue);
        }
        else
        {
            xi = frontEnd.Forward(pairs.Select(p => p.ViewI).ToList(), len);
            xj = frontEnd.Forward(pairs.Select(p => p.ViewJ).ToList(), len);
        }
        var batch = new PairBatch(xi.contiguous(), xj.contiguous(), ai, aj);
        batch.InputsI.MoveToOuterDisposeScope(); batch.InputsJ.MoveToOuterDisposeScope();
        ai.MoveToOuterDisposeScope(); aj.MoveToOuterDisposeScope();
        return batch;
    }

    public void Dispose()
    {
        InputsI.Dispose(); InputsJ.Dispose(); RatesI.Dispose(); RatesJ.Dispose();
    }
}
