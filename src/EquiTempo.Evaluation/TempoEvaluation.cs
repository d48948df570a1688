using EquiTempo.Beats;
using EquiTempo.Inference;

namespace EquiTempo.Evaluation;

/// <summary>Settings of an evaluation run.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Relative tolerance of Acc1 and Acc2 (the papers use 4 %).</summary>
    public double Tolerance { get; init; } = TempoMetrics.DefaultTolerance;

    /// <summary>Relative tolerance of the P-score (MIREX uses 8 %).</summary>
    public double PScoreTolerance { get; init; } = TempoMetrics.PScoreTolerance;

    /// <summary>Tracks estimated at once. Two keep both cores busy: decoding and the front end of one track
    /// overlap the network call of the other, which the model method serialises anyway.</summary>
    public int Parallelism { get; init; } = 2;

    /// <summary>Track beats on tracks whose annotation holds beat times, at the tempo the method estimated, and score
    /// them (<see cref="BeatMetrics"/>).</summary>
    public bool ScoreBeats { get; init; } = true;

    /// <summary>What the beats are tracked on; null = the DSP onset strength (the beat tracker's default). The
    /// caller's to dispose; it must be thread-safe when <see cref="Parallelism"/> exceeds 1 (the sources here are).</summary>
    public IBeatActivationSource? BeatActivation { get; init; }
}

/// <summary>What happened to one track: the method's estimate and its scores, or why it failed.</summary>
public sealed record TrackOutcome(LabelledTrack Track)
{
    public double? Bpm { get; init; }
    public double? Bpm2 { get; init; }
    public double? Salience { get; init; }
    public double? Confidence { get; init; }
    public bool Acc1 { get; init; }
    public bool Acc2 { get; init; }
    public double? OctaveError { get; init; }

    /// <summary>MIREX P-score; null unless the track has two reference tempi (a failed one then scores 0).</summary>
    public double? PScore { get; init; }

    /// <summary>Why the method could not estimate this track, starting with its path; null when it did.</summary>
    public string? Error { get; init; }

    /// <summary>Beat scores (mir_eval defaults); null unless the track has reference beat times (a failed one then
    /// scores 0 throughout).</summary>
    public BeatScores? Beats { get; init; }

    /// <summary>Downbeat F-measure (<see cref="BeatMetrics.DownbeatFMeasure"/>); null unless the track has reference
    /// downbeats and its beats were numbered (the activation had downbeats). A track whose tempo failed has no
    /// numbered beats, so it is left out of the downbeat means rather than scored 0 as in the beat scores: without
    /// beats there is no telling whether its activation had downbeats.</summary>
    public double? DownbeatF { get; init; }

    public bool Failed => Error is not null;
}

/// <summary>
/// Scores over a group of tracks. A failed track counts as a miss in <see cref="Acc1"/> and <see cref="Acc2"/>
/// (and scores 0 in the P-score), as in a paper's table, where every track of the data set counts.
/// </summary>
/// <param name="Kind">The group's name (a genre folder, "all", or the overall row).</param>
/// <param name="Tracks">Tracks in the group, failed ones included.</param>
/// <param name="Failed">Tracks whose estimate failed.</param>
/// <param name="Acc1">Fraction of tracks within the tolerance of the reference tempo.</param>
/// <param name="Acc2">Like <paramref name="Acc1"/>, also accepting ×2, ×3, ×½ and ×⅓ of the reference.</param>
/// <param name="MeanPScore">Mean P-score over the <paramref name="PScoreTracks"/> tracks that have two reference tempi; null when none has.</param>
/// <param name="PScoreTracks">How many tracks have two reference tempi.</param>
public sealed record KindSummary(string Kind, int Tracks, int Failed, double Acc1, double Acc2, double? MeanPScore, int PScoreTracks)
{
    /// <summary>Mean beat scores over the <see cref="BeatTracks"/> tracks with reference beat times; null when none has.</summary>
    public BeatScores? MeanBeats { get; init; }
    public int BeatTracks { get; init; }
    /// <summary>Mean downbeat F over the <see cref="DownbeatTracks"/> tracks that have one; null when none has.</summary>
    public double? MeanDownbeatF { get; init; }
    public int DownbeatTracks { get; init; }
}

