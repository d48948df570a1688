using EquiTempo.Evaluation;

namespace EquiTempo.Tests.Evaluation;

/// <summary>Loading labels as data sets lay them out on disk: annotation folders paired with audio folders, and index files.</summary>
public class LabelledDatasetTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-ds-{Guid.NewGuid():N}");
    public LabelledDatasetTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    /// <summary>Creates a file below the test folder; audio files are never decoded here, so their bytes do not matter.</summary>
    private string Put(string relative, string text = "")
    {
        var p = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, text);
        return p;
    }

    [Fact]
    public void AnnotationsBesideTheAudio_PairBySameStem()
    {
        var a = Put("set/1030011.LOFI.mp3");
        Put("set/1030011.LOFI.bpm", "127");
        var b = Put("set/906760.LOFI.mp3");
        Put("set/906760.LOFI.bpm", "174");
        Put("set/README.txt", "GiantSteps tempo: see the paper");   // not paired with audio, so never parsed
        var d = LabelledDataset.Load(Path.Combine(_dir, "set"));
        Assert.Equal(new[] { (a, 127.0, "all"), (b, 174.0, "all") }, d.Tracks.Select(t => (t.Path, t.Bpm, t.Kind)).ToArray());
        Assert.Contains(d.Notes, n => n.Contains("1 annotation file(s) have no matching audio") && n.Contains("README.txt"));
    }

    [Fact]
    public void IndexWithABeatsColumn_CarriesEachTracksBeatTimes_AndNamesAMissingBeatFile()
    {
        var a = Put("prod/audio/a.wav");
        Put("prod/audio/a.beats", "0\n0.5\t2\n1.0\n");
        var b = Put("prod/audio/b.wav");
        var index = Put("prod/index.tsv", "path\tbpm\tkind\tbeats\naudio/a.wav\t120\tproduction\taudio/a.beats\naudio/b.wav\t90\tproduction\t\n");
        var d = LabelledDataset.Load(index);
        Assert.Equal(new[] { a, b }, d.Tracks.Select(t => t.Path).ToArray());
        Assert.Equal(new[] { 0.0, 0.5, 1.0 }, d.Tracks[0].BeatTimes);
        Assert.Null(d.Tracks[1].BeatTimes);
        Assert.Null(d.Tracks[0].DownbeatTimes);   // not every line numbered

        Put("prod/audio/c.wav");
        Put("prod/audio/c.beats", "0\t4\n0.5\t1\n1.0\t2\n1.5\t3\n2.0\t4\n2.5\t1\n");
        var numbered = LabelledDataset.Load(Put("prod/numbered.tsv", "path\tbpm\tbeats\naudio/c.wav\t120\taudio/c.beats\n"));
        Assert.Equal(new[] { 0.5, 2.5 }, numbered.Tracks[0].DownbeatTimes);

        var broken = Put("prod/broken.tsv", "path\tbpm\tbeats\naudio/a.wav\t120\taudio/missing.beats\n");
        var e = Assert.Throws<EquiTempoException>(() => LabelledDataset.Load(broken));
        Assert.Contains("broken.tsv:2", e.Message);
        Assert.Contains("missing.beats", e.Message);
    }

    [Fact]
    public void GtzanLayout_PairsDifferentlyNamedFiles_AndTakesTheGenreFolderAsKind()
    {
        var blues = Put("genres/blues/blues.00000.wav");
        var jazz = Put("genres/jazz/jazz.00001.wav");
        Put("genres/jazz/jazz.00054.wav");
        Put("gtzan_tempo_beat-main/tempo/gtzan_blues_00000.bpm", "8.553000000000000114e+01\n");
        Put("gtzan_tempo_beat-main/tempo/gtzan_jazz_00001.bpm", "120\n");
        Put("gtzan_tempo_beat-main/tempo/gtzan_rock_00009.bpm", "100\n");
        var d = LabelledDataset.Load(Path.Combine(_dir, "gtzan_tempo_beat-main", "tempo"), Path.Combine(_dir, "genres"));
        Assert.Equal(new[] { (blues, 85.53, "blues"), (jazz, 120.0, "jazz") }, d.Tracks.Select(t => (t.Path, t.Bpm, t.Kind)).ToArray());
        Assert.Contains(d.Notes, n => n.Contains("gtzan_rock_00009.bpm"));
        Assert.Contains(d.Notes, n => n.Contains("1 audio file(s) have no annotation") && n.Contains("jazz.00054.wav"));
    }

    [Fact]
    public void SmcLayout_PairsBeatFilesWhoseNamesExtendTheAudioName()
    {
        var one = Put("SMC_MIREX_Audio/SMC_001.wav");
        var ten = Put("SMC_MIREX_Audio/SMC_010.wav");
        Put("SMC_MIREX_Annotations/SMC_001_1_1_1_a.txt", "1.0\n2.0\n3.0\n");
        Put("SMC_MIREX_Annotations/SMC_010_3_1_1_j.txt", "0.5\n1.0\n1.5\n");
        var d = LabelledDataset.Load(Path.Combine(_dir, "SMC_MIREX_Annotations"), Path.Combine(_dir, "SMC_MIREX_Audio"));
        Assert.Equal(new[] { (one, 60.0), (ten, 120.0) }, d.Tracks.Select(t => (t.Path, t.Bpm)).ToArray());
        Assert.Empty(d.Notes);
    }

    [Fact]
    public void AnnotationNamedByPartOfTheAudioName_Pairs_UnlessSeveralAudioFilesMatch()
    {
        var clip = Put("audio/10118334.clip.wav");
        Put("audio/1.clip.wav");
        Put("audio/1.full.wav");
        Put("ann/10118334.bpm", "82");
        Put("ann/1.bpm", "90");
        var d = LabelledDataset.Load(Path.Combine(_dir, "ann"), Path.Combine(_dir, "audio"));
        Assert.Equal(clip, Assert.Single(d.Tracks).Path);
        Assert.Contains(d.Notes, n => n.Contains("match several audio files") && n.Contains("1.bpm"));
    }

    [Fact]
    public void TwoAnnotationsForOneTrack_AreAnErrorNamingBoth()
    {
        Put("gs/audio/1030011.LOFI.mp3");
        var bpm = Put("gs/annotations_v2/tempo/1030011.LOFI.bpm", "127");
        var jams = Put("gs/annotations_v2/jams/1030011.LOFI.jams", """{"annotations": [{"namespace": "tempo", "data": [{"time": 0, "value": 127, "confidence": 1}]}]}""");
        var e = Assert.Throws<EquiTempoException>(() => LabelledDataset.Load(Path.Combine(_dir, "gs", "annotations_v2"), Path.Combine(_dir, "gs", "audio")));
        Assert.Contains(bpm, e.Message);
        Assert.Contains(jams, e.Message);
        Assert.Single(LabelledDataset.Load(Path.Combine(_dir, "gs", "annotations_v2", "jams"), Path.Combine(_dir, "gs", "audio")).Tracks);
    }

    [Fact]
    public void JamsWithTwoTempi_GiveATrackWithTwoReferences_AndTracksWithoutTempoAreLeftOutWithANote()
    {
        Put("audio/a.mp3");
        Put("audio/b.mp3");
        Put("jams/a.jams", """{"annotations": [{"namespace": "tempo", "data": [{"time": 0, "value": 127, "confidence": 0.8}, {"time": 0, "value": 63.5, "confidence": 0.2}]}]}""");
        Put("jams/b.jams", """{"annotations": [{"namespace": "tempo", "data": []}]}""");
        var d = LabelledDataset.Load(Path.Combine(_dir, "jams"), Path.Combine(_dir, "audio"));
        var t = Assert.Single(d.Tracks);
        Assert.True(t.HasTwoReferences);
        Assert.Equal((127.0, 63.5), (t.Bpm, t.Bpm2!.Value));
        Assert.Equal(0.8, t.Salience!.Value, 12);
        Assert.Contains(d.Notes, n => n.Contains("no tempo") && n.Contains("b.jams"));
    }

    [Fact]
    public void MalformedAnnotation_InAFolder_NamesFileAndLine()
    {
        Put("set/x.wav");
        var bad = Put("set/x.beats", "0.5 1\n1.0 2\noops 3\n");
        Assert.Contains($"{bad}:3:", Assert.Throws<EquiTempoException>(() => LabelledDataset.Load(Path.Combine(_dir, "set"))).Message);
    }

    [Fact]
    public void NothingPaired_IsAnErrorWithCountsAndExamples()
    {
        Put("audio/song.wav");
        Put("ann/other.bpm", "120");
        var e = Assert.Throws<EquiTempoException>(() => LabelledDataset.Load(Path.Combine(_dir, "ann"), Path.Combine(_dir, "audio")));
        Assert.Contains("1 annotation files, e.g. other.bpm", e.Message);
        Assert.Contains("1 audio files, e.g. song.wav", e.Message);
    }

    [Fact]
    public void MissingPaths_AreErrorsNamingThem()
    {
        var nowhere = Path.Combine(_dir, "nowhere");
        Assert.Contains(nowhere, Assert.Throws<EquiTempoException>(() => LabelledDataset.Load(nowhere)).Message);
        Put("ann/a.bpm", "120");
        Assert.Contains(nowhere, Assert.Throws<EquiTempoException>(() => LabelledDataset.Load(Path.Combine(_dir, "ann"), nowhere)).Message);
        var empty = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(empty);
        Assert.Contains("no annotation files", Assert.Throws<EquiTempoException>(() => LabelledDataset.Load(empty)).Message);
    }

    [Fact]
    public void IndexFile_WithAudioFolder_FindsFilesByNameWhenThePathIsWrittenForAnotherDisk()
    {
        var found = Put("ballroom/BallroomData/ChaChaCha/Albums-Cafe_Paradiso-05.wav");
        var index = Put("ballroom_tempos.mf", "/home/someone/data/ballroom/ChaChaCha/Albums-Cafe_Paradiso-05.wav\t128\n");
        var d = LabelledDataset.Load(index, Path.Combine(_dir, "ballroom"));
        Assert.Equal(found, Assert.Single(d.Tracks).Path);
        Assert.Contains(d.Notes, n => n.Contains("found by file name"));
    }

    [Fact]
    public void Sample_IsAFixedSubset()
    {
        var tracks = Enumerable.Range(0, 50).Select(i => new LabelledTrack($"/t/{i}.wav", 100 + i, i % 2 == 0 ? "even" : "odd")).ToList();
        var a = LabelledDataset.Sample(tracks, 10);
        Assert.Equal(10, a.Count);
        Assert.Equal(a, LabelledDataset.Sample(tracks, 10));
        Assert.Equal(10, a.Distinct().Count());
        Assert.NotEqual(tracks.Take(10), a);
        Assert.Equal(50, LabelledDataset.Sample(tracks, 100).Count);
    }
}
