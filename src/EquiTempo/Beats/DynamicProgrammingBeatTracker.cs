namespace EquiTempo.Beats;

/// <summary>
/// Beat tracking by dynamic programming over an activation at a known tempo (Ellis 2007; librosa's
/// <c>beat.beat_track</c> after its tempo step): the activation, divided by its standard deviation, is smoothed by
/// a Gaussian of σ = period / 32 into a local score; each frame's cumulative score is its local score plus the best
/// predecessor's cumulative score minus Tightness · (log(interval / period))², predecessors lying ½ to 2 periods
/// back; the path is traced back from the last local maximum of the cumulative score that exceeds half the median
/// of those maxima, and weak leading and trailing beats are trimmed. Immutable and thread-safe.
/// </summary>
public sealed class DynamicProgrammingBeatTracker
{
    public BeatTrackerConfig Config { get; }

    public DynamicProgrammingBeatTracker(BeatTrackerConfig? config = null) =>
        Config = (config ?? new BeatTrackerConfig()).Validated();

    /// <summary>Beat times (seconds, increasing) in <paramref name="activation"/> at <paramref name="bpm"/>; none when
    /// the activation is all zero (librosa's answer for silence) or shorter than two frames.</summary>
    public double[] Track(BeatActivation activation, double bpm) =>
        TrackFrames(activation.Values, 60.0 * activation.FramesPerSecond / CheckedBpm(bpm)).Select(activation.FrameSeconds).ToArray();

    /// <summary>Beat frames of <paramref name="activation"/> for a beat period of <paramref name="framesPerBeat"/> frames.</summary>
    public int[] TrackFrames(ReadOnlySpan<float> activation, double framesPerBeat)
    {
        if (!(framesPerBeat >= 2) || !double.IsFinite(framesPerBeat))
            throw new ArgumentOutOfRangeException(nameof(framesPerBeat), framesPerBeat, "a beat period must be at least 2 frames");
        int n = activation.Length;
        if (n < 2 || !HasOnsets(activation)) return Array.Empty<int>();
        var local = LocalScore(activation, framesPerBeat);
        var (backlink, cumulative) = CumulativeScore(local, framesPerBeat);
        var beats = new List<int>();
        for (int frame = LastBeat(cumulative, local); frame >= 0; frame = backlink[frame]) beats.Add(frame);
        beats.Reverse();
        return Trimmed(local, beats);
    }

    private static double CheckedBpm(double bpm) =>
        bpm > 0 && double.IsFinite(bpm) ? bpm : throw new ArgumentOutOfRangeException(nameof(bpm), bpm, "tempo must be a positive number");

    private static bool HasOnsets(ReadOnlySpan<float> activation)
    {
        foreach (var v in activation) if (v != 0) return true;
        return false;
    }

