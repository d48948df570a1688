using System.Globalization;
using EquiTempo.Audio;
using EquiTempo.Evaluation;
using EquiTempo.Inference;
using EquiTempo.Model;
using EquiTempo.Tests.Cli;
using EquiTempo.Tests.Signals;
using EquiTempo.Training;
using EquiTempo.Training.Corpus;
using static TorchSharp.torch;

namespace EquiTempo.Tests.Beats;

/// <summary>
/// The downbeat head beside the beat head (<see cref="TempoTcn.HasDownbeatHead"/>): its file, its targets, its masked
/// loss, its fine-tuning on click tracks whose downbeats (every fourth click, with a tone under it) are known by
/// construction, and its activation. The tiny network of <see cref="TinyBeatModel"/>; each run takes seconds.
/// </summary>
[Collection(LibTorchRngCollection.Name)]
public sealed class DownbeatHeadTests : IDisposable
{
    private const int Rate = TinyBeatModel.Rate;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-downbeat-{Guid.NewGuid():N}");

    public DownbeatHeadTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private static TempoModel BothHeads(int seed)
    {
        manual_seed(seed);
        return new TempoModel(new ModelMetadata
        {
            Input = TinyBeatModel.Input, FrontEnd = TinyBeatModel.FrontEnd, Network = TinyBeatModel.Network with { BeatHead = true, DownbeatHead = true },
        });
    }

    /// <summary>Clicks as <see cref="TestSignals.ClickTrack"/>, four to a bar, the first of each bar (its downbeat) with a
    /// 300 Hz tone under it (60 ms, decaying over 20 ms), as a bass note marks a bar; labelled with its tempo, click
    /// times and downbeat times.</summary>
    private LabelledTrack MarkedClicks(string name, double bpm, double seconds, int seed, bool numbered = true)
    {
        var x = TestSignals.ClickTrack(bpm, seconds, Rate, seed);
        var beats = BeatTrackerTests.ClickTimes(bpm, seconds);
        int tone = (int)Math.Round(0.06 * Rate);
        for (int k = 0; k < beats.Length; k += 4)
        {
            int start = (int)Math.Round((k + 0.25) * 60 / bpm * Rate);
            for (int j = 0; j < tone && start + j < x.Length; j++)
                x[start + j] += (float)(0.5 * Math.Sin(2 * Math.PI * 300 * j / Rate) * Math.Exp(-j / (0.02 * Rate)));
        }
        var path = Path.Combine(_dir, name);
        WavWriter.WriteMono16(path, x, Rate);
        return new LabelledTrack(path, bpm, "clicks") { BeatTimes = beats, DownbeatTimes = numbered ? beats.Where((_, k) => k % 4 == 0).ToArray() : null };
    }

    private static float[] Weights(TempoTcn net, string prefix) =>
        net.named_parameters().Where(p => p.name.StartsWith(prefix)).SelectMany(p => p.parameter.detach().flatten().data<float>().ToArray()).ToArray();

    private static EquiTempo.Beats.BeatActivation Activation(TempoModel model, string wav, ModelBeatActivationConfig? config = null)
    {
        using var source = new ModelBeatActivation(model, wav, config);
        return source.Compute(AudioDecoder.ReadBlocks(wav, 3, source.SampleRate));
    }

    [Fact]
    public void DownbeatHead_RoundTripsThroughTheModelFile_AndThroughCompactingToFloat16()
    {
        var wav = MarkedClicks("roundtrip.wav", 120, 6, seed: 1).Path;
        using var model = BothHeads(seed: 4);
        var before = Activation(model, wav);
        Assert.NotNull(before.Downbeats);
        Assert.Contains(before.Downbeats!, v => v != before.Downbeats![0]);   // depends on the audio, so equality says something
        var path = Path.Combine(_dir, "both.eqtm");
        model.Save(path);
        Assert.True(TempoModel.ReadMetadata(path).Network.DownbeatHead);
        using (var loaded = TempoModel.Load(path))
        {
            Assert.True(loaded.Network.HasDownbeatHead);
            Assert.Equal(before, Activation(loaded, wav));   // record equality compares Downbeats too
        }

        var compact = Path.Combine(_dir, "both-f16.eqtm");
        var (code, output, err) = CliTests.Run("compact", path, compact);
        Assert.True(code == 0, output + err);
        using var half = TempoModel.Load(compact);
        Assert.True(half.HalfPrecision);
        Assert.True(half.Network.HasDownbeatHead);
        // Each downbeat weight is the float16 nearest the original's.
        Assert.Equal(Weights(model.Network, "downbeat.").Select(w => (float)(Half)w), Weights(half.Network, "downbeat."));
        Assert.Equal(before.Downbeats!.Length, Activation(half, wav).Downbeats!.Length);
    }

