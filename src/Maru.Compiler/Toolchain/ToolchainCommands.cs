using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Toolchain;

/// <summary>Which tool of a platform toolchain.</summary>
public enum ToolRole { Assembler, Linker }

/// <summary>
/// The pieces of <see cref="NativeToolchain.BuildLibrary"/> for hosts that run the tools themselves (the MSBuild tasks):
/// finding a tool, its argument list for a runtime identifier, and turning what it printed into diagnostics.
/// </summary>
public static class ToolchainCommands
{
    public static IEnumerable<string> SupportedRuntimeIdentifiers => TargetToolchain.SupportedRuntimeIdentifiers;

    public static bool IsSupported(string runtimeIdentifier) => TargetToolchain.For(runtimeIdentifier) is not null;

    /// <summary>The suffix of object files on the platform (<c>.o</c>).</summary>
    public static string ObjectExtension(string runtimeIdentifier) => Require(runtimeIdentifier).ObjectExtension;

    /// <summary>The command looked up on PATH when nothing overrides it (<c>as</c>, <c>ld</c>, <c>x86_64-linux-gnu-as</c> ...).</summary>
    public static string DefaultCommand(string runtimeIdentifier, ToolRole role) => Describe(runtimeIdentifier, role).Command;

    /// <summary>
    /// The full path of the tool: <paramref name="overridePath"/> if given, else its environment variable (MARU_AS, MARU_LD),
    /// else the platform's command on PATH. Null after adding one MARU0901 to <paramref name="diagnostics"/> that names the tool,
    /// <paramref name="overrideName"/> (how the host calls the override, e.g. the MaruAssemblerPath property) and the package to install.
    /// </summary>
    public static string? Locate(string runtimeIdentifier, ToolRole role, string? overridePath, string overrideName, DiagnosticBag diagnostics)
    {
        ToolDescription tool = Describe(runtimeIdentifier, role) with { OptionName = overrideName };
        return ToolLocator.Find(tool, overridePath, diagnostics, optionIsProperty: true);
    }

    public static IReadOnlyList<string> AssemblerArguments(string runtimeIdentifier, string sourcePath, string objectPath) =>
        Require(runtimeIdentifier).AssemblerArguments(sourcePath, objectPath);

    /// <param name="soname">The library's own file name, recorded in it.</param>
    public static IReadOnlyList<string> LinkerArguments(string runtimeIdentifier, IReadOnlyList<string> objectPaths, string outputPath, string soname) =>
        Require(runtimeIdentifier).LinkerArguments(objectPaths, outputPath, soname);

    /// <summary>What the assembler printed (standard error then output) and its exit code, as diagnostics.</summary>
    public static IReadOnlyList<Diagnostic> AssemblerMessages(int exitCode, string output, string sourcePath) =>
        ToolMessages.FromAssembler(new ToolRun(null, exitCode, output), sourcePath);

    /// <summary>What the linker printed and its exit code, as diagnostics about <paramref name="outputPath"/>.</summary>
    public static IReadOnlyList<Diagnostic> LinkerMessages(int exitCode, string output, string linkerPath, string outputPath) =>
        ToolMessages.FromLinker(new ToolRun(null, exitCode, output), linkerPath, outputPath);

    private static ToolDescription Describe(string runtimeIdentifier, ToolRole role)
    {
        TargetToolchain target = Require(runtimeIdentifier);
        return role == ToolRole.Assembler ? target.Assembler : target.Linker;
    }

    private static TargetToolchain Require(string runtimeIdentifier) =>
        TargetToolchain.For(runtimeIdentifier) ?? throw new ArgumentException(
            $"no toolchain for runtime identifier '{runtimeIdentifier}'; supported: {string.Join(", ", TargetToolchain.SupportedRuntimeIdentifiers)}",
            nameof(runtimeIdentifier));
}
