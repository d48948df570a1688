namespace EquiTempo.Tests.DevSets;

/// <summary>
/// Writes Standard MIDI Files whose timing is known by construction. Events are given at absolute
/// ticks; tracks are encoded with delta times and running status, as real files are.
/// </summary>
internal sealed class SmfBytes(int ticksPerQuarter = 480)
{
    private readonly List<List<(long Tick, byte[] Bytes)>> _tracks = [[]];
    private int _current;

    public int TicksPerQuarter => ticksPerQuarter;

    /// <summary>Events go to this track from now on (0-based); format 1 files put tempo in track 0 and notes after.</summary>
    public SmfBytes Track(int index)
    {
        while (_tracks.Count <= index) _tracks.Add([]);
        _current = index;
        return this;
    }

    public SmfBytes Tempo(long tick, double quarterBpm)
    {
        int us = (int)Math.Round(60_000_000 / quarterBpm);
        return Event(tick, 0xFF, 0x51, 3, (byte)(us >> 16), (byte)(us >> 8), (byte)us);
    }

    public SmfBytes TimeSignature(long tick, int numerator, int denominator) =>
        Event(tick, 0xFF, 0x58, 4, (byte)numerator, (byte)Math.Log2(denominator), 24, 8);

    /// <summary>A note ended by a note-on of velocity 0, the way most sequencers write note-offs.</summary>
    public SmfBytes Note(long tick, long length, int key = 60, int channel = 0) =>
        Event(tick, (byte)(0x90 | channel), (byte)key, 100).Event(tick + length, (byte)(0x90 | channel), (byte)key, 0);

    /// <summary>One note per quarter, half a quarter long, from <paramref name="firstBeat"/> for <paramref name="beats"/> beats.</summary>
    public SmfBytes Quarters(int firstBeat, int beats)
    {
        for (int b = firstBeat; b < firstBeat + beats; b++) Note((long)b * ticksPerQuarter, ticksPerQuarter / 2);
        return this;
    }

    public SmfBytes Event(long tick, params byte[] bytes)
    {
        _tracks[_current].Add((tick, bytes));
        return this;
    }

    public byte[] ToBytes(int? format = null, int? division = null)
    {
        var file = new List<byte>();
        file.AddRange("MThd"u8.ToArray());
        file.AddRange(BigEndian(6, 4));
        file.AddRange(BigEndian(format ?? (_tracks.Count > 1 ? 1 : 0), 2));
        file.AddRange(BigEndian(_tracks.Count, 2));
        file.AddRange(BigEndian(division ?? ticksPerQuarter, 2));
        foreach (var track in _tracks)
        {
            var body = new List<byte>();
            long previous = 0;
            byte runningStatus = 0;
            foreach (var (tick, bytes) in track.OrderBy(e => e.Tick).Append((track.Count == 0 ? 0 : track.Max(e => e.Tick), [0xFF, 0x2F, 0])))
            {
                body.AddRange(VariableLength(tick - previous));
                previous = tick;
                bool channelMessage = bytes[0] < 0xF0;
                body.AddRange(channelMessage && bytes[0] == runningStatus ? bytes[1..] : bytes);
                runningStatus = channelMessage ? bytes[0] : (byte)0;
            }
            file.AddRange("MTrk"u8.ToArray());
            file.AddRange(BigEndian(body.Count, 4));
            file.AddRange(body);
        }
        return [.. file];
    }

    private static byte[] BigEndian(long value, int bytes) =>
        Enumerable.Range(0, bytes).Select(i => (byte)(value >> (8 * (bytes - 1 - i)))).ToArray();

    private static byte[] VariableLength(long value)
    {
        var groups = new List<byte> { (byte)(value & 0x7F) };
        while ((value >>= 7) > 0) groups.Insert(0, (byte)(0x80 | (value & 0x7F)));
        return [.. groups];
    }
}
