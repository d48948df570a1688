namespace EquiTempo.Baselines;

/// <summary>
/// Spectral-flux onset strength, after librosa's <c>onset.onset_strength</c> at its default rate: 22,050 Hz,
/// STFT 2048 / hop 512 (43.07 frames/s), centred with zero padding, periodic Hann, power mel spectrogram with
/// 128 Slaney-scale, area-normalised bands from 0 Hz to Nyquist, power_to_db (amin 1e-10, top_db 80), flux
/// against the frame <see cref="Lag"/> back, mean over bands. Two defaults differ from librosa's:
/// <see cref="MaxSize"/> (measured better on the GMD development set) and <see cref="GateDb"/>.
/// </summary>
public sealed record OnsetStrengthConfig
{
    public int SampleRate { get; init; } = 22050;
    public int FftSize { get; init; } = 2048;
    public int HopLength { get; init; } = 512;
    public int MelBands { get; init; } = 128;
    public double MinHz { get; init; }
    /// <summary>Top of the mel filterbank; null = Nyquist.</summary>
    public double? MaxHz { get; init; }
    /// <summary>Frames between the two spectra whose rectified difference is the flux.</summary>
    public int Lag { get; init; } = 1;
    /// <summary>Width (mel bands) of the maximum filter applied to the reference spectrum; 1 = none (librosa's
    /// default). 3 is SuperFlux's (Böck and Widmer 2013) way of not counting a partial that slides into the next
    /// band (vibrato, a tom's falling pitch) as an onset.</summary>
    public int MaxSize { get; init; } = 3;
    /// <summary>Bins more than this many dB below the loudest bin so far are raised to that floor, so noise in
    /// near-silent bins does not count as flux.</summary>
    public double TopDb { get; init; } = 80;
    public double AminPower { get; init; } = 1e-10;
    /// <summary>
    /// Envelope values (mean rise over the bands, in dB) below this count as zero. librosa has no such gate
    /// (0); rises this small are far below the ~0.5 dB one can hear and come from arithmetic, such as a steady
    /// tone's STFT phase drifting against the hop, whose periodic pattern would otherwise read as a tempo.
    /// </summary>
    public double GateDb { get; init; } = 0.01;

    public double FramesPerSecond => (double)SampleRate / HopLength;

    /// <summary>The default envelope computed from audio at <paramref name="sampleRate"/> without resampling: window and
    /// hop scaled to keep their durations, and the filterbank kept below the default's Nyquist (11,025 Hz), so the
    /// envelope matches the default's and the evidence thresholds measured on it hold.</summary>
    public static OnsetStrengthConfig AtRate(int sampleRate)
    {
        var d = new OnsetStrengthConfig();
        if (sampleRate == d.SampleRate) return d;
        double k = (double)sampleRate / d.SampleRate;
        return d with
        {
            SampleRate = sampleRate,
            FftSize = Math.Max(2, (int)Math.Round(d.FftSize * k)),
            HopLength = Math.Max(1, (int)Math.Round(d.HopLength * k)),
            MaxHz = Math.Min(sampleRate, d.SampleRate) / 2.0,
        };
    }

    internal void Validate()
    {
        if (SampleRate <= 0 || FftSize < 2 || HopLength <= 0 || MelBands <= 0 || Lag <= 0 || MaxSize <= 0 || MaxSize % 2 == 0)
            throw new ArgumentException($"invalid onset-strength settings: {this} (sizes must be positive; MaxSize odd)");
        if (MinHz < 0 || (MaxHz ?? SampleRate / 2.0) <= MinHz || !(TopDb > 0) || !(AminPower > 0) || !(GateDb >= 0))
            throw new ArgumentException($"invalid onset-strength settings: {this} (need 0 ≤ MinHz < MaxHz, TopDb > 0, AminPower > 0, GateDb ≥ 0)");
    }
}

