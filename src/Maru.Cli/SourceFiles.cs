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
            if (Directory.Exists(path))
            {
                errors.Add(Diagnostic.General(DiagnosticCodes.CannotReadSource, "cannot read the source file: it is a directory", path));
                continue;
            }
            try
            {
                sources.Add(new SourceFile(path, File.ReadAllBytes(path)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                errors.Add(Diagnostic.General(DiagnosticCodes.CannotReadSource, $"cannot read the source file: {e.Message}", path));
            }
        }
        return (sources, errors);
    }
}
