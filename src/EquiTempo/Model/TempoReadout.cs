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