/// <summary>
/// Autocorrelation tempogram and the tempo read from it, after librosa's <c>feature.tempo</c>: Hann-windowed
/// autocorrelation windows centred on every onset frame, each normalised by its lag-0 value, averaged over
/// the track, then the lag maximising log1p(1e6·strength) + log prior, where the prior is a log-normal in BPM
/// centred on <see cref="StartBpm"/> with <see cref="StdOctaves"/> octaves of spread, and tempi outside
/// <see cref="MinBpm"/>–<see cref="MaxBpm"/> are excluded. Three defaults differ from librosa's: <see cref="LagMultiples"/> and
/// <see cref="WindowSeconds"/> measured better on the GMD development set (see the README);
/// <see cref="RefinePeak"/> changed no GMD result but removes the lag grid's error.
/// </summary>
public sealed record TempogramConfig
{
    /// <summary>Length of one autocorrelation window (librosa's ac_size, 8 s). 16 s keeps four beats at 60 BPM
    /// within the first quarter of the lags, where the Hann taper leaves the autocorrelation most of its weight,
    /// so the bar-length multiples in <see cref="LagMultiples"/> count nearly as much as the beat.</summary>
    public double WindowSeconds { get; init; } = 16.0;
    public double StartBpm { get; init; } = 120;
    /// <summary>Standard deviation of the prior in octaves (librosa's std_bpm, which is in log2 units).</summary>
    public double StdOctaves { get; init; } = 1.0;
    /// <summary>Fastest tempo a peak may have (inclusive; librosa's max_tempo, 320).</summary>
    public double MaxBpm { get; init; } = 320;
    /// <summary>Slowest tempo a peak may have (inclusive); 0 = as slow as the window allows (a quarter of it, as the
    /// longest lag must fit <see cref="LagMultiples"/> times).</summary>
    public double MinBpm { get; init; }
    /// <summary>
    /// Refine the chosen lag to the vertex of a parabola through the autocorrelation peak beside it. librosa does
    /// not; its tempi lie on the lag grid, up to half a step off: ±2.3 % at 120 BPM, ±3.5 % at 180 BPM, ±6 % at
    /// 300 BPM, most or all of the ±4 % that Acc1 allows.
    /// </summary>
    public bool RefinePeak { get; init; } = true;
    /// <summary>
    /// A lag's strength is the mean autocorrelation at these multiples of it (Percival and Tzanetakis's enhanced
    /// autocorrelation, 2014; a comb over the pulse train as in madmom). librosa uses the lag alone: { 1 }.
    /// 1–4 reinforce the beat by its half bar and bar in both duple and triple metre.
    /// </summary>
    public IReadOnlyList<int> LagMultiples { get; init; } = new[] { 1, 2, 3, 4 };

    internal void Validate()
    {
        if (!(WindowSeconds > 0) || !(StartBpm > 0) || !(StdOctaves > 0) || !(MaxBpm > 0) || !(MinBpm >= 0 && MinBpm < MaxBpm))
            throw new ArgumentException($"invalid tempogram settings: {this} (every value must be positive, MinBpm below MaxBpm)");
        if (LagMultiples.Count == 0 || LagMultiples.Any(k => k < 1))
            throw new ArgumentException($"lag multiples must be positive integers (given: {string.Join(", ", LagMultiples)})");
    }
}

/// <summary>Settings of <see cref="DspTempoEstimator"/>: one record per stage, plus how results are summarised.</summary>
public sealed record DspTempoConfig
{
    public OnsetStrengthConfig Onset { get; init; } = new();
    public TempogramConfig Tempogram { get; init; } = new();
    /// <summary>Parts (one autocorrelation window long) quieter than this RMS (dBFS) count as silent; a track with
    /// no other part has no tempo.</summary>
    public double SilenceDbfs { get; init; } = -70;
    /// <summary>Relative tolerance for the agreement-based confidence (the Acc1 tolerance), and of a second tempo's
    /// distance from a metrical relative of the first.</summary>
    public double Tolerance { get; init; } = 0.04;

    /// <summary>The tempi an answer may have: the tempogram's bounds.</summary>
    public TempoRange Range => new(Tempogram.MinBpm > 0 ? Tempogram.MinBpm : null, Tempogram.MaxBpm);
    /// <summary>What a track must show to have a tempo at all; the model's estimator uses the same.</summary>
    public TempoEvidenceConfig Evidence { get; init; } = new();
    /// <summary>Spacing of the local tempo curve's points.</summary>
    public double LocalHopSeconds { get; init; } = 2.0;

    internal void Validate()
    {
        Onset.Validate();
        Tempogram.Validate();
        Evidence.Validated();
        if (!(Tolerance > 0 && Tolerance < 1) || !(LocalHopSeconds > 0) || !double.IsFinite(SilenceDbfs))
            throw new ArgumentException($"invalid settings: {this} (Tolerance in (0, 1), LocalHopSeconds > 0)");
    }
}
