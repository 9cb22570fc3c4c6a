using Maru.Compiler;
using Maru.Compiler.Bindings;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Targets;
using Maru.Compiler.Toolchain;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Maru.Build.Tasks;

/// <summary>
/// Compiles all the MaruSource items of a project as one unit, once per runtime identifier, into one <c>.s</c> file per source
/// (<c>AssemblyDirectory/&lt;rid&gt;/&lt;source file name&gt;.s</c>), and generates the C# bindings file. Files are written only when
/// their text changes, so an edit that does not change the generated code assembles nothing. What compile-time code prints
/// is a message of normal importance; the files its <c>load</c> read are listed in <see cref="LoadedFilesFile"/> for the next
/// build. After any error, every output (assembly, bindings, the libraries in <see cref="StaleOutputs"/>) is deleted: a failed
/// build leaves nothing stale behind.
/// </summary>
public sealed class MaruCompile : Microsoft.Build.Utilities.Task
{
    [Required] public ITaskItem[] Sources { get; set; } = [];
    /// <summary>
    /// The runtime identifiers to build for, each compiled as its <c>TargetRuntimeIdentifier</c> metadata says (the RID of ours it
    /// falls back to, e.g. <c>linux-x64</c> for <c>linux-musl-x64</c>; the item itself when absent) and written to its own folder.
    /// </summary>
    [Required] public ITaskItem[] RuntimeIdentifiers { get; set; } = [];
    /// <summary>The directory that gets one subdirectory of <c>.s</c> files per runtime identifier.</summary>
    [Required] public string AssemblyDirectory { get; set; } = "";
    /// <summary>The C# file to generate; none when empty.</summary>
    public string? BindingsFile { get; set; }
    /// <summary>
    /// The manifest of the unit's exports (<see cref="ExportManifest"/>) for Maru.Sdk's source generator, which implements and
    /// checks the typed <c>[Maru.MaruFunction]</c> declarations against it; none when empty.
    /// </summary>
    public string? ExportsManifestFile { get; set; }
    public string? BindingsNamespace { get; set; }
    public string LibraryName { get; set; } = "";
    /// <summary>The class name of sources without ClassName metadata.</summary>
    public string DefaultClassName { get; set; } = "Native";
    /// <summary>Touched after every successful run: the target's output when no generated file changed.</summary>
    public string? StampFile { get; set; }
    /// <summary>
    /// The folder <c>load</c> finds relative names in after the loading file's folder (the project folder; spec section 10).
    /// Empty: the current directory.
    /// </summary>
    public string? ProjectDirectory { get; set; }
    /// <summary>
    /// The file that lists the files <c>load</c> read, one full path a line, written only when the list changes: the build
    /// reads it back as extra inputs of the compile target (as C builds track headers).
    /// </summary>
    public string? LoadedFilesFile { get; set; }
    /// <summary>Files a failed compilation deletes (the libraries this unit linked before, and their copies).</summary>
    public ITaskItem[] StaleOutputs { get; set; } = [];
    /// <summary>MaruBindingsAccess: <c>internal</c> (the default, so raw P/Invokes stay out of the public API) or <c>public</c>.</summary>
    public string? BindingsAccess { get; set; }
    /// <summary>
    /// MaruProcessExterns: C functions the process that loads the library provides, separated by <c>;</c>. Externs naming them
    /// pass the check against the target's C library.
    /// </summary>
    public string? ProcessExterns { get; set; }

    /// <summary>The file beside each runtime identifier's <c>.s</c> files that lists the unit's externs for the link step (<see cref="MaruLink.ExternsFile"/>).</summary>
    public const string ExternsFileName = "externs.txt";

    public override bool Execute()
    {
        try
        {
            return Run();
        }
        finally
        {
            if (Log.HasLoggedErrors) DeleteOutputs();
        }
    }

