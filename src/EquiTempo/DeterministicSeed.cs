namespace EquiTempo;

/// <summary>
/// Seeds derived from several integers, identical in every process. <see cref="HashCode.Combine{T1,T2}"/>
/// cannot serve: .NET randomises it per process, so a resumed run would draw other pairs and a
/// re-run measurement other excerpts.
/// </summary>
public static class DeterministicSeed
{
    public static int Mix(params int[] parts)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (int p in parts)
        {
            // SplitMix64 finaliser over the running state and each part.
            h += (ulong)(uint)p + 0x9E3779B97F4A7C15UL;
            ulong z = h;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            h = z ^ (z >> 31);
        }
        return (int)(h & 0x7FFFFFFF);
    }
}
