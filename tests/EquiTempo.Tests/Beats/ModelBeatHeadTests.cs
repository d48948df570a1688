using System.Globalization;
using EquiTempo.Audio;
using EquiTempo.Beats;
using EquiTempo.Evaluation;
using EquiTempo.Features;
using EquiTempo.Inference;
using EquiTempo.Model;
using EquiTempo.Tests.Cli;
using EquiTempo.Tests.Signals;
using EquiTempo.Training;
using static TorchSharp.torch;

namespace EquiTempo.Tests.Beats;

/// <summary>
/// A tiny network (16 kHz, 100 frames/s, 4 s chunks, 27 bands, 8 filters) fine-tuned multi-task once on click tracks
/// whose beats are their clicks, known by construction. Training it takes seconds; the tests read what it learnt.
/// </summary>
public sealed class TinyBeatModel : IDisposable
{
    public const int Rate = 16000;
    public static readonly ModelInput Input = new(Rate, ChunkSamples: 4 * Rate, HopLength: 160, MelBands: 27);
    public static readonly LogMelConfig FrontEnd = new(FftSize: 512, MaxHz: 7900);
    public static readonly TcnConfig Network = new(Filters: 8, Dilations: 4);

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), $"eq-beathead-{Guid.NewGuid():N}");
    public string StartModel => Path.Combine(Dir, "start.eqtm");
    public string RunDir => Path.Combine(Dir, "run");
    public List<LabelledTrack> Tracks { get; } = new();
    public FineTuneResult Result { get; }

    public TinyBeatModel()
    {
        Directory.CreateDirectory(Dir);
        var bpms = new[] { 72.0, 85, 97, 110, 123, 136, 150, 165, 90, 140 };
        foreach (var bpm in bpms) Tracks.Add(Clicks(Dir, $"train{Tracks.Count}.wav", bpm, 8, seed: Tracks.Count));
        manual_seed(11);
        using (var start = Headless(seed: 11)) start.Save(StartModel);
        Result = new ClassifierFineTuner(Config(epochs: 12, beatWeight: 4)).Run(Tracks, StartModel, RunDir, "test clicks");
    }

    public static TempoModel Headless(int seed, bool beatHead = false)
    {
        manual_seed(seed);
        return new TempoModel(new ModelMetadata { Input = Input, FrontEnd = FrontEnd, Network = Network with { BeatHead = beatHead } });
    }

    public FineTuneConfig Config(int epochs, double beatWeight) => new()
    {
        DecodeCacheDirectory = Path.Combine(Dir, "decoded"), Epochs = epochs, BatchSize = 8, MicroBatch = 4, ExcerptsPerTrack = 4,
        ValidationFraction = 0.2, Seed = 3, PrefetchBatches = 1, Patience = 0, LearningRate = 1e-2,
        TrainingExcerptSamples = 2 * Rate, MinRate = 0.9, MaxRate = 1.1, BeatLossWeight = beatWeight,
    };

    /// <summary>A click track at <paramref name="bpm"/> written at 16 kHz, labelled with its tempo and click times.</summary>
    public static LabelledTrack Clicks(string dir, string name, double bpm, double seconds, int seed)
    {
        var path = Path.Combine(dir, name);
        WavWriter.WriteMono16(path, TestSignals.ClickTrack(bpm, seconds, Rate, seed), Rate);
        return new LabelledTrack(path, bpm, "clicks") { BeatTimes = BeatTrackerTests.ClickTimes(bpm, seconds) };
    }

    public void Dispose() { try { Directory.Delete(Dir, true); } catch { } }
}

[Collection(LibTorchRngCollection.Name)]
public sealed class ModelBeatHeadTests(TinyBeatModel tiny) : IClassFixture<TinyBeatModel>
{
    private string Dir => tiny.Dir;

    private static float[] Activation(TempoModel model, string wav)
    {
        using var source = new ModelBeatActivation(model, wav);
        return source.Compute(AudioDecoder.ReadBlocks(wav, 3, source.SampleRate)).Values;
    }

