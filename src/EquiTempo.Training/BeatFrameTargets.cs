using EquiTempo.Features;
using EquiTempo.Model;

namespace EquiTempo.Training;

/// <summary>
/// A labelled track's beat times → the beat head's targets for one excerpt (its downbeat times → the downbeat head's,
/// the same way: one mapping and widening for both heads), one per output frame of the network
/// (<see cref="TempoTcn.Features"/>: the excerpt's frames − 4, output frame j at input frame j + 2, i.e. at
/// (j + 2) · hop samples into the excerpt). As Böck et al. (2019): 1 at the beat's frame, 0.5 at the frames either
/// side, so a beat a frame off costs less than one far off. A stretched excerpt (α: the view plays α times faster)
/// puts a beat at source time t at view time (t − start) / α.
/// </summary>
internal sealed class BeatFrameTargets
{
    private readonly int _hop, _sampleRate, _frames;

    public BeatFrameTargets(ModelInput input, int excerptSamples)
    {
        _hop = input.HopLength;
        _sampleRate = input.SampleRate;
        _frames = input.FrameCount(excerptSamples) - 2 * TempoTcn.FeatureFrameOffset;
    }

    /// <summary>Output frames an excerpt gives (the length of each target).</summary>
    public int Frames => _frames;

    /// <param name="beats">The track's beat (or downbeat) times in seconds.</param>
    /// <param name="startSample">Where the excerpt's source starts in the track (at the model rate).</param>
    /// <param name="alpha">The excerpt's stretch (1 = none).</param>
    public float[] For(IReadOnlyList<double> beats, long startSample, double alpha)
    {
        var target = new float[_frames];
        double start = (double)startSample / _sampleRate;
        foreach (var t in beats)
        {
            double viewSeconds = (t - start) / alpha;
            int j = (int)Math.Round(viewSeconds * _sampleRate / _hop) - TempoTcn.FeatureFrameOffset;
            if (j < -1 || j > _frames) continue;
            for (int d = -1; d <= 1; d++)
            {
                int k = j + d;
                if (k >= 0 && k < _frames) target[k] = Math.Max(target[k], d == 0 ? 1f : 0.5f);
            }
        }
        return target;
    }
}
