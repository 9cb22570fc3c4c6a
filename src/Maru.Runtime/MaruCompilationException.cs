using Maru.Compiler.Diagnostics;

namespace Maru.Runtime;

/// <summary>
/// Compiling, assembling, linking or loading a Maru unit failed. Carries every diagnostic (code, path, line, column,
/// message); the message lists them in the canonical <c>file(line,col): error MARUnnnn: message</c> form.
/// </summary>
public sealed class MaruCompilationException : Exception
{
    public MaruCompilationException(IReadOnlyList<Diagnostic> diagnostics)
        : base(Describe(diagnostics))
    {
        Diagnostics = diagnostics;
    }

    /// <summary>Every diagnostic of the failed compilation, errors and warnings, in the order they were reported.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; }

    private static string Describe(IReadOnlyList<Diagnostic> diagnostics)
    {
        int errors = diagnostics.Count(d => d.IsError);
        string header = errors == 1 ? "Maru compilation failed with 1 error:" : $"Maru compilation failed with {errors} errors:";
        return header + Environment.NewLine + string.Join(Environment.NewLine, diagnostics);
    }
}