    /// <summary>The activation over its standard deviation (ddof 1, librosa's AGC), convolved ("same") with
    /// exp(−½ (k · divisor / period)²) for k within ±period.</summary>
    private double[] LocalScore(ReadOnlySpan<float> activation, double period)
    {
        int n = activation.Length;
        double mean = 0;
        foreach (var v in activation) mean += v;
        mean /= n;
        double ss = 0;
        foreach (var v in activation) ss += (v - mean) * (v - mean);
        double norm = Math.Sqrt(ss / (n - 1)) + 1e-300;
        int reach = (int)Math.Ceiling(period);
        var kernel = new double[2 * reach + 1];
        for (int k = -reach; k <= reach; k++)
        {
            double z = k * Config.LocalScoreWidthDivisor / period;
            kernel[k + reach] = Math.Exp(-0.5 * z * z);
        }
        var local = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int k = Math.Max(-reach, i - (n - 1)); k <= Math.Min(reach, i); k++) sum += kernel[k + reach] * activation[i - k];
            local[i] = sum / norm;
        }
        return local;
    }

    private (int[] Backlink, double[] Cumulative) CumulativeScore(double[] local, double period)
    {
        int n = local.Length;
        var backlink = new int[n];
        var cumulative = new double[n];
        double threshold = Config.FirstBeatThreshold * local.Max(), logPeriod = Math.Log(period);
        int nearest = Math.Max(1, (int)Math.Round(Config.ShortestIntervalPeriods * period));
        int farthest = (int)Math.Round(Config.LongestIntervalPeriods * period);
        bool firstBeat = true;
        // Frames before the first that starts a path are no predecessors either (a departure: librosa searches
        // them). Through silence a chain of frames spaced exactly one period apart costs nothing, so the path could
        // reach the music's second beat from the silent lead-in and skip its first (an activation with impulses
        // every 20 frames from frame 10 lost the impulse at 10).
        int pathStart = n;
        for (int i = 0; i < n; i++)
        {
            int best = -1;
            double bestScore = double.NegativeInfinity;
            for (int previous = i - nearest; previous >= i - farthest && previous >= pathStart; previous--)
            {
                double d = Math.Log(i - previous) - logPeriod;
                double score = cumulative[previous] - Config.Tightness * d * d;
                if (score > bestScore) { bestScore = score; best = previous; }
            }
            cumulative[i] = local[i] + (best >= 0 ? bestScore : 0);
            // Until the activation first rises, no frame starts a path: silence or noise before the music is no beat.
            if (firstBeat && local[i] < threshold) backlink[i] = -1;
            else
            {
                backlink[i] = best;
                if (firstBeat) pathStart = i;
                firstBeat = false;
            }
        }
        return (backlink, cumulative);
    }

    /// <summary>
    /// The last local maximum of the cumulative score (librosa's localmax: above the frame before, not below the
    /// frame after) whose doubled score exceeds the median of the maxima's scores, as librosa picks it, but searched
    /// only up to the last frame whose local score reaches <see cref="BeatTrackerConfig.FirstBeatThreshold"/> of the
    /// largest, the mirror of where a path may start. librosa searches to the end: after the music, the cumulative
    /// score of silent frames still grows from the last beats, and the path back from there may pass through a
    /// silent frame instead of the last onset (on a 90 BPM click track ending 0.5 s after its last click, a last
    /// beat 80 ms early).
    /// </summary>
    private int LastBeat(double[] cumulative, double[] local)
    {
        double threshold = Config.FirstBeatThreshold * local.Max();
        int end = local.Length - 1;
        while (end > 0 && local[end] < threshold) end--;
        bool IsMax(int i) => i > 0 && cumulative[i] > cumulative[i - 1] && (i == end || cumulative[i] >= cumulative[i + 1]);
        var maxima = Enumerable.Range(0, end + 1).Where(IsMax).Select(i => cumulative[i]).OrderBy(v => v).ToArray();
        if (maxima.Length == 0) return end;
        int m = maxima.Length / 2;
        double median = maxima.Length % 2 == 1 ? maxima[m] : 0.5 * (maxima[m - 1] + maxima[m]);
        // librosa takes the last frame where cumscore · is_max · 2 > median, so with a negative median any frame counts.
        for (int i = end; i >= 0; i--)
            if ((IsMax(i) ? cumulative[i] : 0) * 2 > median) return i;
        return end;
    }

    /// <summary>
    /// librosa's trim: the beats' local scores are smoothed by a 5-point Hann window ([0, ½, 1, ½, 0], "same" mode)
    /// and the threshold is half their RMS; beats before the first and after the last whose smoothed score exceeds it
    /// are dropped (librosa 0.9). Two departures: the last such beat is kept (librosa 0.9 slices it off,
    /// <c>beats[valid.min():valid.max()]</c>), and librosa 0.10 compares the threshold with the unsmoothed local
    /// score of the frames, about half the scale of the smoothed one (the window sums to 2), which drops end beats
    /// that are merely quieter than the average: two true beats at each end of a 60 BPM click track whose clicks vary
    /// ±30 % in strength. Without trimming the threshold is 0, which still drops beats of zero score.
    /// </summary>
    private int[] Trimmed(double[] local, List<int> beats)
    {
        if (beats.Count == 0) return Array.Empty<int>();
        double[] w = { 0, 0.5, 1, 0.5, 0 };
        var smooth = new double[beats.Count];
        for (int b = 0; b < beats.Count; b++)
            for (int k = -2; k <= 2; k++)
                if (b - k >= 0 && b - k < beats.Count) smooth[b] += w[k + 2] * local[beats[b - k]];
        double threshold = Config.Trim ? 0.5 * Math.Sqrt(smooth.Sum(v => v * v) / smooth.Length) : 0;
        int first = Array.FindIndex(smooth, v => v > threshold), last = Array.FindLastIndex(smooth, v => v > threshold);
        return first < 0 ? Array.Empty<int>() : beats.GetRange(first, last - first + 1).ToArray();
    }
}
