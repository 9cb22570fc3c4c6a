namespace Maru.Runtime;

/// <summary>One source unit of a module: the path diagnostics name (need not exist on disk) and its text.</summary>
public sealed record MaruSource(string Path, string Text);

/// <summary>An exported function of a module: its Maru name, its number of parameters and its documentation string.</summary>
public sealed record MaruFunctionInfo(string Name, int ParameterCount, string? Documentation)
{
    internal string Symbol { get; init; } = "";

    // The native symbol is an implementation detail: two infos are equal when what they say about the function is.
    public bool Equals(MaruFunctionInfo? other) =>
        other is not null && Name == other.Name && ParameterCount == other.ParameterCount && Documentation == other.Documentation;

    public override int GetHashCode() => HashCode.Combine(Name, ParameterCount, Documentation);
}
