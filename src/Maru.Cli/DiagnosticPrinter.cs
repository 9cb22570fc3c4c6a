using Maru.Compiler.Diagnostics;

namespace Maru.Cli;

/// <summary>Prints diagnostics in the canonical <c>file(line,col): error MARUnnnn: message</c> form, one a line.</summary>
internal static class DiagnosticPrinter
{
    public static void Print(IEnumerable<Diagnostic> diagnostics, TextWriter error)
    {
        foreach (Diagnostic diagnostic in diagnostics) error.WriteLine(diagnostic);
    }
}
