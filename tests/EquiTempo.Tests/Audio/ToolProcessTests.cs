using System.Diagnostics;
using EquiTempo.Audio;

namespace EquiTempo.Tests.Audio;

public class ToolProcessTests
{
    [Fact]
    public void WatchdogKillsAChildThatStopsWriting()
    {
        string? sleep = ExternalToolLocator.Find("sleep");
        if (sleep is null) return; // not a POSIX system
        var clock = Stopwatch.StartNew();
        using var p = new ToolProcess(sleep, ["60"], TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Equal(0, p.Read(new byte[16]));
        Assert.True(p.TimedOut);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public void CancellationKillsTheChild()
    {
        string? sleep = ExternalToolLocator.Find("sleep");
        if (sleep is null) return;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        using var p = new ToolProcess(sleep, ["60"], TimeSpan.FromSeconds(60), cts.Token);
        Assert.Equal(0, p.Read(new byte[16]));
        Assert.False(p.TimedOut);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public void StderrIsCollected()
    {
        string? sh = ExternalToolLocator.Find("sh");
        if (sh is null) return;
        using var p = new ToolProcess(sh, ["-c", "echo out; echo problem one >&2; echo problem two >&2; exit 3"], TimeSpan.FromSeconds(10), CancellationToken.None);
        var buffer = new byte[64];
        Assert.Equal("out\n", System.Text.Encoding.ASCII.GetString(buffer, 0, p.ReadFully(buffer)));
        Assert.Equal(3, p.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Equal("problem one | problem two", p.StderrTail);
    }
}
