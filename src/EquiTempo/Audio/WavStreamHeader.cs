using System.Buffers.Binary;
using System.Text;

namespace EquiTempo.Audio;

/// <summary>Reads until <paramref name="buffer"/> is full or the input ends; returns the bytes read.</summary>
internal delegate int ReadFully(Span<byte> buffer);

/// <summary>What the chunks in front of a WAV's samples say.</summary>
/// <param name="Format">The sample layout; null when <see cref="Problem"/> says why there is none.</param>
/// <param name="DataBytes">The data chunk's declared size; null for the placeholder of a stream (0 or 0xFFFFFFFF),
/// whose data runs to the end.</param>
/// <param name="Unsupported">The header is sound but its encoding (ADPCM, mu-law, ...) only ffmpeg decodes.</param>
/// <param name="SawFormat">A fmt chunk was read (so an input ending right after it is a WAV without samples).</param>
internal sealed record WavHeader(PcmFormat? Format, long? DataBytes, string? Problem, bool Unsupported = false, bool SawFormat = false)
{
    /// <summary>The input is a WAV (its RIFF/WAVE magic was read) whose header is broken: no other decoder will do better.</summary>
    public bool IsCorrupt => Format is null && !Unsupported && !IsEmpty && Problem != NotWav;

    /// <summary>A sound header followed by no samples.</summary>
    public bool IsEmpty => SawFormat && Problem == AudioFormatException.NoSamples;

    internal const string NotWav = "is not a WAV file (no RIFF/WAVE header)";
}

/// <summary>
/// Parses a RIFF/WAVE header front to back, without seeking, so that pipes (ffmpeg's output, standard input) and
/// files share one parser; it stops where the samples begin. Corrupt headers (see <see cref="AudioLimits"/> and
/// <see cref="PcmFormat.From"/>) and headers cut off before the samples are problems.
/// </summary>
internal static class WavStreamHeader
{
    /// <summary>fmt chunks longer than this are not WAVEFORMATEXTENSIBLE (40 bytes) but garbage.</summary>
    private const int MaxFmtBytes = 256;

    public static WavHeader Read(ReadFully read)
    {
        Span<byte> head = stackalloc byte[12];
        if (read(head) < 12) return new(null, null, "ends inside the WAV header (a cut-off file)");
        string riff = Encoding.ASCII.GetString(head[..4]);
        if (riff is not ("RIFF" or "RF64" or "BW64") || Encoding.ASCII.GetString(head[8..12]) != "WAVE")
            return new(null, null, WavHeader.NotWav);
        PcmFormat? format = null;
        WavHeader? unsupported = null;
        Span<byte> chunk = stackalloc byte[8];
        var body = new byte[MaxFmtBytes];
        while (true)
        {
            if (read(chunk) < 8)
                return unsupported ?? new(null, null, format is null ? "ends before its fmt chunk" : AudioFormatException.NoSamples, SawFormat: format is not null);
            string id = Encoding.ASCII.GetString(chunk[..4]);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            if (id == "data")
            {
                if (unsupported is not null) return unsupported;
                if (format is null) return new(null, null, "has its data chunk before any fmt chunk");
                // A size beyond the end is read as "to the end", as ffmpeg, libsndfile and sox do: cut-off copies
                // (partial downloads) are common and their audio is good. Nothing is allocated by the claim.
                bool placeholder = size is 0 or 0xFFFFFFFF || riff != "RIFF";
                return new(format, placeholder ? null : size, null, SawFormat: true);
            }
            long toSkip = size + (size & 1);
            if (id == "fmt ")
            {
                if (size is < 16 or > MaxFmtBytes) return new(null, null, $"has a fmt chunk of {size} bytes (16 to {MaxFmtBytes} are valid)");
                if (read(body.AsSpan(0, (int)toSkip)) < size) return new(null, null, "ends inside its fmt chunk (a cut-off WAV header)");
                var parsed = Describe(body.AsSpan(0, (int)size));
                if (parsed.Format is null && !parsed.Unsupported) return parsed;
                format = parsed.Format;
                unsupported = parsed.Unsupported ? parsed : null;
                continue;
            }
            for (; toSkip > 0; toSkip -= body.Length)
            {
                int want = (int)Math.Min(toSkip, body.Length);
                if (read(body.AsSpan(0, want)) < want) return new(null, null, $"ends inside its '{id.Trim()}' chunk");
            }
        }
    }

    /// <summary>Parses <paramref name="fmt"/>, the body of a fmt chunk.</summary>
    internal static WavHeader Describe(ReadOnlySpan<byte> fmt)
    {
        int tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        // WAVEFORMATEXTENSIBLE: cbSize (2), valid bits (2), channel mask (4), then the sub-format GUID, whose
        // first two bytes are the classic format tag.
        int? subTag = tag == PcmFormat.TagExtensible && fmt.Length >= 26 ? BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]) : null;
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        long rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        if (AudioLimits.Problem(rate, channels) is { } corrupt) return new(null, null, corrupt);
        if (!PcmFormat.IsPlain(tag, subTag))
        {
            return new(null, null, $"WAV encoding 0x{(subTag ?? tag):X4} is not PCM or IEEE float", Unsupported: true, SawFormat: true);
        }
        var format = PcmFormat.From(tag, subTag, channels, (int)rate,
            blockAlign: BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]),
            bitsPerSample: BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]), out string? problem);
        return new(format, null, problem, SawFormat: true);
    }
}
