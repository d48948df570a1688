using EquiTempo.Inference;
using EquiTempo.Model;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Inference;

[Collection(LibTorchRngCollection.Name)]
public class ChunkNetworkTests
{
    [Fact]
    public void OneOutputPerChunk_InOrder_WhateverTheBatch()
    {
        using var model = TestModels.Scaled(100, seed: 11);
        using var frontEnd = model.CreateFrontEnd();
        var x = TestSignals.ClickTrack(120, 35);
        var chunks = new SilenceGate(-70).Mark(Chunker.WithHop(model.Metadata.Input, null).Cut(x)).ToList();
        var one = new ChunkNetwork(model, frontEnd, 1).Run(chunks);
        var two = new ChunkNetwork(model, frontEnd, 2).Run(chunks);
        Assert.Equal(3, one.Count);
        Assert.Equal(chunks.Select(c => c.StartSeconds), one.Select(o => o.StartSeconds));
        Assert.Equal(chunks.Select(c => c.CentreSeconds), two.Select(o => o.CentreSeconds));
        Assert.All(one, o => Assert.True(o.Voiced));
        Assert.All(one, o => Assert.Null(o.ClassProbabilities));     // a scale-only model has no class head to read
        for (int k = 0; k < one.Count; k++) Assert.Equal(one[k].Z, two[k].Z, 1e-4f);
    }

    [Fact]
    public void WithAClassHead_GivesAProbabilityPerClass()
    {
        using var model = TestModels.Scaled(100, seed: 11);
        model.Metadata.SetReadout(new ClassHeadReadout("test"));
        using var frontEnd = model.CreateFrontEnd();
        var chunk = new AudioChunk(TestSignals.ClickTrack(120, 5), 0, model.Metadata.Input.SampleRate);
        var outputs = new ChunkNetwork(model, frontEnd, 8).Run([chunk, chunk with { Samples = new float[1000], Voiced = false }]);
        Assert.Equal([true, false], outputs.Select(o => o.Voiced));
        Assert.All(outputs, o => Assert.Equal(1, o.ClassProbabilities!.Sum(), 3));
    }

    [Fact]
    public void Cancelled_StopsBeforeTheNetwork()
    {
        using var model = TestModels.Scaled(100, seed: 11);
        using var frontEnd = model.CreateFrontEnd();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var chunk = new AudioChunk(new float[1000], 0, model.Metadata.Input.SampleRate);
        Assert.Throws<OperationCanceledException>(() => new ChunkNetwork(model, frontEnd, 1).Run([chunk], cts.Token));
    }
}
