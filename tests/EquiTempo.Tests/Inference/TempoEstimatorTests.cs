using EquiTempo.Audio;
using EquiTempo.Inference;
using EquiTempo.Model;
using EquiTempo.Tests.Signals;
using static TorchSharp.torch;

namespace EquiTempo.Tests.Inference;

/// <summary>Behaviour of the estimator around the network: chunking, readouts, silence and bad input.
/// (Accuracy of the shipped model is tested in ShippedModelTests.)</summary>
[Collection(LibTorchRngCollection.Name)]
public class TempoEstimatorTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-est-{Guid.NewGuid():N}");

    public TempoEstimatorTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private static TempoModel ScaledModel(double scale) => TestModels.Scaled(scale, seed: 11);

    [Fact]
    public void ModelWithoutReadout_IsRejectedWithAnExplanation()
    {
        using var m = new TempoModel();
        var e = Assert.Throws<ModelFileException>(() => new TempoEstimator(m));
        Assert.Equal(ErrorReason.InvalidModel, e.Reason);
        Assert.Contains("calibrate", e.Message);
    }

    [Fact]
    public void ScaleReadout_IsScaleTimesZ_AndCountsChunks()
    {
        using var est = new TempoEstimator(ScaledModel(100));
        var x = TestSignals.ClickTrack(120, 30);               // 30 s → 3 chunks of 13.6 s (last one short, zero-padded)
        var r = est.Estimate(x, 44100);
        Assert.Equal(3, r.Chunks);
        Assert.Equal("scale", r.Readout);
        Assert.True(r.Bpm > 0 && double.IsFinite(r.Bpm));
        Assert.InRange(r.Confidence, 0, 1);
        Assert.Equal(30, r.DurationSeconds, 2);
        Assert.True(r.Bpm2 == r.Bpm * 2 || r.Bpm2 == r.Bpm / 2);
    }

    [Fact]
    public void LocalCurve_CoversTheTrack()
    {
        using var est = new TempoEstimator(ScaledModel(100), new EstimatorConfig { LocalHopSeconds = 5 });
        var r = est.Estimate(TestSignals.ClickTrack(100, 30), 44100, localCurve: true);
        Assert.NotNull(r.Curve);
        Assert.InRange(r.Curve!.Count, 3, 5);
        Assert.True(r.Curve.Zip(r.Curve.Skip(1)).All(p => p.Second.TimeSeconds > p.First.TimeSeconds));
    }

    [Fact]
    public void Silence_IsAnErrorNotAMadeUpTempo()
    {
        var path = Path.Combine(_dir, "silence.wav");
        WavWriter.WriteMono16(path, new float[44100 * 5], 44100);
        using var est = new TempoEstimator(ScaledModel(100));
        var e = Assert.Throws<NoTempoException>(() => est.Estimate(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("silent", e.Message);
    }

    [Fact]
    public void CorruptFile_IsAnAudioErrorNamingTheFile()
    {
        var path = Path.Combine(_dir, "corrupt.mp3");
        File.WriteAllBytes(path, Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        using var est = new TempoEstimator(ScaledModel(100));
        var e = Assert.Throws<AudioFormatException>(() => est.Estimate(path));
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData(44100, null)]
    [InlineData(44100, 5.0)]
    [InlineData(22050, null)]
    public void StreamedFile_AndDecodedAudio_GiveTheSameEstimate(int fileRate, double? hop)
    {
        var path = Path.Combine(_dir, $"clicks-{fileRate}.wav");
        WavWriter.WriteMono16(path, TestSignals.ClickTrack(120, 30, fileRate), fileRate);
        using var est = new TempoEstimator(ScaledModel(100), new EstimatorConfig { HopSeconds = hop });
        var streamed = est.Estimate(path);
        var decoded = est.Estimate(AudioDecoder.DecodeMono(path, 44100), name: path);
        var native = est.Estimate(AudioDecoder.DecodeMono(path, fileRate), name: path);   // resampled by the estimator
        Assert.Equal(decoded with { Onsets = null }, streamed with { Onsets = null });
        // The streamed onset envelope is the whole signal's but for its dB floor, which follows the loudest frame so far
        // (OnsetStrength) instead of the loudest of the whole signal: 0.7 % of the peak at most on this click track.
        var (a, b) = (decoded.Onsets!.Values, streamed.Onsets!.Values);
        Assert.Equal(a.Length, b.Length);
        float scale = a.Max();
        Assert.All(a.Zip(b), p => Assert.True(Math.Abs(p.First - p.Second) <= 0.02f * scale, $"{p.First} against {p.Second}"));
        Assert.Equal(decoded.Bpm, native.Bpm, 4);
        Assert.Equal(hop is null ? 3 : 5, streamed.Chunks);   // starts 0, 5, 10, 15, 20 s: the one at 20 s reaches the end
    }

    [Fact]
    public void SamplesAndAudioBuffer_AreTheSameCall()
    {
        using var est = new TempoEstimator(ScaledModel(100));
        var x = TestSignals.ClickTrack(120, 20);
        Assert.Equal(est.Estimate(x, 44100, name: "x"), est.Estimate(new AudioBuffer(x, 44100), name: "x"));
    }

    [Fact]
    public void ConcurrentCalls_GiveTheSameResults()
    {
        using var est = new TempoEstimator(ScaledModel(100));
        var inputs = new[] { 90.0, 120, 150, 175 }.Select(b => TestSignals.ClickTrack(b, 14)).ToArray();
        var serial = inputs.Select(x => est.Estimate(x, 44100).Bpm).ToArray();
        var parallel = new double[inputs.Length];
        Parallel.For(0, inputs.Length, i => parallel[i] = est.Estimate(inputs[i], 44100).Bpm);
        for (int i = 0; i < inputs.Length; i++) Assert.Equal(serial[i], parallel[i], 3);
    }
}