/// <summary>Reported after each track: how many are done, and the latest outcome.</summary>
public sealed record EvaluationProgress(int Done, int Total, int Failed, TrackOutcome Latest);

/// <summary>Everything an evaluation run produced, in the order of the input tracks.</summary>
public sealed record TempoEvaluationResult(
    string Method, EvaluationOptions Options, DateTime StartedUtc, TimeSpan Elapsed,
    IReadOnlyList<TrackOutcome> Outcomes, IReadOnlyList<KindSummary> ByKind, KindSummary Overall)
{
    public int FailedTracks => Overall.Failed;
    public int EvaluatedTracks => Overall.Tracks - Overall.Failed;
}

/// <summary>
/// Runs one tempo method over labelled tracks and scores it (Acc1, Acc2, octave error, P-score). A track
/// that cannot be estimated is recorded with its error and the run goes on.
/// </summary>
public static class TempoEvaluation
{
    /// <summary>Name of the summary over every track.</summary>
    public const string OverallKind = "overall";

    public static TempoEvaluationResult Run(ITempoMethod method, IReadOnlyList<LabelledTrack> tracks, EvaluationOptions? options = null,
        IProgress<EvaluationProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(tracks);
        var opt = options ?? new EvaluationOptions();
        if (!(opt.Tolerance > 0 && opt.Tolerance < 1)) throw new ArgumentOutOfRangeException(nameof(options), opt.Tolerance, "tolerance must be in (0, 1)");
        if (!(opt.PScoreTolerance > 0 && opt.PScoreTolerance < 1)) throw new ArgumentOutOfRangeException(nameof(options), opt.PScoreTolerance, "P-score tolerance must be in (0, 1)");
        if (opt.Parallelism < 1) throw new ArgumentOutOfRangeException(nameof(options), opt.Parallelism, "parallelism must be at least 1");

        var started = DateTime.UtcNow;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var outcomes = new TrackOutcome[tracks.Count];
        int done = 0, failed = 0;
        var gate = new object();
        using var beats = opt.ScoreBeats && tracks.Any(t => t.BeatTimes is not null) ? new BeatTracker(activation: opt.BeatActivation) : null;
        Parallel.For(0, tracks.Count, new ParallelOptions { MaxDegreeOfParallelism = opt.Parallelism, CancellationToken = ct }, i =>
        {
            var (outcome, estimate) = Score(method, tracks[i], opt, ct);
            if (beats is not null && tracks[i].BeatTimes is { } reference) outcome = WithBeats(outcome, estimate, beats, reference, tracks[i].DownbeatTimes, ct);
            outcomes[i] = outcome;
            lock (gate)
            {
                done++;
                if (outcome.Failed) failed++;
                progress?.Report(new EvaluationProgress(done, tracks.Count, failed, outcome));
            }
        });
        var (byKind, overall) = Summarise(outcomes);
        return new TempoEvaluationResult(method.Name, opt, started, clock.Elapsed, outcomes, byKind, overall);
    }

    /// <summary>One summary per kind (ordered by name) and one over all tracks.</summary>
    public static (IReadOnlyList<KindSummary> ByKind, KindSummary Overall) Summarise(IReadOnlyList<TrackOutcome> outcomes)
    {
        var byKind = outcomes.GroupBy(o => o.Track.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Summary(g.Key, g.ToList())).ToList();
        return (byKind, Summary(OverallKind, outcomes));
    }

