using System.Runtime.Intrinsics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
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
/// Waveform → log-mel spectrogram (framing by hand, LibTorch's FFT). Matches torchaudio's
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
    private readonly float[] _windowValues;

    public LogMelFrontEnd(ModelInput? input = null, LogMelConfig? config = null)
    {
        Input = input ?? new ModelInput();
        Config = (config ?? new LogMelConfig()).ValidatedFor(Input);
        _window = hann_window(Config.FftSize, periodic: true, dtype: float32);
        var fb = MelFilterbank(Input.SampleRate, Config.FftSize, Input.MelBands, Config.MinHz, Config.MaxHz);
        _melBasis = tensor(fb, new long[] { Config.FftSize / 2 + 1, Input.MelBands });
        _bands = new SparseBands(fb, Config.FftSize / 2 + 1, Input.MelBands);
        _windowValues = _window.data<float>().ToArray();
    }

    /// <summary>
    /// The filterbank as each band's run of non-zero weights. Why not the dense (1025 × 81) product: each
    /// frequency bin lies in at most two triangles, so 98 % of that product's 113 M multiply-adds per view
    /// are by zero.
    /// </summary>
    private sealed class SparseBands
    {
        public readonly int[] First;
        public readonly float[][] Weights;
        /// <summary>The bins any band reads: magnitudes outside [LowBin, HighBin) are never computed.</summary>
        public readonly int LowBin, HighBin;
        public SparseBands(float[] fb, int freqs, int bands)
        {
            First = new int[bands]; Weights = new float[bands][];
            LowBin = freqs; HighBin = 0;
            for (int m = 0; m < bands; m++)
            {
                int lo = 0, hi = -1;
                for (int k = 0; k < freqs; k++)
                    if (fb[k * bands + m] != 0) { if (hi < 0) lo = k; hi = k; }
                First[m] = lo;
                Weights[m] = new float[hi < 0 ? 0 : hi - lo + 1];
                for (int k = 0; k < Weights[m].Length; k++) Weights[m][k] = fb[(lo + k) * bands + m];
                if (Weights[m].Length > 0) { LowBin = Math.Min(LowBin, lo); HighBin = Math.Max(HighBin, hi + 1); }
            }
            if (HighBin <= LowBin) LowBin = HighBin = 0;
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
    /// <remarks>
    /// torch.stft's framing by hand, then LibTorch's FFT: on one thread, stft took 11–13 ms per 13.6 s view,
    /// of which the FFT itself was 1.8 ms (bench <c>front-stages</c>); the rest was padding, framing, the
    /// window and copies. Here the reflect-padded signal is cut into windowed frames in one pass, the FFT
    /// runs on them, and magnitude and mel are taken frame by frame from its output, only over the bins the
    /// filterbank reads. Same formula as torch.stft(center, reflect) → |·| → mel (tests compare the two).
    /// </remarks>
    private Tensor LogMelOfRow(Tensor row)
    {
        using var scope = NewDisposeScope();
        int n = (int)row.shape[1], nfft = Config.FftSize, hop = Input.HopLength, half = nfft / 2;
        int frames = 1 + n / hop, bins = half + 1, bands = Input.MelBands;
        using var contiguousRow = row.contiguous();
        var x = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(contiguousRow.bytes);
        var mel = empty(1, 1, bands, frames);
        var melValues = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(mel.bytes);
        // The view goes by blocks of 128 frames: framing, FFT, magnitudes (frame-major, only the bins the
        // filterbank reads), one transpose, then each band's weighted sum over the block's frames as whole
        // vectors. A dot product per frame and band cost 4 ms a view; the scalar transpose 3.6 ms.
        const int fftBlock = 128;
        int lo = _bands.LowBin, used = _bands.HighBin - _bands.LowBin;
        var padded = System.Buffers.ArrayPool<float>.Shared.Rent(n + nfft);
        try
        {
            // center=True with reflect padding: sample i of the padded signal is x[|i − half|], mirrored at the end.
            for (int i = 0; i < half; i++) padded[i] = x[half - i];
            x.CopyTo(padded.AsSpan(half, n));
            for (int i = 0; i < half; i++) padded[half + n + i] = x[n - 2 - i];
            int rowsPerBlock = Math.Min(fftBlock, frames);
            using var framed = empty(rowsPerBlock, nfft);
            using var mags = empty(rowsPerBlock, used);
            var framedValues = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(framed.bytes);
            var magValues = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(mags.bytes);
            Span<float> acc = stackalloc float[rowsPerBlock];
            for (int b0 = 0; b0 < frames; b0 += fftBlock)
            {
                int fb = Math.Min(fftBlock, frames - b0);
                for (int f = 0; f < fb; f++)
                    TensorPrimitives.Multiply(padded.AsSpan((b0 + f) * hop, nfft), _windowValues, framedValues.Slice(f * nfft, nfft));
                using var spec = fft.rfft(fb == rowsPerBlock ? framed : framed.narrow(0, 0, fb), dim: 1);   // (fb, bins) complex
                using var specReal = view_as_real(spec);
                var z = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(specReal.bytes);
                for (int f = 0; f < fb; f++)
                    Magnitudes(z.Slice(2 * (f * bins + lo), 2 * used), magValues.Slice(f * used, used));
                using var byBin = (fb == rowsPerBlock ? mags : mags.narrow(0, 0, fb)).t().contiguous();   // (used, fb)
                var binValues = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(byBin.bytes);
                var sum = acc[..fb];
                for (int m = 0; m < bands; m++)
                {
                    sum.Clear();
                    var w = _bands.Weights[m];
                    for (int k = 0; k < w.Length; k++)
                        TensorPrimitives.MultiplyAdd(binValues.Slice((_bands.First[m] - lo + k) * fb, fb), w[k], sum, sum);
                    sum.CopyTo(melValues.Slice(m * frames + b0, fb));
                }
            }
        }
        finally { System.Buffers.ArrayPool<float>.Shared.Return(padded); }
        TensorPrimitives.Add(melValues, (float)Config.LogOffset, melValues);
        TensorPrimitives.Log(melValues, melValues);
        return mel.MoveToOuterDisposeScope();
    }

    /// <summary>|z| of interleaved complex values (re, im, re, im, …).</summary>
    private static void Magnitudes(ReadOnlySpan<float> interleaved, Span<float> magnitude)
    {
        int k = 0;
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            ref float src = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(interleaved);
            ref float dst = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(magnitude);
            for (; k + 8 <= magnitude.Length; k += 8)
            {
                var a = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref src, (nuint)(2 * k));
                var b = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref src, (nuint)(2 * k + 8));
                // hadd gives (a01 a23 b01 b23 | a45 a67 b45 b67); the 64-bit permute puts the pairs in order.
                var sums = System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(a * a, b * b);
                var ordered = System.Runtime.Intrinsics.X86.Avx2.Permute4x64(sums.AsDouble(), 0b11_01_10_00).AsSingle();
                System.Runtime.Intrinsics.X86.Avx.Sqrt(ordered).StoreUnsafe(ref dst, (nuint)k);
            }
        }
        for (; k < magnitude.Length; k++)
        {
            float re = interleaved[2 * k], im = interleaved[2 * k + 1];
            magnitude[k] = MathF.Sqrt(re * re + im * im);
        }
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
