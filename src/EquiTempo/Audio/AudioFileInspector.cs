using System.Text;

namespace EquiTempo.Audio;

internal enum DecoderKind { Wav, Vorbis, Mp3, Ffmpeg }

/// <summary>What a file is, judged by its first bytes (extensions lie), with its name as the tie-breaker.</summary>
internal readonly record struct FileKind(DecoderKind Decoder, string FormatName);

/// <summary>Checks that a path is a readable, non-empty file and decides which decoder should handle it.</summary>
internal static class AudioFileInspector
{
    /// <summary>Enough for every magic number and an Ogg page's codec header (and a WAV's fmt chunk, as a rule).</summary>
    internal const int SniffBytes = 4096;

    public static FileKind Inspect(string path)
    {
        AudioInput.CheckPath(path);
        byte[] head = new byte[SniffBytes];
        int n;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new AudioFormatException(path, "cannot be read: permission denied", e);
        }
        catch (IOException e)
        {
            throw new AudioFormatException(path, $"cannot be read: {e.Message}", e);
        }
        if (n == 0) throw new AudioFormatException(path, "is empty (0 bytes)");
        return Classify(head.AsSpan(0, n), Extension(path));
    }

    internal static string Extension(string path) => System.IO.Path.GetExtension(path).TrimStart('.').ToLowerInvariant();

    internal static FileKind Classify(ReadOnlySpan<byte> head, string extension)
    {
        if (head.Length >= 12 && Ascii(head, 8, 4) == "WAVE" && Ascii(head, 0, 4) is "RIFF" or "RF64" or "BW64")
            return new(DecoderKind.Wav, "wav");
        if (head.Length >= 4 && Ascii(head, 0, 4) == "OggS")
        {
            // The first Ogg page carries the codec's identification header.
            if (head.IndexOf("\u0001vorbis"u8) >= 0) return new(DecoderKind.Vorbis, "vorbis");
            if (head.IndexOf("OpusHead"u8) >= 0) return new(DecoderKind.Ffmpeg, "opus");
            if (head.IndexOf("FLAC"u8) >= 0) return new(DecoderKind.Ffmpeg, "flac");
            return new(DecoderKind.Ffmpeg, "ogg");
        }
        if (head.Length >= 4 && Ascii(head, 0, 4) == "fLaC") return new(DecoderKind.Ffmpeg, "flac");
        if (head.Length >= 12 && Ascii(head, 0, 4) == "FORM" && Ascii(head, 8, 3) == "AIF") return new(DecoderKind.Ffmpeg, "aiff");
        if (head.Length >= 8 && Ascii(head, 4, 4) == "ftyp") return new(DecoderKind.Ffmpeg, extension is "m4a" or "aac" or "mp4" ? extension : "m4a");
        if (head.Length >= 4 && head[0] == 0x30 && head[1] == 0x26 && head[2] == 0xB2 && head[3] == 0x75) return new(DecoderKind.Ffmpeg, "wma");
        if (head.Length >= 3 && Ascii(head, 0, 3) == "ID3") return new(DecoderKind.Mp3, "mp3");
        if (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0)
        {
            // MPEG audio frame sync; layer bits 00 mean ADTS AAC, which shares the sync word.
            return (head[1] >> 1 & 3) != 0 ? new(DecoderKind.Mp3, "mp3") : new(DecoderKind.Ffmpeg, "aac");
        }
        // Unrecognised bytes: go by the name, and let the decoder explain what is wrong.
        return extension switch
        {
            "wav" or "wave" => new(DecoderKind.Wav, "wav"),
            "ogg" or "oga" => new(DecoderKind.Vorbis, "vorbis"),
            "mp3" => new(DecoderKind.Mp3, "mp3"),
            "" => new(DecoderKind.Ffmpeg, "unknown"),
            _ => new(DecoderKind.Ffmpeg, extension),
        };
    }

    private static string Ascii(ReadOnlySpan<byte> b, int offset, int length) => Encoding.ASCII.GetString(b.Slice(offset, length));
}
