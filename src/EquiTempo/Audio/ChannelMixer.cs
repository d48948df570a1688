using System.Runtime.CompilerServices;

namespace EquiTempo.Audio;

/// <summary>Downmix to mono as the plain mean of the channels.</summary>
internal static class ChannelMixer
{
    /// <summary>
    /// Averages each frame of <paramref name="interleaved"/> into <paramref name="mono"/>. Non-finite values
    /// (NaN/Inf in float files, or overflow of huge ones) become 0 here so that nothing downstream sees them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: skip the unoptimised first JIT tier
    public static void ToMono(ReadOnlySpan<float> interleaved, int channels, Span<float> mono)
    {
        int frames = interleaved.Length / channels;
        if (channels == 1)
        {
            for (int i = 0; i < frames; i++)
            {
                float v = interleaved[i];
                mono[i] = float.IsFinite(v) ? v : 0f;
            }
            return;
        }
        if (channels == 2)
        {
            for (int i = 0; i < frames; i++)
            {
                float a = interleaved[2 * i], b = interleaved[2 * i + 1];
                float mean = (float.IsFinite(a) ? a : 0f) * 0.5f + (float.IsFinite(b) ? b : 0f) * 0.5f;
                mono[i] = mean; // halves before adding: cannot overflow
            }
            return;
        }
        float scale = 1f / channels;
        for (int i = 0, k = 0; i < frames; i++)
        {
            float sum = 0;
            for (int c = 0; c < channels; c++, k++)
            {
                float v = interleaved[k];
                if (float.IsFinite(v)) sum += v;
            }
            sum *= scale;
            mono[i] = float.IsFinite(sum) ? sum : 0f;
        }
    }
}
