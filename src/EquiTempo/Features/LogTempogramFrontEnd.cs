using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace EquiTempo.Features;

/// <summary>Which periodicity function the log-tempo tempogram reads at each tempo.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TempogramKind>))]
public enum TempogramKind
{
    /// <summary>The unbiased autocorrelation of each band's novelty: peaks at the tempo and its sub-multiples (T/2, T/3, and
    /// 2T/3 where the pattern groups its pulses in threes).</summary>
    Autocorrelation,
    /// <summary>The magnitude of each band's Hann-windowed novelty at each tempo's frequency: peaks at the tempo and its
    /// multiples (2T, 3T).</summary>
    Fourier,
    /// <summary>Both, as separate channels (autocorrelation bands first): a periodicity both functions share is a tempo
    /// or an octave of it; one only the autocorrelation has (a ×2/3 grouping) is not, which is what the network can learn
    /// (Peeters 2007 multiplies the two for the same reason).</summary>
    Both,
}

/// <summary>
/// Settings of the log-tempo tempogram (issue 12), stored in a log-tempo model file. Defaults: 4 onset bands,
/// 24 bins an octave over 4 octaves from 30 BPM (30–480 BPM, 96 bins): a bin is 2.9 % wide, so the ±4 % band of Acc1
/// holds about three bins, and 4 octaves hold a tempo, its double, half and triple for every common tempo.
/// </summary>
/// <param name="Bands">Onset bands (the network's input channels): the mel bands split into this many contiguous groups of
/// equal mel width, so a kick and a hi-hat pattern keep separate periodicities.</param>
/// <param name="BinsPerOctave">Log-tempo resolution; a stretch by α is a shift by log2(α)·BinsPerOctave bins.</param>
/// <param name="MinBpm">Tempo of bin 0.</param>
/// <param name="Octaves">Range of the axis: Octaves × BinsPerOctave bins.</param>
/// <param name="SmoothFrames">Standard deviation (frames) of the Gaussian that smooths each novelty curve before the
/// autocorrelation: at 480 BPM the lag is 12.5 frames and neighbouring bins are 0.36 frames apart, so an unsmoothed
/// one-frame onset peak would fall between bins.</param>
/// <param name="Kind">The periodicity function(s) read at each tempo. Autocorrelation is the default because a model file
/// written before this setting existed holds an autocorrelation tempogram and says nothing.</param>
public sealed record LogTempogramConfig(int Bands = 4, int BinsPerOctave = 24, double MinBpm = 30, int Octaves = 4, double SmoothFrames = 1.5,
    TempogramKind Kind = TempogramKind.Autocorrelation)
{
    public int Bins => BinsPerOctave * Octaves;

    /// <summary>The network's input channels: one row per band and periodicity function.</summary>
    public int Channels => Kind == TempogramKind.Both ? 2 * Bands : Bands;

    /// <summary>The tempo at (fractional) bin <paramref name="bin"/>: MinBpm·2^(bin / BinsPerOctave).</summary>
    public double BpmAt(double bin) => MinBpm * Math.Pow(2, bin / BinsPerOctave);

    /// <summary>The (fractional) bin of <paramref name="bpm"/>.</summary>
    public double BinOf(double bpm) => Math.Log2(bpm / MinBpm) * BinsPerOctave;

    /// <summary>This record, or an <see cref="EquiTempoException"/> naming the first setting out of range, for a model input
    /// whose chunk must hold two periods of the slowest tempo and whose frame rate must resolve the fastest.</summary>
    public LogTempogramConfig ValidatedFor(ModelInput input)
    {
        if (Bands < 1 || Bands > input.MelBands) throw Bad(nameof(Bands), $"{Bands} must lie in 1–{input.MelBands} (the mel bands)");
        if (BinsPerOctave < 4 || BinsPerOctave > 96) throw Bad(nameof(BinsPerOctave), $"{BinsPerOctave} must lie in 4–96");
        if (Octaves < 1 || Octaves > 6) throw Bad(nameof(Octaves), $"{Octaves} must lie in 1–6");
        if (!(SmoothFrames >= 0 && SmoothFrames <= 10)) throw Bad(nameof(SmoothFrames), $"{SmoothFrames} must lie in 0–10 frames");
        if (!(MinBpm >= 10)) throw Bad(nameof(MinBpm), $"{MinBpm} must be at least 10 BPM");
        if (!Enum.IsDefined(Kind)) throw Bad(nameof(Kind), $"{(int)Kind} is not a tempogram kind");
        double maxLag = 60 * input.FramesPerSecond / MinBpm, minLag = 60 * input.FramesPerSecond / BpmAt(Bins - 1);
        if (2 * maxLag > input.ChunkFrames) throw Bad(nameof(MinBpm), $"{MinBpm} BPM: a {input.ChunkSeconds:F1} s chunk does not hold two of its periods");
        if (minLag < 2) throw Bad(nameof(Octaves), $"the fastest tempo ({BpmAt(Bins - 1):F0} BPM) is shorter than 2 frames at {input.FramesPerSecond:F0} frames/s");
        return this;
    }

    private static EquiTempoException Bad(string setting, string problem) => EquiTempoException.InvalidSetting($"log-tempogram {setting}", problem);
}

