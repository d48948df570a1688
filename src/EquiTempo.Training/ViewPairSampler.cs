using EquiTempo.Audio;
using EquiTempo.Features;
using EquiTempo.Training.Stretching;
using EquiTempo.Training.Corpus;

namespace EquiTempo.Training;

/// <summary>One training example: two stretched views of the same excerpt and their rates.</summary>
public sealed record ViewPair(float[] ViewI, float[] ViewJ, float RateI, float RateJ, string Source);

/// <summary>
/// Draws a random 13.6 s excerpt of a file and makes two views stretched by independent rates
/// α ~ U(0.8, 1.2], each cropped or zero-padded at the end back to the excerpt length (the reference's
/// sampler). In waveform mode the views are waveforms; in feature mode the pair carries the unstretched
/// excerpt twice and the batch builder stretches the log-mel frames instead.
/// Thread-safe: all state is per call (the caller passes its own Random).
/// </summary>
public sealed class ViewPairSampler
{
    private readonly TrainingConfig _cfg;
    private readonly int _sampleRate;
    private readonly int _viewSamples;
    private readonly TimeStretcher _stretcher = new();
    private readonly PcmCache? _cache;

    /// <param name="viewSamples">Length of each view: the model input's chunk length.</param>
    /// <param name="sampleRate">The model input's rate.</param>
    /// <param name="cache">Where decoded files are kept; null decodes each excerpt from the file.</param>
    public ViewPairSampler(TrainingConfig config, int viewSamples, int sampleRate, PcmCache? cache = null)
    {
        _cfg = config;
        _viewSamples = viewSamples;
        _sampleRate = sampleRate;
        _cache = cache;
    }

    public float DrawRate(Random rng) => (float)(_cfg.MaxRate - (_cfg.MaxRate - _cfg.MinRate) * rng.NextDouble());

    /// <summary>Random excerpt start (seconds) leaving the end margin; 0 for files shorter than an excerpt.</summary>
    public double DrawStartSeconds(CorpusFile file, Random rng)
    {
        double excerpt = (double)(SourceLength(_cfg.MaxRate) + _cfg.EndMarginSamples) / _sampleRate;
        double room = file.DurationSeconds - excerpt;
        return room > 0 ? rng.NextDouble() * room : 0;
    }

    public ViewPair Sample(CorpusFile file, Random rng) => Sample(file, rng, DrawRate);

    /// <summary>As <see cref="Sample(CorpusFile, Random)"/> with the two rates drawn by <paramref name="drawRate"/> (after
    /// the start): the log-tempo objective draws rates whose shift on its tempo axis is a whole number of bins.</summary>
    public ViewPair Sample(CorpusFile file, Random rng, Func<Random, float> drawRate)
    {
        double start = DrawStartSeconds(file, rng);
        float ai = drawRate(rng), aj = drawRate(rng);
        int sourceLength = SourceLength(_cfg.MaxRate);   // one length for every pair, so feature-mode batches stack
        var excerpt = _cache is not null
            ? _cache.Read(file.Path, (long)(start * _sampleRate), sourceLength)
            : FitLength(AudioDecoder.DecodeMono(file.Path, _sampleRate, start, (double)sourceLength / _sampleRate).Samples, sourceLength);
        if (_cfg.Stretch == StretchDomain.Features)
            return new ViewPair(excerpt, excerpt, ai, aj, file.Path);
        var vi = _stretcher.Stretch(excerpt, ai, _sampleRate, _viewSamples);
        var vj = _stretcher.Stretch(excerpt, aj, _sampleRate, _viewSamples);
        return new ViewPair(vi, vj, ai, aj, file.Path);
    }

    /// <summary>Samples of source needed for a view at rate α: the excerpt, or excerpt × α (+ one WSOLA segment) when views are filled.</summary>
    public int SourceLength(double maxRate) =>
        _cfg.FillViewsFromSource ? (int)Math.Ceiling(_viewSamples * maxRate) + _sampleRate / 10 : _viewSamples;

    /// <summary>Crop or zero-pad at the end to exactly <paramref name="length"/> samples.</summary>
    public static float[] FitLength(float[] x, int length)
    {
        if (x.Length == length) return x;
        var y = new float[length];
        Array.Copy(x, y, Math.Min(length, x.Length));
        return y;
    }
}
