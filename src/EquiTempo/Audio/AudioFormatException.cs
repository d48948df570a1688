namespace EquiTempo.Audio;

/// <summary>Thrown for any unreadable, unsupported or corrupt audio input.</summary>
/// <remarks>The message always starts with the file path so that batch runs over many files report which one failed.</remarks>
public sealed class AudioFormatException : Exception
{
    /// <summary>Problem text for a well-formed file without audio; matched when deciding whether another decoder could help.</summary>
    internal const string NoSamples = "contains no audio samples";

    /// <summary>The file that could not be decoded.</summary>
    public string FilePath { get; }

    public AudioFormatException(string filePath, string problem, Exception? inner = null)
        : base($"{filePath}: {problem}", inner)
    {
        FilePath = filePath;
    }
}
