using System.Buffers.Binary;

namespace EquiTempo.DevSets;

/// <summary>A tempo meta event (FF 51): from <see cref="Tick"/> on, a quarter note lasts <see cref="MicrosecondsPerQuarter"/>.</summary>
public readonly record struct MidiTempoChange(long Tick, int MicrosecondsPerQuarter)
{
    public double QuarterBpm => 60_000_000.0 / MicrosecondsPerQuarter;
}

/// <summary>A time signature meta event (FF 58): <see cref="Numerator"/>/<see cref="Denominator"/> from <see cref="Tick"/> on.</summary>
public readonly record struct MidiTimeSignature(long Tick, int Numerator, int Denominator)
{
    public override string ToString() => $"{Numerator}/{Denominator}";
}

/// <summary>
/// The timing of a Standard MIDI File (format 0 or 1): its tempo and time-signature events merged over
/// all tracks, and the span from the first note-on to the end of the last note, so ticks can be turned
/// into seconds. Notes, not the end-of-track events, bound the song: many files end their tracks long
/// after the music, or put a tempo event before the first note that never sounds.
/// </summary>
public sealed class MidiTempoMap
{
    /// <summary>SMF's tempo when a file sets none: 120 quarter notes a minute.</summary>
    public const int DefaultMicrosecondsPerQuarter = 500_000;

    private readonly long[] _changeTicks;
    private readonly double[] _changeSeconds;

    /// <summary>The file the map was read from, for messages.</summary>
    public string Source { get; }
    public int TicksPerQuarter { get; }
    /// <summary>Tempo changes in tick order; the first is at tick 0 (SMF's default tempo when the file sets none there).</summary>
    public IReadOnlyList<MidiTempoChange> TempoChanges { get; }
    /// <summary>Time signatures in tick order; empty when the file has none (SMF then means 4/4).</summary>
    public IReadOnlyList<MidiTimeSignature> TimeSignatures { get; }
    public long FirstNoteTick { get; }
    public long LastNoteEndTick { get; }

    private MidiTempoMap(string source, int ticksPerQuarter, List<MidiTempoChange> tempoChanges, List<MidiTimeSignature> timeSignatures,
        long firstNoteTick, long lastNoteEndTick)
    {
        Source = source;
        TicksPerQuarter = ticksPerQuarter;
        TempoChanges = tempoChanges;
        TimeSignatures = timeSignatures;
        FirstNoteTick = firstNoteTick;
        LastNoteEndTick = lastNoteEndTick;
        _changeTicks = tempoChanges.Select(c => c.Tick).ToArray();
        _changeSeconds = new double[tempoChanges.Count];
        for (int i = 1; i < tempoChanges.Count; i++)
            _changeSeconds[i] = _changeSeconds[i - 1] + TicksToSeconds(tempoChanges[i].Tick - tempoChanges[i - 1].Tick, tempoChanges[i - 1]);
    }

    public double FirstNoteSeconds => SecondsAt(FirstNoteTick);
    public double LastNoteEndSeconds => SecondsAt(LastNoteEndTick);

    /// <summary>Time from the file's start to <paramref name="tick"/>, following the tempo changes before it.</summary>
    public double SecondsAt(long tick) => SecondsAt((double)tick);

