using System.Text;
using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Targets;

/// <summary>One architecture, ABI and object format: IR in, assembler text out. An instance serves one compilation at a time.</summary>
public interface ITarget
{
    /// <summary>How many word arguments the ABI passes in registers (tail calls must not need more stack than that).</summary>
    int RegisterArguments { get; }

    /// <summary>Starts the assembly of one source file.</summary>
    void BeginFile(StringBuilder text);

    /// <summary>Appends one optimised function; its string literals are interned in <paramref name="module"/>.</summary>
    void EmitFunction(IrFunction function, IrModule module, StringBuilder text);

    /// <summary>Ends the file: its globals, the string literals its functions and globals use, and closing directives.</summary>
    void EndFile(IrModule module, IReadOnlyList<GlobalSymbol> globals, StringBuilder text);
}

public static class Targets
{
    public static readonly IReadOnlyList<string> SupportedRuntimeIdentifiers = new[] { "linux-x64", "win-x64", "osx-x64" };

    /// <summary>The target for a runtime identifier, or null when there is none.</summary>
    public static ITarget? ForRuntime(string runtimeIdentifier) => runtimeIdentifier switch
    {
        "linux-x64" => new X64.X64Target(X64.X64Abi.SysV, X64.X64ObjectFormat.Elf),
        "win-x64" => new X64.X64Target(X64.X64Abi.Windows, X64.X64ObjectFormat.Coff),
        "osx-x64" => new X64.X64Target(X64.X64Abi.SysV, X64.X64ObjectFormat.MachO),
        _ => null,
    };
}
