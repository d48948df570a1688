using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using EquiTempo.Audio;
using EquiTempo.Inference;
using EquiTempo.Tests.Inference;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Packaging;

/// <summary>
/// The packages as a user gets them: <c>dotnet pack</c> into a folder feed, then a fresh console project
/// that references EquiTempo from it, and the EquiTempo.Cli tool installed from it. Packing compresses
/// LibTorch (about 0.5 GB) and every step starts a dotnet process, so the collection runs on its own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PackagingCollection
{
    public const string Name = "Packaging (dotnet pack, restore, tool install)";
}

/// <summary>
/// Packs EquiTempo and EquiTempo.Cli once per test run into a temp folder feed. Each run gets its own
/// prerelease version (so a package cached by an earlier run is never the one restored), its own build
/// folders (--artifacts-path: the worktree's bin/ and obj/ are not touched) and its own NuGet packages
/// folder, which falls back to the machine's (read-only) so TorchSharp's natives are not fetched again.
/// </summary>
public sealed class PackedFeed : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"eq-pkg-{Guid.NewGuid():N}");
    public string Feed => Path.Combine(Root, "feed");
    public string Packages => Path.Combine(Root, "packages");
    public string Version { get; }
    public TimeSpan PackTime { get; }

    public PackedFeed()
    {
        var v = typeof(TempoEstimator).Assembly.GetName().Version!;
        Version = $"{v.Major}.{v.Minor}.{v.Build}-test.{DateTime.UtcNow.Ticks}";
        Directory.CreateDirectory(Root);
        var clock = Stopwatch.StartNew();
        var art = Path.Combine(Root, "artifacts");
        string[] common = ["-c", "Release", "-o", Feed, "--artifacts-path", art, $"-p:Version={Version}",
            "-p:CreateHardLinksForCopyLocalIfPossible=true", "-p:CreateHardLinksForPublishFilesIfPossible=true", "-nologo"];
        Run(Root, TimeSpan.FromMinutes(6), ["pack", RepoFile("src/EquiTempo/EquiTempo.csproj"), .. common]);
        // The tool's packages are per platform (LibTorch is native); this run needs only its own.
        Run(Root, TimeSpan.FromMinutes(8), ["pack", RepoFile("src/EquiTempo.Cli/EquiTempo.Cli.csproj"), .. common,
            $"-p:ToolPackageRuntimeIdentifiers={RuntimeInformation.RuntimeIdentifier}"]);
        Directory.Delete(art, true);   // 1 GB of build output, no longer needed
        var globalPackages = Run(Root, TimeSpan.FromMinutes(1), ["nuget", "locals", "global-packages", "--list"])
            .Out.Trim().Replace("global-packages:", "").Trim();
        // Sources: this feed plus whatever the machine's NuGet configuration already lists.
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><add key="equitempo-test-feed" value="{Feed}" /></packageSources>
              <fallbackPackageFolders><add key="machine-packages" value="{globalPackages}" /></fallbackPackageFolders>
            </configuration>
            """);
        PackTime = clock.Elapsed;
    }

    public static string RepoFile(string relative, [CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", relative));

    /// <summary>Runs dotnet (or <paramref name="program"/>) in <paramref name="dir"/>; fails the test, with both
    /// output streams, on a non-zero exit or when it outlives <paramref name="timeout"/>.</summary>
    public (string Out, string Err) Run(string dir, TimeSpan timeout, string[] args, string program = "dotnet")
    {
        var psi = new ProcessStartInfo(program) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Not the MSBuild of the `dotnet test` that runs this; no build servers left behind.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["OMP_NUM_THREADS"] = "1";
        psi.Environment["NO_COLOR"] = "1";
        // The tool's launcher finds the runtime this test runs on.
        if (!psi.Environment.ContainsKey("DOTNET_ROOT"))
            psi.Environment["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        // Packing reads the machine's packages folder; restores and installs write only under Root.
        if (args is not (["pack", ..] or ["nuget", ..])) psi.Environment["NUGET_PACKAGES"] = Packages;
        var what = $"{program} {string.Join(' ', args)}";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {what}");
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.Fail($"{what}: no exit after {timeout.TotalMinutes} min\nstdout:\n{output.Result}\nstderr:\n{err.Result}");
        }
        Assert.True(p.ExitCode == 0, $"{what}: exit code {p.ExitCode}\nstdout:\n{output.Result}\nstderr:\n{err.Result}");
        return (output.Result, err.Result);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

[Collection(PackagingCollection.Name)]
public class PackageInstallTests : IClassFixture<PackedFeed>
{
    private readonly PackedFeed _feed;
    public PackageInstallTests(PackedFeed feed) => _feed = feed;

    // What a consumer writes: 30 s of clicks every 0.5 s (2 ms noise bursts, 0.4 ms decay), as TestSignals.ClickTrack.
    private const string ConsumerProgram = """
        using EquiTempo.Inference;

        const int rate = 44100;
        var samples = new float[30 * rate];
        var rng = new Random(9);
        for (int start, k = 0; (start = (int)Math.Round((k + 0.25) * 0.5 * rate)) < samples.Length; k++)
            for (int j = 0; j < 88 && start + j < samples.Length; j++)
                samples[start + j] = (float)(0.8 * (2 * rng.NextDouble() - 1) * Math.Exp(-j / 17.64));
        using var estimator = TempoEstimator.Load();
        Console.WriteLine(FormattableString.Invariant($"BPM {estimator.Estimate(samples, rate).Bpm:F2}"));
        """;

    [Fact]
    public void Library_FromTheFeed_EstimatesA120BpmClickTrack_WithNoModelFileBesideIt()
    {
        foreach (var nupkg in Directory.GetFiles(_feed.Feed, "*.nupkg"))
        {
            using var zip = ZipFile.OpenRead(nupkg);
            Assert.Contains(zip.Entries, e => e.FullName == "README.md");
            Assert.DoesNotContain(zip.Entries, e => e.FullName.EndsWith(".eqtm"));   // the models are inside EquiTempo.dll
        }
        var app = Path.Combine(_feed.Root, "app");
        Directory.CreateDirectory(app);
        var threeMinutes = TimeSpan.FromMinutes(3);
        _feed.Run(app, threeMinutes, ["new", "console", "--framework", "net10.0", "--no-restore", "-n", "App", "-o", "."]);
        _feed.Run(app, threeMinutes, ["add", "package", "EquiTempo", "--version", _feed.Version]);
        File.WriteAllText(Path.Combine(app, "Program.cs"), ConsumerProgram);
        var (output, err) = _feed.Run(app, TimeSpan.FromMinutes(5), ["run", "-c", "Release", "-p:CreateHardLinksForCopyLocalIfPossible=true"]);
        Assert.Empty(Directory.GetFiles(Path.Combine(app, "bin"), "*.eqtm", SearchOption.AllDirectories));
        var line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("BPM "));
        Assert.True(line is not null, $"no BPM line\nstdout:\n{output}\nstderr:\n{err}");
        double bpm = double.Parse(line[4..], CultureInfo.InvariantCulture);
        Assert.True(ShippedModelTests.WithinOrOctave(bpm, 120), $"estimated {bpm} for 120 BPM (pack took {_feed.PackTime.TotalSeconds:F0} s)\nstdout:\n{output}\nstderr:\n{err}");
    }

    [Fact]
    public void Tool_InstalledFromTheFeed_EstimatesA120BpmClickTrackWav()
    {
        var tools = Path.Combine(_feed.Root, "tools");
        _feed.Run(_feed.Root, TimeSpan.FromMinutes(5), ["tool", "install", "--tool-path", tools, "--add-source", _feed.Feed, "EquiTempo.Cli", "--version", _feed.Version]);
        var wav = Path.Combine(_feed.Root, "click.wav");
        WavWriter.WriteMono16(wav, TestSignals.ClickTrack(120, 30, 44100, seed: 9), 44100);
        var (output, err) = _feed.Run(_feed.Root, TimeSpan.FromMinutes(3), ["estimate", wav, "--format", "json"], program: Path.Combine(tools, "equitempo"));
        double bpm = JsonDocument.Parse(output).RootElement.GetProperty("bpm").GetDouble();
        Assert.True(ShippedModelTests.WithinOrOctave(bpm, 120), $"estimated {bpm} for 120 BPM\nstdout:\n{output}\nstderr:\n{err}");
    }
}
