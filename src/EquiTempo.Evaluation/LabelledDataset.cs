using EquiTempo.Audio;

namespace EquiTempo.Evaluation;

/// <summary>
/// Labelled tracks from wherever a data set's labels are on disk: an index file (<see cref="TempoIndex"/>),
/// or a folder of per-track annotation files (<see cref="TempoAnnotationFile"/>) paired by file name with
/// the audio files of another folder (or of the same one).
/// </summary>
public sealed class LabelledDataset
{
    public IReadOnlyList<LabelledTrack> Tracks { get; }

    /// <summary>What was left out and why (annotations without audio, audio without annotation, tracks
    /// annotated as having no tempo), one line each, for the user to read.</summary>
    public IReadOnlyList<string> Notes { get; }

    private LabelledDataset(IReadOnlyList<LabelledTrack> tracks, IReadOnlyList<string> notes)
    {
        Tracks = tracks;
        Notes = notes;
    }

    /// <summary>
    /// <paramref name="labelsPath"/> is an index file or a folder of annotation files (searched recursively).
    /// With a folder, <paramref name="audioDirectory"/> holds the audio (default: the same folder) and each
    /// annotation is paired with the audio file whose name matches (see <see cref="StemPairing"/>); the kind of
    /// a track is the audio file's first sub-folder below <paramref name="audioDirectory"/> (the genre folders
    /// of GTZAN and Ballroom), or "all". With an index file, relative paths are taken from
    /// <paramref name="audioDirectory"/> when given, and a path that does not exist there is looked up by its
    /// file name anywhere below it.
    /// </summary>
    public static LabelledDataset Load(string labelsPath, string? audioDirectory = null)
    {
        if (audioDirectory is not null && !Directory.Exists(audioDirectory))
            throw new EquiTempoException(ErrorReason.InvalidData, audioDirectory, "audio folder not found");
        if (File.Exists(labelsPath)) return FromIndex(labelsPath, audioDirectory);
        if (Directory.Exists(labelsPath)) return FromAnnotationFolder(labelsPath, audioDirectory ?? labelsPath);
        throw new EquiTempoException(ErrorReason.InvalidData, labelsPath, "no such index file or annotation folder");
    }

    /// <summary>At most <paramref name="count"/> tracks, drawn in a fixed pseudo-random order so that a subset
    /// spreads over the kinds and is the same on every run with the same seed.</summary>
    public static List<LabelledTrack> Sample(IReadOnlyList<LabelledTrack> tracks, int count, int seed = 42) =>
        tracks.Select((t, i) => (t, key: DeterministicSeed.Mix(seed, i))).OrderBy(p => p.key).Take(count).Select(p => p.t).ToList();

