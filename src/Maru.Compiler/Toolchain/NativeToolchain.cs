using System.Runtime.InteropServices;
using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Toolchain;

/// <summary>Assembles and links the assembly of a unit into a native shared library with the platform's tools.</summary>
public static class NativeToolchain
{
    /// <summary>The runtime identifier of this process (e.g. <c>linux-x64</c>): what a library must be built for to be loaded here.</summary>
    public static string HostRuntimeIdentifier { get; } = ComputeHostRuntimeIdentifier();

    /// <summary>
    /// The file name of the shared library <paramref name="baseName"/> on <paramref name="runtimeIdentifier"/>'s platform:
    /// <c>foo.dll</c> on Windows, <c>libfoo.dylib</c> on Apple platforms, <c>libfoo.so</c> elsewhere.
    /// </summary>
    public static string LibraryFileName(string baseName, string runtimeIdentifier)
    {
        ArgumentException.ThrowIfNullOrEmpty(baseName);
        ArgumentException.ThrowIfNullOrEmpty(runtimeIdentifier);
        string os = runtimeIdentifier.Split('-')[0];
        return os switch
        {
            "win" => baseName + ".dll",
            "osx" or "ios" or "tvos" or "maccatalyst" => "lib" + baseName + ".dylib",
            _ => "lib" + baseName + ".so",
        };
    }

    /// <summary>
    /// Assembles each file, links the objects into the shared library <paramref name="outputPath"/> and returns the diagnostics
    /// (errors and warnings of the tools, a missing tool, an unwritable output). The library is replaced atomically:
    /// after any error, the output path holds what it held before, and no temporary file is left anywhere. An output that is
    /// a symbolic link has its target replaced; one that is a device or a FIFO (<c>/dev/null</c>) is written, not replaced.
    /// </summary>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> was cancelled: the running tool was killed with the processes it started, and
    /// the output is as it was.
    /// </exception>
    public static IReadOnlyList<Diagnostic> BuildLibrary(IReadOnlyList<AssemblyFile> assembly, string outputPath, ToolchainOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        // Even a build that needs no directory of its own (the integrated toolchain) cleans up after killed ones.
        ProcessTemporaryDirectory.DeleteAbandonedOnce();

        var diagnostics = new DiagnosticBag();
        ToolEnvironment environment = ToolEnvironment.Current;
        TargetToolchain? target = TargetToolchain.For(options.RuntimeIdentifier, environment);
        if (target is null)
        {
            diagnostics.Add(Diagnostic.General(DiagnosticCodes.UnsupportedRuntime,
                $"no toolchain for runtime identifier '{options.RuntimeIdentifier}'; supported: {string.Join(", ", TargetToolchain.SupportedRuntimeIdentifiers)}"));
            return diagnostics.Items;
        }
        // Externs naming what neither the C library nor the process provides fail here, at their line, on every toolchain.
        var externs = assembly.SelectMany(file => file.Externs).ToList();
        CLibrary.Check(options.RuntimeIdentifier, externs, options.ProcessExterns, diagnostics);
        if (diagnostics.HasErrors) return diagnostics.Items;
        if (options.Integrated)
        {
            if (HasIntegratedToolchain(options.RuntimeIdentifier))
                Integrated.IntegratedToolchain.BuildLibrary(assembly, outputPath, options, diagnostics);
            else
                diagnostics.Add(Diagnostic.General(DiagnosticCodes.UnsupportedRuntime,
                    $"no integrated assembler and linker for runtime identifier '{options.RuntimeIdentifier}'; it has one for {Integrated.IntegratedToolchain.RuntimeIdentifier}"));
            return CLibrary.AtExterns(diagnostics.Items, externs);
        }
        if (ToolLocator.FindBoth(target, new ToolOverride(options.AssemblerPath, $"the {nameof(ToolchainOptions.AssemblerPath)} option"),
                new ToolOverride(options.LinkerPath, $"the {nameof(ToolchainOptions.LinkerPath)} option"), environment, diagnostics)
            is not { } tools)
            return diagnostics.Items;
        (string assembler, string linker) = tools;

        new LibraryBuild(options, ToolLocator.Flavour(assembler, target.Assemblers), assembler,
            ToolLocator.Flavour(linker, target.Linkers), linker, target.ObjectExtension, diagnostics).Run(assembly, outputPath, cancellationToken);
        return CLibrary.AtExterns(diagnostics.Items, externs);
    }

    /// <summary>True when <see cref="ToolchainOptions.Integrated"/> can build for <paramref name="runtimeIdentifier"/>.</summary>
    public static bool HasIntegratedToolchain(string runtimeIdentifier) => runtimeIdentifier == Integrated.IntegratedToolchain.RuntimeIdentifier;

    private static string ComputeHostRuntimeIdentifier()
    {
        string os = OperatingSystem.IsWindows() ? "win"
            : OperatingSystem.IsMacOS() ? "osx"
            : OperatingSystem.IsFreeBSD() ? "freebsd"
            : "linux";
        // Architecture names lower-cased are the RID spellings: x64, arm64, arm, riscv64 ...
        return $"{os}-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";
    }
}
