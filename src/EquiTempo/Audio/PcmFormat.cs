using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace EquiTempo.Audio;

/// <summary>Layout of uncompressed WAV sample data, shared by the file reader and the ffmpeg pipe reader.</summary>
internal sealed record PcmFormat(bool IsFloat, int BytesPerSample, int Channels, int SampleRate)
{
    public const int TagPcm = 1;
    public const int TagIeeeFloat = 3;
    public const int TagExtensible = 0xFFFE;

    public int BlockAlign => BytesPerSample * Channels;

    /// <summary>Whether the fmt tag (the sub-format's for WAVEFORMATEXTENSIBLE) is plain PCM or IEEE float.</summary>
    public static bool IsPlain(int formatTag, int? subFormatTag) =>
        (formatTag == TagExtensible ? subFormatTag ?? -1 : formatTag) is TagPcm or TagIeeeFloat;

    /// <summary>
    /// Builds the layout from WAVE fmt fields, or returns null with a reason when it is not plain PCM/float or the
    /// header cannot be believed (<see cref="AudioLimits"/>). The bits must fill the container (blockAlign / channels)
    /// to its last byte: valid bits below it (20-in-24) only mean zero low bits, while a block align that disagrees
    /// with the channels and bits is a corrupt header, not a layout to guess.
    /// </summary>
    public static PcmFormat? From(int formatTag, int? subFormatTag, int channels, int sampleRate, int blockAlign, int bitsPerSample, out string? problem)
    {
        problem = AudioLimits.Problem(sampleRate, channels);
        if (problem is not null) return null;
        int tag = formatTag == TagExtensible ? subFormatTag ?? -1 : formatTag;
        if (tag != TagPcm && tag != TagIeeeFloat)
        {
            problem = $"WAV encoding 0x{tag:X4} is not PCM or IEEE float";
            return null;
        }
        int bytes = (bitsPerSample + 7) / 8;
        bool ok = tag == TagPcm ? bitsPerSample is >= 1 and <= 32 : bitsPerSample is 32 or 64;
        if (!ok)
        {
            problem = $"{bitsPerSample}-bit {(tag == TagPcm ? "PCM" : "float")} WAV samples are not supported";
            return null;
        }
        if (blockAlign != bytes * channels)
        {
            problem = $"the header's block align {blockAlign} does not match {channels} channel(s) of {bitsPerSample}-bit samples ({bytes * channels})";
            return null;
        }
        return new PcmFormat(tag == TagIeeeFloat, bytes, channels, sampleRate);
    }

    /// <summary>Converts whole frames of raw sample bytes to interleaved floats in [-1, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: skip the unoptimised first JIT tier
    public void ToFloat(ReadOnlySpan<byte> src, Span<float> dst)
    {
        int n = src.Length / BytesPerSample;
        switch (BytesPerSample, IsFloat)
        {
            case (1, false):
                for (int i = 0; i < n; i++) dst[i] = (src[i] - 128) * (1f / 128);
                break;
            case (2, false):
                for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadInt16LittleEndian(src[(2 * i)..]) * (1f / 32768);
                break;
            case (3, false):
                for (int i = 0, j = 0; i < n; i++, j += 3)
                    dst[i] = ((src[j] << 8 | src[j + 1] << 16 | src[j + 2] << 24) >> 8) * (1f / 8388608);
                break;
            case (4, false):
                for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadInt32LittleEndian(src[(4 * i)..]) * (1f / 2147483648f);
                break;
            case (4, true) when BitConverter.IsLittleEndian:
                // ffmpeg's pipe output: already the in-memory layout, a plain copy.
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(src[..(4 * n)]).CopyTo(dst);
                break;
            case (4, true):
                for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]);
                break;
            case (8, true):
                for (int i = 0; i < n; i++) dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(src[(8 * i)..]);
                break;
            default:
                throw new InvalidOperationException($"Unsupported layout {this}.");
        }
    }
}