    private static KindSummary Summary(string kind, IReadOnlyList<TrackOutcome> group)
    {
        int n = group.Count;
        var pScores = group.Where(o => o.PScore is not null).Select(o => o.PScore!.Value).ToList();
        var beats = group.Where(o => o.Beats is not null).Select(o => o.Beats!).ToList();
        var downbeats = group.Where(o => o.DownbeatF is not null).Select(o => o.DownbeatF!.Value).ToList();
        return new KindSummary(kind, n, group.Count(o => o.Failed),
            n == 0 ? 0 : group.Count(o => o.Acc1) / (double)n,
            n == 0 ? 0 : group.Count(o => o.Acc2) / (double)n,
            pScores.Count == 0 ? null : pScores.Average(), pScores.Count)
        {
            MeanBeats = beats.Count == 0 ? null : new BeatScores(beats.Average(b => b.FMeasure), beats.Average(b => b.CmlC),
                beats.Average(b => b.CmlT), beats.Average(b => b.AmlC), beats.Average(b => b.AmlT)),
            BeatTracks = beats.Count,
            MeanDownbeatF = downbeats.Count == 0 ? null : downbeats.Average(),
            DownbeatTracks = downbeats.Count,
        };
    }

    /// <summary>The outcome with its beats scored: tracked at the estimated tempo, so a wrong tempo costs beats too. A
    /// failed track (or one whose audio now fails) scores 0. The downbeats are scored where the reference has them
    /// and the tracker numbered the beats.</summary>
    private static TrackOutcome WithBeats(TrackOutcome outcome, TempoEstimate? estimate, BeatTracker tracker, IReadOnlyList<double> reference,
        IReadOnlyList<double>? referenceDownbeats, CancellationToken ct)
    {
        var zero = new BeatScores(0, 0, 0, 0, 0);
        if (estimate is null) return outcome with { Beats = zero };   // the tempo failed: no beats either
        BeatTrack track;
        try { track = tracker.Track(estimate, ct); }
        catch (EquiTempoException) { return outcome with { Beats = zero }; }
        return outcome with
        {
            Beats = BeatMetrics.Evaluate(reference, track.Times),
            DownbeatF = referenceDownbeats is not null && track.DownbeatTimes is { } downbeats ? BeatMetrics.DownbeatFMeasure(referenceDownbeats, downbeats) : null,
        };
    }

    /// <returns>The outcome, and the estimate (null when it failed) for the beats to be tracked from.</returns>
    private static (TrackOutcome, TempoEstimate?) Score(ITempoMethod method, LabelledTrack track, EvaluationOptions opt, CancellationToken ct)
    {
        TempoEstimate estimate;
        try { estimate = method.Estimate(track.Path, ct: ct); }
        catch (EquiTempoException e)
        {
            // Expected failures on real data (decoding, silence); anything else is a bug and propagates.
            return (new TrackOutcome(track) { Error = e.Subject is null ? $"{track.Path}: {e.Message}" : e.Message, PScore = track.HasTwoReferences ? 0 : null }, null);
        }
        if (!(estimate.Bpm > 0) || !double.IsFinite(estimate.Bpm))
            return (new TrackOutcome(track) { Error = $"{track.Path}: the method returned {estimate.Bpm} BPM", PScore = track.HasTwoReferences ? 0 : null }, null);
        // A method without a second tempo gives the first again, so the P-score sees one candidate twice.
        double second = estimate.Bpm2 > 0 && double.IsFinite(estimate.Bpm2) ? estimate.Bpm2 : estimate.Bpm;
        return (new TrackOutcome(track)
        {
            Bpm = estimate.Bpm,
            Bpm2 = estimate.Bpm2,
            Salience = estimate.Salience,
            Confidence = estimate.Confidence,
            Acc1 = TempoMetrics.Acc1(estimate.Bpm, track.Bpm, opt.Tolerance),
            Acc2 = TempoMetrics.Acc2(estimate.Bpm, track.Bpm, opt.Tolerance),
            OctaveError = TempoMetrics.OctaveError(estimate.Bpm, track.Bpm),
            PScore = track.HasTwoReferences
                ? TempoMetrics.PScore(estimate.Bpm, second, track.Bpm, track.Bpm2!.Value, track.Salience!.Value, opt.PScoreTolerance)
                : null,
        }, estimate);
    }
}
