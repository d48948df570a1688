namespace EquiTempo.Tests.Batch;

/// <summary>TempoBatch hands results over in input order as soon as they can be, failures in their place.</summary>
public class TempoBatchTests
{
    /// <summary>A method whose answer is known by construction: the BPM is in the name ("120", "slow-90"); "bad"
    /// fails as an unreadable file would; "bug" throws what a defect would. A "slow-" input waits until a "release-"
    /// input has been estimated, so the later input is sure to finish first.</summary>
    private sealed class NamedTempo : ITempoMethod
    {
        private readonly ManualResetEventSlim _release = new();
        public List<string> FinishOrder { get; } = new();
        public string Name => "named";
        public TempoEstimate Estimate(string path, bool localCurve = false, CancellationToken ct = default)
        {
            if (path == "bad") throw new EquiTempoException(ErrorReason.Audio, path, "cannot be decoded");
            if (path == "bug") throw new InvalidOperationException("a defect");
            if (path.StartsWith("slow-")) _release.Wait(ct);
            double bpm = double.Parse(path.Split('-')[^1], System.Globalization.CultureInfo.InvariantCulture);
            lock (FinishOrder) FinishOrder.Add(path);
            if (path.StartsWith("release-")) _release.Set();
            return new TempoEstimate(path, bpm, bpm / 2, 0.6, 0.9, 10, 1, "test");
        }
        /// <summary>A stream holds its spec as text ("120"); the estimate is named as the input is.</summary>
        public TempoEstimate Estimate(Stream audio, string name, bool localCurve = false, CancellationToken ct = default) =>
            Estimate(new StreamReader(audio).ReadToEnd(), localCurve, ct) with { File = name };
        public TempoEstimate Estimate(float[] samples, int sampleRate, bool localCurve = false, string? name = null, CancellationToken ct = default) =>
            throw new NotSupportedException();
        public void Dispose() { }
    }

    [Fact]
    public void AStreamInput_IsOpenedAndReadThroughTheStreamOverload_AndClosedAfterwards()
    {
        var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes("128"));
        var seen = new List<BatchOutcome>();
        TempoBatch.Run(new NamedTempo(), new BatchInput[] { "90", new("<stdin>", () => stream) }, localCurve: false, seen.Add);
        Assert.Equal(new[] { "90", "<stdin>" }, seen.Select(o => o.Path));
        Assert.Equal(new double?[] { 90, 128 }, seen.Select(o => o.Estimate?.Bpm));
        Assert.Equal("<stdin>", seen[1].Estimate!.File);
        Assert.False(stream.CanRead); // disposed once read
    }

    [Fact]
    public void Outcomes_ComeInInputOrder_EvenWhenALaterInputFinishesFirst_WithFailuresInPlace()
    {
        var paths = new[] { "slow-90", "release-100", "bad", "140" };
        var seen = new List<BatchOutcome>();
        var method = new NamedTempo();
        TempoBatch.Run(method, paths, localCurve: false, seen.Add, parallelism: 2);
        Assert.Equal("release-100", method.FinishOrder[0]);
        Assert.Equal(new[] { 0, 1, 2, 3 }, seen.Select(o => o.Index));
        Assert.Equal(paths, seen.Select(o => o.Path));
        Assert.Equal(new double?[] { 90, 100, null, 140 }, seen.Select(o => o.Estimate?.Bpm));
        Assert.Equal("bad: cannot be decoded", seen[2].Error!.Message);
    }

    [Fact]
    public void ADefect_StopsTheBatch_AndIsRethrown_NotReportedAsAnInputFailure()
    {
        var seen = new List<BatchOutcome>();
        var e = Assert.Throws<InvalidOperationException>(() => TempoBatch.Run(new NamedTempo(), ["100", "bug", "120", "130", "140", "150"], false, seen.Add, parallelism: 1));
        Assert.Equal("a defect", e.Message);
        Assert.Equal(new[] { "100" }, seen.Select(o => o.Path));
    }

    [Fact]
    public void Cancelling_KeepsEveryOutcomeHandedOver_AsAPrefixInOrder_AndSaysItWasCancelled()
    {
        using var cts = new CancellationTokenSource();
        var paths = Enumerable.Range(0, 40).Select(i => (60 + i).ToString()).ToArray();
        var seen = new List<BatchOutcome>();
        Assert.ThrowsAny<OperationCanceledException>(() => TempoBatch.Run(new NamedTempo(), paths, false, o =>
        {
            seen.Add(o);
            if (seen.Count == 3) cts.Cancel();
        }, parallelism: 2, cts.Token));
        Assert.InRange(seen.Count, 3, paths.Length - 1);
        Assert.Equal(Enumerable.Range(0, seen.Count), seen.Select(o => o.Index));
    }
}
