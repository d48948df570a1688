namespace EquiTempo.Audio;

/// <summary>What <see cref="AudioDecoder.Probe"/> learns about a file without decoding it.</summary>
/// <param name="Path">The path as given.</param>
/// <param name="SampleRate">Native sample rate in Hz.</param>
/// <param name="Channels">Native channel count.</param>
/// <param name="DurationSeconds">Duration as declared by the container (a truncated MP3 may report its original length).</param>
/// <param name="Format">Short lower-case codec name: "wav", "vorbis", "mp3", or ffprobe's codec name ("opus", "flac", "aac", ...).</param>
public sealed record AudioInfo(string Path, int SampleRate, int Channels, double DurationSeconds, string Format);
