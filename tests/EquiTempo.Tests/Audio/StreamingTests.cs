using EquiTempo.Audio;
using NAudio.Wave;
using static EquiTempo.Tests.Audio.AudioTestFiles;

namespace EquiTempo.Tests.Audio;

public class StreamingTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Writes a long 16-bit mono WAV in pieces, so the test itself never holds it whole.</summary>
    private string WriteLongWav(double seconds, int rate)
    {
        string path = _dir.File("long.wav");
        using var writer = new WaveFileWriter(path, new WaveFormat(rate, 16, 1));
        var chunk = new byte[rate * 2];
        long frames = (long)(seconds * rate);
        for (long done = 0; done < frames; done += rate)
        {
            int n = (int)Math.Min(rate, frames - done);
            for (int i = 0; i < n; i++)
            {
                // A click every second on top of a quiet tone, so blocks are distinguishable.
                short v = (short)((done + i) % rate == 0 ? 30000 : 3000 * Math.Sin(2 * Math.PI * 440 * (done + i) / rate));
                chunk[2 * i] = (byte)v;
                chunk[2 * i + 1] = (byte)(v >> 8);
            }
            writer.Write(chunk, 0, 2 * n);
        }
        return path;
    }

    [Fact]
    public void TenMinuteFileArrivesInBlocksOfTheRightLength()
    {
        string path = WriteLongWav(600, 8000);
        long total = 0;
        int count = 0;
        foreach (var block in AudioDecoder.ReadBlocks(path, 10, 8000))
        {
            Assert.Equal(80000, block.Length);
            Assert.Equal(30000f / 32768, block[0], 1e-6f); // each block starts on a click
            total += block.Length;
            count++;
        }
        Assert.Equal(60, count);
        Assert.Equal(600L * 8000, total);
    }

    [Fact]
    public void LongFileStreamsWithResampling()
    {
        string path = WriteLongWav(600, 8000);
        long total = 0;
        int blocks = 0;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        foreach (var block in AudioDecoder.ReadBlocks(path, 7, 11025))
        {
            total += block.Length;
            blocks++;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.Equal(StreamingResampler.OutputLength(600L * 8000, 8000, 11025), total);
        Assert.Equal((int)Math.Ceiling(600 * 11025 / (7.0 * 11025)), blocks);
        // The blocks handed out are 26 MB in all; decoding scratch must not add a copy of the file on top.
        Assert.True(allocated < total * 4 + 8_000_000, $"allocated {allocated / 1e6:F1} MB for {total * 4 / 1e6:F1} MB of blocks");
    }

    [Fact]
    public void LastBlockIsShorter()
    {
        string path = _dir.File("short.wav");
        WavWriter.WriteMono16(path, Sine(440, 8000, 2.5), 8000);
        var lengths = AudioDecoder.ReadBlocks(path, 1, 8000).Select(b => b.Length).ToList();
        Assert.Equal([8000, 8000, 4000], lengths);
    }

    [Fact]
    public void BlocksEqualTheWholeDecodeAcrossBlockBoundaries()
    {
        string path = _dir.File("stereo48.wav");
        WriteWav(path, MultiChannelSines(2, 48000, 3), 2, 48000, SampleType.S24);
        var whole = AudioDecoder.DecodeMono(path).Samples;
        var blocks = AudioDecoder.ReadBlocks(path, 0.25).SelectMany(b => b).ToArray();
        Assert.Equal(whole, blocks);
    }

    [Fact]
    public void BlocksAreDecodedLazilyAndTheFileIsClosedAfterwards()
    {
        string path = _dir.File("lazy.wav");
        WavWriter.WriteMono16(path, Sine(440, 8000, 3), 8000);
        var blocks = AudioDecoder.ReadBlocks(path, 1, 8000);
        using (var e = blocks.GetEnumerator())
        {
            Assert.True(e.MoveNext());
        }
        File.Delete(path); // would fail on Windows if still open; on Linux at least the enumerator must not throw later
        Assert.False(File.Exists(path));
    }
}
