namespace EquiTempo;

/// <summary>One point of a local tempo curve.</summary>
public readonly record struct TempoPoint(double TimeSeconds, double Bpm);

/// <summary>
/// Result for one track. <see cref="Bpm2"/> is the strongest metrical relative of <see cref="Bpm"/> (×2, ×½, ×3, ×⅓,
/// ×3/2, ×⅔; Bpm itself when none has any evidence in range) and <see cref="Salience"/> Bpm's share of the two, so
/// Bpm2's is 1 − Salience. <see cref="Confidence"/> is the share of the track's evidence that agrees with
/// <see cref="Bpm"/> within ±4 %: for the class head, the chunk-averaged probability mass in that band; for the scale
/// readout, the fraction of non-silent chunks whose estimate falls in it; for the DSP baseline, the fraction of its
/// 16 s windows. 1 = every chunk agrees, values near 0 = the chunks disagree (no steady tempo, or the model is
/// unsure). It is not a calibrated probability: on the development sets the shipped model's answers were right
/// (Acc1) for 40 % of tracks under 0.4, 59 % at 0.4–0.6, 80 % at 0.6–0.8 and 88 % above (README, "Confidence and no
/// tempo"). An input without a tempo gets no estimate at all but a <see cref="NoTempoException"/>.
/// <para><see cref="Onsets"/> is the spectral-flux onset envelope of the whole input on which the estimate's evidence
/// was measured (the DSP baseline's, 43 frames/s of float: about 10 kB a minute), kept so that
/// <see cref="Beats.BeatTracker.Track(TempoEstimate, CancellationToken)"/> tracks the beats without decoding the
/// audio a second time; null from a method that computes none.</para>
/// <para><see cref="BeatHeadActivation"/> is the beat head's activation (100 frames/s) from an estimator given a beat
/// head (<see cref="Inference.TempoEstimator"/>'s <c>beatHead</c>), computed from the log-mel the tempo network read, so
/// that a tracker following that head does not decode and analyse the audio again; null otherwise.</para>
/// </summary>
public sealed record TempoEstimate(
    string? File, double Bpm, double Bpm2, double Salience, double Confidence, double DurationSeconds,
    int Chunks, string Readout, IReadOnlyList<TempoPoint>? Curve = null, Beats.BeatActivation? Onsets = null,
    Beats.BeatActivation? BeatHeadActivation = null);
