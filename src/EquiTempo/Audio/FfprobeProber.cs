using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EquiTempo.Audio;

/// <summary>Reads stream metadata with ffprobe for the formats the managed decoders do not cover.</summary>
internal static class FfprobeProber
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static AudioInfo Probe(string path, string formatName, string? searchPath)
    {
        string ffprobe = ExternalToolLocator.Require("ffprobe", path, formatName, searchPath);
        string[] args =
        [
            "-v", "error", "-select_streams", "a:0",
            "-show_entries", "stream=codec_name,sample_rate,channels,duration:format=duration",
            "-of", "json", "file:" + path, // "file:": see FfmpegSource
        ];
        string json;
        int exitCode;
        string stderr;
        using (var process = new ToolProcess(ffprobe, args, Timeout, CancellationToken.None))
        {
            using var text = new MemoryStream();
            var buffer = new byte[8192];
            int n;
            while ((n = process.Read(buffer)) > 0)
            {
                text.Write(buffer, 0, n);
                if (text.Length > 1 << 20) break; // metadata is tiny; anything bigger is not ours to parse
            }
            exitCode = process.WaitForExit(Timeout);
            stderr = process.StderrTail;
            if (process.TimedOut) throw new AudioFormatException(path, "ffprobe stopped responding and was killed");
            json = Encoding.UTF8.GetString(text.GetBuffer(), 0, (int)text.Length);
        }
        if (exitCode != 0)
            throw new AudioFormatException(path, $"is not a readable audio file (ffprobe says: {(stderr.Length > 0 ? stderr : $"exit code {exitCode}")})");
        return Parse(path, json);
    }

    internal static AudioInfo Parse(string path, string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (!root.TryGetProperty("streams", out var streams) || streams.GetArrayLength() == 0)
                throw new AudioFormatException(path, "contains no audio stream");
            var stream = streams[0];
            int rate = ParseInt(stream, "sample_rate");
            int channels = ParseInt(stream, "channels");
            double duration = ParseDouble(stream, "duration");
            if (double.IsNaN(duration) && root.TryGetProperty("format", out var format)) duration = ParseDouble(format, "duration");
            string codec = stream.TryGetProperty("codec_name", out var c) ? c.GetString() ?? "unknown" : "unknown";
            if (rate <= 0 || channels <= 0)
                throw new AudioFormatException(path, $"has an audio stream without a usable sample rate/channel count ({codec})");
            AudioLimits.Check(path, rate, channels);
            return new AudioInfo(path, rate, channels, double.IsNaN(duration) ? 0 : duration, codec);
        }
        catch (JsonException e)
        {
            throw new AudioFormatException(path, $"ffprobe output could not be parsed: {e.Message}", e);
        }
    }

    private static int ParseInt(JsonElement e, string name) =>
        !e.TryGetProperty(name, out var v) ? 0
        : v.ValueKind == JsonValueKind.Number ? v.GetInt32()
        : int.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? i : 0;

    private static double ParseDouble(JsonElement e, string name) =>
        !e.TryGetProperty(name, out var v) ? double.NaN
        : v.ValueKind == JsonValueKind.Number ? v.GetDouble()
        : double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : double.NaN;
}
