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

    /// <summary>
    /// Appends one optimised function. Its string literals were interned in <paramref name="module"/> when it was
    /// lowered; this only reads the module, because the functions of a big file are emitted by several instances of
    /// the target on several threads at once.
    /// </summary>
    void EmitFunction(IrFunction function, IrModule module, StringBuilder text);

    /// <summary>Ends the file: its globals, the string literals its functions and globals use, and closing directives.</summary>
    /// <remarks>
    /// Everything it needs comes from its arguments: the file's functions may have been emitted by other instances.
    /// </remarks>
    void EndFile(IrModule module, IReadOnlyList<FunctionSymbol> functions, IReadOnlyList<GlobalSymbol> globals, StringBuilder text);
}

public static class Targets
{
    public static readonly IReadOnlyList<string> SupportedRuntimeIdentifiers = new[] { "linux-x64", "linux-arm64", "osx-arm64", "osx-x64", "win-x64" };

    /// <summary>The target for a runtime identifier, or null when there is none.</summary>
    public static ITarget? ForRuntime(string runtimeIdentifier) => runtimeIdentifier switch
    {
        "linux-x64" => new X64.X64Target(X64.X64Abi.SysV, X64.X64ObjectFormat.Elf),
        "linux-arm64" => Arm64.Arm64Target.Linux(),
        "osx-arm64" => Arm64.Arm64Target.Apple(),
        "osx-x64" => new X64.X64Target(X64.X64Abi.SysV, X64.X64ObjectFormat.MachO),
        "win-x64" => new X64.X64Target(X64.X64Abi.Windows, X64.X64ObjectFormat.Coff),
        _ => null,
    };
}