    [Fact]
    public void BeatHead_RoundTripsThroughTheModelFile_WithTheSameActivation()
    {
        var wav = TinyBeatModel.Clicks(Dir, "roundtrip.wav", 120, 6, seed: 1).Path;
        using var model = TinyBeatModel.Headless(seed: 4, beatHead: true);
        Assert.True(model.Network.HasBeatHead);
        var before = Activation(model, wav);
        var path = Path.Combine(Dir, "with-head.eqtm");
        model.Save(path);
        Assert.True(TempoModel.ReadMetadata(path).Network.BeatHead);
        using var loaded = TempoModel.Load(path);
        Assert.True(loaded.Network.HasBeatHead);
        Assert.Equal(before, Activation(loaded, wav));
        Assert.Contains(before, v => v != before[0]);   // the activation depends on the audio, so equality says something
    }

    [Fact]
    public void AFreshNetworkWithAHead_StartsFromTheSameOtherWeightsAsOneWithout()
    {
        foreach (var init in new[] { TcnInit.SignalPreserving, TcnInit.PyTorchDefault })
            AssertHeadComesLast(TinyBeatModel.Network with { Init = init, BeatHead = true }, TinyBeatModel.Network with { Init = init }, "beat");
    }

    /// <summary>A fresh network of <paramref name="withHead"/> has the parameters of one of <paramref name="without"/>,
    /// equal, then the head's (<paramref name="head"/>.weight, .bias) last, as a checkpoint's optimiser state expects.</summary>
    internal static void AssertHeadComesLast(TcnConfig withHead, TcnConfig without, string head)
    {
        manual_seed(8);
        using var with = new TempoTcn(withHead, 27);
        manual_seed(8);
        using var other = new TempoTcn(without, 27);
        var a = with.named_parameters().ToList();
        var b = other.named_parameters().ToList();
        Assert.Equal(b.Select(p => p.name).Append($"{head}.weight").Append($"{head}.bias"), a.Select(p => p.name));
        foreach (var ((name, x), (_, y)) in a.Zip(b))
            Assert.True(x.equal(y).all().item<bool>(), $"{name} ({withHead}) differs");
    }

    [Fact]
    public void ShippedModels_LoadWithoutAHead_AndAHeadAddedLeavesTheirTempoOutputsAlone()
    {
        foreach (var name in new[] { ShippedModels.TcnDefault, ShippedModels.TcnLabelFree })
        {
            using var shipped = ShippedModels.Load(name);
            Assert.False(shipped.Network.HasBeatHead);
            Assert.False(shipped.Metadata.Network.BeatHead);
            var e = Assert.Throws<ModelFileException>(() => new ModelBeatActivation(shipped, name));
            Assert.Contains(name, e.Message);
            Assert.Contains("no beat head", e.Message);

            manual_seed(2);
            using var x = randn(1, 1, shipped.Metadata.Input.MelBands, 400);
            using var noGrad = no_grad();
            var z = shipped.Network.forward(x).data<float>().ToArray();
            shipped.AddBeatHead();
            Assert.True(shipped.Metadata.Network.BeatHead);
            Assert.Equal(z, shipped.Network.forward(x).data<float>().ToArray());
        }
    }

    [Fact]
    public void Load_OfAFileWithoutAHead_NamesTheFile()
    {
        var e = Assert.Throws<ModelFileException>(() => ModelBeatActivation.Load(tiny.StartModel));
        Assert.Contains(tiny.StartModel, e.Message);
        Assert.Contains("no beat head", e.Message);
    }

    [Fact]
    public void Load_OfAHeaderWithAHeadButNoHeadWeights_IsRefused()
    {
        using var headless = TinyBeatModel.Headless(seed: 6);
        headless.Metadata.Network = headless.Metadata.Network with { BeatHead = true };
        var path = Path.Combine(Dir, "promises-a-head.eqtm");
        headless.Save(path);
        var e = Assert.Throws<ModelFileException>(() => TempoModel.Load(path));
        Assert.Contains("beat-head weights", e.Message);
    }

