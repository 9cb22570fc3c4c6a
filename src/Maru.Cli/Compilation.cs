using Maru.Compiler;

namespace Maru.Cli;

/// <summary>Reads and compiles the files of a command line as one unit.</summary>
internal static class Compilation
{
    /// <summary>Prints every diagnostic on <paramref name="error"/>; returns the result, or null when reading or compiling failed.</summary>
    public static CompileResult? Compile(IReadOnlyList<string> paths, string runtimeIdentifier, TextWriter error)
    {
        var (sources, readErrors) = SourceFiles.Read(paths);
        if (readErrors.Count > 0)
        {
            DiagnosticPrinter.Print(readErrors, error);
            return null;
        }
        CompileResult result = MaruCompiler.Compile(sources, new CompileOptions(runtimeIdentifier));
        PrintCompileTimeOutput(result.CompileTimeOutput, error);
        DiagnosticPrinter.Print(result.Diagnostics, error);
        return result.Success ? result : null;
    }

    /// <summary>What compile-time code printed goes to standard error, before the diagnostics (standard output is the command's own).</summary>
    public static void PrintCompileTimeOutput(string text, TextWriter error)
    {
        if (text.Length == 0) return;
        error.Write(text);
        // So that a diagnostic after it starts a line of its own.
        if (!text.EndsWith('\n')) error.WriteLine();
    }
}
