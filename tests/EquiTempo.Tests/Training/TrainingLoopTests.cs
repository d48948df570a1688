using EquiTempo.Features;
using EquiTempo.Model;
using EquiTempo.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EquiTempo.Tests.Training;

/// <summary>A new objective is one type: this one pulls the output bias toward 3 and validates by its distance.</summary>
[Collection(LibTorchRngCollection.Name)]
public class TrainingLoopTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("eq-loop-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private sealed class BiasObjective(TempoModel model) : ITrainingObjective<int>
    {
        private Parameter Bias => model.Network.named_parameters().Single(p => p.name == "output_reg.bias").parameter;
        public List<(int Epoch, int Batch)> Produced { get; } = new();
        public IEnumerable<Parameter> Parameters => new[] { Bias };
        public int StepsPerEpoch => 3;
        public IReadOnlyList<string> MetricColumns { get; } = new[] { "distance" };
        public void ProduceEpoch(int epoch, Action<int> write, CancellationToken ct)
        {
            for (int k = 0; k < StepsPerEpoch; k++) { lock (Produced) Produced.Add((epoch, k)); write(k); }
        }
        public StepOutcome Step(int batch)
        {
            using var scope = NewDisposeScope();
            var loss = (Bias - 3).pow(2).sum();
            loss.backward();
            return new StepOutcome(loss.item<float>(), 1);
        }
        public ValidationOutcome Validate()
        {
            double d = Math.Abs(Bias.item<float>() - 3);
            return new ValidationOutcome(d * d, new[] { d });
        }
        public void SetMode(bool training) { }
        public void Stamp(ModelMetadata metadata, EpochRecord e) => metadata.Training["bias_epochs"] = e.Epoch.ToString();
    }

    [Fact]
    public void TrivialObjective_Trains_Logs_Saves_AndResumes()
    {
        manual_seed(1);
        using var model = new TempoModel(new ModelMetadata { Input = new ModelInput(ChunkSamples: 88_200) });
        var fresh = new LoopState(0, 0, null, Array.Empty<double>(), 0);
        var options = new TrainingLoopOptions(Epochs: 2, LearningRate: 0.1, PrefetchBatches: 1, PlotTitle: "bias", LossName: "squared distance");
        var objective = new BiasObjective(model);
        var outcome = TrainingLoop.Run(objective, model, _dir, fresh, s => s, options, resume: false);
        Assert.Equal(2, outcome.LastEpoch);
        Assert.Equal(2, outcome.State.BestEpoch);
        Assert.Equal(6, objective.Produced.Count);
        var epochs = File.ReadAllLines(Path.Combine(_dir, "epochs.csv"));
        Assert.Equal("epoch,train_loss,validation_loss,distance,views_per_second,epoch_seconds,elapsed_seconds", epochs[0]);
        Assert.Equal(3, epochs.Length);
        Assert.Equal(7, File.ReadAllLines(Path.Combine(_dir, "steps.csv")).Length);
        using (var best = TempoModel.Load(Path.Combine(_dir, "model.eqtm"))) Assert.Equal("2", best.Metadata.Training["bias_epochs"]);

        // Two more epochs, resumed: only epochs 3 and 4 run, the logs continue.
        var more = TrainingLoop.Run(objective, model, _dir, outcome.State, s => s, options with { Epochs = 4 }, resume: true);
        Assert.Equal(4, more.LastEpoch);
        Assert.Equal(new[] { 3, 4 }, objective.Produced.Skip(6).Select(p => p.Epoch).Distinct());
        Assert.Equal(5, File.ReadAllLines(Path.Combine(_dir, "epochs.csv")).Length);
        Assert.True(more.State.BestLoss < outcome.State.BestLoss);
    }

    [Fact]
    public void Patience_StopsEarly()
    {
        manual_seed(2);
        using var model = new TempoModel(new ModelMetadata { Input = new ModelInput(ChunkSamples: 88_200) });
        // A best loss of 0 cannot be beaten, so patience 1 stops after the first epoch.
        var options = new TrainingLoopOptions(Epochs: 10, LearningRate: 0.1, PrefetchBatches: 2, Patience: 1);
        var outcome = TrainingLoop.Run(new BiasObjective(model), model, _dir, new LoopState(0, 0, 0.0, new[] { 0.0 }, 0), s => s, options, resume: false);
        Assert.True(outcome.StoppedEarly);
        Assert.Equal(1, outcome.LastEpoch);
    }
}
