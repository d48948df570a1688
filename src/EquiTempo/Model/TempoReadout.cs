using System.Text.Json.Serialization;

namespace EquiTempo.Model;

/// <summary>
/// How a model turns its network output into BPM: a closed set of kinds, each stored in the model file
/// under its <c>kind</c> name. <see cref="Source"/> says what the readout was learnt or fitted from
/// (for example whether humans made the labels), so a model file states how far it can be trusted.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(ClassHeadReadout), ClassHeadReadout.KindName)]
[JsonDerivedType(typeof(ScaleReadout), ScaleReadout.KindName)]
[JsonDerivedType(typeof(LogTempoReadout), LogTempoReadout.KindName)]
public abstract record TempoReadout(string Source)
{
    /// <summary>The kind's name in model files, reports and the estimate's <c>Readout</c> field.</summary>
    [JsonIgnore] public abstract string Kind { get; }
    /// <summary>Lower is preferred when a model holds several readouts.</summary>
    [JsonIgnore] internal abstract int Preference { get; }
}

/// <summary>The trained 300-class head (the paper's fine-tuned route): the softmax over round(BPM) classes.</summary>
public sealed record ClassHeadReadout(string Source) : TempoReadout(Source)
{
    public const string KindName = "class-head";
    [JsonIgnore] public override string Kind => KindName;
    internal override int Preference => 0;
}

/// <summary>BPM = <see cref="Scale"/> × z, a factor fitted on renders (no labels) or on a few labelled tracks.</summary>
public sealed record ScaleReadout(double Scale, string Source) : TempoReadout(Source)
{
    public const string KindName = "scale";
    [JsonIgnore] public override string Kind => KindName;
    internal override int Preference => 1;
    public double Scale { get; } = double.IsFinite(Scale) && Scale > 0 ? Scale
        : throw new ModelFileException(null, $"a scale readout needs a positive finite scale, not {Scale}");
}

/// <summary>
/// The log-tempo family's calibration: output bin k means MinBpm·2^((k + <see cref="OffsetBins"/>) / bins per octave).
/// The network is equivariant to shifts, so one offset holds for every track up to a jump between periodicity peaks;
/// it is measured on audio the program renders at known tempi. The metrical level is then chosen under a log-normal
/// prior (centre <see cref="PriorCentreBpm"/>, standard deviation <see cref="PriorOctaves"/> octaves) fitted on the
/// same renders; a null prior reads the distribution's own peak.
/// </summary>
public sealed record LogTempoReadout(double OffsetBins, double? PriorCentreBpm, double? PriorOctaves, string Source) : TempoReadout(Source)
{
    public const string KindName = "log-tempo";
    [JsonIgnore] public override string Kind => KindName;
    internal override int Preference => 0;
    public double OffsetBins { get; } = double.IsFinite(OffsetBins) ? OffsetBins
        : throw new ModelFileException(null, $"a log-tempo readout needs a finite offset, not {OffsetBins}");
    public double? PriorOctaves { get; } = PriorOctaves is null || (double.IsFinite(PriorOctaves.Value) && PriorOctaves > 0) ? PriorOctaves
        : throw new ModelFileException(null, $"a log-tempo prior needs a positive width, not {PriorOctaves}");
}
