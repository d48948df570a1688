using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using EquiTempo.DevSets;

namespace EquiTempo.Tests.DevSets;

public class ProductionProjectTests
{
    private static string Lmms(string head, string song = "") => $"""
        <?xml version="1.0"?>
        <!DOCTYPE lmms-project>
        <lmms-project creator="LMMS" version="1.0" type="song" creatorversion="1.2.2">
          {head}
          <song><trackcontainer type="song">{song}</trackcontainer></song>
        </lmms-project>
        """;

    private static string Hydrogen(string bpm, string timeline = "", int patternSize = 192, int denominator = 4, string sequence = "") => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <song>
          <bpm>{bpm}</bpm>
          <patternList><pattern><name>a</name><size>{patternSize}</size><denominator>{denominator}</denominator></pattern>
            <pattern><name>long</name><size>{2 * patternSize}</size><denominator>{denominator}</denominator></pattern></patternList>
          <patternSequence>{sequence}</patternSequence>
          <BPMTimeLine>{timeline}</BPMTimeLine>
        </song>
        """;

    /// <summary>An .mmpz as LMMS writes it: the XML's length as 4 bytes big-endian, then the XML through zlib.</summary>
    private static byte[] Mmpz(string xml)
    {
        byte[] text = Encoding.UTF8.GetBytes(xml);
        using var file = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)text.Length);
        file.Write(length);
        using (var zlib = new ZLibStream(file, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(text);
        return file.ToArray();
    }

    private static ProductionProject Open(string name, byte[] bytes) => ProductionProject.Parse(bytes, name);

    private static ProductionProject Open(string name, string xml) => ProductionProject.Parse(Encoding.UTF8.GetBytes(xml), name);

    [Theory]
    [InlineData("a.mmpz", "3", "4", 102.5, 102.5)]
    [InlineData("a.mmp", "4", "4", 140, 140)]
    [InlineData("a.mmp", "12", "8", 120, 80)] // the felt beat is the dotted quarter
    public void LmmsProject_GivesHeadBpmAndMeter(string name, string numerator, string denominator, double quarterBpm, double bpm)
    {
        string xml = Lmms($"""<head timesig_numerator="{numerator}" bpm="{quarterBpm}" timesig_denominator="{denominator}" masterpitch="0"/>""");
        var p = name.EndsWith(".mmpz", StringComparison.Ordinal) ? Open(name, Mmpz(xml)) : Open(name, xml);

        Assert.Equal(ProductionTool.Lmms, p.Tool);
        Assert.Equal(quarterBpm, p.QuarterBpm, 9);
        Assert.Equal(bpm, p.Bpm, 9);
        Assert.Equal($"{numerator}/{denominator}", p.Meter);
        Assert.Null(p.TempoChange);
    }

    [Fact]
    public void LmmsAutomationOnTheTempo_IsATempoChange_ButAutomationOfOtherSettingsIsNot()
    {
        const string head = """<head timesig_numerator="4" timesig_denominator="4"><bpm value="140" id="77"/><mastervol value="100" id="88"/></head>""";
        static string Pattern(string id) => $"""<track type="5" name="Automation"><automationtrack/><automationpattern name="sweep" len="192"><time pos="0" value="140"/><object id="{id}"/></automationpattern></track>""";

        var tempo = Open("t.mmp", Lmms(head, Pattern("77")));
        var volume = Open("v.mmp", Lmms(head, Pattern("88")));

        Assert.Equal(140, tempo.Bpm, 9);
        Assert.Contains("automation pattern 'sweep'", tempo.TempoChange);
        Assert.Null(volume.TempoChange);
    }

    [Fact]
    public void LmmsControllerOnTheTempo_IsATempoChange()
    {
        var p = Open("c.mmp", Lmms("""<head><bpm value="128" id="5"><connection><ControllerConnection controller="0"/></connection></bpm></head>"""));

        Assert.Equal(128, p.Bpm, 9);
        Assert.Equal("a controller drives the tempo", p.TempoChange);
    }

    [Fact]
    public void MmpzWithAWrongLength_IsUnreadable()
    {
        byte[] bytes = Mmpz(Lmms("""<head bpm="120"/>"""));
        bytes[3] ^= 1;

        var e = Assert.Throws<InvalidDataException>(() => Open("bad.mmpz", bytes));
        Assert.Contains("bad.mmpz", e.Message);
    }

    [Fact]
    public void HydrogenSong_GivesBpmAndThePatternMeter_AndATimelineAtAnotherTempoIsATempoChange()
    {
        var steady = Open("s.h2song", Hydrogen("115", patternSize: 144));
        var sameTempoMarker = Open("m.h2song", Hydrogen("98", "<newBPM><BAR>0</BAR><BPM>98</BPM></newBPM>"));
        var changing = Open("c.h2song", Hydrogen("98", "<newBPM><BAR>0</BAR><BPM>98</BPM></newBPM><newBPM><BAR>8</BAR><BPM>120</BPM></newBPM>"));

        Assert.Equal(ProductionTool.Hydrogen, steady.Tool);
        Assert.Equal(115, steady.Bpm, 9);
        Assert.Equal("3/4", steady.Meter);
        Assert.Null(steady.TempoChange);
        Assert.Null(sameTempoMarker.TempoChange);
        Assert.Contains("120", changing.TempoChange);
    }

    [Theory]
    [InlineData("4", "4", 4)]
    [InlineData("6", "8", 2)]  // two felt dotted quarters
    [InlineData("12", "8", 4)]
    [InlineData("5", "8", null)] // 2.5 quarter beats: the grid crosses the bar lines
    public void LmmsTimeSignature_GivesFeltBeatsPerBar(string numerator, string denominator, int? beatsPerBar)
    {
        var p = Open("a.mmp", Lmms($"""<head bpm="120" timesig_numerator="{numerator}" timesig_denominator="{denominator}"/>"""));

        Assert.Equal(beatsPerBar, p.BeatsPerBar);
    }

    [Fact]
    public void LmmsWithoutATimeSignature_DoesNotStateItsBars()
    {
        var p = Open("a.mmp", Lmms("""<head bpm="120"/>"""));

        Assert.Equal("4/4", p.Meter);
        Assert.Null(p.BeatsPerBar);
    }

    [Fact]
    public void HydrogenBars_StatedOnlyWhenEveryColumnPlaysOneBarPatterns()
    {
        const string a = "<group><patternID>a</patternID></group>";
        var oneBar = Open("s.h2song", Hydrogen("115", patternSize: 144, sequence: a + a + a));
        var withATwoBarPattern = Open("t.h2song", Hydrogen("115", sequence: a + "<group><patternID>a</patternID><patternID>long</patternID></group>"));
        var withAnEmptyColumn = Open("e.h2song", Hydrogen("115", sequence: a + "<group/>" + a));
        var noSequence = Open("n.h2song", Hydrogen("115"));

        Assert.Equal(3, oneBar.BeatsPerBar);
        Assert.Null(withATwoBarPattern.BeatsPerBar);
        Assert.Null(withAnEmptyColumn.BeatsPerBar);
        Assert.Null(noSequence.BeatsPerBar);
    }
}