    private static LabelledDataset FromIndex(string indexPath, string? audioDirectory)
    {
        var tracks = TempoIndex.Read(indexPath, audioDirectory);
        var notes = new List<string>();
        if (audioDirectory is null) return new LabelledDataset(tracks, notes);
        ILookup<string, string>? byName = null;
        int relocated = 0;
        for (int i = 0; i < tracks.Count; i++)
        {
            if (File.Exists(tracks[i].Path)) continue;
            byName ??= Directory.EnumerateFiles(audioDirectory, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
                .ToLookup(f => Path.GetFileName(f), StringComparer.OrdinalIgnoreCase);
            var candidates = byName[Path.GetFileName(tracks[i].Path)].ToList();
            if (candidates.Count == 1)
            {
                tracks[i] = tracks[i] with { Path = candidates[0] };
                relocated++;
            }
        }
        if (relocated > 0) notes.Add($"{relocated} index path(s) not found as written were found by file name under {audioDirectory}");
        return new LabelledDataset(tracks, notes);
    }

    private static LabelledDataset FromAnnotationFolder(string annotationDirectory, string audioDirectory)
    {
        var annotations = Directory.EnumerateFiles(annotationDirectory, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
            .Where(TempoAnnotationFile.IsAnnotationFileName).OrderBy(f => f, StringComparer.Ordinal).ToList();
        var audio = AudioDecoder.FindAudioFiles(new[] { audioDirectory }).ToList();
        if (annotations.Count == 0)
            throw new EquiTempoException(ErrorReason.InvalidData, annotationDirectory, $"no annotation files ({string.Join(" ", TempoAnnotationFile.Extensions)}) in this folder or below");
        if (audio.Count == 0) throw new EquiTempoException(ErrorReason.InvalidData, audioDirectory, "no audio files in this folder or below");

        var pairing = StemPairing.Pair(annotations, audio);
        if (pairing.Pairs.Count == 0)
            throw new EquiTempoException(ErrorReason.InvalidData, annotationDirectory, $"no annotation in this folder pairs with an audio file in {audioDirectory} " +
                $"({annotations.Count} annotation files, e.g. {Path.GetFileName(annotations[0])}; {audio.Count} audio files, e.g. {Path.GetFileName(audio[0])})");
        var contested = pairing.Pairs.GroupBy(p => p.Audio).Where(g => g.Count() > 1).ToList();
        if (contested.Count > 0)
        {
            var example = contested[0];
            throw new EquiTempoException(ErrorReason.InvalidData, annotationDirectory, $"{contested.Count} audio file(s) pair with more than one annotation, e.g. {example.Key}: " +
                $"{string.Join(", ", example.Select(p => p.Annotation))}. Point the labels at a folder with one annotation per track.");
        }

        var notes = new List<string>();
        if (pairing.UnpairedAnnotations.Count > 0)
            notes.Add($"{pairing.UnpairedAnnotations.Count} annotation file(s) have no matching audio file in {audioDirectory}, e.g. {Examples(pairing.UnpairedAnnotations)}");
        if (pairing.AmbiguousAnnotations.Count > 0)
            notes.Add($"{pairing.AmbiguousAnnotations.Count} annotation file(s) match several audio files and were left out, e.g. {Examples(pairing.AmbiguousAnnotations)}");
        int unlabelledAudio = audio.Count - pairing.Pairs.Count;
        if (unlabelledAudio > 0)
            notes.Add($"{unlabelledAudio} audio file(s) have no annotation, e.g. {Examples(audio.Except(pairing.Pairs.Select(p => p.Audio)).ToList())}");

        var tracks = new List<LabelledTrack>();
        var noTempo = new List<string>();
        foreach (var (annotation, audioFile) in pairing.Pairs.OrderBy(p => p.Audio, StringComparer.Ordinal))
        {
            var tempo = TempoAnnotationFile.Read(annotation);
            if (tempo is null) { noTempo.Add(annotation); continue; }
            var beats = TempoAnnotationFile.ReadBeatsIfAny(annotation);
            tracks.Add(new LabelledTrack(Path.GetFullPath(audioFile), tempo.Bpm, KindOf(audioFile, audioDirectory))
                { Bpm2 = tempo.Bpm2, Salience = tempo.Salience, BeatTimes = beats?.Times, DownbeatTimes = beats?.DownbeatTimes });
        }
        if (noTempo.Count > 0) notes.Add($"{noTempo.Count} annotation file(s) mark the track as having no tempo (0 BPM or no tempo value) and were left out, e.g. {Examples(noTempo)}");
        return new LabelledDataset(tracks, notes);
    }

    private static string KindOf(string audioFile, string audioDirectory)
    {
        var relative = Path.GetRelativePath(audioDirectory, audioFile);
        int cut = relative.IndexOfAny(new[] { Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar });
        return cut > 0 ? relative[..cut] : "all";
    }

    private static string Examples(IReadOnlyList<string> files) =>
        string.Join(", ", files.Take(3).Select(Path.GetFileName)) + (files.Count > 3 ? ", …" : "");
}