/// <summary>
/// Log-mel spectrogram → log-tempo tempogram, one row per onset band and periodicity function: (N, 1, mel bands, frames) →
/// (N, <see cref="LogTempogramConfig.Channels"/>, Bins).
/// Stages: spectral flux per mel band (the rise of log-mel from one frame to the next, half-wave rectified), averaged
/// within each band group; the mean removed and a Gaussian smoothing; the unbiased autocorrelation (sum over the
/// T − τ overlapping frames divided by T − τ), normalised to 1 at lag 0; read at the lag of each log-spaced tempo by
/// linear interpolation. Why these choices: a time-stretch by α turns novelty n(t) into n(αt), whose unbiased,
/// normalised autocorrelation is the original one at lag ατ, so the tempogram at log2(bpm) moves to log2(bpm) + log2 α:
/// a shift by log2(α)·BinsPerOctave bins (tested on click tracks); the biased estimate would also scale by (T − ατ)/(T − τ).
/// Gain and a fixed EQ add a constant to each log-mel band and vanish from the flux.
/// Departure from the DSP baseline: <see cref="Baselines.OnsetStrength"/> averages its flux over all bands at 22.05 kHz
/// and streams; here the bands stay apart (they are the network's channels) and the flux is taken from the model's own
/// log-mel (<see cref="LogMelFrontEnd"/>, 100 frames/s) in batches, as training needs. The autocorrelation is
/// <see cref="Baselines.AutocorrelationTempogram"/>'s idea on a log axis without its tempo prior (the model learns it).
/// The Fourier rows (<see cref="TempogramKind.Fourier"/>): the same smoothed novelty under a Hann window over the chunk,
/// its DFT evaluated at each bin's exact frequency (bpm / 60 cycles a second; a matrix product, not an FFT read by
/// interpolation, because the log-spaced bins fall between the FFT's), |X(f)| / Σw divided by the windowed RMS of the
/// novelty, so a sinusoidal novelty reads 1/√2 at its frequency whatever its level. A stretch by α moves its peaks by
/// log2(α)·BinsPerOctave bins too, but their width is fixed in Hz (about 1/chunk), so in bins it is wider at slow tempi:
/// equivariant in the peaks' places, not exactly in their shapes (the crops of training are still exact shifts).
/// Thread-safe: the band matrix, smoothing kernel and lag matrix are immutable.
/// </summary>
public sealed class LogTempogramFrontEnd : IDisposable
{
    public LogTempogramConfig Config { get; }
    public ModelInput Input { get; }
    private readonly Tensor _bandMatrix;   // (Bands, mel bands): the mean over each group
    private readonly Tensor? _smoothing;   // (1, 1, taps)
    private readonly Tensor _lagMatrix;    // (lags, Bins): linear interpolation at each tempo's lag
    private readonly int _lags;
    private readonly Lazy<(int Frames, Tensor Cos, Tensor Sin, Tensor Window)>? _fourier;   // for the model's chunk length
    private readonly Tensor _floor = tensor(1e-12f);

    public LogTempogramFrontEnd(ModelInput input, LogTempogramConfig? config = null)
    {
        Input = input.Validated();
        Config = (config ?? new LogTempogramConfig()).ValidatedFor(Input);
        int mels = Input.MelBands, bands = Config.Bands;
        var groups = new float[bands * mels];
        for (int b = 0; b < bands; b++)
        {
            int from = b * mels / bands, to = (b + 1) * mels / bands;
            for (int m = from; m < to; m++) groups[b * mels + m] = 1f / (to - from);
        }
        _bandMatrix = tensor(groups, new long[] { bands, mels });
        if (Config.SmoothFrames > 0)
        {
            int half = (int)Math.Ceiling(3 * Config.SmoothFrames);
            var g = Enumerable.Range(-half, 2 * half + 1).Select(i => Math.Exp(-0.5 * i * i / (Config.SmoothFrames * Config.SmoothFrames))).ToArray();
            double sum = g.Sum();
            _smoothing = tensor(g.Select(v => (float)(v / sum)).ToArray(), new long[] { 1, 1, g.Length });
        }
        double fps = Input.FramesPerSecond;
        _lags = (int)Math.Ceiling(60 * fps / Config.MinBpm) + 2;
        var m2 = new float[_lags * Config.Bins];
        for (int k = 0; k < Config.Bins; k++)
        {
            double lag = 60 * fps / Config.BpmAt(k);
            int lo = (int)Math.Floor(lag);
            double w = lag - lo;
            m2[lo * Config.Bins + k] = (float)(1 - w);
            m2[(lo + 1) * Config.Bins + k] = (float)w;
        }
        _lagMatrix = tensor(m2, new long[] { _lags, Config.Bins });
        if (Config.Kind != TempogramKind.Autocorrelation)
            _fourier = new(() =>
            {
                // Built on the first Forward, inside its dispose scope: detached, or the scope would free them with its temporaries.
                var (c, s, w) = FourierMatrices(Input.ChunkFrames - 1);
                return (Input.ChunkFrames - 1, c.DetachFromDisposeScope(), s.DetachFromDisposeScope(), w.DetachFromDisposeScope());
            });
    }

