namespace EquiTempo.Audio;

/// <summary>Thrown for any unreadable, unsupported or corrupt audio input.</summary>
/// <remarks>The message always starts with the file path so that batch runs over many files report which one failed.</remarks>
public sealed class AudioFormatException : EquiTempoException
{
    /// <summary>Problem text for a well-formed file without audio.</summary>
    internal const string NoSamples = "contains no audio samples";

    /// <summary>The file that could not be decoded.</summary>
    public string FilePath => Subject!;

    /// <summary>The file is well formed but holds no audio: an answer, which another decoder would only repeat.</summary>
    public bool IsEmpty { get; }

    /// <summary>The header claims something no decoder should believe: another decoder is not asked.</summary>
    internal bool IsCorruptHeader { get; private init; }

    public AudioFormatException(string filePath, string problem, Exception? inner = null, bool isEmpty = false)
        : base(ErrorReason.Audio, filePath, problem, inner)
    {
        IsEmpty = isEmpty;
    }

    /// <summary>A header whose claims cannot be believed (see <see cref="AudioLimits"/>).</summary>
    internal static AudioFormatException CorruptHeader(string filePath, string problem) =>
        new(filePath, problem) { IsCorruptHeader = true };

    /// <summary>A well-formed file without audio samples; <paramref name="detail"/> says where that showed.</summary>
    internal static AudioFormatException Empty(string filePath, string? detail = null) =>
        new(filePath, detail is null ? NoSamples : $"{NoSamples} ({detail})", isEmpty: true);
}
