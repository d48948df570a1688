using TorchSharp;
using static TorchSharp.torch;

namespace EquiTempo.Features;

/// <summary>Spectral settings of the front end; the rate, hop, bands and chunk length are the model's
/// <see cref="ModelInput"/>. Defaults are the paper's (Quinton 2022, reference code): STFT 2048, Hann,
/// magnitude, HTK mel bands from 30 Hz to 17 kHz, log(x + 1e-7).</summary>
public sealed record LogMelConfig(
    int FftSize = 2048,
    double MinHz = 30,
    double MaxHz = 17000,
    double LogOffset = 1e-7)
{
    /// <summary>The value a frame of digital silence takes: log(0 + offset).</summary>
    [System.Text.Json.Serialization.JsonIgnore] public float SilenceValue => (float)Math.Log(LogOffset);

    /// <summary>This record, or an <see cref="EquiTempoException"/> when it cannot serve <paramref name="input"/>.</summary>
    public LogMelConfig ValidatedFor(ModelInput input)
    {
        input.Validated();
        if (FftSize < input.HopLength || FftSize > 1 << 16)
            throw EquiTempoException.InvalidSetting("front end FftSize", $"{FftSize} must lie between the hop ({input.HopLength}) and 65,536");
        if (!(MinHz >= 0 && MinHz < MaxHz && MaxHz <= input.SampleRate / 2.0))
            throw EquiTempoException.InvalidSetting("front end MinHz/MaxHz", $"{MinHz}–{MaxHz} Hz must be an increasing range below Nyquist ({input.SampleRate / 2} Hz)");
        if (!(LogOffset > 0)) throw EquiTempoException.InvalidSetting("front end LogOffset", $"{LogOffset} must be positive");
        return this;
    }
}

/// <summary>How frequency maps to mel: HTK's 2595·log10(1 + f/700), or Slaney's linear-then-log scale (librosa's default).</summary>
public enum MelScale { Htk, Slaney }

/// <summary>
/// Waveform → log-mel spectrogram, computed with TorchSharp's STFT. Matches torchaudio's
/// Spectrogram(center=True, reflect padding, periodic Hann) + MelScale(HTK, no norm) + log(x + eps),
/// which is what the reference model was trained on, so weights and features stay interchangeable.
/// Thread-safe: the filterbank and window are immutable after construction.
/// </summary>
public sealed class LogMelFrontEnd : IDisposable
{
    public ModelInput Input { get; }
    public LogMelConfig Config { get; }
    private readonly Tensor _window;     // (n_fft)
    private readonly Tensor _melBasis;   // (n_freqs, n_mels)
    private readonly SparseBands _bands;

    public LogMelFrontEnd(ModelInput? input = null, LogMelConfig? config = null)
    {
        Input = input ?? new ModelInput();
        Config = (config ?? new LogMelConfig()).ValidatedFor(Input);
        _window = hann_window(Config.FftSize, periodic: true, dtype: float32);
        var fb = MelFilterbank(Input.SampleRate, Config.FftSize, Input.MelBands, Config.MinHz, Config.MaxHz);
        _melBasis = tensor(fb, new long[] { Config.FftSize / 2 + 1, Input.MelBands });
        _bands = new SparseBands(fb, Config.FftSize / 2 + 1, Input.MelBands);
    }

    /// <summary>
    /// The filterbank as each band's run of non-zero weights. Why not the dense (1025 × 81) product: each
    /// frequency bin lies in at most two triangles, so 98 % of that product's 113 M multiply-adds per view
    /// are by zero, and it was the front end's largest cost.
    /// </summary>
    private sealed class SparseBands
    {
        public readonly int[] First, Count;
        public readonly float[][] Weights;
        public SparseBands(float[] fb, int freqs, int bands)
        {
            First = new int[bands]; Count = new int[bands]; Weights = new float[bands][];
            for (int m = 0; m < bands; m++)
            {
                int lo = 0, hi = -1;
                for (int k = 0; k < freqs; k++)
                    if (fb[k * bands + m] != 0) { if (hi < 0) lo = k; hi = k; }
                First[m] = lo; Count[m] = hi < 0 ? 0 : hi - lo + 1;
                Weights[m] = new float[Count[m]];
                for (int k = 0; k < Count[m]; k++) Weights[m][k] = fb[(lo + k) * bands + m];
            }
        }

