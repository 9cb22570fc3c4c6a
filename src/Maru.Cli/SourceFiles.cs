using Maru.Compiler.Diagnostics;

namespace Maru.Cli;

/// <summary>Reads the source files named on the command line.</summary>
internal static class SourceFiles
{
    /// <summary>The files' contents, and one MARU0900 per file that cannot be read.</summary>
    public static (IReadOnlyList<SourceFile> Sources, IReadOnlyList<Diagnostic> Errors) Read(IReadOnlyList<string> paths)
    {
        var sources = new List<SourceFile>();
        var errors = new List<Diagnostic>();
        foreach (string path in paths)
        {
            // Read bounded (SourceFile.MaxBytes): a device such as /dev/zero is an error, not unbounded memory.
            if (SourceFile.ReadFromDisk(path, out string? error) is { } source) sources.Add(source);
            else errors.Add(Diagnostic.General(DiagnosticCodes.CannotReadSource, $"cannot read the source file: {error}", path));
        }
        return (sources, errors);
    }
}