    [Fact]
    public void BeatTargets_AreOnTheOutputFramesOfTheBeats_WidenedByHalfAFrameEitherSide()
    {
        // 2 s excerpts at 100 frames/s: 201 input frames, 197 outputs, output j at input frame j + 2.
        var targets = new BeatFrameTargets(TinyBeatModel.Input, 2 * TinyBeatModel.Rate);
        Assert.Equal(197, targets.Frames);
        // Beats at 10.5 s and 11.25 s of a track; the excerpt starts at 10 s; stretched α = 1.25 (plays faster).
        var t = targets.For(new[] { 9.0, 10.5, 11.25, 20.0 }, 10 * TinyBeatModel.Rate, 1.25);
        int a = (int)Math.Round(0.5 / 1.25 * 100) - 2, b = (int)Math.Round(1.25 / 1.25 * 100) - 2;
        Assert.Equal(1f, t[a]); Assert.Equal(0.5f, t[a - 1]); Assert.Equal(0.5f, t[a + 1]);
        Assert.Equal(1f, t[b]); Assert.Equal(0.5f, t[b - 1]); Assert.Equal(0.5f, t[b + 1]);
        Assert.Equal(4f, t.Sum());   // two beats: 1 + 0.5 + 0.5 each; those outside the excerpt add nothing
    }

    [Fact]
    public void MultiTaskFineTune_LearnsAHead_WhoseActivationTracksTheBeatsOfAHeldOutClickTrack()
    {
        using var tuned = TempoModel.Load(tiny.Result.ModelPath);
        Assert.True(tuned.Network.HasBeatHead);
        Assert.Equal("4", tuned.Metadata.Training["finetune_beat_weight"]);
        var rows = File.ReadAllLines(Path.Combine(tiny.RunDir, "epochs.csv"));
        var header = rows[0].Split(',');
        int train = Array.IndexOf(header, "train_beat_loss"), val = Array.IndexOf(header, "validation_beat_loss");
        Assert.True(train > 0 && val > 0, rows[0]);
        double Cell(string row, int col) => double.Parse(row.Split(',')[col], CultureInfo.InvariantCulture);
        Assert.True(Cell(rows[^1], train) < 0.6 * Cell(rows[1], train), $"training beat loss did not fall: {rows[1]} → {rows[^1]}");

        // Held out: a tempo not trained on, 20 s (five chunks), tracked on the tempo the activation itself shows.
        var heldOut = TinyBeatModel.Clicks(Dir, "heldout.wav", 117, 20, seed: 99);
        using var source = new ModelBeatActivation(tuned, tiny.Result.ModelPath);
        using var tracker = new BeatTracker(activation: source);
        var track = tracker.Track(heldOut.Path);
        Assert.Equal(ModelBeatActivation.SourceName, track.Activation);
        var scores = BeatMetrics.Evaluate(heldOut.BeatTimes!, track.Times);
        Assert.True(scores.FMeasure >= 0.9, $"F {scores.FMeasure:F3}, tempo {track.Bpm:F1}");
    }

