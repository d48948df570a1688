namespace EquiTempo.Training.LogTempo;

/// <summary>
/// Settings of the log-tempo objective (issue 12); the corpus, batch, rates, epochs and optimiser are the run's
/// <see cref="TrainingConfig"/>. Defaults: crops of 72 of the 96 bins (3 of 4 octaves), so two crops of one tempogram
/// differ by up to 24 bins, an exact stretch by up to ×2 at no cost; equal weights for the three losses.
/// </summary>
/// <param name="CropBins">Width of the crop of the tempo axis the network sees in training.</param>
/// <param name="EquivarianceWeight">Weight of the shifted cross-entropy between the two stretched, cropped views.</param>
/// <param name="InvarianceWeight">Weight of the cross-entropy between a view and its augmented copy (same crop).</param>
/// <param name="RatioWeight">Weight of the paper's ratio loss on the distributions' expected values.</param>
public sealed record LogTempoObjectiveConfig(int CropBins = 72, double EquivarianceWeight = 1, double InvarianceWeight = 1, double RatioWeight = 1,
    AugmentConfig? Augment = null)
{
    public AugmentConfig Augmentation => Augment ?? new AugmentConfig();

    public LogTempoObjectiveConfig ValidatedFor(int bins)
    {
        if (CropBins < 8 || CropBins > bins) throw EquiTempoException.InvalidSetting(nameof(CropBins), $"must lie in 8–{bins} (the tempogram's bins; got {CropBins})");
        foreach (var (name, w) in new[] { (nameof(EquivarianceWeight), EquivarianceWeight), (nameof(InvarianceWeight), InvarianceWeight), (nameof(RatioWeight), RatioWeight) })
            if (!(w >= 0 && double.IsFinite(w))) throw EquiTempoException.InvalidSetting(name, $"must be a finite number ≥ 0 (got {w})");
        if (EquivarianceWeight + InvarianceWeight + RatioWeight <= 0) throw EquiTempoException.InvalidSetting(nameof(EquivarianceWeight), "at least one loss weight must be positive");
        Augmentation.Validated();
        return this;
    }
}
