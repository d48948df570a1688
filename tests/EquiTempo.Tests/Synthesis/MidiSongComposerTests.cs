using EquiTempo.Audio;
using EquiTempo.Training.Synthesis;

namespace EquiTempo.Tests.Synthesis;

public class MidiSongComposerTests
{
    /// <summary>Tempo meta event (FF 51 03 tt tt tt) of a format-0 file: microseconds per quarter note.</summary>
    private static int MicrosecondsPerQuarter(byte[] midi)
    {
        for (int i = 0; i + 5 < midi.Length; i++)
            if (midi[i] == 0xFF && midi[i + 1] == 0x51 && midi[i + 2] == 3) return (midi[i + 3] << 16) | (midi[i + 4] << 8) | midi[i + 5];
        throw new Xunit.Sdk.XunitException("no tempo event");
    }

    /// <summary>Absolute tick of every note-on with velocity > 0, by channel.</summary>
    private static List<(long Tick, int Channel)> NoteOns(byte[] midi)
    {
        int pos = 14 + 8, end = midi.Length;   // MThd(14) + MTrk header(8)
        long tick = 0;
        var list = new List<(long, int)>();
        while (pos < end)
        {
            long delta = 0;
            byte b;
            do { b = midi[pos++]; delta = (delta << 7) | (uint)(b & 0x7F); } while ((b & 0x80) != 0);
            tick += delta;
            byte status = midi[pos];
            if (status == 0xFF) { int len = midi[pos + 2]; pos += 3 + len; continue; }
            int kind = status & 0xF0;
            if (kind == 0x90 && midi[pos + 2] > 0) list.Add((tick, status & 0x0F));
            pos += kind == 0xC0 ? 2 : 3;
        }
        return list;
    }

    [Theory]
    [InlineData(72.5)]
    [InlineData(120.0)]
    [InlineData(177.0)]
    public void Song_CarriesTheTempoAndPutsEveryNoteOnTheEighthOrSixteenthGrid(double bpm)
    {
        var song = MidiSongComposer.Compose(bpm, seed: 4, new SongConfig(Seconds: 20));
        Assert.Equal(Math.Round(60_000_000 / bpm), MicrosecondsPerQuarter(song.Midi));
        var notes = NoteOns(song.Midi);
        Assert.All(notes, n => Assert.Equal(0, n.Tick % 120));                       // 480 ticks a quarter → sixteenths
        double lastSecond = notes.Max(n => n.Tick) / 480.0 * 60 / bpm;
        Assert.InRange(lastSecond, 16, 24);                                            // whole bars covering ~20 s
        Assert.Contains(notes, n => n.Channel == 1);                                   // a bass line
    }

    [Fact]
    public void Songs_VaryWithTheSeed_AndAreDeterministic()
    {
        Assert.Equal(MidiSongComposer.Compose(100, 7).Midi, MidiSongComposer.Compose(100, 7).Midi);
        var styles = Enumerable.Range(0, 40).Select(s => MidiSongComposer.Compose(100, s)).ToList();
        Assert.True(styles.Select(s => s.DrumStyle).Distinct().Count() >= 4);
        Assert.Contains(styles, s => s.DrumStyle == "none");
        Assert.True(styles.Select(s => s.Instruments).Distinct().Count() >= 30);
    }

    [Fact]
    public void DrumStyles_HaveTheSnareOnBeatsTwoAndFour()
    {
        // The label is the MIDI quarter note only if the backbeat says so (no half-time feel).
        for (int seed = 0; seed < 30; seed++)
        {
            var song = MidiSongComposer.Compose(110, seed, new SongConfig(Seconds: 10, NoDrumsProbability: 0));
            var drumTicks = NoteOns(song.Midi).Where(n => n.Channel == 9).Select(n => n.Tick % 1920).ToHashSet();
            Assert.Contains(480L, drumTicks);
            Assert.Contains(1440L, drumTicks);
        }
    }

    [Fact]
    public void RenderedSong_IsAudioOfTheRightLength()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"eq-song-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var mid = Path.Combine(dir, "s.mid");
            File.WriteAllBytes(mid, MidiSongComposer.Compose(126, 2, new SongConfig(Seconds: 8)).Midi);
            new FluidSynthRenderer().Render(mid, Path.Combine(dir, "s.wav"));
            var audio = AudioDecoder.DecodeMono(Path.Combine(dir, "s.wav"));
            Assert.InRange(audio.Samples.Length / 44100.0, 9.5, 14);                    // 5 whole bars at 126 BPM (9.52 s) + release tail
            Assert.True(audio.Samples.Max(v => Math.Abs(v)) > 0.05f);
            Assert.False(Directory.EnumerateFiles(dir, "*.tmp.wav").Any());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void InvalidTempoOrLength_IsRejected_NamingTheSetting()
    {
        Assert.Equal(ErrorReason.InvalidSetting, Assert.Throws<EquiTempoException>(() => MidiSongComposer.Compose(0, 1)).Reason);
        Assert.Contains("Seconds", Assert.Throws<EquiTempoException>(() => MidiSongComposer.Compose(120, 1, new SongConfig(Seconds: -5))).Message);
    }
}
