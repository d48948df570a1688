using System.Diagnostics;

namespace EquiTempo.Audio;

/// <summary>
/// A child process (ffmpeg/ffprobe) whose stdout is read by the caller. Guards against the ways such a
/// child can hang us: stderr is drained on its own thread (a full stderr pipe would block the child),
/// a watchdog kills it when a read waits too long without data, cancellation kills it, and disposal
/// kills it if it is still running (e.g. an enumeration abandoned half-way). Given an input stream, a thread copies
/// it to the child's stdin; while that thread waits for the input's next bytes the child is not counted as hung
/// (a slow producer upstream is not ffmpeg's fault).
/// </summary>
internal sealed class ToolProcess : IDisposable
{
    private const int StderrLinesKept = 20;
    private readonly Process _process;
    private readonly Stream _stdout;
    private readonly Queue<string> _stderrTail = new();
    private readonly Timer _watchdog;
    private readonly CancellationTokenRegistration _cancelRegistration;
    private readonly TimeSpan _stallTimeout;
    private long _waitingSinceTicks; // 0 when not inside a read
    private long _inputWaitingSinceTicks; // 0 when the stdin copier is not waiting for input
    private volatile bool _killedByWatchdog;
    private bool _disposed;

    public ToolProcess(string executable, IEnumerable<string> arguments, TimeSpan stallTimeout, CancellationToken ct, Stream? input = null)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (string a in arguments) info.ArgumentList.Add(a);
        _stallTimeout = stallTimeout;
        _process = new Process { StartInfo = info };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderrTail)
            {
                _stderrTail.Enqueue(e.Data);
                if (_stderrTail.Count > StderrLinesKept) _stderrTail.Dequeue();
            }
        };
        _process.Start();
        if (input is null) _process.StandardInput.Close();
        else new Thread(() => CopyInput(input, _process.StandardInput.BaseStream)) { IsBackground = true, Name = "tool stdin" }.Start();
        _process.BeginErrorReadLine();
        _stdout = _process.StandardOutput.BaseStream;
        _watchdog = new Timer(_ => CheckStall(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        _cancelRegistration = ct.Register(Kill);
    }

    public bool TimedOut => _killedByWatchdog;

    /// <summary>Last lines the tool wrote to stderr, joined for an error message.</summary>
    public string StderrTail
    {
        get
        {
            lock (_stderrTail) return string.Join(" | ", _stderrTail).Trim();
        }
    }

    /// <summary>Reads stdout; returns 0 at end (or after a kill).</summary>
    public int Read(Span<byte> buffer)
    {
        Interlocked.Exchange(ref _waitingSinceTicks, Environment.TickCount64);
        try
        {
            return _stdout.Read(buffer);
        }
        catch (IOException)
        {
            return 0; // pipe broken because the process was killed
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        finally
        {
            Interlocked.Exchange(ref _waitingSinceTicks, 0);
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns bytes read.</summary>
    public int ReadFully(Span<byte> buffer)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int n = Read(buffer[got..]);
            if (n <= 0) break;
            got += n;
        }
        return got;
    }

    /// <summary>Waits for the exit after stdout ended; returns the exit code (or -1 if it would not exit).</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            return -1;
        }
        _process.WaitForExit(); // lets the async stderr reader finish
        return _process.ExitCode;
    }

    /// <summary>Feeds the child's stdin until the input ends or the child stops reading; then closes both.</summary>
    private void CopyInput(Stream input, Stream stdin)
    {
        var buffer = new byte[1 << 16];
        try
        {
            while (true)
            {
                Interlocked.Exchange(ref _inputWaitingSinceTicks, Environment.TickCount64);
                int n = input.Read(buffer);
                Interlocked.Exchange(ref _inputWaitingSinceTicks, 0);
                if (n <= 0) break;
                stdin.Write(buffer, 0, n);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // the child exited (it has read all it wants) or we were disposed
        }
        finally
        {
            Interlocked.Exchange(ref _inputWaitingSinceTicks, 0);
            try { stdin.Dispose(); } catch (IOException) { }
            input.Dispose();
        }
    }

    private void CheckStall()
    {
        long since = Interlocked.Read(ref _waitingSinceTicks);
        if (Interlocked.Read(ref _inputWaitingSinceTicks) != 0) return; // waiting for the producer, not for the child
        if (since != 0 && Environment.TickCount64 - since > _stallTimeout.TotalMilliseconds)
        {
            _killedByWatchdog = true;
            Kill();
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { } // already gone
        catch (System.ComponentModel.Win32Exception) { }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _cancelRegistration.Dispose();
        _watchdog.Dispose();
        Kill();
        try { _process.WaitForExit(2000); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
