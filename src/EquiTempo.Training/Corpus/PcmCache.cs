using System.Security.Cryptography;
using System.Text;
using EquiTempo.Audio;

namespace EquiTempo.Training.Corpus;

/// <summary>
/// Training corpus decoded once to mono 16-bit PCM at the model's rate, so each excerpt is a seek and
/// a read instead of a decoder start (an ffmpeg excerpt costs ~0.1 s; a cached one well under 1 ms).
/// Entries are keyed by path, size and modification time, written to a temp name and renamed, so a
/// killed run never leaves a half-written entry. 16-bit is ample: the front end's log floor is 1e-7.
/// </summary>
public sealed class PcmCache
{
    public string Directory { get; }
    public int SampleRate { get; }

    public PcmCache(string directory, int sampleRate = AudioDecoder.DefaultSampleRate)
    {
        Directory = directory;
        SampleRate = sampleRate;
        System.IO.Directory.CreateDirectory(directory);
    }

    public static string DefaultDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable("EQUITEMPO_CACHE") is { Length: > 0 } c ? c
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "equitempo"), "decoded");

    public string EntryPath(string audioPath)
    {
        var fi = new FileInfo(audioPath);
        var key = $"{fi.FullName}|{fi.Length}|{fi.LastWriteTimeUtc.Ticks}|{SampleRate}";
        var hash = Convert.ToHexString(SHA1.HashData(Encoding.UTF8.GetBytes(key)))[..20].ToLowerInvariant();
        return Path.Combine(Directory, $"{hash}.pcm16");
    }

    /// <summary>Decodes the file into the cache if needed; returns its length in samples.</summary>
    public long Ensure(string audioPath, CancellationToken ct = default)
    {
        var entry = EntryPath(audioPath);
        if (File.Exists(entry)) return new FileInfo(entry).Length / 2;
        var tmp = entry + $".{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
        long n = 0;
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var bytes = new byte[0];
                foreach (var block in AudioDecoder.ReadBlocks(audioPath, 30, SampleRate, ct))
                {
                    if (bytes.Length < block.Length * 2) bytes = new byte[block.Length * 2];
                    for (int i = 0; i < block.Length; i++)
                    {
                        short v = (short)Math.Clamp(MathF.Round(block[i] * 32767f), -32768, 32767);
                        bytes[2 * i] = (byte)v;
                        bytes[2 * i + 1] = (byte)(v >> 8);
                    }
                    fs.Write(bytes, 0, block.Length * 2);
                    n += block.Length;
                }
            }
            if (n == 0) throw new AudioFormatException(audioPath, "contains no audio samples");
            File.Move(tmp, entry, true);
        }
        finally { if (File.Exists(tmp)) File.Delete(tmp); }
        return n;
    }

    /// <summary>Reads <paramref name="count"/> samples from <paramref name="start"/>; past the end comes back as zeros.</summary>
    public float[] Read(string audioPath, long start, int count)
    {
        var y = new float[count];
        using var fs = new FileStream(EntryPath(audioPath), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long total = fs.Length / 2;
        if (start >= total) return y;
        int avail = (int)Math.Min(count, total - start);
        var bytes = new byte[avail * 2];
        fs.Seek(start * 2, SeekOrigin.Begin);
        fs.ReadExactly(bytes);
        for (int i = 0; i < avail; i++) y[i] = (short)(bytes[2 * i] | (bytes[2 * i + 1] << 8)) / 32768f;
        return y;
    }
}
