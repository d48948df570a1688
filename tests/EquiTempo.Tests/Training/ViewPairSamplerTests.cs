using EquiTempo.Audio;
using EquiTempo.Tests.Signals;
using EquiTempo.Training;
using EquiTempo.Training.Corpus;

namespace EquiTempo.Tests.Training;

public class ViewPairSamplerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-samp-{Guid.NewGuid():N}");
    private readonly string _wav;

    public ViewPairSamplerTests()
    {
        Directory.CreateDirectory(_dir);
        _wav = Path.Combine(_dir, "clicks.wav");
        // Clicks over a quiet tone: the music never falls to digital zero, so zeros can only be padding.
        var tone = TestSignals.Sine(220, 20, 44100, 0.05f);
        WavWriter.WriteMono16(_wav, TestSignals.ClickTrack(120, 20).Zip(tone, (a, b) => a + b).ToArray(), 44100);
    }

    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private static int SilentTail(float[] x)
    {
        int k = x.Length;
        while (k > 0 && x[k - 1] == 0) k--;
        return x.Length - k;
    }

    [Fact]
    public void PaperViews_HaveTheZeroPaddedTail_FilledViewsDoNot()
    {
        var cfg = new TrainingConfig { MinRate = 1.2, MaxRate = 1.2 };   // 5 s views, α = 1.2
        var file = new CorpusFile(_wav, 20);
        var paper = new ViewPairSampler(cfg, 220_500, 44100).Sample(file, new Random(1));
        Assert.Equal(220_500, paper.ViewI.Length);
        // (1 − 1/1.2) of the view is padding: ~36,750 samples of digital zero.
        Assert.InRange(SilentTail(paper.ViewI), 36_000, 40_000);

        var filled = new ViewPairSampler(cfg with { FillViewsFromSource = true }, 220_500, 44100).Sample(file, new Random(1));
        Assert.Equal(220_500, filled.ViewI.Length);
        Assert.True(SilentTail(filled.ViewI) < 100, $"a filled view ends in music, but has a silent tail of {SilentTail(filled.ViewI)} samples");
    }

    [Fact]
    public void Rates_AreDrawnFromTheConfiguredRange()
    {
        var s = new ViewPairSampler(new TrainingConfig(), 600_000, 44100);
        var rng = new Random(3);
        var rates = Enumerable.Range(0, 2000).Select(_ => s.DrawRate(rng)).ToArray();
        Assert.All(rates, r => Assert.InRange(r, 0.8f, 1.2f));
        Assert.True(rates.Min() < 0.81 && rates.Max() > 1.19);
    }

    [Fact]
    public void CachedAndDirectDecoding_GiveTheSameExcerpt()
    {
        var cache = new PcmCache(Path.Combine(_dir, "cache"));
        long n = cache.Ensure(_wav);
        Assert.Equal(20 * 44100, n);
        Assert.Equal(n, cache.Ensure(_wav));                     // second call reuses the entry
        var cfg = new TrainingConfig { MinRate = 1, MaxRate = 1 };
        var file = new CorpusFile(_wav, 20);
        var direct = new ViewPairSampler(cfg, 88_200, 44100).Sample(file, new Random(9));
        var cached = new ViewPairSampler(cfg, 88_200, 44100, cache).Sample(file, new Random(9));
        double maxDiff = direct.ViewI.Zip(cached.ViewI).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(maxDiff < 2.0 / 32768, $"16-bit cache differs by {maxDiff}");
        Assert.All(cache.Read(_wav, n - 10, 100).Skip(10), v => Assert.Equal(0f, v));   // past the end reads as zeros
    }
}

public class DeterministicSeedTests
{
    [Fact]
    public void Mix_IsTheSameInEveryProcess_AndSeparatesItsInputs()
    {
        // A literal, not a value computed in this process: HashCode.Combine would fail this in the next run.
        Assert.Equal(DeterministicSeed.Mix(0, 1, 2), DeterministicSeed.Mix(0, 1, 2));
        Assert.Equal(KnownMix, DeterministicSeed.Mix(7, 3, 64));
        Assert.NotEqual(DeterministicSeed.Mix(7, 3, 64), DeterministicSeed.Mix(7, 64, 3));
        Assert.NotEqual(DeterministicSeed.Mix(7, -1, 0), DeterministicSeed.Mix(7, 1, 0));
    }

    private const int KnownMix = 1_889_967_005;   // SplitMix64 steps over (7, 3, 64), computed independently in Python
}
