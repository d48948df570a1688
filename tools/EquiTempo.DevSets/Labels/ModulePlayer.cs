using System.Runtime.InteropServices;

namespace EquiTempo.DevSets;

/// <summary>
/// Time a module spent at one speed (ticks per row) and tempo, and how many rows started in it.
/// <see cref="LibOpenMptBpm"/> is libopenmpt's own beat estimate in that state, kept as a cross-check.
/// </summary>
public sealed record ModuleTimingState(int Speed, int Tempo, double Seconds, int RowsStarted, double LibOpenMptBpm)
{
    /// <summary>A tick lasts 2.5 / tempo seconds, a row <see cref="Speed"/> ticks: 24 × tempo / speed rows a minute.</summary>
    public double RowsPerMinute => Speed > 0 && Tempo > 0 ? 24.0 * Tempo / Speed : 0;
}

/// <summary>What one play of a (sub)song went through, as libopenmpt reported it while rendering.</summary>
public sealed record ModulePlayback(IReadOnlyList<ModuleTimingState> States, double PlayedSeconds, bool ReachedEnd);

/// <summary>
/// A tracker module (.mod .xm .s3m .it and the other formats libopenmpt reads) loaded into libopenmpt.
/// Playing it renders the audio and, in the same pass, samples the speed, tempo and row every few
/// milliseconds, so the timing follows the order list, jumps, loops and speed/tempo effects exactly
/// as they sound, with no pattern interpretation of our own.
/// </summary>
public sealed class ModulePlayer : IDisposable
{
    /// <summary>Time rendered between two looks at the playback state: shorter than any row (≥ 9.8 ms at speed 1, tempo 255), so no row start is missed.</summary>
    private const double SecondsPerStep = 0.005;

    private IntPtr _module;

    public string Path { get; }
    /// <summary>The format as libopenmpt names it: "mod", "xm", "s3m", "it", ...</summary>
    public string Format { get; }
    public string Title { get; }
    public int SubsongCount { get; }
    /// <summary>Rows per beat the file itself stores (the IT/MPTM pattern highlight), or null when it stores none.</summary>
    public int? FileRowsPerBeat { get; }

    private ModulePlayer(string path, IntPtr module, int? fileRowsPerBeat)
    {
        Path = path;
        _module = module;
        FileRowsPerBeat = fileRowsPerBeat;
        Format = LibOpenMpt.Metadata(module, "type");
        Title = LibOpenMpt.Metadata(module, "title");
        SubsongCount = Math.Max(1, LibOpenMpt.GetSubsongCount(module));
    }

    public static unsafe ModulePlayer Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: module file not found", path);
        byte[] data = File.ReadAllBytes(path);
        IntPtr module, message;
        int error;
        try
        {
            fixed (byte* p = data)
                module = LibOpenMpt.CreateFromMemory(p, (nuint)data.Length, LibOpenMpt.SilentLogFunction(), IntPtr.Zero,
                    IntPtr.Zero, IntPtr.Zero, out error, out message, IntPtr.Zero);
        }
        catch (DllNotFoundException e)
        {
            throw LibOpenMpt.Missing(e);
        }
        if (module == IntPtr.Zero)
        {
            string reason = message == IntPtr.Zero ? $"error {error}" : Marshal.PtrToStringUTF8(message) ?? $"error {error}";
            if (message != IntPtr.Zero) LibOpenMpt.FreeString(message);
            throw new InvalidDataException($"{path}: not a module libopenmpt can read ({reason})");
        }
        if (message != IntPtr.Zero) LibOpenMpt.FreeString(message);
        return new ModulePlayer(path, module, ItRowsPerBeat(data));
    }

    /// <summary>
    /// The minor pattern highlight of an Impulse Tracker (or OpenMPT MPTM) header, byte 0x1E: the
    /// rows a beat the composer saw while writing. Other formats have no such field. Values outside
    /// 1–32 are not a beat length anyone edits with and are treated as absent.
    /// </summary>
    internal static int? ItRowsPerBeat(ReadOnlySpan<byte> file)
    {
        if (file.Length < 0x20 || !file[..4].SequenceEqual("IMPM"u8)) return null;
        int rows = file[0x1E];
        return rows is >= 1 and <= 32 ? rows : null;
    }

    /// <summary>
    /// Plays <paramref name="subsong"/> once from its start, up to its end or <paramref name="maxSeconds"/>
    /// (modules that loop back forever end there), handing the mono audio to <paramref name="audio"/>.
    /// </summary>
    public unsafe ModulePlayback Play(int subsong, int sampleRate, double maxSeconds, Action<ReadOnlySpan<float>>? audio = null)
    {
        ObjectDisposedException.ThrowIf(_module == IntPtr.Zero, this);
        if (subsong < 0 || subsong >= SubsongCount) throw new ArgumentOutOfRangeException(nameof(subsong), $"{Path} has {SubsongCount} subsong(s)");
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate));
        if (LibOpenMpt.SelectSubsong(_module, subsong) == 0) throw new InvalidDataException($"{Path}: libopenmpt cannot select subsong {subsong}");
        LibOpenMpt.SetRepeatCount(_module, 0);

        var states = new Dictionary<(int Speed, int Tempo), (double Seconds, int Rows, double Bpm)>();
        var firstSeen = new List<(int Speed, int Tempo)>();
        var buffer = new float[Math.Max(1, (int)(sampleRate * SecondsPerStep))];
        long maxFrames = (long)(maxSeconds * sampleRate), frames = 0;
        (int Order, int Row) position = (LibOpenMpt.GetCurrentOrder(_module), LibOpenMpt.GetCurrentRow(_module));
        bool reachedEnd = false;
        while (frames < maxFrames)
        {
            int want = (int)Math.Min(buffer.Length, maxFrames - frames);
            int got;
            fixed (float* p = buffer) got = (int)LibOpenMpt.ReadFloatMono(_module, sampleRate, (nuint)want, p);
            if (got == 0) { reachedEnd = true; break; }
            frames += got;
            audio?.Invoke(buffer.AsSpan(0, got));
            var key = (LibOpenMpt.GetCurrentSpeed(_module), LibOpenMpt.GetCurrentTempo(_module));
            var now = (LibOpenMpt.GetCurrentOrder(_module), LibOpenMpt.GetCurrentRow(_module));
            if (!states.TryGetValue(key, out var state)) firstSeen.Add(key);
            states[key] = (state.Seconds + (double)got / sampleRate, state.Rows + (now != position ? 1 : 0),
                LibOpenMpt.GetCurrentEstimatedBpm(_module));
            position = now;
        }
        var timing = firstSeen.Select(k => new ModuleTimingState(k.Speed, k.Tempo, states[k].Seconds, states[k].Rows, states[k].Bpm)).ToList();
        return new ModulePlayback(timing, (double)frames / sampleRate, reachedEnd);
    }

    public void Dispose()
    {
        if (_module == IntPtr.Zero) return;
        LibOpenMpt.Destroy(_module);
        _module = IntPtr.Zero;
    }
}
