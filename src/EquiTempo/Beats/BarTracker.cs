namespace EquiTempo.Beats;

/// <summary>
/// Settings of the bar tracker (<see cref="BarTracker"/>), with madmom's DBNBarTrackingProcessor values as defaults
/// where it has them.
/// </summary>
public sealed record BarTrackerConfig
{
    /// <summary>The meters the decoder may choose, in beats per bar (madmom's default: 3 and 4). Add 2 where a felt
    /// beat is the dotted quarter of 6/8 (two beats a bar).</summary>
    public IReadOnlyList<int> BeatsPerBar { get; init; } = [3, 4];
    /// <summary>Probability of changing meter at a bar line, shared among the other meters (madmom's 1e-7: a change
    /// costs 16 in log, so it takes a few bars of evidence).</summary>
    public double MeterChangeProbability { get; init; } = 1e-7;
    /// <summary>Each beat reads the largest downbeat activation within this share of the beat interval on either side
    /// (the interval to the previous beat before it, to the next after it): a quarter keeps the neighbouring beats'
    /// peaks out while allowing for a head whose peak is a few frames off the tracked beat.</summary>
    public double WindowBeats { get; init; } = 0.25;
    /// <summary>The beat-synchronous activation is clipped to [floor, 1 − floor] before its logarithm: a frame exactly
    /// 0 or 1 (a saturated sigmoid, a constructed activation) would otherwise be an infinite veto on one beat,
    /// stronger than any number of bars (log 1e-4 = −9.2, about half a meter change).</summary>
    public double ActivationFloor { get; init; } = 1e-4;

    internal BarTrackerConfig Validated()
    {
        if (BeatsPerBar is null || BeatsPerBar.Count == 0 || BeatsPerBar.Any(m => m < 1) || BeatsPerBar.Distinct().Count() != BeatsPerBar.Count)
            throw new ArgumentException($"invalid bar-tracker settings: BeatsPerBar [{string.Join(", ", BeatsPerBar ?? [])}] (need one or more distinct positive meters)");
        if (!(MeterChangeProbability >= 0 && MeterChangeProbability < 1))
            throw new ArgumentException($"invalid bar-tracker settings: MeterChangeProbability {MeterChangeProbability} (must be in [0, 1))");
        if (!(WindowBeats > 0 && WindowBeats <= 0.5))
            throw new ArgumentException($"invalid bar-tracker settings: WindowBeats {WindowBeats} (must be in (0, 0.5]: wider windows overlap the next beat's)");
        if (!(ActivationFloor > 0 && ActivationFloor < 0.5))
            throw new ArgumentException($"invalid bar-tracker settings: ActivationFloor {ActivationFloor} (must be in (0, 0.5))");
        return this;
    }
}

/// <summary>Each beat's number in its bar (1 = downbeat) and the meter (beats per bar) it was decoded in.</summary>
public sealed record BarTrack(int[] Numbers, int[] Meters)
{
    /// <summary>The meter most beats were decoded in (the smaller on a tie); null when there are no beats.</summary>
    public int? BeatsPerBar => Meters.Length == 0 ? null
        : Meters.GroupBy(m => m).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
}

/// <summary>
/// Beat times and a frame-wise downbeat activation → each beat's number in its bar, after madmom's
/// DBNBarTrackingProcessor (Krebs, Böck &amp; Widmer 2016): the activation is read once per beat, and a Viterbi
/// decoder over the states (meter m, position p), p = 0 … m − 1, finds the likeliest sequence, each beat moving
/// p → p + 1 within a bar and, from the last position, to position 0 of the same meter (1 − c) or of another
/// (c shared among the others, c = <see cref="BarTrackerConfig.MeterChangeProbability"/>); every state is equally
/// likely at the first beat, so a track may start anywhere in a bar. A beat in position 0 is observed with density
/// a, any other with 1 − a, where a is the beat's activation.
/// <para>Where it departs from madmom:</para>
/// <list type="bullet">
/// <item>madmom's per-beat activation comes from its own network over beat-synchronous features (RNNBarProcessor,
/// one value per beat interval); here it is the largest value of the downbeat activation within
/// <see cref="BarTrackerConfig.WindowBeats"/> of a beat interval around the beat, so any frame-wise downbeat head
/// serves.</item>
/// <item>madmom gives the states off the downbeat the density (1 − a) / (w − 1), w = observation_weight = 100, a
/// divisor it inherits from the frame-wise beat tracker, where it spreads the non-beat mass over the w − 1 frame
/// states of a beat period. With one state per beat it only charges log 99 for every beat that is not a downbeat,
/// a prior for short bars whatever the activation says: a flat activation decodes in 3 rather than 4, and with 2
/// allowed a clear 4/4 activation (0.9 on the downbeats, 0.05 elsewhere) decodes in 2 (−12.4 against −14.0 a bar
/// in log). Here the density is 1 − a, so the meters compete on the activation alone.</item>
/// <item>madmom does not decode the last beat (its activation has no value there) and extrapolates its number;
/// here every beat has an activation and is decoded.</item>
/// <item>the activation is clipped (<see cref="BarTrackerConfig.ActivationFloor"/>) where madmom takes the
/// logarithm of 0.</item>
/// </list>
/// Immutable and thread-safe.
/// </summary>
public sealed class BarTracker
{
    public BarTrackerConfig Config { get; }
    // The states in order: every position of the first meter, then of the second, …
    private readonly int[] _stateMeter, _statePosition, _firstState;

