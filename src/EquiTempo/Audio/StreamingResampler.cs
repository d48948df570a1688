using System.Runtime.CompilerServices;

namespace EquiTempo.Audio;

/// <summary>
/// Push/pull form of the polyphase resampler, so long files can be converted block by block with
/// memory bounded by the block size. Output n sits exactly at input time n*M/L (zero-phase, no delay),
/// so concatenated streaming output equals <see cref="Resampler.Resample"/> on the whole signal.
/// Input before the start and after <see cref="Finish"/> is taken as silence.
/// </summary>
internal sealed class StreamingResampler
{
    private readonly PolyphaseFilterBank _bank;
    private float[] _buffer;
    private int _count;          // valid samples in _buffer
    private long _origin;        // absolute input index of _buffer[0]
    private long _inputCount;    // real input samples pushed so far
    private long _ip;            // integer part of the next output's input position
    private int _phase;          // fractional part of it, in 1/L input samples
    private long _produced;
    private long _totalOutput = -1; // known once finished

    public StreamingResampler(int fromRate, int toRate)
    {
        if (fromRate <= 0) throw new ArgumentOutOfRangeException(nameof(fromRate));
        if (toRate <= 0) throw new ArgumentOutOfRangeException(nameof(toRate));
        _bank = PolyphaseFilterBank.For(fromRate, toRate);
        _buffer = new float[Math.Max(4096, 4 * _bank.Taps)];
        // History of silence so the very first output has a full window.
        _origin = -(_bank.HalfTaps - 1);
        _count = _bank.HalfTaps - 1;
    }

    public bool IsFinished => _totalOutput >= 0;

    /// <summary>Number of outputs a complete input of <paramref name="inputLength"/> samples yields: ceil(n*L/M).</summary>
    public static long OutputLength(long inputLength, int fromRate, int toRate)
    {
        var (l, m) = PolyphaseFilterBank.Ratio(fromRate, toRate);
        return (inputLength * l + m - 1) / m;
    }

    public void Push(ReadOnlySpan<float> input)
    {
        if (IsFinished) throw new InvalidOperationException("Push after Finish.");
        Append(input);
        _inputCount += input.Length;
    }

    /// <summary>Marks the end of input; the remaining outputs become available to <see cref="Pull"/>.</summary>
    public void Finish()
    {
        if (IsFinished) return;
        Span<float> zeros = stackalloc float[256];
        zeros.Clear();
        for (int left = _bank.HalfTaps; left > 0; left -= zeros.Length)
            Append(zeros[..Math.Min(left, zeros.Length)]);
        _totalOutput = (_inputCount * _bank.L + _bank.M - 1) / _bank.M;
    }

    /// <summary>Writes as many outputs as the input so far determines; returns how many.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: skip the unoptimised first JIT tier
    public int Pull(Span<float> output)
    {
        int taps = _bank.Taps, half = _bank.HalfTaps, l = _bank.L, m = _bank.M;
        ReadOnlySpan<float> buffer = _buffer;
        long available = _origin + _count; // one past the last buffered index
        int n = 0;
        while (n < output.Length)
        {
            if (IsFinished ? _produced >= _totalOutput : _ip + half >= available) break;
            output[n++] = _bank.Evaluate(_phase, buffer.Slice((int)(_ip - half + 1 - _origin), taps));
            _produced++;
            _phase += m;
            if (_phase >= l)
            {
                _ip += _phase / l;
                _phase %= l;
            }
        }
        return n;
    }

    private void Append(ReadOnlySpan<float> input)
    {
        if (_count + input.Length > _buffer.Length)
        {
            // Drop what no future output can reach, then grow only if still needed.
            long keepFrom = Math.Min(_ip - _bank.HalfTaps + 1, _origin + _count);
            int drop = (int)Math.Max(0, keepFrom - _origin);
            if (drop > 0)
            {
                Array.Copy(_buffer, drop, _buffer, 0, _count - drop);
                _count -= drop;
                _origin += drop;
            }
            if (_count + input.Length > _buffer.Length)
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _count + input.Length));
        }
        input.CopyTo(_buffer.AsSpan(_count));
        _count += input.Length;
    }
}
