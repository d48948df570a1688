using System.Text.RegularExpressions;

namespace EquiTempo.Evaluation;

/// <summary>
/// Pairs annotation files with audio files by name. Data sets do not always name the two alike:
/// GiantSteps has <c>1030011.LOFI.bpm</c> for <c>1030011.LOFI.mp3</c>, but the GTZAN tempo files are
/// <c>gtzan_blues_00000.bpm</c> for <c>blues.00000.wav</c> and the SMC beat files
/// <c>SMC_001_1_1_0_a.txt</c> for <c>SMC_001.wav</c>. Names are compared as lists of lower-case words
/// (runs of letters and digits, extension dropped), and an annotation pairs with, in this order:
/// <list type="number">
/// <item>the audio file with the same words;</item>
/// <item>else the audio file whose words appear consecutively in the annotation's name, the longest such
/// name winning (the GTZAN and SMC cases);</item>
/// <item>else the audio file whose name contains the annotation's words consecutively.</item>
/// </list>
/// A step that finds more than one audio file marks the annotation ambiguous rather than guessing.
/// </summary>
public static class StemPairing
{
    public sealed record Result(
        IReadOnlyList<(string Annotation, string Audio)> Pairs,
        IReadOnlyList<string> UnpairedAnnotations,
        IReadOnlyList<string> AmbiguousAnnotations);

    public static Result Pair(IReadOnlyList<string> annotationFiles, IReadOnlyList<string> audioFiles)
    {
        var byName = new Dictionary<string, List<string>>();
        var byNamePart = new Dictionary<string, List<string>>();
        foreach (var audio in audioFiles)
        {
            var words = Words(audio);
            Add(byName, string.Join('_', words), audio);
            var parts = Enumerable.Range(1, words.Length).SelectMany(length => Runs(words, length)).Distinct();
            foreach (var part in parts) Add(byNamePart, part, audio);
        }

        var pairs = new List<(string, string)>();
        var unpaired = new List<string>();
        var ambiguous = new List<string>();
        foreach (var annotation in annotationFiles)
        {
            var words = Words(annotation);
            var match = Lookup(byName, string.Join('_', words));
            for (int length = words.Length - 1; match.Count == 0 && length >= 1; length--)
                match = Runs(words, length).SelectMany(r => Lookup(byName, r)).Distinct().ToList();
            if (match.Count == 0 && words.Length > 0) match = Lookup(byNamePart, string.Join('_', words));
            if (match.Count == 1) pairs.Add((annotation, match[0]));
            else (match.Count == 0 ? unpaired : ambiguous).Add(annotation);
        }
        return new Result(pairs, unpaired, ambiguous);
    }

    private static string[] Words(string file) =>
        Regex.Split(Path.GetFileNameWithoutExtension(file).ToLowerInvariant(), "[^\\p{L}\\p{N}]+").Where(w => w.Length > 0).ToArray();

    /// <summary>Every run of <paramref name="length"/> consecutive words, joined.</summary>
    private static IEnumerable<string> Runs(string[] words, int length)
    {
        for (int start = 0; start + length <= words.Length; start++)
            yield return string.Join('_', words, start, length);
    }

    private static List<string> Lookup(Dictionary<string, List<string>> index, string key) =>
        index.TryGetValue(key, out var list) ? list : new List<string>();

    private static void Add(Dictionary<string, List<string>> index, string key, string file)
    {
        if (!index.TryGetValue(key, out var list)) index[key] = list = new List<string>();
        list.Add(file);
    }
}
