namespace EquiTempo.Audio;

/// <summary>
/// Opens audio inputs named by a path: regular files, and also named pipes (FIFOs), <c>/dev/stdin</c> and other
/// devices, which can only be read once, front to back (see <see cref="AudioSourceFactory.OpenStream"/>).
/// </summary>
internal static class AudioInput
{
    /// <summary>
    /// How long opening may wait for a FIFO's writer. Opening a FIFO for reading blocks until some process opens it
    /// for writing; in a pipeline (<c>producer &gt; f &amp; estimate f</c>) the writer opens at once, so 5 s is ample even
    /// on a loaded machine, while a FIFO nobody writes to would otherwise hang the caller for ever. Regular files
    /// open in microseconds and never come near it.
    /// </summary>
    internal static TimeSpan WriterWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Fails for a null, empty, missing or directory path without opening anything.</summary>
    public static void CheckPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0) throw new AudioFormatException(path, "empty path");
        if (Directory.Exists(path)) throw new AudioFormatException(path, "is a directory, not an audio file");
        if (!File.Exists(path)) throw new AudioFormatException(path, "file not found", new FileNotFoundException(null, path));
    }

    /// <summary>Opens <paramref name="path"/> for reading, waiting at most <see cref="WriterWait"/> (a FIFO without a writer).
    /// The stream is seekable for a regular file and not for a pipe or device.</summary>
    public static FileStream OpenRead(string path)
    {
        CheckPath(path);
        // The open itself is what blocks on a FIFO, so it runs on its own thread and is waited for with a bound.
        var opening = Task.Factory.StartNew(
            () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        bool opened;
        try
        {
            opened = opening.Wait(WriterWait);
        }
        catch (AggregateException e) when (e.InnerException is UnauthorizedAccessException)
        {
            throw new AudioFormatException(path, "cannot be read: permission denied", e.InnerException);
        }
        catch (AggregateException e) when (e.InnerException is IOException)
        {
            throw new AudioFormatException(path, $"cannot be read: {e.InnerException.Message}", e.InnerException);
        }
        if (opened) return opening.Result;
        Abandon(path, opening);
        throw new AudioFormatException(path, $"is a named pipe (FIFO) that no process opened for writing within {WriterWait.TotalSeconds:0.#} s: nothing to read");
    }

    /// <summary>Frees the thread blocked in the FIFO's open: opening the write end lets it return (at once, as a reader
    /// is waiting), and the reader it gets is closed. Where that is not allowed the reader is closed whenever a writer comes.</summary>
    private static void Abandon(string path, Task<FileStream> opening)
    {
        opening.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        var release = Task.Run(() =>
        {
            using var writer = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None);
        });
        try { release.Wait(TimeSpan.FromSeconds(1)); }
        catch (AggregateException) { } // not ours to write to: the reader stays parked until a writer appears
    }
}
