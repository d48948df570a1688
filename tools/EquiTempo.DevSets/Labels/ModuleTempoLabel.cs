namespace EquiTempo.DevSets;

/// <summary>
/// The tempo label of a played tracker module. <see cref="RowsPerMinute"/> = 24 × tempo / speed of the
/// row rate that covers most of the playback; <see cref="Bpm"/> divides it by the rows per beat the
/// file stores (IT highlight) or else by 4. Composers also write 3, 6 or 8 rows a beat, so the BPM is
/// right only up to a factor of 2 or 3: score it with Acc2. <see cref="Share"/> is the part of the
/// playback within ±2 % of that row rate. <see cref="MeasuredRowsPerMinute"/> counts the rows that
/// actually started in that time: it departs from the formula when a file uses pattern delays
/// heavily or a tempo mode where tempo does not mean 2.5 / tempo seconds a tick.
/// </summary>
public sealed record ModuleTempoLabel(double Bpm, double RowsPerMinute, int RowsPerBeat, bool RowsPerBeatFromFile,
    double Share, double MeasuredRowsPerMinute, double LibOpenMptBpm, double Seconds)
{
    /// <summary>The beat length assumed when a file stores none: the usual tracker highlight.</summary>
    public const int DefaultRowsPerBeat = 4;

    /// <summary>True when the dominant row rate covers <paramref name="minShare"/> of the playback and the counted rows agree with it to ±2 %.</summary>
    public bool IsSteady(double minShare) =>
        Share >= minShare && Math.Abs(MeasuredRowsPerMinute / RowsPerMinute - 1) <= DominantTempo.DefaultTolerance;

    public static ModuleTempoLabel From(ModulePlayback playback, int? fileRowsPerBeat, string source)
    {
        if (playback.States.Count == 0 || playback.PlayedSeconds <= 0)
            throw new InvalidDataException($"{source}: the module played no audio, so it has no tempo");
        var dominant = DominantTempo.Find(playback.States.Select(s => new TempoSpan(s.RowsPerMinute, s.Seconds)));
        var inBand = playback.States
            .Where(s => Math.Abs(s.RowsPerMinute / dominant.Rate - 1) <= DominantTempo.DefaultTolerance)
            .ToList();
        double bandSeconds = inBand.Sum(s => s.Seconds);
        double measured = inBand.Sum(s => s.RowsStarted) * 60.0 / bandSeconds;
        var main = inBand.MaxBy(s => s.Seconds)!;
        int rowsPerBeat = fileRowsPerBeat ?? DefaultRowsPerBeat;
        return new ModuleTempoLabel(dominant.Rate / rowsPerBeat, dominant.Rate, rowsPerBeat, fileRowsPerBeat.HasValue,
            dominant.Share, measured, main.LibOpenMptBpm, playback.PlayedSeconds);
    }
}
