using EquiTempo.Inference;
using EquiTempo.Model;

namespace EquiTempo.Tests.Inference;

public class ChunkReadoutTests
{
    private static float[] Classes(params (int Bpm, float P)[] mass)
    {
        var p = new float[300];
        foreach (var (bpm, m) in mass) p[bpm] = m;
        return p;
    }

    private static ChunkOutput Chunk(float[]? p, float z = 1, bool voiced = true) => new(0, 6.8, voiced, z, p);

    [Fact]
    public void ReadoutKind_FollowsTheStoredReadout()
    {
        Assert.IsType<ClassHeadChunkReadout>(ChunkReadout.For(new ClassHeadReadout("test"), 0.04));
        var scale = Assert.IsType<ScaleChunkReadout>(ChunkReadout.For(new ScaleReadout(80, "test"), 0.04));
        Assert.Equal(80, scale.Scale);
        Assert.Equal("class-head", ChunkReadout.For(new ClassHeadReadout("test"), 0.04).Kind);
        Assert.Equal("scale", scale.Kind);
    }

    [Fact]
    public void ClassHead_PeakedAt120_Gives120_WithTheMassWithinTolerance()
    {
        var p = Classes((119, 0.1f), (120, 0.6f), (121, 0.1f), (80, 0.2f));
        var silentElsewhere = Chunk(Classes((60, 1f)), voiced: false);
        var r = new ClassHeadChunkReadout(0.04).Summarise([Chunk(p), silentElsewhere, Chunk(p)])!;
        Assert.Equal(120, r.Bpm, 6);
        Assert.Equal(80, r.Bpm2, 6);                      // ×⅔, the only metrical relative with mass
        Assert.Equal(0.8 / (0.8 + 0.2), r.Salience, 6);   // the masses within ±4 % of each
        Assert.Equal(0.8, r.Confidence, 6);               // classes 115–125 (±4 % of 120, plus half a class)
        Assert.Equal(2, r.Chunks);
    }

    [Fact]
    public void ClassHead_RefinesBetweenClasses_AndAveragesTheChunks()
    {
        var a = Classes((120, 0.5f), (121, 0.3f), (200, 0.2f));
        var b = Classes((120, 0.5f), (121, 0.3f), (100, 0.2f));
        var readout = new ClassHeadChunkReadout(0.04);
        Assert.Equal((120 * 0.5 + 121 * 0.3) / 0.8, readout.PointBpm(Chunk(a)), 5);
        var r = readout.Summarise([Chunk(a), Chunk(b)])!;
        Assert.Equal((120 * 0.5 + 121 * 0.3) / 0.8, r.Bpm, 5);
        Assert.Equal(r.Bpm, r.Bpm2, 5);                    // 100 and 200 are ×⅚ and ×5/3: no metrical relative
        Assert.Equal(0.8, r.Confidence, 5);
        Assert.Equal(1, r.Salience, 5);
    }

    [Fact]
    public void ClassHead_ASecondPeakTooNear_IsNotASecondTempo()
    {
        var r = new ClassHeadChunkReadout(0.04).Summarise([Chunk(Classes((120, 0.7f), (125, 0.3f)))])!;
        Assert.Equal(r.Bpm, r.Bpm2, 6);                    // 125 is the peak's shoulder, no metrical relative
        Assert.Equal(1, r.Salience, 6);
    }

    [Fact]
    public void Scale_IsTheMedianOfScaleTimesZ_WithAgreementConfidence()
    {
        var readout = new ScaleChunkReadout(80, 0.04);
        var chunks = new[] { 1.5f, 1.5f, 1.5625f, 0.75f, -1f, float.NaN }.Select(z => Chunk(null, z))
            .Append(Chunk(null, 3f, voiced: false)).ToList();
        var r = readout.Summarise(chunks)!;
        Assert.Equal(120, r.Bpm);                           // median of 60, 120, 120, 125
        Assert.Equal(0.5, r.Confidence);                    // 125 lies 4.2 % away
        Assert.Equal(60, r.Bpm2);                           // the half, which one chunk of four gives
        Assert.Equal(0.5 / (0.5 + 0.25), r.Salience, 6);
        Assert.Equal(4, r.Chunks);                          // z ≤ 0, NaN and the silent chunk are not used
        Assert.Equal(96, readout.PointBpm(Chunk(null, 1.2f)), 4);
    }

