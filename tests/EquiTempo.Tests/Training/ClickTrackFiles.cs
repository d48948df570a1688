using EquiTempo.Audio;
using EquiTempo.Evaluation;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Training;

/// <summary>Labelled training audio whose tempo is known by construction: one 22.05 kHz click track per tempo.</summary>
internal static class ClickTrackFiles
{
    public static List<LabelledTrack> Write(string directory, IEnumerable<double> bpms, double seconds)
    {
        Directory.CreateDirectory(directory);
        var tracks = new List<LabelledTrack>();
        foreach (var bpm in bpms)
        {
            int k = tracks.Count;
            var path = Path.Combine(directory, $"clicks{k}.wav");
            WavWriter.WriteMono16(path, TestSignals.ClickTrack(bpm, seconds, 22050, seed: k), 22050);
            tracks.Add(new LabelledTrack(path, bpm, "clicks"));
        }
        return tracks;
    }
}
