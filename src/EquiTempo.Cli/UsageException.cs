namespace EquiTempo.Cli;

/// <summary>A usage error found only once the inputs are known (after parsing and validation): exit 2, like the
/// parser's own errors.</summary>
public sealed class UsageException(string message) : Exception(message);
