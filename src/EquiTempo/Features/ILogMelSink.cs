using static TorchSharp.torch;

namespace EquiTempo.Features;

/// <summary>
/// A second reader of a track's log-mel spectrogram, given it chunk by chunk, in order, as another stage computes it
/// (the beat head beside the tempo network), so that the track is decoded and its spectrogram computed once.
/// </summary>
public interface ILogMelSink
{
    /// <param name="firstFrame">The track frame of the first column: the chunk's first sample / hop (a whole number).</param>
    /// <param name="logMel">(bands, frames), one row of <see cref="LogMelFrontEnd.Forward(Tensor)"/>. Read during the call
    /// only: it belongs to the caller's dispose scope. Frames the sink already holds (chunks overlap) are skipped.</param>
    void Add(long firstFrame, Tensor logMel);
}

internal static class LogMelSinkExtensions
{
    /// <summary>Each chunk's row of a batch's (chunks, 1, bands, frames) log-mel, in order.</summary>
    public static void GiveChunks(this ILogMelSink sink, IReadOnlyList<Inference.AudioChunk> chunks, Tensor batch, int hop)
    {
        for (int k = 0; k < chunks.Count; k++) sink.Add(chunks[k].StartSample / hop, batch[k, 0]);
    }
}
