using System.Text.RegularExpressions;

namespace EquiTempo.Tests.Architecture;

/// <summary>
/// The layering, checked on the source tree: no cycles among the EquiTempo.* namespaces, a core package
/// (src/EquiTempo) with no plotting, CLI, training or evaluation dependency, and a library that names no CLI flag
/// (a message from the library is read by callers that are not the CLI too).
/// </summary>
public partial class ArchitectureTests
{
    /// <summary>The repository root (the folder of EquiTempo.slnx), for tests that read its sources or run its tools.</summary>
    internal static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EquiTempo.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no EquiTempo.slnx above {AppContext.BaseDirectory}");
    }

    private static IEnumerable<string> SourceFiles(string project) =>
        Directory.EnumerateFiles(Path.Combine(Root, project), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"))
            .Order(StringComparer.Ordinal);

    private static string Relative(string file) => Path.GetRelativePath(Root, file).Replace('\\', '/');

    [GeneratedRegex(@"^\s*namespace\s+(EquiTempo[\w.]*)", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();
    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?(EquiTempo[\w.]*)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingLine();
    [GeneratedRegex(@"(?<![\w.])EquiTempo(?:\.[A-Za-z_]\w*)+")]
    private static partial Regex QualifiedName();
    [GeneratedRegex(@"@""(?:[^""]|"""")*""|""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex StringLiteral();
    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();
    [GeneratedRegex(@"(^|\s)--[a-z][a-z-]+")]
    private static partial Regex CliFlag();
    [GeneratedRegex(@"equitempo\s+(estimate|train|finetune|calibrate|eval|equivariance|render-rhythms|render-songs|compact|info)\b")]
    private static partial Regex CliCommand();

    /// <summary>The file's namespace and its code with string literals and comments removed.</summary>
    private static (string? Namespace, string Code, List<string> Literals) Parse(string file)
    {
        string text = File.ReadAllText(file);
        var literals = new List<string>();
        string code = StringLiteral().Replace(text, m => { literals.Add(m.Value); return "\"\""; });
        code = Comment().Replace(code, "");
        var ns = NamespaceLine().Match(code);
        return (ns.Success ? ns.Groups[1].Value : null, code, literals);
    }

    [Fact]
    public void EquiTempoNamespaces_HaveNoCycles()
    {
        var files = new[] { "src", "tools" }.SelectMany(SourceFiles).Select(f => (File: f, Parsed: Parse(f))).Where(f => f.Parsed.Namespace is not null).ToList();
        var known = files.Select(f => f.Parsed.Namespace!).ToHashSet(StringComparer.Ordinal);
        string? Owner(string name) // the longest known namespace that the name is in or names
        {
            for (string n = name; ; n = n[..n.LastIndexOf('.')])
            {
                if (known.Contains(n)) return n;
                if (!n.Contains('.')) return null;
            }
        }
        var graph = known.ToDictionary(n => n, _ => new SortedSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        var evidence = new Dictionary<(string, string), string>();
        foreach (var (file, (ns, code, _)) in files)
        {
            var body = NamespaceLine().Replace(code, "");
            var names = UsingLine().Matches(body).Select(m => m.Groups[1].Value)
                .Concat(QualifiedName().Matches(UsingLine().Replace(body, "")).Select(m => m.Value));
            foreach (var target in names.Select(Owner).OfType<string>().Where(t => t != ns))
                if (graph[ns!].Add(target)) evidence[(ns!, target)] = Relative(file);
        }

        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the stack, 2 done
        var stack = new List<string>();
        List<string>? cycle = null;
        bool Visit(string n)
        {
            state[n] = 1;
            stack.Add(n);
            foreach (var m in graph[n])
            {
                if (state.GetValueOrDefault(m) == 1) { cycle = [.. stack[stack.IndexOf(m)..], m]; return true; }
                if (state.GetValueOrDefault(m) == 0 && Visit(m)) return true;
            }
            stack.RemoveAt(stack.Count - 1);
            state[n] = 2;
            return false;
        }
        foreach (var n in graph.Keys.Order(StringComparer.Ordinal))
            if (state.GetValueOrDefault(n) == 0 && Visit(n)) break;
        Assert.True(cycle is null, cycle is null ? "" : "namespace cycle: " + string.Join(" → ", cycle) + "\n" +
            string.Join("\n", cycle.Zip(cycle.Skip(1)).Select(e => $"  {e.First} → {e.Second} (e.g. {evidence[e]})")));
    }

    [Fact]
    public void Core_ReferencesNoPlottingCliTrainingOrEvaluation()
    {
        var forbidden = new[] { "ScottPlot", "Spectre", "EquiTempo.Training", "EquiTempo.Evaluation" };
        var csproj = File.ReadAllText(Path.Combine(Root, "src", "EquiTempo", "EquiTempo.csproj"));
        var references = Regex.Matches(csproj, @"<(?:PackageReference|ProjectReference)\s+Include=""([^""]+)""").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(references);
        Assert.DoesNotContain(references, r => forbidden.Any(f => r.Contains(f, StringComparison.OrdinalIgnoreCase)));
        var violations = new List<string>();
        foreach (var file in SourceFiles(Path.Combine("src", "EquiTempo")))
        {
            var code = Parse(file).Code;
            foreach (var f in forbidden)
                if (Regex.IsMatch(code, $@"(?<![\w.]){Regex.Escape(f)}\b")) violations.Add($"{Relative(file)} names {f}");
        }
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void Library_NamesNoCliFlagOrCommand()
    {
        var violations = new List<string>();
        foreach (var project in new[] { "src/EquiTempo", "src/EquiTempo.Training", "src/EquiTempo.Evaluation" })
            foreach (var file in SourceFiles(project))
                foreach (var literal in Parse(file).Literals)
                    if (CliFlag().IsMatch(literal.Trim('"', '@', '$')) || CliCommand().IsMatch(literal))
                        violations.Add($"{Relative(file)}: {literal}");
        Assert.True(violations.Count == 0, "the library names CLI flags or commands (say what is wrong, not which flag fixes it):\n" + string.Join("\n", violations));
    }
}