    public BarTracker(BarTrackerConfig? config = null)
    {
        Config = (config ?? new BarTrackerConfig()).Validated();
        int count = Config.BeatsPerBar.Sum();
        _stateMeter = new int[count];
        _statePosition = new int[count];
        _firstState = new int[Config.BeatsPerBar.Count];
        int s = 0;
        for (int k = 0; k < Config.BeatsPerBar.Count; k++)
        {
            _firstState[k] = s;
            for (int p = 0; p < Config.BeatsPerBar[k]; p++, s++) { _stateMeter[s] = k; _statePosition[s] = p; }
        }
    }

    /// <summary>The bars of <paramref name="beatTimes"/> (seconds, increasing) in <paramref name="activation"/>'s
    /// <see cref="BeatActivation.Downbeats"/>.</summary>
    /// <exception cref="ArgumentException">The activation has no downbeats, or not one a frame of its values.</exception>
    public BarTrack Track(IReadOnlyList<double> beatTimes, BeatActivation activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        if (activation.Downbeats is not { } downbeats)
            throw new ArgumentException("the activation has no downbeats to track bars on", nameof(activation));
        if (downbeats.Length != activation.Values.Length)
            throw new ArgumentException($"the activation has {downbeats.Length} downbeat frames for {activation.Values.Length} beat frames (must be the same frames)", nameof(activation));
        return Decode(Synchronise(beatTimes, downbeats, activation.FramesPerSecond));
    }

    /// <summary>Each beat's downbeat activation: the largest frame within <see cref="BarTrackerConfig.WindowBeats"/>
    /// of the interval to the previous beat before it and of the interval to the next after it (a lone beat: ±1
    /// frame); 0 for a beat beyond the activation.</summary>
    public double[] Synchronise(IReadOnlyList<double> beatTimes, ReadOnlySpan<float> downbeats, double framesPerSecond)
    {
        ArgumentNullException.ThrowIfNull(beatTimes);
        if (!(framesPerSecond > 0) || !double.IsFinite(framesPerSecond))
            throw new ArgumentOutOfRangeException(nameof(framesPerSecond), framesPerSecond, "frames per second must be a positive number");
        int n = beatTimes.Count;
        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            double t = beatTimes[i];
            if (!double.IsFinite(t) || (i > 0 && t < beatTimes[i - 1]))
                throw new ArgumentException($"beat time {t} at {i}: times must be finite and must not decrease", nameof(beatTimes));
            // The first beat borrows the next interval, the last the previous one.
            double before = i > 0 ? t - beatTimes[i - 1] : i + 1 < n ? beatTimes[i + 1] - t : 0;
            double after = i + 1 < n ? beatTimes[i + 1] - t : before;
            double frame = t * framesPerSecond;
            int from = (int)Math.Round(frame - Math.Max(Config.WindowBeats * before * framesPerSecond, 1));
            int to = (int)Math.Round(frame + Math.Max(Config.WindowBeats * after * framesPerSecond, 1));
            double best = 0;
            for (int f = Math.Max(0, from); f <= Math.Min(downbeats.Length - 1, to); f++) best = Math.Max(best, downbeats[f]);
            values[i] = best;
        }
        return values;
    }

    /// <summary>The likeliest numbering of beats whose downbeat activations are <paramref name="beatActivation"/>
    /// (one a beat, in [0, 1]; values outside are clipped).</summary>
    public BarTrack Decode(IReadOnlyList<double> beatActivation)
    {
        ArgumentNullException.ThrowIfNull(beatActivation);
        int n = beatActivation.Count, states = _stateMeter.Length, meters = Config.BeatsPerBar.Count;
        if (n == 0) return new BarTrack([], []);
        double stay = Math.Log(1 - Config.MeterChangeProbability);
        double change = meters > 1 ? Math.Log(Config.MeterChangeProbability / (meters - 1)) : double.NegativeInfinity;
        var score = new double[states];
        var next = new double[states];
        var back = new int[n, states];
        for (int s = 0; s < states; s++) score[s] = -Math.Log(states) + Observation(beatActivation[0], s);
        for (int i = 1; i < n; i++)
        {
            for (int s = 0; s < states; s++)
            {
                int meter = _stateMeter[s];
                double best;
                int from;
                if (_statePosition[s] > 0) { from = s - 1; best = score[from]; }
                else
                {
                    // Position 0 is reached from the last position of any meter: of its own (stay) or another (change).
                    from = -1;
                    best = double.NegativeInfinity;
                    for (int k = 0; k < meters; k++)
                    {
                        int last = _firstState[k] + Config.BeatsPerBar[k] - 1;
                        double candidate = score[last] + (k == meter ? stay : change);
                        if (candidate > best) { best = candidate; from = last; }
                    }
                }
                next[s] = best + Observation(beatActivation[i], s);
                back[i, s] = from;
            }
            (score, next) = (next, score);
        }
        int state = 0;
        for (int s = 1; s < states; s++) if (score[s] > score[state]) state = s;
        var numbers = new int[n];
        var meterOf = new int[n];
        for (int i = n - 1; i >= 0; i--)
        {
            numbers[i] = _statePosition[state] + 1;
            meterOf[i] = Config.BeatsPerBar[_stateMeter[state]];
            if (i > 0) state = back[i, state];
        }
        return new BarTrack(numbers, meterOf);
    }

    private double Observation(double activation, int state)
    {
        double a = Math.Clamp(double.IsNaN(activation) ? 0 : activation, Config.ActivationFloor, 1 - Config.ActivationFloor);
        return Math.Log(_statePosition[state] == 0 ? a : 1 - a);
    }
}