    [Fact]
    public void ChunkedActivation_SpansTheTrack_AndPeaksAtEachClickFrame_AcrossChunkEdges()
    {
        using var tuned = TempoModel.Load(tiny.Result.ModelPath);
        // 14.3 s: three full chunks, overlapping halves and a short last one; 103 BPM puts clicks at every phase of a chunk.
        var clicks = TinyBeatModel.Clicks(Dir, "aligned.wav", 103, 14.3, seed: 7);
        var values = Activation(tuned, clicks.Path);
        Assert.Equal(TinyBeatModel.Input.FrameCount((int)Math.Round(14.3 * TinyBeatModel.Rate)), values.Length);
        foreach (var t in clicks.BeatTimes!)
        {
            int frame = (int)Math.Round(t * 100);
            int from = Math.Max(0, frame - 15), to = Math.Min(values.Length - 1, frame + 15);
            int peak = Enumerable.Range(from, to - from + 1).MaxBy(g => values[g]);
            Assert.True(Math.Abs(peak - frame) <= 1, $"click at {t:F3} s (frame {frame}): peak at frame {peak}");
            Assert.True(values[peak] > 0.3, $"click at {t:F3} s: peak {values[peak]:F3}");
        }
        // Half-way between clicks the activation is low.
        foreach (var t in clicks.BeatTimes!.Take(clicks.BeatTimes!.Count - 1))
            Assert.True(values[(int)Math.Round((t + 30.0 / 103) * 100)] < 0.2);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Estimator_GivenTheHead_CarriesTheActivationTheHeadComputesAlone_AndTheSameTempo(int batchChunks)
    {
        // 14.3 s: four 4 s chunks, the last one short; 3 s windows overlapping by 1 s cross every chunk boundary.
        var clicks = TinyBeatModel.Clicks(Dir, $"shared{batchChunks}.wav", 103, 14.3, seed: 7);
        using var head = new ModelBeatActivation(TempoModel.Load(tiny.Result.ModelPath), "head", new ModelBeatActivationConfig(WindowSeconds: 3, OverlapSeconds: 1));
        var alone = head.Compute(AudioDecoder.ReadBlocks(clicks.Path, 3, head.SampleRate));
        using var estimator = new TempoEstimator(TempoModel.Load(tiny.Result.ModelPath), new EstimatorConfig { BatchChunks = batchChunks }, head);
        Assert.Same(head, estimator.BeatHead);
        Assert.True(head.Reads(new LogMelFrontEnd(TinyBeatModel.Input, TinyBeatModel.FrontEnd), Chunker.WithHop(TinyBeatModel.Input, null)));
        var withHead = estimator.Estimate(clicks.Path);
        Assert.Equal(TinyBeatModel.Input.FrameCount((int)Math.Round(14.3 * TinyBeatModel.Rate)), alone.Values.Length);
        Assert.Equal(alone.Values, withHead.BeatHeadActivation!.Values);   // the same frames: equal to the last bit
        Assert.Equal(alone.Values, estimator.Estimate(AudioDecoder.DecodeMono(clicks.Path, TinyBeatModel.Rate)).BeatHeadActivation!.Values);
        using (var stream = File.OpenRead(clicks.Path))
            Assert.Equal(alone.Values, estimator.Estimate(stream, "stream").BeatHeadActivation!.Values);

        using var plain = new TempoEstimator(TempoModel.Load(tiny.Result.ModelPath), new EstimatorConfig { BatchChunks = batchChunks });
        var without = plain.Estimate(clicks.Path);
        Assert.Null(without.BeatHeadActivation);
        Assert.Equal(without, withHead with { BeatHeadActivation = null });

        // The tracker following that head takes the estimate's activation, and the beats of one pass equal those of two.
        using var tracker = new BeatTracker(activation: head);
        var fromEstimate = tracker.Track(withHead);
        var readApart = tracker.Track(without);
        Assert.Equal(readApart.Times, fromEstimate.Times);
        Assert.True(BeatMetrics.Evaluate(clicks.BeatTimes!, fromEstimate.Times).FMeasure >= 0.9);
        using var onePass = new BeatTracker(estimator, activation: head);
        using var twoPasses = new BeatTracker(plain, activation: head);
        Assert.Equal(twoPasses.Track(clicks.Path).Times, onePass.Track(clicks.Path).Times);
    }

    [Fact]
    public void Estimator_GivenAHeadOnOtherSpectralSettings_GivesItTheAudio_AndOneAtAnotherRateIsNotUsed()
    {
        var clicks = TinyBeatModel.Clicks(Dir, "other-settings.wav", 97, 9.1, seed: 5);
        manual_seed(5);
        using var head = new ModelBeatActivation(new TempoModel(new ModelMetadata
        {
            Input = TinyBeatModel.Input, FrontEnd = TinyBeatModel.FrontEnd with { FftSize = 256 }, Network = TinyBeatModel.Network with { BeatHead = true },
        }), "fft-256 head");
        using var estimator = new TempoEstimator(TempoModel.Load(tiny.Result.ModelPath), beatHead: head);
        Assert.False(head.Reads(new LogMelFrontEnd(TinyBeatModel.Input, TinyBeatModel.FrontEnd), Chunker.WithHop(TinyBeatModel.Input, null)));
        var alone = head.Compute(AudioDecoder.ReadBlocks(clicks.Path, 2, head.SampleRate));
        Assert.Equal(alone.Values, estimator.Estimate(clicks.Path).BeatHeadActivation!.Values);

        // The shipped default reads 44.1 kHz: a 16 kHz head is left out (a tracker on it reads the file itself).
        using var shipped = TempoEstimator.Load(beatHead: head);
        Assert.Null(shipped.BeatHead);
    }

    [Fact]
    public void MultiTaskFineTune_KilledAndResumed_EqualsUninterrupted()
    {
        // The head added to a headless start model comes last in the parameters, as in a file that has it: the
        // optimiser state of a checkpoint matches the resumed network's parameters one for one.
        using var oneThread = OneLibTorchThread();
        string whole = Path.Combine(Dir, "mt-whole"), resumed = Path.Combine(Dir, "mt-resumed");
        var cfg = tiny.Config(epochs: 3, beatWeight: 4);
        new ClassifierFineTuner(cfg).Run(tiny.Tracks, tiny.StartModel, whole, "t");
        using (var cts = new CancellationTokenSource())
        {
            var stop = new Progress(p => { if (p.Epoch == 2) cts.Cancel(); });
            Assert.ThrowsAny<OperationCanceledException>(() => new ClassifierFineTuner(cfg).Run(tiny.Tracks, tiny.StartModel, resumed, "t", progress: stop, ct: cts.Token));
        }
        manual_seed(12345);   // the killed run's draws must not carry over
        new ClassifierFineTuner(cfg).Run(tiny.Tracks, tiny.StartModel, resumed, "t", resume: true);
        EquiTempo.Tests.Training.ResumeDeterminismTests.AssertSameRun(whole, resumed, lossColumns: 5);   // + train and validation beat loss
    }

    /// <summary>
    /// LibTorch on one thread until disposed. On two threads, two identical fine-tunes in one process differed in the
    /// 8th digit of some weights (seen 2026-12-03, every run; not traced: README, "Not done yet"); these tests are about
    /// what the runs compute, so they compare bit for bit on one thread.
    /// </summary>
    internal static IDisposable OneLibTorchThread()
    {
        int threads = get_num_threads();
        set_num_threads(1);
        return new Restore(() => set_num_threads(threads));
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    [Fact]
    public void BeatWeightZero_LeavesTheFineTuneAsWithoutBeats()
    {
        // The same tracks with and without beat times: at weight 0 the run and its model may not differ.
        using var oneThread = OneLibTorchThread();
        var stripped = tiny.Tracks.Select(t => t with { BeatTimes = null }).ToList();
        var cfg = tiny.Config(epochs: 1, beatWeight: 0);
        var a = new ClassifierFineTuner(cfg).Run(tiny.Tracks, tiny.StartModel, Path.Combine(Dir, "w0-beats"), "test clicks");
        var b = new ClassifierFineTuner(cfg).Run(stripped, tiny.StartModel, Path.Combine(Dir, "w0-none"), "test clicks");
        using var ma = TempoModel.Load(a.ModelPath);
        using var mb = TempoModel.Load(b.ModelPath);
        Assert.False(ma.Network.HasBeatHead);
        Assert.False(ma.Metadata.Training.ContainsKey("finetune_beat_weight"));
        static float[] Weights(TempoModel m) => m.Network.parameters().SelectMany(p => p.detach().flatten().data<float>().ToArray()).ToArray();
        Assert.Equal(Weights(mb), Weights(ma));
        Assert.Equal(a.BestValidationLoss, b.BestValidationLoss);
        Assert.DoesNotContain("beat", File.ReadAllLines(Path.Combine(Dir, "w0-beats", "epochs.csv"))[0]);
    }

    [Fact]
    public void Cli_BeatsOnTheModelActivation_AndAClearErrorForAModelWithoutAHead()
    {
        var wav = TinyBeatModel.Clicks(Dir, "cli.wav", 128, 12, seed: 5);
        var (code, output, err) = CliTests.Run("beats", wav.Path, "--json", "--beat-model", tiny.Result.ModelPath);
        Assert.True(code == 0, err);
        using (var doc = System.Text.Json.JsonDocument.Parse(output))
        {
            Assert.Equal(ModelBeatActivation.SourceName, doc.RootElement.GetProperty("activation").GetString());
            var times = doc.RootElement.GetProperty("beats").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.True(BeatMetrics.Evaluate(wav.BeatTimes!, times).FMeasure >= 0.9, output);
        }

        (code, output, err) = CliTests.Run("beats", wav.Path, "--activation", "model", "--beat-model", tiny.StartModel);
        Assert.NotEqual(0, code);
        Assert.Equal("", output);
        Assert.Contains(tiny.StartModel, err);
        Assert.Contains("no beat head", err);
        Assert.DoesNotContain("   at ", err);   // a message, not a stack trace

        // With no --beat-model the shipped beat head is used (the default activation, too).
        foreach (var args in new[] { new[] { "beats", wav.Path, "--activation", "model", "--json" }, new[] { "beats", wav.Path, "--json" } })
        {
            (code, output, err) = CliTests.Run(args);
            Assert.True(code == 0, err);
            using var doc = System.Text.Json.JsonDocument.Parse(output);
            Assert.Equal(ModelBeatActivation.SourceName, doc.RootElement.GetProperty("activation").GetString());
            var times = doc.RootElement.GetProperty("beats").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.True(BeatMetrics.Evaluate(wav.BeatTimes!, times).FMeasure >= 0.9, output);
        }
        (code, output, err) = CliTests.Run("beats", wav.Path, "--activation", "onset", "--json");
        Assert.True(code == 0, err);
        Assert.Contains("onset-strength", output);
        (code, _, err) = CliTests.Run("beats", wav.Path, "--activation", "onset", "--beat-model", tiny.Result.ModelPath);
        Assert.NotEqual(0, code);
        Assert.Contains("--beat-model", err);
        (code, _, err) = CliTests.Run("estimate", wav.Path, "--beat-model", tiny.Result.ModelPath);
        Assert.NotEqual(0, code);
        Assert.Contains("--beats", err);
        (code, output, err) = CliTests.Run("estimate", wav.Path, "--format", "json", "--beats", "--activation", "model", "--beat-model", tiny.Result.ModelPath);
        Assert.True(code == 0, err);
        using (var doc = System.Text.Json.JsonDocument.Parse(output))
        {
            var times = doc.RootElement.GetProperty("beats").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.True(BeatMetrics.Evaluate(wav.BeatTimes!, times).FMeasure >= 0.9, output);
        }
    }

    [Fact]
    public void Cli_EvalScoresBeatsOnTheModelActivation()
    {
        var audio = Path.Combine(Dir, "eval-audio");
        var labels = Path.Combine(Dir, "eval-labels");
        Directory.CreateDirectory(labels);
        Directory.CreateDirectory(audio);
        foreach (var bpm in new[] { 95.0, 133.0 })
        {
            var t = TinyBeatModel.Clicks(audio, $"c{bpm}.wav", bpm, 12, seed: (int)bpm);
            File.WriteAllLines(Path.Combine(labels, $"c{bpm}.beats"), t.BeatTimes!.Select(x => x.ToString("F4", CultureInfo.InvariantCulture)));
        }
        var outDir = Path.Combine(Dir, "eval-out");
        var (code, output, err) = CliTests.Run("eval", "--labels", labels, "--audio", audio, "--method", "dsp", "--beat-model", tiny.Result.ModelPath, "--out", outDir);
        Assert.True(code == 0, $"exit {code}\n{output}\n{err}");
        Assert.Contains(ModelBeatActivation.SourceName, err);   // the note says what the beats were tracked on
        var csv = File.ReadAllLines(Path.Combine(outDir, "tracks.csv"));
        int col = Array.IndexOf(csv[0].Split(','), "beat_f");
        Assert.All(csv.Skip(1), row => Assert.True(double.Parse(row.Split(',')[col], CultureInfo.InvariantCulture) >= 0.9, row));
    }

    [Fact]
    public void Cli_FinetuneBeatWeight_NeedsTracksWithBeats_AndAnUnfrozenNetwork()
    {
        var index = Path.Combine(Dir, "no-beats.csv");
        File.WriteAllText(index, $"path,bpm\n{tiny.Tracks[0].Path},{tiny.Tracks[0].Bpm.ToString(CultureInfo.InvariantCulture)}\n");
        var (code, output, err) = CliTests.Run("finetune", "--model", tiny.StartModel, "--labels", index, "--out", Path.Combine(Dir, "ft-none"), "--beat-weight", "1");
        Assert.NotEqual(0, code);
        Assert.Contains("beat times", err + output);
        Assert.False(File.Exists(Path.Combine(Dir, "ft-none", "checkpoint.eqtm")));
        (code, output, err) = CliTests.Run("finetune", "--model", tiny.StartModel, "--labels", index, "--out", Path.Combine(Dir, "ft-frozen"), "--beat-weight", "1", "--freeze");
        Assert.NotEqual(0, code);
        Assert.Contains("--beat-weight and --freeze", err + output);
    }
}
