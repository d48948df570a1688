using NLayer;

namespace EquiTempo.Audio;

/// <summary>MPEG audio (layer 3, also 1 and 2) through NLayer.</summary>
/// <remarks>
/// NLayer seeks to the start of the MPEG frame containing the target and reports that frame's position, so
/// seeking is made sample-exact by decoding forward from there. The frame right after a seek decodes slightly
/// off (its bit reservoir and overlap are missing), so the seek goes two frames further back first.
/// NLayer ignores the encoder delay/padding in LAME headers, so decoded audio starts ~25 ms later than ffmpeg's.
/// </remarks>
internal sealed class Mp3Source : AudioSource
{
    private const int PrerollFrames = 2 * 1152;
    private readonly MpegFile _file;
    private readonly int _bytesPerFrame; // NLayer positions count bytes of interleaved float output

    private Mp3Source(string path, MpegFile file) : base(path)
    {
        _file = file;
        _bytesPerFrame = file.Channels * sizeof(float);
    }

    public override int SampleRate => _file.SampleRate;
    public override int Channels => _file.Channels;
    public override string Format => "mp3";
    public override long? RemainingFramesHint => Math.Max(0, (_file.Length - _file.Position) / _bytesPerFrame);

    public static Mp3Source Open(string path) => new(path, CreateFile(path));

    public override AudioSource? OpenIndependent() => Open(Path);

    public override bool CanOpenIndependent => true;

    /// <summary>Even after the pre-roll, a seek can leave tiny differences where the bit reservoir reaches further back.</summary>
    public override float SeekTolerance => 1e-4f;

    public static AudioInfo Probe(string path)
    {
        using var file = CreateFile(path);
        return new AudioInfo(path, file.SampleRate, file.Channels, file.Duration.TotalSeconds, "mp3");
    }

    private static MpegFile CreateFile(string path)
    {
        MpegFile? file = null;
        try
        {
            file = new MpegFile(path);
            AudioLimits.Check(path, file.SampleRate, file.Channels);
            return file;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            file?.Dispose();
            if (e is AudioFormatException) throw;
            throw new AudioFormatException(path, $"is not a readable MP3 file: {e.Message}", e);
        }
    }

    public override void SeekToFrame(long frame)
    {
        if (frame <= 0)
        {
            _file.Position = 0;
            return;
        }
        long totalFrames = _file.Length / _bytesPerFrame;
        if (frame >= totalFrames && totalFrames > 0)
        {
            _file.Position = _file.Length;
            return;
        }
        long landed = 0;
        if (_file.CanSeek && frame > PrerollFrames)
        {
            try
            {
                _file.Position = (frame - PrerollFrames) * _bytesPerFrame;
                landed = _file.Position / _bytesPerFrame;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _file.Position = 0;
                landed = 0;
            }
            if (landed > frame) // never trust a seek that overshoots
            {
                _file.Position = 0;
                landed = 0;
            }
        }
        Skip(frame - landed);
    }

    protected override int ReadInterleaved(Span<float> interleaved)
    {
        int channels = _file.Channels;
        int got = 0;
        while (got < interleaved.Length)
        {
            int n = _file.ReadSamples(interleaved[got..]);
            if (n <= 0) break;
            got += n;
        }
        return got / channels;
    }

    public override void Dispose() => _file.Dispose();
}
