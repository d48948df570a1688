using System.Reflection;
using System.Text.RegularExpressions;
using Spectre.Console.Cli;

namespace EquiTempo.Cli;

/// <summary>
/// Rewrites the parser's messages that do not say which option is wrong. Spectre.Console.Cli reports a value it
/// cannot convert as "Failed to convert 'abc' to Nullable`1": the option and what it expects are found again from
/// the arguments and the options the commands declare.
/// </summary>
public static partial class UsageMessages
{
    [GeneratedRegex(@"^Failed to convert '(?<value>.*)' to (?<type>[^ ]+)\.$", RegexOptions.Singleline)]
    private static partial Regex FailedConversion();

    public static string Clarify(string message, IReadOnlyList<string> args)
    {
        var m = FailedConversion().Match(message);
        if (!m.Success) return message;
        string value = m.Groups["value"].Value;
        string? option = OptionGiven(value, args);
        if (option is null) return $"'{value}' is not a valid value for its option";
        var types = OptionTypes(option.TrimStart('-'));
        string expected = types.Count == 0 ? "another kind of value"
            : types.All(IsWholeNumber) ? "a whole number"
            : types.All(t => IsWholeNumber(t) || IsNumber(t)) ? "a number (e.g. 1.5)"
            : $"a value of type {types[0].Name}";
        return $"{option} '{value}': expected {expected}";
    }

    /// <summary>The option the value was given to: "--hop abc" or "--hop=abc".</summary>
    private static string? OptionGiven(string value, IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith('-')) continue;
            int eq = args[i].IndexOf('=');
            if (eq > 0 && args[i][(eq + 1)..] == value) return args[i][..eq];
            if (eq < 0 && i + 1 < args.Count && args[i + 1] == value) return args[i];
        }
        return null;
    }

    private static List<Type> OptionTypes(string name) =>
        typeof(UsageMessages).Assembly.GetTypes()
            .Where(t => typeof(CommandSettings).IsAssignableFrom(t))
            .SelectMany(t => t.GetProperties())
            .Where(p => p.GetCustomAttribute<CommandOptionAttribute>() is { } o && (o.LongNames.Contains(name) || o.ShortNames.Contains(name)))
            .Select(p => Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType)
            .Distinct()
            .ToList();

    private static bool IsWholeNumber(Type t) => t == typeof(int) || t == typeof(long);
    private static bool IsNumber(Type t) => t == typeof(double) || t == typeof(float);
}