        /// <summary>magnitude (freqs, frames) → mel (bands, frames), both row-major.</summary>
        public void Apply(ReadOnlySpan<float> magnitude, Span<float> mel, int frames)
        {
            int vl = System.Numerics.Vector<float>.Count;
            for (int m = 0; m < First.Length; m++)
            {
                var dst = mel.Slice(m * frames, frames);
                dst.Clear();
                var w = Weights[m];
                for (int k = 0; k < w.Length; k++)
                {
                    var src = magnitude.Slice((First[m] + k) * frames, frames);
                    var wk = new System.Numerics.Vector<float>(w[k]);
                    int t = 0;
                    for (; t + vl <= frames; t += vl)
                        System.Numerics.Vector.FusedMultiplyAdd(wk, new System.Numerics.Vector<float>(src[t..]), new System.Numerics.Vector<float>(dst[t..])).CopyTo(dst[t..]);
                    for (; t < frames; t++) dst[t] = MathF.FusedMultiplyAdd(w[k], src[t], dst[t]);
                }
            }
        }
    }

    /// <summary>Triangular mel filterbank, (fftSize/2+1) × bands, row-major. The default is the construction of
    /// torchaudio.functional.melscale_fbanks with norm=None, mel_scale="htk"; <see cref="MelScale.Slaney"/> with
    /// <paramref name="areaNormalised"/> is librosa.filters.mel's default (Slaney scale, each triangle scaled to unit area
    /// over its Hz span).</summary>
    public static float[] MelFilterbank(int sampleRate, int fftSize, int bands, double minHz, double maxHz,
        MelScale scale = MelScale.Htk, bool areaNormalised = false)
    {
        int nFreqs = fftSize / 2 + 1;
        var freqs = new double[nFreqs];
        for (int k = 0; k < nFreqs; k++) freqs[k] = (double)(sampleRate / 2) * k / (nFreqs - 1);
        double mMin = HzToMel(minHz, scale), mMax = HzToMel(maxHz, scale);
        var fPts = new double[bands + 2];
        for (int i = 0; i < bands + 2; i++) fPts[i] = MelToHz(mMin + (mMax - mMin) * i / (bands + 1), scale);
        var fb = new float[nFreqs * bands];
        for (int k = 0; k < nFreqs; k++)
            for (int m = 0; m < bands; m++)
            {
                double down = (freqs[k] - fPts[m]) / (fPts[m + 1] - fPts[m]);
                double up = (fPts[m + 2] - freqs[k]) / (fPts[m + 2] - fPts[m + 1]);
                double gain = areaNormalised ? 2.0 / (fPts[m + 2] - fPts[m]) : 1.0;
                fb[k * bands + m] = (float)(gain * Math.Max(0, Math.Min(down, up)));
            }
        return fb;
    }

    public static double HzToMel(double hz) => 2595.0 * Math.Log10(1.0 + hz / 700.0);
    public static double MelToHz(double mel) => 700.0 * (Math.Pow(10.0, mel / 2595.0) - 1.0);

    // Slaney's Auditory Toolbox scale: linear (200/3 Hz per mel) up to 1 kHz, logarithmic above, 27 mels per factor 6.4.
    private const double SlaneyHzPerMel = 200.0 / 3, SlaneyLogStart = 1000.0 / SlaneyHzPerMel;
    private static readonly double SlaneyLogStep = Math.Log(6.4) / 27.0;

    public static double HzToMel(double hz, MelScale scale) =>
        scale == MelScale.Htk ? HzToMel(hz)
        : hz < 1000 ? hz / SlaneyHzPerMel : SlaneyLogStart + Math.Log(hz / 1000) / SlaneyLogStep;