    [Fact]
    public void AFreshNetworkWithBothHeads_StartsFromTheBeatOnlyNetworksWeights_WithTheDownbeatHeadLast()
    {
        var both = TinyBeatModel.Network with { BeatHead = true, DownbeatHead = true };
        ModelBeatHeadTests.AssertHeadComesLast(both, TinyBeatModel.Network with { BeatHead = true }, "downbeat");

        // Added to a headless network, the downbeat head brings the beat head first: the same order as a file with both.
        manual_seed(8);
        using var headless = new TempoTcn(TinyBeatModel.Network, 27);
        headless.AddDownbeatHead();
        Assert.True(headless.HasBeatHead && headless.HasDownbeatHead);
        Assert.Equal(both, headless.Config);
        using var fresh = new TempoTcn(both, 27);
        Assert.Equal(fresh.named_parameters().Select(p => p.name), headless.named_parameters().Select(p => p.name));

        var e = Assert.Throws<EquiTempoException>(() => new TempoTcn(TinyBeatModel.Network with { DownbeatHead = true }, 27));
        Assert.Contains("beat head", e.Message);
    }

    [Fact]
    public void ShippedBeatsModel_LoadsWithoutADownbeatHead_AndItsFileAndBeatsAreUnchanged()
    {
        Assert.False(ShippedModels.ReadMetadata(ShippedModels.Beats).Network.DownbeatHead);
        using var shipped = ShippedModels.Load(ShippedModels.Beats);
        Assert.True(shipped.Network.HasBeatHead);
        Assert.False(shipped.Network.HasDownbeatHead);
        Assert.Equal(new[] { "beat.weight", "beat.bias" }, shipped.Network.named_parameters().Select(p => p.name).TakeLast(2));

        // Saved again in float16, every tensor is written as it was read, in the same order: only the header may differ.
        byte[] original;
        using (var s = ShippedModels.Open(ShippedModels.Beats)) using (var m = new MemoryStream()) { s.CopyTo(m); original = m.ToArray(); }
        var resaved = Path.Combine(_dir, "beats-resaved.eqtm");
        shipped.Save(resaved, halfPrecision: true);
        static byte[] Tensors(byte[] file) => file.AsSpan(8 + BitConverter.ToInt32(file, 4)).ToArray();
        Assert.Equal(Tensors(original), Tensors(File.ReadAllBytes(resaved)));

        // Its activation has no downbeats; a downbeat head added leaves its beat values and its tempo output bit for bit.
        var wav = Path.Combine(_dir, "clicks44.wav");
        WavWriter.WriteMono16(wav, TestSignals.ClickTrack(117, 8, 44100, seed: 3), 44100);
        var before = Activation(shipped, wav);
        Assert.Null(before.Downbeats);
        manual_seed(2);
        using var x = randn(1, 1, shipped.Metadata.Input.MelBands, 400);
        float[] Z() { using var noGrad = no_grad(); return shipped.Network.forward(x).data<float>().ToArray(); }
        var z = Z();
        shipped.AddDownbeatHead();
        Assert.True(shipped.Metadata.Network.DownbeatHead);
        var after = Activation(shipped, wav);
        Assert.Equal(before.Values, after.Values);
        Assert.Equal(before.Values.Length, after.Downbeats!.Length);
        Assert.Equal(z, Z());
    }

