namespace EquiTempo.Cli;

/// <summary>
/// Where the file made for each input goes inside an output folder (plots, per-input results): the input's path
/// relative to the deepest folder all inputs share, plus a suffix. Inputs with the same name in different folders
/// (a/x.wav, b/x.wav) keep apart as a/x.wav.png and b/x.wav.png, and the extension stays so that x.wav and x.mp3 do
/// too.
/// </summary>
public static class PerInputPaths
{
    /// <summary>How standard input is named among the inputs; its file is "stdin" plus the suffix.</summary>
    public const string StdinName = "<stdin>";

    public static IReadOnlyDictionary<string, string> Map(IReadOnlyList<string> inputs, string folder, string suffix)
    {
        var full = inputs.Distinct().Where(p => p != StdinName).ToDictionary(p => p, Path.GetFullPath);
        string root = CommonFolder(full.Values.Select(Path.GetDirectoryName).Select(d => d ?? Path.GetPathRoot(Environment.CurrentDirectory)!));
        var map = full.ToDictionary(kv => kv.Key, kv => Path.Combine(folder, Path.GetRelativePath(root, kv.Value) + suffix));
        if (inputs.Contains(StdinName)) map[StdinName] = Path.Combine(folder, "stdin" + suffix);
        return map;
    }

    private static string CommonFolder(IEnumerable<string> folders)
    {
        string[]? common = null;
        foreach (var folder in folders)
        {
            var parts = folder.Split(Path.DirectorySeparatorChar);
            if (common is null) { common = parts; continue; }
            int n = 0;
            while (n < common.Length && n < parts.Length && common[n] == parts[n]) n++;
            common = common[..n];
        }
        if (common is null or { Length: 0 }) return Path.GetPathRoot(Environment.CurrentDirectory)!;
        var joined = string.Join(Path.DirectorySeparatorChar, common);
        return joined.Length == 0 ? Path.DirectorySeparatorChar.ToString() : joined;
    }
}
