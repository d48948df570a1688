namespace EquiTempo.Audio;

/// <summary>Finds external programs (ffmpeg, ffprobe, fluidsynth) on the PATH (looked up on each use, so installing ffmpeg needs no restart).</summary>
public static class ExternalToolLocator
{
    internal const string MissingAdvice = "which is not on the PATH";

    /// <summary>The path of <paramref name="tool"/> in the folders of <paramref name="searchPath"/> (PATH format; null: the process's PATH), or null.</summary>
    public static string? Find(string tool, string? searchPath = null)
    {
        searchPath ??= Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(searchPath)) return null;
        string[] names = OperatingSystem.IsWindows() ? [tool + ".exe", tool] : [tool];
        foreach (string dir in searchPath.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (string name in names)
            {
                string candidate = System.IO.Path.Combine(dir.Trim('"'), name);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    /// <summary>The path of <paramref name="tool"/>, or an <see cref="AudioFormatException"/> saying how to get it.</summary>
    public static string Require(string tool, string path, string format, string? searchPath = null) =>
        Find(tool, searchPath) ?? throw new AudioFormatException(path, $"format {format} needs {tool} (Debian package `ffmpeg`), {MissingAdvice}");
}
