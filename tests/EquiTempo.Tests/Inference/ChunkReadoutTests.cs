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
        Assert.Equal(80, r.Bpm2, 6);                      // the second peak, > 8 % away
        Assert.Equal(0.6 / (0.6 + 0.2), r.Salience, 6);
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
        Assert.Equal(100, r.Bpm2, 5);                      // 0.1 at 100 and at 200: the first found
        Assert.Equal(0.8, r.Confidence, 5);
        Assert.Equal(0.5 / (0.5 + 0.1), r.Salience, 5);   // the peak classes, unrefined
    }

    [Fact]
    public void ClassHead_ASecondPeakTooNear_IsNotASecondTempo()
    {
        var r = new ClassHeadChunkReadout(0.04).Summarise([Chunk(Classes((120, 0.7f), (125, 0.3f)))])!;
        Assert.True(Math.Abs(r.Bpm2 - 125) > 10);          // 125 is within 8 % of 120: not a second tempo
        Assert.Equal(1, r.Salience, 6);                     // nothing else has mass
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
        Assert.Equal(60, r.Bpm2);
        Assert.Equal(1, r.Salience);
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
    public void NoUsableChunk_GivesNoSummary()
    {
        Assert.Null(new ScaleChunkReadout(80, 0.04).Summarise([Chunk(null, -1f), Chunk(null, 2f, voiced: false)]));
        Assert.Null(new ClassHeadChunkReadout(0.04).Summarise([Chunk(Classes((120, 1f)), voiced: false)]));
        Assert.Null(new ClassHeadChunkReadout(0.04).Summarise([]));
    }
}
