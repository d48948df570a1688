using EquiTempo.Audio;

namespace EquiTempo.Tests.Audio;

public class FileDiscoveryTests
{
    [Theory]
    [InlineData("a.wav", true)]
    [InlineData("a.WAVE", true)]
    [InlineData("dir/b.Ogg", true)]
    [InlineData("c.oga", true)]
    [InlineData("d.mp3", true)]
    [InlineData("e.opus", true)]
    [InlineData("f.flac", true)]
    [InlineData("g.m4a", true)]
    [InlineData("h.aac", true)]
    [InlineData("i.wma", true)]
    [InlineData("j.aiff", true)]
    [InlineData("k.aif", true)]
    [InlineData("notes.txt", false)]
    [InlineData("wav", false)]
    [InlineData("song.mp3.part", false)]
    [InlineData("", false)]
    public void RecognisesAudioExtensions(string path, bool expected)
    {
        Assert.Equal(expected, AudioDecoder.IsAudioFileName(path));
    }

    [Fact]
    public void FindsAudioRecursivelySortedAndDistinct()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("b/deeper"));
        Directory.CreateDirectory(dir.File("a"));
        foreach (string f in new[] { "b/deeper/z.flac", "b/y.mp3", "a/x.ogg", "a/readme.txt", "top.wav", "cover.jpg" })
            File.WriteAllBytes(dir.File(f), [1]);
        string explicitText = dir.File("a/readme.txt");

        var found = AudioDecoder.FindAudioFiles([dir.Path, dir.File("top.wav"), explicitText, dir.File("missing.wav"), dir.File("nothing-here")]).ToList();

        string[] expected = [dir.File("a/readme.txt"), dir.File("a/x.ogg"), dir.File("b/deeper/z.flac"), dir.File("b/y.mp3"), dir.File("top.wav")];
        Assert.Equal(expected.Order(StringComparer.Ordinal), found);
    }

    [Fact]
    public void NothingGivenNothingFound()
    {
        Assert.Empty(AudioDecoder.FindAudioFiles([]));
    }
}
