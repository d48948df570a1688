using EquiTempo.Features;
using EquiTempo.Inference;

namespace EquiTempo.Tests.Inference;

public class ChunkerTests
{
    private static readonly ModelInput Input = new(SampleRate: 8000, ChunkSamples: 1000, HopLength: 50, MelBands: 27);

    private static float[] Ramp(int n) => Enumerable.Range(0, n).Select(i => (float)i).ToArray();

    [Fact]
    public void NonOverlapping_CutsFullChunksAndAShorterLast_WithTheirStartTimes()
    {
        var chunks = Chunker.WithHop(Input, null).Cut(Ramp(2500)).ToList();
        Assert.Equal([1000, 1000, 500], chunks.Select(c => c.Samples.Length));
        Assert.Equal([0L, 1000, 2000], chunks.Select(c => c.StartSample));
        Assert.Equal([0, 0.125, 0.25], chunks.Select(c => c.StartSeconds));
        Assert.Equal((2000 + 250) / 8000.0, chunks[2].CentreSeconds);
        Assert.All(chunks, c => Assert.Equal(c.StartSample, (long)c.Samples[0]));
        Assert.All(chunks, c => Assert.True(c.Voiced));   // until the gate says otherwise
    }

    [Fact]
    public void OverlappingHop_StopsAtTheFirstChunkReachingTheEnd()
    {
        var chunker = Chunker.WithHop(Input, 0.05);   // 400 samples
        Assert.Equal(400, chunker.HopSamples);
        var chunks = chunker.Cut(Ramp(2500)).ToList();
        Assert.Equal([0L, 400, 800, 1200, 1600], chunks.Select(c => c.StartSample));
        Assert.Equal([1000, 1000, 1000, 1000, 900], chunks.Select(c => c.Samples.Length));
    }

    [Fact]
    public void ExactMultiple_HasNoEmptyTail_AndNoAudioHasNoChunks()
    {
        Assert.Equal(2, Chunker.WithHop(Input, null).Cut(Ramp(2000)).Count());
        Assert.Empty(Chunker.WithHop(Input, null).Cut([]));
        Assert.Single(Chunker.WithHop(Input, null).Cut(Ramp(1)));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(400)]
    [InlineData(999)]
    [InlineData(1500)]
    [InlineData(3000)]
    public void Stream_GivesTheChunksOfCut_WhateverTheBlockSizes(int hop)
    {
        var chunker = new Chunker(Input, hop);
        var rng = new Random(hop);
        foreach (int length in new[] { 0, 1, 999, 1000, 1001, 2000, 2500, 4321 })
        {
            var x = Ramp(length);
            var blocks = new List<float[]>();
            for (int at = 0; at < length;)
            {
                int size = Math.Min(length - at, rng.Next(1, 2600));
                blocks.Add(x[at..(at + size)]);
                at += size;
            }
            var whole = chunker.Cut(x).ToList();
            var streamed = chunker.Stream(blocks).ToList();
            Assert.Equal(whole.Select(c => c.StartSample), streamed.Select(c => c.StartSample));
            for (int k = 0; k < whole.Count; k++) Assert.Equal(whole[k].Samples, streamed[k].Samples);
        }
    }

    [Fact]
    public void Stream_HoldsOneChunk_AndIsLazy()
    {
        int pulled = 0;
        IEnumerable<float[]> Blocks()
        {
            for (int b = 0; b < 100; b++) { pulled++; yield return new float[1000]; }
        }
        using var e = Chunker.WithHop(Input, null).Stream(Blocks()).GetEnumerator();
        Assert.True(e.MoveNext());
        Assert.Equal(1, pulled);
    }
}
