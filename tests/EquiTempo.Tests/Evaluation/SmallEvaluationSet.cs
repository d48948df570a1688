using EquiTempo.Audio;
using EquiTempo.Training.Synthesis;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Evaluation;

/// <summary>
/// A labelled set small enough for CI: two drum patterns and a click track whose tempi are known by
/// construction, plus one file that is not audio, listed in an index with two kinds. The 140 BPM pattern
/// also carries a second reference tempo (its half) with a salience, so the P-score has something to score.
/// </summary>
internal static class SmallEvaluationSet
{
    public const string CorruptName = "corrupt.wav";

    /// <summary>Writes the set into <paramref name="dir"/> and returns the index path.</summary>
    public static string Write(string dir)
    {
        const int rate = 44100;
        // 13 s: one network chunk (13.6 s) per file keeps the run short.
        var config = new DrumRenderConfig(rate, 13.0);
        WavWriter.WriteMono16(Path.Combine(dir, "drums_090.wav"), DrumPatternRenderer.Render(90, seed: 1, config, patternIndex: 0), rate);
        WavWriter.WriteMono16(Path.Combine(dir, "drums_140.wav"), DrumPatternRenderer.Render(140, seed: 2, config, patternIndex: 1), rate);
        WavWriter.WriteMono16(Path.Combine(dir, "clicks_120.wav"), TestSignals.ClickTrack(120, 13.0, rate), rate);
        File.WriteAllText(Path.Combine(dir, CorruptName), "RIFF but not really");
        var index = Path.Combine(dir, "index.tsv");
        File.WriteAllText(index,
            "path\tbpm\tkind\tbpm2\tsalience\n" +
            "drums_090.wav\t90\tdrums\t\t\n" +
            "drums_140.wav\t140\tdrums\t70\t0.6\n" +
            "clicks_120.wav\t120\tclicks\t\t\n" +
            $"{CorruptName}\t100\tclicks\t\t\n");
        return index;
    }
}
