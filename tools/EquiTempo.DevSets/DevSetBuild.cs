using System.Globalization;
using System.Security.Cryptography;
using EquiTempo.Audio;
using NAudio.Wave;

namespace EquiTempo.DevSets.Tool;

/// <summary>Settings shared by the builders, from the command line. <see cref="RenderMissing"/> false (MIDI only) keeps the renders there are and makes none.</summary>
internal sealed record DevSetOptions(string OutDir, double MinSeconds, double MinShare, double MaxSeconds,
    string SoundFont, IReadOnlyList<(string Package, string Root)> Packages, bool RenderMissing = true);

/// <summary>One source file found in a package: its path, and the name it gets in the set (path below the package's common folder, "/" → "__").</summary>
internal sealed record SourceFile(string Package, string FullPath, string Name);

/// <summary>
/// What the two builders share: finding the source files of each package, skipping byte-identical
/// copies, writing the rendered audio under OUT/audio/PACKAGE/, and at the end OUT/index.tsv (the
/// kept files) and OUT/labels.tsv (every file found, with what became of it), plus a per-package
/// summary on stdout.
/// </summary>
internal sealed class DevSetBuild(DevSetOptions options, string kind, IReadOnlyList<string> extraColumns)
{
    private static readonly string[] CommonColumns = ["path", "bpm", "kind", "source", "file", "seconds", "share"];
    private readonly List<string[]> _indexRows = [];
    private readonly List<string[]> _labelRows = [];
    private readonly Dictionary<string, string> _firstFileByHash = [];
    private readonly Dictionary<string, PackageCounts> _counts = [];

    public DevSetOptions Options => options;

    /// <summary>
    /// The files of every package with one of <paramref name="extensions"/>, in order, each opened by
    /// <paramref name="open"/>. Byte-identical copies of a file seen before are logged as duplicates,
    /// and files <paramref name="open"/> rejects as malformed (<see cref="InvalidDataException"/>) as
    /// unreadable; neither is returned.
    /// </summary>
    public IEnumerable<(SourceFile File, T Opened)> OpenEach<T>(Func<string, T> open, params string[] extensions)
    {
        foreach (var file in FindFiles(extensions).ToList())
        {
            if (!IsFirstCopy(file)) continue;
            T opened;
            try
            {
                opened = open(file.FullPath);
            }
            catch (InvalidDataException e)
            {
                Skip(file, "", "unreadable", e.Message);
                continue;
            }
            yield return (file, opened);
        }
    }

