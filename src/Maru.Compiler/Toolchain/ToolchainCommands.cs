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

    public static bool IsSupported(string runtimeIdentifier) => TargetToolchain.SupportedRuntimeIdentifiers.Contains(runtimeIdentifier);

    /// <summary>The suffix of object files on the platform (<c>.o</c>).</summary>
    public static string ObjectExtension(string runtimeIdentifier) => Require(runtimeIdentifier).ObjectExtension;

    /// <summary>The platform's usual command for the tool (<c>as</c>, <c>ld</c>, <c>x86_64-linux-gnu-as</c>, <c>ld64.lld</c> ...).</summary>
    public static string DefaultCommand(string runtimeIdentifier, ToolRole role) => Require(runtimeIdentifier).Candidates(role)[0].Command;

    /// <summary>
    /// The full path of the tool: <paramref name="overridePath"/> if given, else its environment variables (MARU_AS_&lt;RID&gt;, MARU_AS,
    /// MARU_LD_&lt;RID&gt;, MARU_LD), else the first of the platform's tools found on PATH or in the usual LLVM folders. Null after adding
    /// one MARU0901 to <paramref name="diagnostics"/> that names the tool, <paramref name="overrideName"/> (the property that overrides it,
    /// e.g. MaruAssemblerPath) and the packages that provide it.
    /// </summary>
    public static string? Locate(string runtimeIdentifier, ToolRole role, string? overridePath, string overrideName, DiagnosticBag diagnostics)
    {
        ToolEnvironment environment = ToolEnvironment.Current;
        TargetToolchain target = Require(runtimeIdentifier, environment);
        return ToolLocator.Find(role, runtimeIdentifier, target.Candidates(role), overridePath, $"the {overrideName} property", environment, diagnostics);
    }

    /// <summary>
    /// One MARU0901 per runtime identifier whose assembler or linker cannot be found, for all of them at once (each names every
    /// missing tool, this host's install command and the prerequisites page), so that a build can check before it assembles
    /// anything and the user installs everything in one go. The overrides apply to every runtime identifier, as the
    /// MaruAssemblerPath and MaruLinkerPath properties do; runtime identifiers without a toolchain are skipped (MARU0905 is the
    /// caller's), as should be those built with the integrated toolchain.
    /// </summary>
    /// <param name="assemblerOverrideName">How the assembler override is called in messages: "the MaruAssemblerPath property".</param>
    public static IReadOnlyList<Diagnostic> MissingTools(IEnumerable<string> runtimeIdentifiers, string? assemblerOverride, string assemblerOverrideName,
        string? linkerOverride, string linkerOverrideName) =>
        MissingTools(runtimeIdentifiers, assemblerOverride, assemblerOverrideName, linkerOverride, linkerOverrideName, ToolEnvironment.Current);

    internal static IReadOnlyList<Diagnostic> MissingTools(IEnumerable<string> runtimeIdentifiers, string? assemblerOverride, string assemblerOverrideName,
        string? linkerOverride, string linkerOverrideName, ToolEnvironment environment)
    {
        var diagnostics = new DiagnosticBag();
        foreach (string runtimeIdentifier in runtimeIdentifiers.Distinct(StringComparer.Ordinal))
        {
            if (TargetToolchain.For(runtimeIdentifier, environment) is { } target)
                ToolLocator.FindBoth(target, new ToolOverride(assemblerOverride, assemblerOverrideName), new ToolOverride(linkerOverride, linkerOverrideName),
                    environment, diagnostics);
        }
        return diagnostics.Items;
    }

    /// <summary>The arguments that make the assembler at <paramref name="assemblerPath"/> (as found by <see cref="Locate"/>) assemble a source.</summary>
    public static IReadOnlyList<string> AssemblerArguments(string runtimeIdentifier, string assemblerPath, string sourcePath, string objectPath) =>
        ToolLocator.Flavour(assemblerPath, Require(runtimeIdentifier).Assemblers).Arguments(sourcePath, objectPath);

    /// <summary>
    /// The arguments that make the linker at <paramref name="linkerPath"/> link the objects into <paramref name="outputPath"/>; files the
    /// linker needs (a Mach-O libSystem stub) are written into <paramref name="supportDirectory"/>, which the caller deletes after the
    /// link. Null after adding errors to <paramref name="diagnostics"/>.
    /// </summary>
    /// <param name="libraryFileName">The library's own file name, recorded in it (ELF soname, Mach-O install name).</param>
    /// <param name="recordsCLibrary">As <see cref="ToolchainOptions.RecordsCLibrary"/>.</param>
    public static IReadOnlyList<string>? LinkerArguments(string runtimeIdentifier, string linkerPath, IReadOnlyList<string> objectPaths,
        string outputPath, string libraryFileName, string supportDirectory, DiagnosticBag diagnostics, bool recordsCLibrary = true) =>
        ToolLocator.Flavour(linkerPath, Require(runtimeIdentifier).Linkers)
            .Arguments(new LinkRequest(objectPaths, outputPath, libraryFileName, supportDirectory, recordsCLibrary), diagnostics);

    /// <summary>
    /// One MARU0910 at each extern of <paramref name="assembly"/> whose C function the C library of <paramref name="runtimeIdentifier"/>
    /// lacks and <paramref name="processExterns"/> does not list (the MaruProcessExterns property): a build reports them after
    /// compiling, before it assembles anything.
    /// </summary>
    public static IReadOnlyList<Diagnostic> UnknownExterns(string runtimeIdentifier, IEnumerable<AssemblyFile> assembly, IReadOnlyCollection<string> processExterns)
    {
        var diagnostics = new DiagnosticBag();
        CLibrary.Check(runtimeIdentifier, assembly.SelectMany(file => file.Externs), processExterns, diagnostics);
        return diagnostics.Items;
    }

    /// <summary>Externs as text, one per line (C name, path, line, column, separated by tabs): how a build hands them to its link step.</summary>
    public static string FormatExterns(IEnumerable<ExternReference> externs) =>
        string.Concat(externs.Select(e => FormattableString.Invariant($"{e.CName}\t{e.Path}\t{e.Line}\t{e.Column}\n")));

    /// <summary>The externs of a <see cref="FormatExterns"/> text; a line that is not one is skipped.</summary>
    public static IReadOnlyList<ExternReference> ParseExterns(string text) =>
        text.Split('\n').Select(line => line.Split('\t')).Where(fields => fields.Length == 4
                && int.TryParse(fields[2], System.Globalization.CultureInfo.InvariantCulture, out _) && int.TryParse(fields[3], System.Globalization.CultureInfo.InvariantCulture, out _))
            .Select(fields => new ExternReference(fields[0], fields[1].Length > 0 ? fields[1] : null,
                int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture), int.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();

    /// <summary>What the assembler printed (standard error then output) and its exit code, as diagnostics.</summary>
    public static IReadOnlyList<Diagnostic> AssemblerMessages(int exitCode, string output, string sourcePath) =>
        ToolMessages.FromAssembler(new ToolRun(null, exitCode, output), sourcePath);

    /// <summary>What the linker printed and its exit code, as diagnostics about <paramref name="outputPath"/>.</summary>
    /// <param name="externs">The unit's externs (<see cref="AssemblyFile.Externs"/>): a message that names one is reported at its declaration.</param>
    public static IReadOnlyList<Diagnostic> LinkerMessages(int exitCode, string output, string linkerPath, string outputPath,
        IReadOnlyList<ExternReference>? externs = null) =>
        CLibrary.AtExterns(ToolMessages.FromLinker(new ToolRun(null, exitCode, output), linkerPath, outputPath), externs ?? []);

    /// <summary>
    /// After a tool exited with 0: an error naming it (MARU0902, MARU0903) when <paramref name="outputPath"/> is not the object
    /// file (assembler) or library (linker) it should have written for <paramref name="runtimeIdentifier"/>, checked by its
    /// format (empty, missing, foreign, truncated); null when it is.
    /// </summary>
    /// <param name="reportedAt">The path the diagnostic is about: the source for the assembler, the library for the linker.</param>
    public static Diagnostic? MissingOutput(string runtimeIdentifier, ToolRole role, string toolPath, string outputPath, string reportedAt) =>
        ToolMessages.MissingOutput(runtimeIdentifier, role, toolPath, outputPath, reportedAt);

    private static TargetToolchain Require(string runtimeIdentifier, ToolEnvironment? environment = null) =>
        TargetToolchain.For(runtimeIdentifier, environment ?? ToolEnvironment.Current) ?? throw new ArgumentException(
            $"no toolchain for runtime identifier '{runtimeIdentifier}'; supported: {string.Join(", ", TargetToolchain.SupportedRuntimeIdentifiers)}",
            nameof(runtimeIdentifier));
}
