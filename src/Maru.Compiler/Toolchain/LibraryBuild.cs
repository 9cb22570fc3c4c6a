using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Toolchain;

/// <summary>One run of <see cref="NativeToolchain.BuildLibrary"/> once its tools are found: write, assemble, link, move into place.</summary>
internal sealed class LibraryBuild(
    ToolchainOptions options,
    AssemblerCandidate assemblerFlavour,
    string assembler,
    LinkerCandidate linkerFlavour,
    string linker,
    string objectExtension,
    DiagnosticBag diagnostics)
{
    public void Run(IReadOnlyList<AssemblyFile> assembly, string outputPath, CancellationToken cancellationToken)
    {
        string? workDirectory = CreateWorkDirectory();
        if (workDirectory is null) return;
        try
        {
            IReadOnlyList<string>? sources = WriteAssembly(assembly, workDirectory);
            if (sources is null) return;
            IReadOnlyList<string> objects = Assemble(sources, workDirectory, cancellationToken);
            if (!diagnostics.HasErrors) Link(objects, outputPath, workDirectory, cancellationToken);
        }
        finally
        {
            AtomicOutput.DeleteQuietly(workDirectory);
        }
    }

    private string? CreateWorkDirectory()
    {
        try
        {
            // Named after this process, so that the next build deletes it if this one is killed before it can.
            return ProcessTemporaryDirectory.Create("build");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(Diagnostic.General(DiagnosticCodes.CannotWriteOutput, $"cannot create a temporary directory: {e.Message}"));
            return null;
        }
    }

    /// <summary>Writes one .s file per assembly file, in the kept-assembly directory if there is one; null after a write error.</summary>
    private IReadOnlyList<string>? WriteAssembly(IReadOnlyList<AssemblyFile> assembly, string workDirectory)
    {
        string directory = string.IsNullOrEmpty(options.AssemblyOutputDirectory) ? workDirectory : options.AssemblyOutputDirectory;
        IReadOnlyList<string> paths = UniqueNames(assembly).Select(name => Path.Combine(directory, name + ".s")).ToList();
        return TryWriteAssembly(assembly, paths, directory, diagnostics) ? paths : null;
    }

    /// <summary>Writes each assembly file's text to its path in <paramref name="directory"/>; false after a write error (MARU0904).</summary>
    public static bool TryWriteAssembly(IReadOnlyList<AssemblyFile> assembly, IReadOnlyList<string> paths, string directory, DiagnosticBag diagnostics)
    {
        try
        {
            Directory.CreateDirectory(directory);
            for (int i = 0; i < assembly.Count; i++) File.WriteAllText(paths[i], assembly[i].Text);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(Diagnostic.General(DiagnosticCodes.CannotWriteOutput, $"cannot write the assembly files: {e.Message}", directory));
            return false;
        }
    }

    private IReadOnlyList<string> Assemble(IReadOnlyList<string> sources, string workDirectory, CancellationToken cancellationToken)
    {
        var objects = new List<string>();
        foreach (string source in sources)
        {
            string obj = Path.Combine(workDirectory, Path.GetFileNameWithoutExtension(source) + objectExtension);
            if (RunTool(ToolRole.Assembler, assembler, assemblerFlavour.Arguments(source, obj), run => ToolMessages.FromAssembler(run, source), cancellationToken))
                CheckOutput(ToolRole.Assembler, assembler, obj, source);
            objects.Add(obj);
        }
        return objects;
    }

    /// <summary>Links to a temporary file beside the output, then renames it over the output, so no reader ever sees half a library.</summary>
    private void Link(IReadOnlyList<string> objects, string outputPath, string workDirectory, CancellationToken cancellationToken) =>
        AtomicOutput.Replace(outputPath, diagnostics, temporary =>
        {
            IReadOnlyList<string>? arguments = linkerFlavour.Arguments(
                new LinkRequest(objects, temporary, Path.GetFileName(outputPath), workDirectory, options.RecordsCLibrary), diagnostics);
            if (arguments is not null
                && RunTool(ToolRole.Linker, linker, arguments, run => ToolMessages.FromLinker(run, linker, outputPath), cancellationToken))
                CheckOutput(ToolRole.Linker, linker, temporary, outputPath);
        });

    /// <summary>Runs the tool and reports what it printed; true when it ran and reported no error.</summary>
    private bool RunTool(ToolRole role, string path, IReadOnlyList<string> arguments, Func<ToolRun, IReadOnlyList<Diagnostic>> interpret,
        CancellationToken cancellationToken)
    {
        ToolRun run = ToolProcess.Run(path, arguments, options.ToolTimeout, cancellationToken);
        if (run.Failure is not null)
        {
            diagnostics.Add(Diagnostic.General(DiagnosticCodes.ToolFailed, $"{ToolLocator.RoleName(role)} '{path}' {run.Failure}"));
            return false;
        }
        IReadOnlyList<Diagnostic> messages = interpret(run);
        diagnostics.AddRange(messages);
        return !messages.Any(d => d.IsError);
    }

    /// <summary>A tool that reports success must have written its output: see <see cref="ToolMessages.MissingOutput"/>.</summary>
    /// <param name="file">The file the tool was to write.</param>
    /// <param name="reportedAt">What the diagnostic is about: the assembly source, or the library the user asked for.</param>
    private void CheckOutput(ToolRole role, string tool, string file, string reportedAt)
    {
        if (ToolMessages.MissingOutput(options.RuntimeIdentifier, role, tool, file, reportedAt) is { } error) diagnostics.Add(error);
    }

    // One file name per source, from its own name, made unique within the unit: a/x.l and b/x.l give x and x-2.
    public static IReadOnlyList<string> UniqueNames(IReadOnlyList<AssemblyFile> assembly)
    {
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var names = new List<string>();
        foreach (AssemblyFile file in assembly)
        {
            string stem = Path.GetFileNameWithoutExtension(file.SourcePath);
            if (stem.Length == 0) stem = "unit";
            string name = stem;
            for (int n = 2; !used.Add(name); n++) name = $"{stem}-{n}";
            names.Add(name);
        }
        return names;
    }
}
