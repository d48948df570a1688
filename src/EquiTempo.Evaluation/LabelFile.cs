namespace EquiTempo.Evaluation;

/// <summary>Reads a label file (index or annotation); a file that cannot be read is an
/// <see cref="ErrorReason.InvalidData"/> error naming it, like a malformed one.</summary>
internal static class LabelFile
{
    public static string[] Lines(string path) => Read(path, File.ReadAllLines);

    public static string Text(string path) => Read(path, File.ReadAllText);

    private static T Read<T>(string path, Func<string, T> read)
    {
        try { return read(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EquiTempoException(ErrorReason.InvalidData, path, $"cannot be read: {e.Message}", e);
        }
    }
}