    [Fact]
    public void Scale_BelowHundred_OffersTheDoubleAsSecondTempo()
    {
        var r = new ScaleChunkReadout(80, 0.04).Summarise([Chunk(null, 1f)])!;
        Assert.Equal(80, r.Bpm);
        Assert.Equal(160, r.Bpm2);
        Assert.Equal(1, r.Confidence);
    }

    [Fact]
    public void ClassHead_SecondTempo_IsTheStrongestMetricalRelative_NotTheShoulderOfThePeak()
    {
        // A broad peak at 85 (its shoulder at 79 is 7 % away), the half-bar at 170 and a weaker dotted level at 127.5.
        var p = Classes((79, 0.12f), (80, 0.1f), (84, 0.1f), (85, 0.3f), (86, 0.1f), (170, 0.18f), (128, 0.1f));
        var r = new ClassHeadChunkReadout(0.04).Summarise([Chunk(p)])!;
        Assert.Equal(85, r.Bpm, 0);
        Assert.Equal(170, r.Bpm2, 0);
        Assert.Equal(0.5 / (0.5 + 0.18), r.Salience, 2);   // ±4 % of 85 holds 84–86 (0.5); 79 and 80 lie outside it
    }

    [Theory]
    [InlineData(3.0)]
    [InlineData(1.0 / 3)]
    [InlineData(1.5)]
    [InlineData(2.0 / 3)]
    [InlineData(0.5)]
    public void ClassHead_FindsEachMetricalRatio(double ratio)
    {
        int second = (int)Math.Round(90 * ratio);
        var r = new ClassHeadChunkReadout(0.04).Summarise([Chunk(Classes((90, 0.6f), (second, 0.3f), (200, 0.1f)))])!;
        Assert.Equal(90, r.Bpm, 6);
        Assert.Equal(second, r.Bpm2, 6);
        Assert.Equal(0.6 / 0.9, r.Salience, 5);           // 200 (×2.2) is no relative, so it takes no share
    }

    [Fact]
    public void ClassHead_Range_RestrictsTheDistribution_AndTheSecondTempo()
    {
        var chunk = Chunk(Classes((60, 0.5f), (120, 0.3f), (180, 0.2f)));
        var r = new ClassHeadChunkReadout(0.04, new TempoRange(90, 200)).Summarise([chunk])!;
        Assert.Equal(120, r.Bpm, 6);                       // 60 lies below the range
        Assert.Equal(180, r.Bpm2, 6);                      // ×3/2; ½ (60) is out of range
        Assert.Equal(0.6, r.Confidence, 6);                // 0.3 of the 0.5 in range
        Assert.Equal(0.3 / 0.5, r.Salience, 6);
        Assert.Equal(120, new ClassHeadChunkReadout(0.04, new TempoRange(90, 200)).PointBpm(chunk), 6);
        Assert.Null(new ClassHeadChunkReadout(0.04, new TempoRange(250, 600)).Summarise([chunk]));   // no mass in range
    }

    [Fact]
    public void Scale_Range_FoldsEachChunkByOctaves()
    {
        var readout = new ScaleChunkReadout(100, 0.04, new TempoRange(70, 140));
        var r = readout.Summarise([Chunk(null, 0.5f), Chunk(null, 2f), Chunk(null, 1f), Chunk(null, 3f)])!;
        Assert.Equal(100, r.Bpm, 6);                       // 50 → 100, 200 → 100, 300 → 75
        Assert.Equal(0.75, r.Confidence, 6);
        Assert.InRange(r.Bpm2, 70, 140);
        Assert.Equal(75, readout.PointBpm(Chunk(null, 3f)), 6);
    }

    [Fact]
    public void NoUsableChunk_GivesNoSummary()
    {
        Assert.Null(new ScaleChunkReadout(80, 0.04).Summarise([Chunk(null, -1f), Chunk(null, 2f, voiced: false)]));
        Assert.Null(new ClassHeadChunkReadout(0.04).Summarise([Chunk(Classes((120, 1f)), voiced: false)]));
        Assert.Null(new ClassHeadChunkReadout(0.04).Summarise([]));
    }
}