    public static double MelToHz(double mel, MelScale scale) =>
        scale == MelScale.Htk ? MelToHz(mel)
        : mel < SlaneyLogStart ? mel * SlaneyHzPerMel : 1000 * Math.Exp(SlaneyLogStep * (mel - SlaneyLogStart));

    /// <summary>Centre frequency (Hz) of each mel band.</summary>
    public double[] BandCentresHz()
    {
        double mMin = HzToMel(Config.MinHz), mMax = HzToMel(Config.MaxHz);
        return Enumerable.Range(1, Input.MelBands).Select(i => MelToHz(mMin + (mMax - mMin) * i / (Input.MelBands + 1))).ToArray();
    }

    /// <summary>Waveforms (B, samples) or (samples) → log-mel (B, 1, bands, frames) or (1, bands, frames).</summary>
    public Tensor Forward(Tensor waveforms)
    {
        using var scope = NewDisposeScope();
        bool single = waveforms.dim() == 1;
        var x = single ? waveforms.unsqueeze(0) : waveforms;
        // Reflect padding needs more samples than half a window; shorter inputs are padded with zeros first.
        long minLen = Config.FftSize / 2 + 1;
        if (x.shape[1] < minLen) x = nn.functional.pad(x, new long[] { 0, minLen - x.shape[1] });
        // One waveform at a time: a 13.6 s view's STFT is ~11 MB, a batch's is gigabytes, and every
        // pass over it (framing, FFT, magnitude, mel) is memory-bound. Rows are independent, so the
        // result is the same; measured 4-5x faster for 64 views (bench quick-data).
        var rows = new Tensor[x.shape[0]];
        for (long b = 0; b < rows.Length; b++) rows[b] = LogMelOfRow(x.narrow(0, b, 1));
        var logMel = rows.Length == 1 ? rows[0] : cat(rows, 0);
        if (single) logMel = logMel.squeeze(0);
        return logMel.MoveToOuterDisposeScope();
    }

    /// <summary>(1, samples) → (1, 1, bands, frames).</summary>
    private Tensor LogMelOfRow(Tensor row)
    {
        using var scope = NewDisposeScope();
        var spec = stft(row, Config.FftSize, hop_length: Input.HopLength, win_length: Config.FftSize,
            window: _window, center: true, pad_mode: PaddingModes.Reflect, normalized: false,
            onesided: true, return_complex: true);        // (1, freqs, frames)
        // |z| as √(re² + im²): LibTorch's complex abs (a hypot per element) took longer than the rest of
        // the front end together (bench quick-data); magnitudes of audio spectra are far from overflow.
        var mag = (spec.real.square() + spec.imag.square()).sqrt_().contiguous();   // (1, freqs, frames)
        long frames = mag.shape[2];
        Tensor mel;
        if ((long)mag.shape[1] * frames * 4 < int.MaxValue)
        {
            mel = empty(1, Input.MelBands, frames);
            _bands.Apply(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(mag.bytes),
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(mel.bytes), (int)frames);
        }
        else mel = matmul(mag.transpose(1, 2), _melBasis).transpose(1, 2); // (1, bands, frames)
        return (mel + Config.LogOffset).log_().unsqueeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>Several mono waveforms, each cropped or zero-padded at the end to <paramref name="length"/> samples,
    /// as one batch → (N, 1, bands, frames).</summary>
    public Tensor Forward(IReadOnlyList<float[]> waveforms, int length)
    {
        var flat = new float[(long)waveforms.Count * length];
        for (int k = 0; k < waveforms.Count; k++)
            Array.Copy(waveforms[k], 0, flat, (long)k * length, Math.Min(length, waveforms[k].Length));
        using var t = tensor(flat, new long[] { waveforms.Count, length });
        return Forward(t);
    }

    /// <summary>Convenience: one mono waveform at <see cref="ModelInput.SampleRate"/> → (1, bands, frames).</summary>
    public Tensor Forward(float[] mono)
    {
        using var t = tensor(mono);
        return Forward(t);
    }

    public void Dispose()
    {
        _window.Dispose();
        _melBasis.Dispose();
    }
}
