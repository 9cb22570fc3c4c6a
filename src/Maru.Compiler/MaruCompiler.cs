using Maru.Compiler.Diagnostics;

namespace Maru.Compiler;

/// <summary>What to compile for. Today: the runtime identifier of the target platform.</summary>
public sealed record CompileOptions(string RuntimeIdentifier = "linux-x64");

/// <summary>The assembly text generated for one source file of the unit.</summary>
public sealed record AssemblyFile(string SourcePath, string Text);

/// <summary>An exported function: what the bindings generator and loaders need to know.</summary>
public sealed record ExportedFunction(string MaruName, string Symbol, int ParameterCount, string? Documentation, string SourcePath);

public sealed class CompileResult
{
    public required IReadOnlyList<Diagnostic> Diagnostics { get; init; }
    public bool Success => !Diagnostics.Any(d => d.IsError);
    /// <summary>One file per source, in the order given; empty when there is any error.</summary>
    public required IReadOnlyList<AssemblyFile> Assembly { get; init; }
    public required IReadOnlyList<ExportedFunction> Exports { get; init; }
    /// <summary>The number of parameters of <c>main</c> (0 or 2), or null when the unit has no main.</summary>
    public int? MainParameterCount { get; init; }
}

/// <summary>The compiler's entry point: a unit of source files in, assembly text out. Thread-safe: no shared state.</summary>
public static class MaruCompiler
{
    public static CompileResult Compile(IReadOnlyList<SourceFile> sources, CompileOptions options)
    {
        throw new NotImplementedException();
    }
}
