using EquiTempo.Features;
using EquiTempo.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace EquiTempo.Baselines;

/// <summary>
/// Spectral-flux onset strength (librosa's <c>onset_strength</c>): the mean over mel bands of the rise in
/// log power from one frame to the next, one value per STFT frame. Audio goes in block by block through
/// <see cref="Begin"/>, so a long file needs only its envelope in memory (43 values per second), never its
/// spectrogram. Thread-safe: the window and filterbank are immutable; each stream belongs to one caller.
/// </summary>
public sealed class OnsetStrength : IDisposable
{
    public OnsetStrengthConfig Config { get; }
    private readonly Tensor _window;     // (fft)
    private readonly Tensor _melBasis;   // (bands, freqs)

    public OnsetStrength(OnsetStrengthConfig? config = null)
    {
        Config = config ?? new OnsetStrengthConfig();
        Config.Validate();
        _window = hann_window(Config.FftSize, periodic: true, dtype: float32);
        var fb = LogMelFrontEnd.MelFilterbank(Config.SampleRate, Config.FftSize, Config.MelBands, Config.MinHz,
            Config.MaxHz ?? Config.SampleRate / 2.0, MelScale.Slaney, areaNormalised: true);
        using var basis = tensor(fb, new long[] { Config.FftSize / 2 + 1, Config.MelBands });
        _melBasis = basis.t().contiguous();
    }

    /// <summary>Envelope of a whole signal at <see cref="OnsetStrengthConfig.SampleRate"/>: 1 + samples / hop values.</summary>
    public float[] Compute(ReadOnlySpan<float> samples)
    {
        var stream = Begin();
        stream.Add(samples);
        return stream.Finish();
    }

    /// <summary>Starts an envelope to which consecutive blocks of one signal are added.</summary>
    public Stream Begin() => new(this);

    public void Dispose()
    {
        _window.Dispose();
        _melBasis.Dispose();
    }

    /// <summary>
    /// One signal's envelope, built as its blocks arrive. The result equals that of the whole signal at once,
    /// except that the top_db floor follows the loudest bin heard so far rather than the whole track's (which
    /// is unknown until the end); it matters only for bins that far below the music.
    /// </summary>
    public sealed class Stream
    {
        private readonly OnsetStrength _owner;
        private readonly OnsetStrengthConfig _cfg;
        private float[] _pending;          // samples of the zero-padded signal from the next frame's start on
        private int _pendingCount;
        private long _samples;
        // The last frames' dB (bands × _previousFrames, row-major), unfloored: Lag of them, or every frame so far
        // while fewer have been seen; flux then starts at frame Lag of the signal, as librosa's does.
        private float[] _previousDb = Array.Empty<float>();
        private int _previousFrames;
        private double _loudestDb = double.NegativeInfinity;
        private readonly List<float> _envelope = new();
        private bool _finished;

        internal Stream(OnsetStrength owner)
        {
            _owner = owner;
            _cfg = owner.Config;
            // The STFT is centred with zero padding, as librosa's: half a window of zeros before the first sample.
            _pending = new float[Math.Max(_cfg.FftSize * 2, 1 << 16)];
            _pendingCount = _cfg.FftSize / 2;
            // Flux at frame t compares t with t − Lag, and centring shifts frames by FftSize / (2 hop): librosa
            // pads the front with that many zeros so envelope frame t still describes audio time t·hop.
            for (int i = 0; i < _cfg.Lag + _cfg.FftSize / (2 * _cfg.HopLength); i++) _envelope.Add(0f);
        }

        public void Add(ReadOnlySpan<float> block)
        {
            if (_finished) throw new InvalidOperationException("the envelope is already finished");
            if (_pendingCount + block.Length > _pending.Length)
                Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _pendingCount + block.Length));
            block.CopyTo(_pending.AsSpan(_pendingCount));
            _pendingCount += block.Length;
            _samples += block.Length;
            ProcessWholeFrames();
        }

        /// <summary>The envelope: one value per frame of the centred STFT, 1 + samples / hop in all.</summary>
        public float[] Finish()
        {
            if (!_finished)
            {
                Add(new float[_cfg.FftSize / 2]);
                _samples -= _cfg.FftSize / 2;
                _finished = true;
            }
            long frames = 1 + _samples / _cfg.HopLength;
            var env = new float[frames];
            for (int i = 0; i < frames && i < _envelope.Count; i++) env[i] = _envelope[i];
            return env;
        }

        private void ProcessWholeFrames()
        {
            int fft = _cfg.FftSize, hop = _cfg.HopLength, bands = _cfg.MelBands, lag = _cfg.Lag;
            if (_pendingCount < fft) return;
            int frames = (_pendingCount - fft) / hop + 1;
            int used = (frames - 1) * hop + fft;
            using (var scope = NewDisposeScope())
            {
                var x = tensor(_pending.AsSpan(0, used).ToArray());
                var spec = stft(x, fft, hop_length: hop, win_length: fft, window: _owner._window, center: false,
                    normalized: false, onesided: true, return_complex: true);           // (freqs, frames)
                var magnitude = spec.abs();
                var power = magnitude * magnitude;   // not square(): see AutocorrelationTempogram.Analyse
                var db = matmul(_owner._melBasis, power).clamp_min_(HeldScalars.Of(_cfg.AminPower)).log10_().mul_(HeldScalars.Of(10.0));   // (bands, frames); HeldScalars: not numbers
                _loudestDb = Math.Max(_loudestDb, db.max().item<float>());
                var all = _previousFrames == 0 ? db : cat(new[] { tensor(_previousDb, new long[] { bands, _previousFrames }), db }, 1);
                using var floor = ((double)(float)(_loudestDb - _cfg.TopDb)).ToScalar();
                var floored = all.clamp_min(floor);
                var reference = floored;
                if (_cfg.MaxSize > 1)
                    reference = nn.functional.max_pool1d(floored.t().unsqueeze(1), _cfg.MaxSize, stride: 1, padding: _cfg.MaxSize / 2).squeeze(1).t();
                long columns = all.shape[1];
                if (columns > lag)
                {
                    var flux = (floored[.., lag..] - reference[.., ..(int)(columns - lag)]).clamp_min_(HeldScalars.Zero).mean(new long[] { 0 });
                    foreach (var v in flux.data<float>()) _envelope.Add(v < _cfg.GateDb ? 0f : v);
                }
                _previousFrames = (int)Math.Min(lag, columns);
                _previousDb = all[.., (int)(columns - _previousFrames)..].contiguous().data<float>().ToArray();
            }
            int consumed = frames * hop;
            Array.Copy(_pending, consumed, _pending, 0, _pendingCount - consumed);
            _pendingCount -= consumed;
        }
    }
}
