namespace Maru.Runtime;

/// <summary>One source unit of a module: the path diagnostics name (need not exist on disk) and its text.</summary>
public sealed record MaruSource(string Path, string Text);

/// <summary>An exported function of a module: its Maru name, its number of parameters and its documentation string.</summary>
public sealed record MaruFunctionInfo(string Name, int ParameterCount, string? Documentation)
{
    internal string Symbol { get; init; } = "";
}