    /// <summary>
    /// Time from the file's start to a tick that may fall between two (a dotted-quarter beat when the
    /// ticks per quarter are odd), following the tempo changes before it.
    /// </summary>
    public double SecondsAt(double tick)
    {
        // The last change at or before the tick; of several changes on one tick, the last governs what follows.
        int lo = 0, hi = _changeTicks.Length - 1; // the first change is at tick 0, so lo always qualifies
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (_changeTicks[mid] <= tick) lo = mid; else hi = mid - 1;
        }
        int i = lo;
        return _changeSeconds[i] + TicksToSeconds(tick - _changeTicks[i], TempoChanges[i]);
    }

    private double TicksToSeconds(double ticks, MidiTempoChange tempo) =>
        ticks * (tempo.MicrosecondsPerQuarter / 1e6) / TicksPerQuarter;

    public static MidiTempoMap Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: MIDI file not found", path);
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses SMF bytes; <paramref name="name"/> (the file's path) starts every error message.</summary>
    public static MidiTempoMap Parse(ReadOnlySpan<byte> data, string name)
    {
        if (data.Length < 14 || !data[..4].SequenceEqual("MThd"u8))
            throw new InvalidDataException($"{name}: not a Standard MIDI File (no MThd header)");
        var reader = new ChunkReader(data, name);
        if (!reader.NextChunk(out var id, out var header) || id != "MThd")
            throw new InvalidDataException($"{name}: not a Standard MIDI File (no MThd header)");
        if (header.Length < 6) throw new InvalidDataException($"{name}: MThd header is {header.Length} bytes, expected 6");
        int format = BinaryPrimitives.ReadUInt16BigEndian(header);
        int trackCount = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        short division = BinaryPrimitives.ReadInt16BigEndian(header[4..]);
        if (format > 1)
            throw new InvalidDataException($"{name}: SMF format {format} holds independent sequences with no common tempo; only formats 0 and 1 are read");
        if (division <= 0)
            throw new InvalidDataException($"{name}: SMPTE time division ({division}): ticks are fixed frames, so the file has no musical tempo to read");

        var tempos = new List<MidiTempoChange>();
        var signatures = new List<MidiTimeSignature>();
        long firstNote = long.MaxValue, lastNoteEnd = -1;
        int tracksRead = 0;
        while (reader.NextChunk(out id, out var body))
        {
            // Unknown chunk types are allowed by the SMF specification and must be skipped.
            if (id != "MTrk") continue;
            var track = new TrackReader(body, name, tracksRead);
            while (track.NextEvent(out var e))
            {
                switch (e.Kind)
                {
                    case TrackEventKind.NoteOn:
                        firstNote = Math.Min(firstNote, e.Tick);
                        lastNoteEnd = Math.Max(lastNoteEnd, e.Tick);
                        break;
                    case TrackEventKind.NoteOff:
                        lastNoteEnd = Math.Max(lastNoteEnd, e.Tick);
                        break;
                    case TrackEventKind.Tempo:
                        tempos.Add(new MidiTempoChange(e.Tick, e.Value));
                        break;
                    case TrackEventKind.TimeSignature:
                        signatures.Add(new MidiTimeSignature(e.Tick, e.Value, e.Value2));
                        break;
                }
            }
            tracksRead++;
        }
        if (tracksRead == 0) throw new InvalidDataException($"{name}: no MTrk track chunk");
        if (tracksRead < trackCount)
            throw new InvalidDataException($"{name}: header announces {trackCount} tracks, the file holds {tracksRead} (truncated?)");
        if (firstNote == long.MaxValue) throw new InvalidDataException($"{name}: no notes, so no song to time");

        // Stable sorts keep the file's order among events on the same tick, so the last one written wins.
        var orderedTempos = tempos.OrderBy(t => t.Tick).ToList();
        if (orderedTempos.Count == 0 || orderedTempos[0].Tick > 0)
            orderedTempos.Insert(0, new MidiTempoChange(0, DefaultMicrosecondsPerQuarter));
        return new MidiTempoMap(name, division, orderedTempos, signatures.OrderBy(s => s.Tick).ToList(), firstNote, lastNoteEnd);
    }

    /// <summary>Walks the chunks of an SMF file: a 4-byte type and a big-endian 32-bit length each.</summary>
    private ref struct ChunkReader(ReadOnlySpan<byte> data, string name)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public bool NextChunk(out string id, out ReadOnlySpan<byte> body)
        {
            id = "";
            body = default;
            if (_position == _data.Length) return false;
            if (_data.Length - _position < 8)
                throw new InvalidDataException($"{name}: {_data.Length - _position} stray bytes at offset {_position} where a chunk header should be");
            id = System.Text.Encoding.ASCII.GetString(_data.Slice(_position, 4));
            uint length = BinaryPrimitives.ReadUInt32BigEndian(_data[(_position + 4)..]);
            if (length > _data.Length - _position - 8)
                throw new InvalidDataException($"{name}: chunk '{id}' at offset {_position} claims {length} bytes, only {_data.Length - _position - 8} remain (truncated file)");
            body = _data.Slice(_position + 8, (int)length);
            _position += 8 + (int)length;
            return true;
        }
    }

    private enum TrackEventKind { Other, NoteOn, NoteOff, Tempo, TimeSignature, EndOfTrack }

    private readonly record struct TrackEvent(long Tick, TrackEventKind Kind, int Value = 0, int Value2 = 0);

    /// <summary>Decodes the events of one MTrk chunk: delta times, running status, SysEx and meta events.</summary>
    private ref struct TrackReader(ReadOnlySpan<byte> body, string name, int trackIndex)
    {
        private readonly ReadOnlySpan<byte> _body = body;
        private int _position;
        private long _tick;
        private int _runningStatus;
        private bool _ended;

        public bool NextEvent(out TrackEvent e)
        {
            e = default;
            if (_ended || _position >= _body.Length) return false;
            _tick += ReadVariableLength();
            int status = ReadByte();
            if (status < 0x80)
            {
                if (_runningStatus == 0) throw Error($"data byte 0x{status:X2} with no status byte before it");
                _position--; // the byte was the first data byte of a running-status message
                status = _runningStatus;
            }
            if (status == 0xFF)
            {
                int type = ReadByte();
                var payload = ReadBytes(ReadVariableLength());
                e = type switch
                {
                    0x51 when payload.Length >= 3 && (payload[0] << 16 | payload[1] << 8 | payload[2]) > 0 =>
                        new TrackEvent(_tick, TrackEventKind.Tempo, payload[0] << 16 | payload[1] << 8 | payload[2]),
                    0x51 => throw Error($"tempo event of {payload.Length} bytes or zero tempo"),
                    0x58 when payload.Length >= 2 && payload[0] > 0 && payload[1] < 8 =>
                        new TrackEvent(_tick, TrackEventKind.TimeSignature, payload[0], 1 << payload[1]),
                    0x58 => throw Error($"time signature event with {payload.Length} bytes or an impossible value"),
                    0x2F => new TrackEvent(_tick, TrackEventKind.EndOfTrack),
                    _ => new TrackEvent(_tick, TrackEventKind.Other),
                };
                if (e.Kind == TrackEventKind.EndOfTrack) _ended = true;
                return true;
            }
            if (status is 0xF0 or 0xF7)
            {
                ReadBytes(ReadVariableLength());
                e = new TrackEvent(_tick, TrackEventKind.Other);
                return true;
            }
            if (status >= 0xF0) throw Error($"system message 0x{status:X2} is not allowed in a MIDI file");
            _runningStatus = status;
            int command = status & 0xF0;
            int data1 = ReadDataByte();
            if (command is 0xC0 or 0xD0)
            {
                e = new TrackEvent(_tick, TrackEventKind.Other);
                return true;
            }
            int data2 = ReadDataByte();
            var kind = command switch
            {
                0x90 when data2 > 0 => TrackEventKind.NoteOn,
                0x90 or 0x80 => TrackEventKind.NoteOff, // note-on with velocity 0 is a note-off
                _ => TrackEventKind.Other,
            };
            e = new TrackEvent(_tick, kind, data1);
            return true;
        }

        private int ReadVariableLength()
        {
            int value = 0;
            for (int i = 0; i < 4; i++)
            {
                int b = ReadByte();
                value = (value << 7) | (b & 0x7F);
                if ((b & 0x80) == 0) return value;
            }
            throw Error("variable-length number longer than 4 bytes");
        }

        private int ReadByte()
        {
            if (_position >= _body.Length) throw Error("track ends in the middle of an event");
            return _body[_position++];
        }

        private int ReadDataByte()
        {
            int b = ReadByte();
            if (b >= 0x80) throw Error($"status byte 0x{b:X2} where a data byte should be");
            return b;
        }

        private ReadOnlySpan<byte> ReadBytes(int count)
        {
            if (count > _body.Length - _position) throw Error($"event claims {count} bytes, only {_body.Length - _position} remain in the track");
            var bytes = _body.Slice(_position, count);
            _position += count;
            return bytes;
        }

        private readonly InvalidDataException Error(string what) =>
            new($"{name}: track {trackIndex + 1}, byte {_position} of the track, tick {_tick}: {what}");
    }
}
