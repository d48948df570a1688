namespace EquiTempo.Tests.DevSets;

/// <summary>Minimal tracker modules whose row timing is known by construction.</summary>
internal static class ModuleBytes
{
    public const int Rows = 64;

    /// <summary>A speed (ticks per row) or tempo command at row 0 of a pattern.</summary>
    public readonly record struct Command(int Channel, int Effect, int Parameter);

    /// <summary>
    /// A 4-channel ProTracker "M.K." module: one looping square-wave sample that every row plays on
    /// channel 1 (so the render is not silent), the <paramref name="patterns"/> with their commands at
    /// row 0, played in <paramref name="order"/>. MOD's Fxx sets the speed below 0x20 and the tempo from 0x20 on.
    /// </summary>
    public static byte[] Mod(IReadOnlyList<Command[]> patterns, IReadOnlyList<int> order)
    {
        const int sampleWords = 16;
        var file = new List<byte>();
        file.AddRange(new byte[20]);                         // title
        for (int s = 0; s < 31; s++)
        {
            file.AddRange(new byte[22]);                     // sample name
            bool used = s == 0;
            file.AddRange(BigEndian16(used ? sampleWords : 0));
            file.Add(0);                                     // finetune
            file.Add((byte)(used ? 64 : 0));                 // volume
            file.AddRange(BigEndian16(0));                   // loop start
            file.AddRange(BigEndian16(used ? sampleWords : 1));
        }
        file.Add((byte)order.Count);
        file.Add(127);
        for (int i = 0; i < 128; i++) file.Add((byte)(i < order.Count ? order[i] : 0));
        file.AddRange("M.K."u8.ToArray());
        foreach (var commands in patterns)
            for (int row = 0; row < Rows; row++)
                for (int channel = 0; channel < 4; channel++)
                {
                    var cell = new byte[4];
                    if (channel == 0)
                    {
                        const int period = 428;                 // C-2
                        cell[0] = (byte)(period >> 8);          // sample 1: high nibble 0
                        cell[1] = period & 0xFF;
                        cell[2] = 0x10;                         // sample 1: low nibble
                    }
                    if (row == 0 && commands.FirstOrDefault(c => c.Channel == channel) is { Effect: > 0 } command)
                    {
                        cell[2] = (byte)((cell[2] & 0xF0) | command.Effect);
                        cell[3] = (byte)command.Parameter;
                    }
                    file.AddRange(cell);
                }
        for (int i = 0; i < sampleWords * 2; i++) file.Add((byte)(i < sampleWords ? 0x40 : 0xC0));
        return [.. file];
    }

    /// <summary>
    /// An Impulse Tracker module with no samples and one empty pattern played <paramref name="orders"/>
    /// times, at the initial speed and tempo of its header, and <paramref name="rowsPerBeat"/> as its
    /// pattern highlight (header byte 0x1E).
    /// </summary>
    public static byte[] It(int speed, int tempo, int rowsPerBeat, int orders)
    {
        var header = new byte[0xC0];
        "IMPM"u8.CopyTo(header);
        header[0x1E] = (byte)rowsPerBeat;
        header[0x1F] = (byte)(rowsPerBeat * 4);
        WriteLittle16(header, 0x20, orders + 1);             // the orders, then the end marker 255
        WriteLittle16(header, 0x26, 1);                      // one pattern
        WriteLittle16(header, 0x28, 0x0214);                 // made with / compatible with IT 2.14
        WriteLittle16(header, 0x2A, 0x0214);
        WriteLittle16(header, 0x2C, 1);                      // stereo
        header[0x30] = 128;                                  // global volume
        header[0x31] = 48;                                   // mix volume
        header[0x32] = (byte)speed;
        header[0x33] = (byte)tempo;
        header[0x34] = 128;                                  // stereo separation
        for (int c = 0; c < 64; c++)
        {
            header[0x40 + c] = 32;                           // centre pan
            header[0x80 + c] = 64;                           // full channel volume
        }
        var file = new List<byte>(header);
        for (int i = 0; i < orders; i++) file.Add(0);
        file.Add(255);
        int patternOffset = file.Count + 4;
        file.AddRange(BitConverter.GetBytes(patternOffset));
        file.AddRange(BitConverter.GetBytes((ushort)Rows));  // packed length: one end-of-row byte per row
        file.AddRange(BitConverter.GetBytes((ushort)Rows));
        file.AddRange(new byte[4]);
        file.AddRange(new byte[Rows]);
        return [.. file];
    }

    private static byte[] BigEndian16(int value) => [(byte)(value >> 8), (byte)value];

    private static void WriteLittle16(byte[] buffer, int offset, int value)
    {
        buffer[offset] = (byte)value;
        buffer[offset + 1] = (byte)(value >> 8);
    }
}
