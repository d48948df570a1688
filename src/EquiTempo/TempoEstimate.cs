namespace EquiTempo;

/// <summary>One point of a local tempo curve.</summary>
public readonly record struct TempoPoint(double TimeSeconds, double Bpm);

/// <summary>
/// Result for one track. <see cref="Confidence"/> is the share of the track's evidence that agrees with
/// <see cref="Bpm"/> within ±4 %: for the class head, the chunk-averaged probability mass in that band;
/// for the scale readout, the fraction of non-silent chunks whose estimate falls in it. 1 = every chunk
/// agrees, values near 0 = the chunks disagree (no steady tempo, or the model is unsure).
/// </summary>
public sealed record TempoEstimate(
    string? File, double Bpm, double Bpm2, double Salience, double Confidence, double DurationSeconds,
    int Chunks, string Readout, IReadOnlyList<TempoPoint>? Curve = null);
