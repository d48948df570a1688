namespace EquiTempo.Audio;

/// <summary>
/// Decodes a whole file on several cores: each core decodes one stretch with its own decoder, seeking to the
/// start of its stretch. The managed Vorbis and MP3 decoders are the slowest step of loading a song, and they
/// decode strictly sequentially, so this is where a second core pays.
/// </summary>
/// <remarks>
/// Seeks are not trusted. Every stretch except the last decodes <see cref="Overlap"/> frames into the next one;
/// a stretch's first <see cref="Compare"/> frames must reappear in that overlap at exactly one offset, which is
/// where the seek really landed (NVorbis lands 128 early or 448 late at some pages). When no offset or more than
/// one matches (a seek gone wrong, or digital silence at the join), the caller falls back to one sequential pass,
/// so the result always equals a sequential decode.
/// </remarks>
internal static class SegmentedDecoder
{
    /// <summary>Stretches shorter than this are not worth a decoder of their own.</summary>
    internal static double MinSegmentSeconds { get; set; } = 20;

    /// <summary>Longer files are decoded sequentially: the stretches and their joined copy would hold the audio twice.</summary>
    internal static double MaxTotalSeconds { get; set; } = 20 * 60;

    private const int Overlap = 8192;
    private const int Compare = 2048;
    private const int MaxEarlyLanding = 2048;

    /// <summary>How many stretches a freshly opened source is worth splitting into (below 2: decode sequentially).</summary>
    public static int SegmentsFor(AudioSource source)
    {
        if (!source.CanOpenIndependent || source.RemainingFramesHint is not { } total || Environment.ProcessorCount < 2) return 0;
        if (total > MaxTotalSeconds * source.SampleRate) return 0;
        long perSegment = Math.Max(1, (long)(MinSegmentSeconds * source.SampleRate));
        int segments = (int)Math.Min(Math.Min(Environment.ProcessorCount, 8), total / perSegment);
        return segments < 2 ? 0 : segments;
    }

    /// <summary>
    /// Decodes all frames from <paramref name="first"/>'s position 0 to the end in <paramref name="segments"/> stretches,
    /// or returns null when a join cannot be verified. <paramref name="first"/> is consumed either way.
    /// </summary>
    public static float[]? TryDecode(AudioSource first, int segments, CancellationToken ct)
    {
        long total = first.RemainingFramesHint ?? 0;
        var bounds = new long[segments + 1];
        for (int k = 0; k <= segments; k++) bounds[k] = total * k / segments;
        var parts = new float[segments][];
        bool failed = false;
        Parallel.For(0, segments, new ParallelOptions { MaxDegreeOfParallelism = segments, CancellationToken = ct }, k =>
        {
            AudioSource? source = null;
            try
            {
                source = k == 0 ? first : first.OpenIndependent();
                if (source is null) { failed = true; return; }
                if (k > 0) source.SeekToFrame(bounds[k]);
                long want = k == segments - 1 ? long.MaxValue : bounds[k + 1] - bounds[k] + Overlap;
                parts[k] = ReadFrames(source, want, bounds[k + 1] - bounds[k] + Overlap, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed = true; // the sequential pass will report the problem if it is real
            }
            finally
            {
                if (k > 0) source?.Dispose();
            }
        });
        ct.ThrowIfCancellationRequested();
        return failed ? null : Join(parts, bounds, first.SeekTolerance);
    }

    private static float[]? Join(float[][] parts, long[] bounds, float tolerance)
    {
        var origins = new long[parts.Length]; // true absolute frame of each part's first sample
        int used = parts.Length;
        for (int k = 1; k < parts.Length; k++)
        {
            if (parts[k - 1].LongLength < bounds[k] - origins[k - 1])
            {
                used = k; // that decoder ended early (a cut-off file): what follows would not join on
                break;
            }
            long? landed = FindLanding(parts[k - 1], origins[k - 1], parts[k], bounds[k], tolerance);
            if (landed is null) return null;
            origins[k] = landed.Value;
        }
        long length = origins[used - 1] + parts[used - 1].LongLength;
        if (length > Array.MaxLength) return null;
        var result = new float[length];
        for (int k = 0; k < used; k++)
        {
            long count = k + 1 < used ? origins[k + 1] - origins[k] : parts[k].LongLength;
            Array.Copy(parts[k], 0, result, origins[k], count);
        }
        return result;
    }

    /// <summary>The unique absolute frame at which <paramref name="next"/> starts inside <paramref name="prev"/>'s overlap, or null.</summary>
    private static long? FindLanding(float[] prev, long prevOrigin, float[] next, long claimed, float tolerance)
    {
        if (next.Length < Compare) return null;
        var window = next.AsSpan(0, Compare);
        // A constant window (silence) would match everywhere.
        float min = float.MaxValue, max = float.MinValue;
        foreach (float v in window) { min = Math.Min(min, v); max = Math.Max(max, v); }
        if (max - min <= 1e-4f) return null;

        long? found = null;
        for (long landed = claimed - MaxEarlyLanding; landed <= claimed + Overlap - Compare; landed++)
        {
            long offset = landed - prevOrigin;
            if (offset < 0 || offset + Compare > prev.LongLength) continue;
            if (!Matches(prev.AsSpan((int)offset, Compare), window, tolerance)) continue;
            if (found is not null) return null; // ambiguous
            found = landed;
        }
        return found;
    }

    private static bool Matches(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float tolerance)
    {
        for (int i = 0; i < a.Length; i++)
            if (Math.Abs(a[i] - b[i]) > tolerance) return false;
        return true;
    }

    /// <summary>Reads up to <paramref name="max"/> frames (to the end if long.MaxValue), sizing the buffer by <paramref name="expected"/>.</summary>
    internal static float[] ReadFrames(AudioSource source, long max, long expected, CancellationToken ct)
    {
        // The expectation comes from a header, which can claim anything: start at most 16 M frames (64 MB) and grow.
        long capacity = Math.Clamp(Math.Min(Math.Min(max, expected), 1 << 24) + 1, 1, Array.MaxLength);
        var buffer = new float[capacity];
        long total = 0;
        while (total < max)
        {
            ct.ThrowIfCancellationRequested();
            if (total == buffer.Length)
            {
                if (buffer.Length == Array.MaxLength) throw new AudioFormatException(source.Path, "is too long to decode into one buffer; use ReadBlocks");
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, Array.MaxLength));
            }
            int want = (int)Math.Min(Math.Min(buffer.Length - total, max - total), 1 << 16);
            int n = source.ReadMono(buffer.AsSpan((int)total, want));
            if (n == 0) break;
            total += n;
        }
        if (total != buffer.Length) Array.Resize(ref buffer, (int)total);
        return buffer;
    }
}
