namespace EquiTempo.DevSets;

/// <summary>The beat a listener feels, in quarter notes: in 6/8, 9/8 and 12/8 it is a dotted quarter.</summary>
public static class FeltBeat
{
    /// <summary>Felt beats per quarter note in a meter: 2/3 in 6/8, 9/8 and 12/8, else 1 (the quarter note).</summary>
    public static double PerQuarter(int numerator, int denominator) =>
        denominator == 8 && numerator is 6 or 9 or 12 ? 2.0 / 3.0 : 1.0;
}