    [Fact]
    public void Load_OfAHeaderPromisingADownbeatHead_ThatTheFileLacks_IsRefusedNamingTheFile()
    {
        using var beatOnly = TinyBeatModel.Headless(seed: 6, beatHead: true);
        beatOnly.Metadata.Network = beatOnly.Metadata.Network with { DownbeatHead = true };
        var path = Path.Combine(_dir, "promises-a-downbeat-head.eqtm");
        beatOnly.Save(path);
        var e = Assert.Throws<ModelFileException>(() => TempoModel.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("downbeat-head weights", e.Message);

        using var headless = TinyBeatModel.Headless(seed: 6);
        headless.Metadata.Network = headless.Metadata.Network with { DownbeatHead = true };
        var lone = Path.Combine(_dir, "downbeat-without-beat.eqtm");
        headless.Save(lone);
        e = Assert.Throws<ModelFileException>(() => TempoModel.Load(lone));
        Assert.Contains(lone, e.Message);
        Assert.Contains("without the beat head", e.Message);
    }

    [Fact]
    public void ExcerptTargets_OfAStretchedExcerpt_PutTheDownbeatsOnTheirOutputFrames_AndNoneForATrackWithoutNumbers()
    {
        // 2 s excerpts at α = 1.25 read 2.5 s + 0.1 s of source: a file of exactly that length starts the excerpt at 0.
        var cfg = new FineTuneConfig { MinRate = 1.25, MaxRate = 1.25 };
        int n = 2 * Rate, source = (int)Math.Ceiling(n * 1.25) + Rate / 10;
        var numbered = MarkedClicks("numbered.wav", 100, (double)source / Rate, seed: 2);
        var plain = numbered with { Path = MarkedClicks("plain.wav", 100, (double)source / Rate, seed: 2).Path, DownbeatTimes = null };
        var cache = new PcmCache(Path.Combine(_dir, "decoded"), Rate);
        var (usable, skipped) = AudioCorpus.DecodeLabelled(new[] { numbered, plain }, cache);
        Assert.Empty(skipped);
        var targets = new BeatFrameTargets(TinyBeatModel.Input, n);
        var excerpts = new LabelledExcerpts(cfg, cache, n, Rate, maxBpm: 299, targets, downbeats: true);

        var e = excerpts.Sample(usable[0].Track, usable[0].File, new Random(1));
        Assert.Equal(125, e.Bpm, 6);
        // Clicks at 0.15, 0.75, 1.35, 1.95, 2.55 s; downbeats at 0.15 and 2.55 s, which plays at 2.04 s: past the excerpt.
        Assert.Equal(new[] { 0.15, 2.55 }, numbered.DownbeatTimes!.Select(t => Math.Round(t, 6)));
        int frame = (int)Math.Round(0.15 / 1.25 * 100) - TempoTcn.FeatureFrameOffset;   // 10
        Assert.Equal(1f, e.Downbeats![frame]);
        Assert.Equal(0.5f, e.Downbeats[frame - 1]);
        Assert.Equal(0.5f, e.Downbeats[frame + 1]);
        Assert.Equal(2f, e.Downbeats.Sum());
        // The same mapping as the beats: every downbeat target is a beat target.
        Assert.All(Enumerable.Range(0, e.Downbeats.Length), k => Assert.True(e.Downbeats[k] <= e.Beats![k]));
        Assert.True(e.Beats!.Sum() > e.Downbeats.Sum());

        var p = excerpts.Sample(usable[1].Track, usable[1].File, new Random(1));
        Assert.NotNull(p.Beats);
        Assert.Null(p.Downbeats);   // unknown, not "no downbeat": masked out of the downbeat loss
        Assert.Null(new LabelledExcerpts(cfg, cache, n, Rate, maxBpm: 299, targets).Sample(usable[0].Track, usable[0].File, new Random(1)).Downbeats);
        var validation = excerpts.Validation(usable);   // one unstretched excerpt of each (the files are shorter than two)
        Assert.Equal(2, validation.Count);
        Assert.Equal(1f, validation[0].Downbeats![(int)Math.Round(0.15 * 100) - TempoTcn.FeatureFrameOffset]);
        Assert.Null(validation[1].Downbeats);
    }

    [Fact]
    public void Step_AnExcerptWithoutDownbeats_AddsNoDownbeatLoss_AndNoGradient()
    {
        using var net = new TempoTcn(TinyBeatModel.Network with { Dropout = 0, BeatHead = true, DownbeatHead = true }, 27);
        net.train();
        manual_seed(5);
        using var x = randn(4, 1, 27, 120);
        long frames = 120 - 2 * TempoTcn.FeatureFrameOffset;
        using var y = tensor(Enumerable.Range(0, 4).SelectMany(k => TempoClassStep.Target(90 + 10 * k, 300, 0)).ToArray(), new long[] { 4, 300 });
        using var beatRows = rand(4, frames);
        var beats = new TempoClassStep.FrameTargets(beatRows, new[] { 1f, 1f, 1f, 1f }, 2);
        using var labelled = rand(2, frames);
        var step = new TempoClassStep(net, freezeBackbone: false, microBatch: 2);

        (double Total, double Downbeat, float[] Grad) Run(Tensor unlabelledRows, float[] mask)
        {
            net.zero_grad();
            using var rows = cat(new[] { labelled, unlabelledRows }, 0);
            var (total, _, downbeat) = step.ForwardBackward(x, y, beats, new TempoClassStep.FrameTargets(rows, mask, 3));
            var grad = net.named_parameters().Where(p => p.name.StartsWith("downbeat.") || p.name.StartsWith("block0."))
                .SelectMany(p => p.parameter.grad is { } g ? g.flatten().data<float>().ToArray() : new float[p.parameter.numel()]).ToArray();
            return (total, downbeat, grad);
        }

        // Rows 2 and 3 unlabelled: whatever their targets hold, the step is the same.
        var asZeros = Run(zeros(2, frames), new[] { 1f, 1f, 0f, 0f });
        var asOnes = Run(ones(2, frames), new[] { 1f, 1f, 0f, 0f });
        Assert.Equal(asZeros.Total, asOnes.Total);
        Assert.Equal(asZeros.Downbeat, asOnes.Downbeat);
        Assert.Equal(asZeros.Grad, asOnes.Grad);
        // The downbeat loss is the mean over the labelled excerpts only.
        double expected;
        using (no_grad())
        {
            using var features = net.Features(net.Normalize(x));
            using var logits = net.DownbeatLogitsFromFeatures(features).narrow(0, 0, 2);
            expected = nn.functional.binary_cross_entropy_with_logits(logits, labelled).item<float>();
        }
        Assert.Equal(expected, asZeros.Downbeat, 5);
        // Labelled, the same rows change it.
        Assert.NotEqual(asZeros.Downbeat, Run(ones(2, frames), new[] { 1f, 1f, 1f, 1f }).Downbeat);

        // No excerpt labelled: no downbeat loss, and the downbeat head gets no gradient.
        var none = Run(zeros(2, frames), new[] { 0f, 0f, 0f, 0f });
        Assert.Equal(0.0, none.Downbeat);
        Assert.All(net.named_parameters().Where(p => p.name.StartsWith("downbeat.")),
            p => Assert.True(p.parameter.grad is null || p.parameter.grad.abs().max().item<float>() == 0, p.name));
    }

    /// <summary>10 click tracks with numbered beats and 2 without, and a headless tiny network to start from.</summary>
    private (List<LabelledTrack> Tracks, string StartModel) TrainingSet()
    {
        var tracks = new List<LabelledTrack>();
        var bpms = new[] { 72.0, 85, 97, 110, 123, 136, 150, 90, 140, 104 };
        foreach (var bpm in bpms) tracks.Add(MarkedClicks($"train{tracks.Count}.wav", bpm, 10, seed: tracks.Count));
        // Two tracks whose beats carry no numbers: they train the tempo and beat heads only.
        tracks.Add(MarkedClicks("unnumbered0.wav", 118, 10, seed: 40, numbered: false));
        tracks.Add(MarkedClicks("unnumbered1.wav", 131, 10, seed: 41, numbered: false));
        var start = Path.Combine(_dir, "start.eqtm");
        using (var headless = TinyBeatModel.Headless(seed: 11)) headless.Save(start);
        return (tracks, start);
    }

    private FineTuneConfig FineTune(int epochs) => new()
    {
        DecodeCacheDirectory = Path.Combine(_dir, "decoded"), Epochs = epochs, BatchSize = 8, MicroBatch = 4, ExcerptsPerTrack = 4,
        ValidationFraction = 0.2, Seed = 3, PrefetchBatches = 1, Patience = 0, LearningRate = 1e-2,
        TrainingExcerptSamples = 3 * Rate, MinRate = 0.9, MaxRate = 1.1, BeatLossWeight = 4, DownbeatLossWeight = 4,
    };

    [Fact]
    public void MultiTaskFineTune_WithADownbeatWeight_LowersTheDownbeatLoss_AndLearnsTheMarkedClicks()
    {
        var (tracks, start) = TrainingSet();
        var cfg = FineTune(epochs: 30);
        var run = Path.Combine(_dir, "run");
        var result = new ClassifierFineTuner(cfg).Run(tracks, start, run, "marked clicks");

        using var tuned = TempoModel.Load(result.ModelPath);
        Assert.True(tuned.Network.HasBeatHead && tuned.Network.HasDownbeatHead);
        Assert.Equal(cfg.DownbeatLossWeight.ToString(CultureInfo.InvariantCulture), tuned.Metadata.Training["finetune_downbeat_weight"]);
        var trainFiles = File.ReadAllLines(Path.Combine(run, "train-files.txt"));
        Assert.Equal(tracks.Count(t => t.DownbeatTimes is not null && trainFiles.Contains(t.Path)).ToString(CultureInfo.InvariantCulture),
            tuned.Metadata.Training["finetune_downbeat_tracks"]);
        var rows = File.ReadAllLines(Path.Combine(run, "epochs.csv"));
        var header = rows[0].Split(',');
        int beat = Array.IndexOf(header, "train_beat_loss"), train = Array.IndexOf(header, "train_downbeat_loss"), val = Array.IndexOf(header, "validation_downbeat_loss");
        Assert.True(beat > 0 && train == beat + 2 && val == train + 1, rows[0]);
        double Cell(string row, int col) => double.Parse(row.Split(',')[col], CultureInfo.InvariantCulture);
        Assert.True(Cell(rows[^1], train) < 0.6 * Cell(rows[1], train), $"training downbeat loss did not fall: {rows[1]} → {rows[^1]}");
        Assert.True(double.IsFinite(Cell(rows[^1], val)), rows[^1]);

        // Held out: a tempo not trained on. The downbeat activation is higher on the marked clicks than on the others.
        var heldOut = MarkedClicks("heldout.wav", 115, 12, seed: 99);
        var act = Activation(tuned, heldOut.Path);
        double Peak(double t) { int f = (int)Math.Round(t * 100); return Enumerable.Range(f - 1, 3).Max(g => act.Downbeats![g]); }
        var down = heldOut.DownbeatTimes!.Select(Peak).ToArray();
        var other = heldOut.BeatTimes!.Except(heldOut.DownbeatTimes!).Select(Peak).ToArray();
        // Measured: 0.074 against 0.006 (the head's activation peaks, within a frame of each click).
        Assert.True(down.Average() > 4 * other.Average(), $"downbeats {down.Average():F3}, other beats {other.Average():F3}");
    }

    [Fact]
    public void MultiTaskFineTune_WithBothHeads_KilledAndResumed_EqualsUninterrupted()
    {
        // Both heads added to a headless start model come last, beat then downbeat, as in a file that has them: the
        // checkpoint's optimiser state matches the resumed network's parameters one for one.
        using var oneThread = ModelBeatHeadTests.OneLibTorchThread();
        var (tracks, start) = TrainingSet();
        var cfg = FineTune(epochs: 3);
        string whole = Path.Combine(_dir, "whole"), resumed = Path.Combine(_dir, "resumed");
        new ClassifierFineTuner(cfg).Run(tracks, start, whole, "t");
        Training.ResumeDeterminismTests.KillDuringEpoch2(ct =>
            new ClassifierFineTuner(cfg).Run(tracks, start, resumed, "t", progress: Training.ResumeDeterminismTests.StopAtEpoch2(ct), ct: ct.Token));
        new ClassifierFineTuner(cfg).Run(tracks, start, resumed, "t", resume: true);
        Training.ResumeDeterminismTests.AssertSameRun(whole, resumed, lossColumns: 7);   // + train and validation beat and downbeat loss
    }

    [Fact]
    public void Activation_HasDownbeatsOnTheFramesOfItsValues_FromTheSameWindowsAndGate_AndNoneWithoutTheHead()
    {
        // 1 s of silence, then clicks: 9.1 s through 3 s windows overlapping by 1 s crosses several window edges.
        var clicks = TestSignals.ClickTrack(97, 8.1, Rate, seed: 5);
        var wav = Path.Combine(_dir, "gated.wav");
        WavWriter.WriteMono16(wav, new float[Rate].Concat(clicks).ToArray(), Rate);
        var windows = new ModelBeatActivationConfig(WindowSeconds: 3, OverlapSeconds: 1);
        using var model = BothHeads(seed: 9);
        // A downbeat head that is a copy of the beat head gives the beat values exactly, frame for frame.
        using (no_grad())
        {
            var p = model.Network.named_parameters().ToDictionary(q => q.name, q => q.parameter);
            p["downbeat.weight"].copy_(p["beat.weight"]);
            p["downbeat.bias"].copy_(p["beat.bias"]);
        }
        var a = Activation(model, wav, windows);
        Assert.Equal(TinyBeatModel.Input.FrameCount(Rate + clicks.Length), a.Values.Length);
        Assert.Equal(a.Values, a.Downbeats);
        Assert.All(a.Downbeats!.Take(95), v => Assert.Equal(0f, v));   // gated before the music, as the beats
        Assert.Contains(a.Downbeats!.Skip(100), v => v > 0);

        using var beatOnly = TinyBeatModel.Headless(seed: 9, beatHead: true);
        Assert.Null(Activation(beatOnly, wav, windows).Downbeats);
    }

    [Fact]
    public void Cli_FinetuneDownbeatWeight_NeedsABeatWeight_AndTracksWithNumberedBeats()
    {
        var start = Path.Combine(_dir, "cli-start.eqtm");
        using (var headless = TinyBeatModel.Headless(seed: 11)) headless.Save(start);
        var labels = Path.Combine(_dir, "labels");
        Directory.CreateDirectory(labels);
        var t = MarkedClicks(Path.Combine("labels", "c.wav"), 100, 6, seed: 1);
        File.WriteAllLines(Path.Combine(labels, "c.beats"), t.BeatTimes!.Select(x => x.ToString("F4", CultureInfo.InvariantCulture)));   // no numbers

        var (code, output, err) = CliTests.Run("finetune", "--model", start, "--labels", labels, "--out", Path.Combine(_dir, "ft-a"), "--downbeat-weight", "1");
        Assert.NotEqual(0, code);
        Assert.Contains("--downbeat-weight 1: needs --beat-weight", err + output);
        (code, output, err) = CliTests.Run("finetune", "--model", start, "--labels", labels, "--out", Path.Combine(_dir, "ft-b"), "--beat-weight", "1", "--downbeat-weight", "1");
        Assert.NotEqual(0, code);
        Assert.Contains("downbeat times", err + output);
        Assert.False(File.Exists(Path.Combine(_dir, "ft-b", "checkpoint.eqtm")));
    }

    [Fact]
    public void FineTuneConfig_RefusesADownbeatWeightWithoutABeatWeight_OrOutOfRange()
    {
        Assert.Equal(0, new FineTuneConfig().DownbeatLossWeight);
        var e = Assert.Throws<EquiTempoException>(() => new FineTuneConfig { DownbeatLossWeight = 1 }.Validated());
        Assert.Contains(nameof(FineTuneConfig.DownbeatLossWeight), e.Message);
        Assert.Contains("beat loss weight", e.Message);
        foreach (var w in new[] { -1, double.NaN, double.PositiveInfinity })
            Assert.Throws<EquiTempoException>(() => new FineTuneConfig { BeatLossWeight = 1, DownbeatLossWeight = w }.Validated());
        new FineTuneConfig { BeatLossWeight = 1, DownbeatLossWeight = 1 }.Validated();
    }
}
