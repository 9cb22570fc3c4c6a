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
    public void Run(IReadOnlyList<AssemblyFile> assembly, string outputPath)
    {
        string? workDirectory = CreateWorkDirectory();
        if (workDirectory is null) return;
        try
        {
            IReadOnlyList<string>? sources = WriteAssembly(assembly, workDirectory);
            if (sources is null) return;
            IReadOnlyList<string> objects = Assemble(sources, workDirectory);
            if (!diagnostics.HasErrors) Link(objects, outputPath, workDirectory);
        }
        finally
        {
            DeleteQuietly(workDirectory);
        }
    }

    private string? CreateWorkDirectory()
    {
        try
        {
            return Directory.CreateTempSubdirectory("maru-").FullName;
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
        try
        {
            Directory.CreateDirectory(directory);
            for (int i = 0; i < assembly.Count; i++) File.WriteAllText(paths[i], assembly[i].Text);
            return paths;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(Diagnostic.General(DiagnosticCodes.CannotWriteOutput, $"cannot write the assembly files: {e.Message}", directory));
            return null;
        }
    }

    private IReadOnlyList<string> Assemble(IReadOnlyList<string> sources, string workDirectory)
    {
        var objects = new List<string>();
        foreach (string source in sources)
        {
            string obj = Path.Combine(workDirectory, Path.GetFileNameWithoutExtension(source) + objectExtension);
            RunTool(ToolRole.Assembler, assembler, assemblerFlavour.Arguments(source, obj), run => ToolMessages.FromAssembler(run, source));
            objects.Add(obj);
        }
        return objects;
    }

    /// <summary>Links to a temporary file beside the output, then renames it over the output, so no reader ever sees half a library.</summary>
    private void Link(IReadOnlyList<string> objects, string outputPath, string workDirectory)
    {
        string output = Path.GetFullPath(outputPath);
        string temporary = Path.Combine(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}.{Guid.NewGuid():N}.tmp");
        try
        {
            if (!TryCreate(temporary, outputPath)) return;
            IReadOnlyList<string>? arguments = linkerFlavour.Arguments(
                new LinkRequest(objects, temporary, Path.GetFileName(output), workDirectory), diagnostics);
            if (arguments is null) return;
            RunTool(ToolRole.Linker, linker, arguments, run => ToolMessages.FromLinker(run, linker, outputPath));
            if (!diagnostics.HasErrors) MoveIntoPlace(temporary, output, outputPath);
        }
        finally
        {
            DeleteQuietly(temporary);
        }
    }

    // Creating the temporary file ourselves turns an unwritable output into MARU0904 rather than a linker message.
    private bool TryCreate(string temporary, string outputPath)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(temporary)!);
            new FileStream(temporary, FileMode.CreateNew).Dispose();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(Diagnostic.General(DiagnosticCodes.CannotWriteOutput, $"cannot write the output: {e.Message}", outputPath));
            return false;
        }
    }

    private void MoveIntoPlace(string temporary, string output, string outputPath)
    {
        try
        {
            File.Move(temporary, output, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(Diagnostic.General(DiagnosticCodes.CannotWriteOutput, $"cannot write the output: {e.Message}", outputPath));
        }
    }

    private void RunTool(ToolRole role, string path, IReadOnlyList<string> arguments, Func<ToolRun, IReadOnlyList<Diagnostic>> interpret)
    {
        ToolRun run = ToolProcess.Run(path, arguments, options.ToolTimeout);
        if (run.Failure is null)
            diagnostics.AddRange(interpret(run));
        else
            diagnostics.Add(Diagnostic.General(DiagnosticCodes.ToolFailed, $"{ToolLocator.RoleName(role)} '{path}' {run.Failure}"));
    }

    // One file name per source, from its own name, made unique within the unit: a/x.l and b/x.l give x and x-2.
    private static IReadOnlyList<string> UniqueNames(IReadOnlyList<AssemblyFile> assembly)
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

    // Clean-up must not hide the build's own result, so a file or directory that cannot be deleted is left alone.
    private static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