    /// <summary>Each package's files, sorted, named relative to the package's common folder.</summary>
    private IEnumerable<SourceFile> FindFiles(string[] extensions)
    {
        foreach (var (package, root) in options.Packages)
        {
            if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: folder of package {package} not found");
            var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .Where(f => extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .Order(StringComparer.Ordinal)
                .ToList();
            _counts[package] = new PackageCounts();
            string common = CommonFolder(files);
            foreach (var f in files)
                yield return new SourceFile(package, f, Path.GetRelativePath(common, f).Replace("/", "__", StringComparison.Ordinal));
        }
    }

    private bool IsFirstCopy(SourceFile file)
    {
        _counts[file.Package].Found++;
        string hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file.FullPath)));
        if (_firstFileByHash.TryGetValue(hash, out var first))
        {
            Skip(file, "", "duplicate", $"same bytes as {first}");
            return false;
        }
        _firstFileByHash[hash] = $"{file.Package}/{file.Name}";
        return true;
    }

    /// <summary>Where the audio of <paramref name="file"/> goes, relative to the set folder; <paramref name="suffix"/> tells subsongs apart.</summary>
    public string AudioPath(SourceFile file, string suffix = "") =>
        $"audio/{file.Package}/{Path.ChangeExtension(file.Name, null)}{suffix}.wav";

    public string FullPath(string relative) => Path.Combine(options.OutDir, relative);

    /// <summary>
    /// Writes <paramref name="samples"/> as 16-bit mono WAV at <paramref name="relative"/> (through a
    /// temporary name), scaled down just enough to fit when they overshoot full scale (libopenmpt's mono
    /// mix of loud modules, rafkill's for one, does), where the WAV writer would clip.
    /// </summary>
    public void WriteMonoAudio(string relative, float[] samples, int sampleRate)
    {
        string wav = FullPath(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(wav)!);
        float peak = samples.Length == 0 ? 0 : samples.Max(Math.Abs);
        float gain = peak > 1 ? 1 / peak : 1;
        WavWriter.WriteMono16(wav + ".tmp", gain == 1 ? samples : samples.Select(v => v * gain).ToArray(), sampleRate);
        File.Move(wav + ".tmp", wav, overwrite: true);
    }

    /// <summary>
    /// The length of a WAV file in seconds, from its sample frames: TotalTime's 100 ns steps fall short of
    /// a loop that lasts a whole number of beats (32 beats at 140 BPM), and the beat on its end was lost.
    /// </summary>
    public static double WavSeconds(string wav)
    {
        using var reader = new WaveFileReader(wav);
        return (double)(reader.Length / reader.WaveFormat.BlockAlign) / reader.WaveFormat.SampleRate;
    }

    /// <summary>
    /// Writes a <c>.beats</c> file through a temporary name: a beat a line, "time TAB number" (seconds with 6
    /// decimals; 1 = downbeat) when the beats are numbered, the time alone when they are not.
    /// </summary>
    public static void WriteBeats(string path, NumberedBeats beats)
    {
        var lines = beats.Times.Select((t, i) => beats.Numbers is { } numbers
            ? string.Create(CultureInfo.InvariantCulture, $"{t:F6}\t{numbers[i]}")
            : t.ToString("F6", CultureInfo.InvariantCulture));
        File.WriteAllLines(path + ".tmp", lines);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public void Skip(SourceFile file, string part, string status, string detail, double bpm = double.NaN, double share = double.NaN, double seconds = double.NaN)
    {
        _counts[file.Package].Count(status);
        _labelRows.Add([file.Package, file.Name + part, status, Number(bpm), Number(share), Number(seconds), detail]);
    }

    /// <summary>Lists a kept file in both tables; <paramref name="note"/>, when given, follows the audio path in the labels' detail.</summary>
    public void Keep(SourceFile file, string part, string audioPath, double bpm, double share, double audioSeconds, IReadOnlyList<string> extra, string? note = null)
    {
        if (extra.Count != extraColumns.Count) throw new ArgumentException($"expected {extraColumns.Count} extra values, got {extra.Count}", nameof(extra));
        var counts = _counts[file.Package];
        counts.Count("kept");
        counts.AudioSeconds += audioSeconds;
        _labelRows.Add([file.Package, file.Name + part, "kept", Number(bpm), Number(share), Number(audioSeconds), note is null ? audioPath : $"{audioPath}; {note}"]);
        _indexRows.Add([audioPath, Number(bpm), kind, file.Package, file.Name + part, Number(audioSeconds), Number(share), .. extra]);
    }

    /// <summary>Writes index.tsv and labels.tsv (each through a temporary name, so a killed run leaves the old ones) and prints the summary.</summary>
    public void Finish(TextWriter report)
    {
        RemoveStaleAudio();
        WriteTable("index.tsv", [.. CommonColumns, .. extraColumns], _indexRows);
        WriteTable("labels.tsv", ["source", "file", "status", "bpm", "share", "seconds", "detail"], _labelRows);
        report.WriteLine($"{"package",-24} {"found",5} {"kept",5} {"minutes",8}  skipped");
        foreach (var (package, c) in _counts)
            report.WriteLine($"{package,-24} {c.Found,5} {c.Kept,5} {c.AudioSeconds / 60,8:F1}  {c.SkippedSummary()}");
        double total = _counts.Values.Sum(c => c.AudioSeconds);
        var bpms = _indexRows.Select(r => double.Parse(r[1], CultureInfo.InvariantCulture)).Order().ToList();
        report.WriteLine($"total: {_counts.Values.Sum(c => c.Found)} found, {_indexRows.Count} kept, {total / 3600:F2} h of audio" +
            (bpms.Count > 0 ? $"; BPM min {bpms[0]:F1}, median {Median(bpms):F1}, max {bpms[^1]:F1}" : ""));
        report.WriteLine($"index: {FullPath("index.tsv")}");
    }

    /// <summary>
    /// Deletes renders of this run's packages that the index no longer lists (a file that changed,
    /// or a stricter setting), and the <c>.beats</c> files beside them, so the audio folder and the
    /// index always agree.
    /// </summary>
    private void RemoveStaleAudio()
    {
        var listed = _indexRows.Select(r => Path.GetFullPath(FullPath(r[0]))).ToHashSet();
        foreach (var package in _counts.Keys)
        {
            string folder = FullPath($"audio/{package}");
            if (!Directory.Exists(folder)) continue;
            foreach (var stale in Directory.EnumerateFiles(folder)
                         .Where(f => Path.GetExtension(f) is ".wav" or ".beats")
                         .Where(f => !listed.Contains(Path.ChangeExtension(Path.GetFullPath(f), ".wav")))
                         .ToList())
                File.Delete(stale);
        }
    }

    private void WriteTable(string name, IReadOnlyList<string> header, IEnumerable<string[]> rows)
    {
        string path = FullPath(name), temporary = path + ".tmp";
        using (var writer = new StreamWriter(temporary))
        {
            writer.WriteLine(string.Join('\t', header));
            foreach (var row in rows) writer.WriteLine(string.Join('\t', row.Select(c => c.Replace('\t', ' '))));
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    public static string Number(double value) =>
        double.IsNaN(value) ? "" : Math.Round(value, 3).ToString(CultureInfo.InvariantCulture);

    /// <summary>The deepest folder holding all <paramref name="files"/>, so names keep only the part that tells them apart.</summary>
    private static string CommonFolder(IReadOnlyList<string> files)
    {
        if (files.Count == 0) return "";
        string common = Path.GetDirectoryName(files[0])!;
        foreach (var f in files)
            while (!f.StartsWith(common + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                common = Path.GetDirectoryName(common)!;
        return common;
    }

    private sealed class PackageCounts
    {
        private readonly SortedDictionary<string, int> _byStatus = new(StringComparer.Ordinal);
        public int Found;
        public double AudioSeconds;
        public int Kept => _byStatus.GetValueOrDefault("kept");
        public void Count(string status) => _byStatus[status] = _byStatus.GetValueOrDefault(status) + 1;
        public string SkippedSummary() => string.Join(", ", _byStatus.Where(s => s.Key != "kept").Select(s => $"{s.Value} {s.Key}"));
    }
}
