namespace EquiTempo;

/// <summary>
/// A way of estimating tempo from audio: the trained model (<c>EquiTempo.Inference.TempoEstimator</c>) or a baseline.
/// The evaluation harness and the CLI take any of them, so every method is measured by the same code.
/// Implementations are thread-safe; files that cannot be decoded raise <c>AudioFormatException</c> and
/// silent ones <see cref="NoTempoException"/>, both naming the file.
/// </summary>
public interface ITempoMethod : IDisposable
{
    /// <summary>Short name shown in tables and reports (e.g. "model:class-head", "dsp").</summary>
    string Name { get; }

    TempoEstimate Estimate(string path, bool localCurve = false, CancellationToken ct = default);

    /// <summary>The tempo of audio read once, front to back, from <paramref name="audio"/> (standard input, a pipe),
    /// in any format a file may have; <paramref name="name"/> names it in the result and in errors.</summary>
    TempoEstimate Estimate(Stream audio, string name, bool localCurve = false, CancellationToken ct = default);

    TempoEstimate Estimate(float[] samples, int sampleRate, bool localCurve = false, string? name = null, CancellationToken ct = default);
}