    /// <summary>(frames, Bins) cosine and sine of each bin's frequency at each frame, and the (frames) Hann window.</summary>
    private (Tensor Cos, Tensor Sin, Tensor Window) FourierMatrices(int frames)
    {
        double fps = Input.FramesPerSecond;
        var c = new float[frames * Config.Bins];
        var s = new float[frames * Config.Bins];
        var w = new float[frames];
        for (int t = 0; t < frames; t++)
        {
            w[t] = (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * (t + 0.5) / frames));
            for (int k = 0; k < Config.Bins; k++)
            {
                double phase = 2 * Math.PI * Config.BpmAt(k) / 60 / fps * t;
                c[t * Config.Bins + k] = (float)Math.Cos(phase);
                s[t * Config.Bins + k] = (float)Math.Sin(phase);
            }
        }
        return (tensor(c, new long[] { frames, Config.Bins }), tensor(s, new long[] { frames, Config.Bins }), tensor(w));
    }

    /// <summary>Log-mel (N, 1, mel bands, frames) → tempogram (N, Channels, Bins).</summary>
    public Tensor Forward(Tensor logMel)
    {
        using var scope = NewDisposeScope();
        var x = logMel.squeeze(1);                                                       // (N, M, T)
        long t = x.shape[2];
        // No op here takes a number where LibTorch wants a Scalar (relu, a complex abs, x·x, tensor − tensor, maximum with a tensor):
        // such temporaries can be freed by a GC during the call (see Model.HeldScalars), and Features does not depend on Model.
        var flux = (x[.., .., 1..] - x[.., .., ..(int)(t - 1)]).relu_();                    // (N, M, T-1)
        var bands = matmul(_bandMatrix, flux);                                            // (N, B, T-1)
        bands = bands - bands.mean(new long[] { 2 }, keepdim: true);
        long n = bands.shape[0], b = bands.shape[1], frames = bands.shape[2];
        if (_smoothing is not null)
            bands = nn.functional.conv1d(bands.reshape(n * b, 1, frames), _smoothing, padding: _smoothing.shape[2] / 2).reshape(n, b, frames);
        Tensor result = Config.Kind switch
        {
            TempogramKind.Autocorrelation => Autocorrelation(bands, frames),
            TempogramKind.Fourier => Fourier(bands, frames),
            _ => cat(new[] { Autocorrelation(bands, frames), Fourier(bands, frames) }, 1),
        };
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Novelty (N, B, frames) → (N, B, Bins) autocorrelation read at each tempo's lag.</summary>
    private Tensor Autocorrelation(Tensor bands, long frames)
    {
        long nfft = 1;
        while (nfft < 2 * frames) nfft <<= 1;
        var spec = fft.rfft(bands, nfft, dim: 2);
        var magnitude = spec.abs();
        var power = magnitude.mul(magnitude);   // not square(): TorchSharp passes it a temporary Scalar (eval crashed in pow)
        var acf = fft.irfft(power, nfft, dim: 2)[.., .., .._lags];                        // (N, B, lags)
        var overlap = tensor(Enumerable.Range(0, _lags).Select(lag => (float)Math.Max(1, frames - lag)).ToArray());   // T − τ frames overlap at lag τ
        acf = acf / overlap;
        acf = acf / maximum(acf[.., .., 0..1], _floor);                                     // silence: 0, not NaN
        return matmul(acf, _lagMatrix);                                                   // (N, B, Bins)
    }

    /// <summary>Novelty (N, B, frames) → (N, B, Bins) normalised DFT magnitude at each tempo's frequency.</summary>
    private Tensor Fourier(Tensor bands, long frames)
    {
        var (cos, sin, window) = frames == _fourier!.Value.Frames
            ? (_fourier.Value.Cos, _fourier.Value.Sin, _fourier.Value.Window)
            : FourierMatrices((int)frames);   // another length than the model's chunk (tests, short inputs): built for this call
        var windowed = bands * window;                                                    // (N, B, frames)
        var re = matmul(windowed, cos);
        var im = matmul(windowed, sin);
        var magnitude = (re.mul(re) + im.mul(im)).sqrt();
        var windowSum = window.sum();
        var rms = (windowed.mul(bands).sum(new long[] { 2 }, keepdim: true) / windowSum).sqrt();   // √(Σ w n² / Σ w)
        return magnitude / windowSum / maximum(rms, _floor);
    }

    public void Dispose()
    {
        _bandMatrix.Dispose();
        _smoothing?.Dispose();
        _lagMatrix.Dispose();
        _floor.Dispose();
        if (_fourier is { IsValueCreated: true })
        {
            _fourier.Value.Cos.Dispose();
            _fourier.Value.Sin.Dispose();
            _fourier.Value.Window.Dispose();
        }
    }
}
