using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Targets;

/// <summary>One architecture, ABI and object format: IR in, assembler text out.</summary>
public interface ITarget
{
    /// <summary>How many word arguments the ABI passes in registers (tail calls must not need more stack than that).</summary>
    int RegisterArguments { get; }

    /// <summary>The assembly for one source file: its functions (already optimised IR), its globals and its strings.</summary>
    string EmitFile(IrModule module, IReadOnlyList<GlobalSymbol> globals);
}

public static class Targets
{
    public static readonly IReadOnlyList<string> SupportedRuntimeIdentifiers = new[] { "linux-x64" };

    /// <summary>The target for a runtime identifier, or null when there is none.</summary>
    public static ITarget? ForRuntime(string runtimeIdentifier) => runtimeIdentifier switch
    {
        "linux-x64" => new X64.X64Target(),
        _ => null,
    };
}