    private bool Run()
    {
        BindingAccess? access = string.IsNullOrWhiteSpace(BindingsAccess) ? BindingAccess.Internal : CSharpBindings.ParseAccess(BindingsAccess);
        if (access is null)
            Log.LogError(null, DiagnosticCodes.InvalidSdkSetting, null, null, 0, 0, 0, 0, $"MaruBindingsAccess '{BindingsAccess}' is not internal or public");
        BindingOptions bindings = new(BindingsNamespace, LibraryName,
            Sources.Select(s => new BindingSource(s.GetMetadata("FullPath"), ClassName(s))).ToList()) { Access = access ?? BindingAccess.Internal };
        if (!CheckNames(bindings) || !CheckRuntimeIdentifiers()) return false;
        string[] processExterns = (ProcessExterns ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sources = new List<SourceFile>();
        foreach (ITaskItem item in Sources)
        {
            string path = item.GetMetadata("FullPath");
            if (SourceFile.ReadFromDisk(path, out string? error) is { } source) sources.Add(source);
            else Log.LogError(null, DiagnosticCodes.CannotReadSource, null, path, 0, 0, 0, 0, $"cannot read the source: {error}");
        }
        if (Log.HasLoggedErrors) return false;

        IReadOnlyList<ExportedFunction>? exports = null;
        var loaded = new List<string>();
        bool compiled = true, reported = false;
        var options = new CompileOptions { ReadFile = ReadLoadedFile };
        foreach (var group in RuntimeIdentifiers.GroupBy(TargetOf, StringComparer.Ordinal))
        {
            CompileResult result = MaruCompiler.Compile(sources, options with { RuntimeIdentifier = group.Key });
            foreach (string file in result.LoadedFiles.Select(FullPath))
                if (!loaded.Contains(file, StringComparer.Ordinal)) loaded.Add(file);
            // Diagnostics and compile-time output are the same for every runtime identifier: report them once. A later one can
            // only fail in its code generator.
            if (!reported)
            {
                if (result.CompileTimeOutput.Length > 0) Log.LogMessage(MessageImportance.Normal, result.CompileTimeOutput.TrimEnd('\n', '\r'));
                MaruDiagnostics.Log(Log, result.Diagnostics.Select(WithFullPath));
                reported = true;
            }
            else MaruDiagnostics.Log(Log, result.Diagnostics.Where(d => d.IsError).Select(WithFullPath));
            if (!result.Success)
            {
                compiled = false;
                break;
            }
            // An extern the target's C library lacks would fail only when the library is loaded (or link without a .l line).
            // C libraries differ, so every runtime identifier is checked before the build fails.
            IReadOnlyList<Diagnostic> unknownExterns = ToolchainCommands.UnknownExterns(group.Key, result.Assembly, processExterns);
            MaruDiagnostics.Log(Log, unknownExterns.Select(WithFullPath));
            if (unknownExterns.Any(d => d.IsError))
            {
                compiled = false;
                continue;
            }
            exports ??= result.Exports;
            string externs = ToolchainCommands.FormatExterns(result.Assembly.SelectMany(a => a.Externs)
                .Select(e => e.Path is { Length: > 0 } path ? e with { Path = FullPath(path) } : e));
            foreach (string rid in group.Select(r => r.ItemSpec).Distinct(StringComparer.Ordinal))
            {
                foreach (AssemblyFile file in result.Assembly)
                {
                    string path = Path.Combine(AssemblyDirectory, rid, Path.GetFileNameWithoutExtension(file.SourcePath) + ".s");
                    if (AtomicFile.WriteIfChanged(path, file.Text)) Log.LogMessage(MessageImportance.Low, $"Maru: wrote {path}");
                }
                AtomicFile.WriteIfChanged(Path.Combine(AssemblyDirectory, rid, ExternsFileName), externs);
            }
        }
        // Also after an error: the files read so far are what the next build watches (a failed build recompiles anyway).
        if (!string.IsNullOrEmpty(LoadedFilesFile))
            AtomicFile.WriteIfChanged(LoadedFilesFile, string.Concat(loaded.Select(file => file + "\n")));
        if (!compiled) return false;

        if (!string.IsNullOrEmpty(BindingsFile))
        {
            // Names the compiler accepts but C# cannot take, reported at the function's definition (which may be in a loaded file).
            foreach (BindingConflict conflict in CSharpBindings.Conflicts(exports ?? [], bindings))
            {
                ExportedFunction function = conflict.Function;
                Log.LogError(null, conflict.Code, null, FullPath(function.DefinitionPath ?? function.SourcePath), function.Line, function.Column, 0, 0, conflict.Message);
            }
            if (Log.HasLoggedErrors) return false;
            AtomicFile.WriteIfChanged(BindingsFile, CSharpBindings.Generate(exports ?? [], bindings));
        }
        if (!string.IsNullOrEmpty(ExportsManifestFile))
            AtomicFile.WriteIfChanged(ExportsManifestFile, ExportManifest.Format(exports ?? [], LibraryName));
        if (!string.IsNullOrEmpty(StampFile))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(StampFile))!);
            File.WriteAllText(StampFile, "");
        }
        return true;
    }

    /// <summary>
    /// Reads a file for <c>(load "file.l")</c>. The compiler asks for the name beside the loading file (a full path, as the
    /// sources are), then for the name itself: relative to the current folder, which in a build is the project folder.
    /// </summary>
    private byte[]? ReadLoadedFile(string path)
    {
        string full = FullPath(path);
        return File.Exists(full) ? File.ReadAllBytes(full) : null;
    }

    /// <summary>A path as load resolves it: a relative one from the project folder.</summary>
    private string FullPath(string path) =>
        Path.GetFullPath(path, string.IsNullOrEmpty(ProjectDirectory) ? Directory.GetCurrentDirectory() : ProjectDirectory);

    // Diagnostics in a file loaded by a relative name carry that name: MSBuild gets the full path, as for the sources.
    private Diagnostic WithFullPath(Diagnostic diagnostic) =>
        diagnostic.Path is { Length: > 0 } path && !Path.IsPathRooted(path) ? diagnostic with { Path = FullPath(path) } : diagnostic;

    // The .s (and so the object) of a source is named after its file, so two sources with one file name cannot share a unit.
    private bool CheckNames(BindingOptions bindings)
    {
        foreach (var group in Sources.GroupBy(s => s.GetMetadata("Filename"), StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            Log.LogError(null, DiagnosticCodes.DuplicateSourceName, null, group.Last().GetMetadata("FullPath"), 0, 0, 0, 0,
                $"two MaruSource items have the file name '{group.Key}' ({string.Join(", ", group.Select(s => s.ItemSpec))}); give them different names");
        }
        foreach (BindingNameProblem problem in CSharpBindings.NameProblems(bindings))
            Log.LogError(null, DiagnosticCodes.InvalidBindingName, null, problem.SourcePath, 0, 0, 0, 0, problem.Message);
        return !Log.HasLoggedErrors;
    }

    // Building for a RID needs a code generator and a toolchain: one error per RID that lacks either, before anything is compiled.
    private bool CheckRuntimeIdentifiers()
    {
        var buildable = Targets.SupportedRuntimeIdentifiers.Where(ToolchainCommands.IsSupported).ToList();
        foreach (ITaskItem item in RuntimeIdentifiers.DistinctBy(r => r.ItemSpec, StringComparer.Ordinal))
        {
            string rid = item.ItemSpec, target = TargetOf(item);
            bool generator = Targets.SupportedRuntimeIdentifiers.Contains(target);
            bool toolchain = ToolchainCommands.IsSupported(target);
            if (generator && toolchain) continue;
            string missing = generator ? "no assembler and linker are known for it" : toolchain ? "the compiler has no code generator for it yet" : "it is not a known runtime identifier";
            Log.LogError(null, DiagnosticCodes.UnsupportedRuntime, null, null, 0, 0, 0, 0,
                $"MaruRuntimeIdentifiers: cannot build for '{rid}': {missing}; runtime identifiers that build: {string.Join(", ", buildable)}");
        }
        return !Log.HasLoggedErrors;
    }

    private static string TargetOf(ITaskItem rid) => rid.GetMetadata("TargetRuntimeIdentifier") is { Length: > 0 } target ? target : rid.ItemSpec;

    private string ClassName(ITaskItem source)
    {
        string name = source.GetMetadata("ClassName");
        return string.IsNullOrWhiteSpace(name) ? DefaultClassName : name.Trim();
    }

    private void DeleteOutputs()
    {
        AtomicOutput.DeleteQuietly(BindingsFile);
        AtomicOutput.DeleteQuietly(ExportsManifestFile);
        AtomicOutput.DeleteQuietly(StampFile);
        foreach (ITaskItem stale in StaleOutputs) AtomicOutput.DeleteQuietly(stale.ItemSpec);
        foreach (ITaskItem rid in RuntimeIdentifiers)
        {
            foreach (ITaskItem source in Sources)
                AtomicOutput.DeleteQuietly(Path.Combine(AssemblyDirectory, rid.ItemSpec, source.GetMetadata("Filename") + ".s"));
            AtomicOutput.DeleteQuietly(Path.Combine(AssemblyDirectory, rid.ItemSpec, ExternsFileName));
        }
    }
}
