namespace Maru.Compiler.Diagnostics;

public enum Severity { Warning, Error }

/// <summary>A message about the user's input. Every stage reports these; none throws for a user error.</summary>
public sealed record Diagnostic(string Code, Severity Severity, string? Path, int Line, int Column, string Message)
{
    public bool IsError => Severity == Severity.Error;

    public static Diagnostic At(SourceSpan span, string code, string message, Severity severity = Severity.Error)
    {
        var (line, column) = span.File.LineColumn(span.Start);
        return new Diagnostic(code, severity, span.File.Path, line, column, message);
    }

    /// <summary>A diagnostic that belongs to no source position (a missing tool, an unwritable output).</summary>
    public static Diagnostic General(string code, string message, string? path = null) =>
        new(code, Severity.Error, path, 0, 0, message);

    /// <summary>The canonical form MSBuild and editors read: <c>file(line,col): error MARUnnnn: message</c>.</summary>
    public override string ToString()
    {
        string severity = Severity == Severity.Error ? "error" : "warning";
        string location = Path is null ? "maru" : Line > 0 ? $"{Path}({Line},{Column})" : Path;
        return $"{location}: {severity} {Code}: {Message}";
    }
}

/// <summary>Collects diagnostics; stops accepting errors after a limit so hostile input cannot flood the output.</summary>
public sealed class DiagnosticBag
{
    public const int MaxErrors = 100;
    private readonly List<Diagnostic> _items = new();

    public int ErrorCount { get; private set; }
    public bool HasErrors => ErrorCount > 0;
    /// <summary>True once more than <see cref="MaxErrors"/> errors came and MARU0099 says so: stages may stop then.</summary>
    public bool IsFull => ErrorCount > MaxErrors;
    public IReadOnlyList<Diagnostic> Items => _items;

    public void Add(Diagnostic diagnostic)
    {
        if (diagnostic.IsError)
        {
            if (ErrorCount > MaxErrors) return;
            ErrorCount++;
            if (ErrorCount > MaxErrors)
            {
                _items.Add(new Diagnostic(DiagnosticCodes.TooManyErrors, Severity.Error, diagnostic.Path, diagnostic.Line, diagnostic.Column,
                    $"too many errors ({MaxErrors}); compilation stopped"));
                return;
            }
        }
        _items.Add(diagnostic);
    }

    public void Error(SourceSpan span, string code, string message)
    {
        // Past the limit an error is dropped: do not compute its line and column (a scan of its line) first, or
        // 200 000 errors on one long line would take quadratic time.
        if (ErrorCount > MaxErrors) return;
        Add(Diagnostic.At(span, code, message));
    }

    public void AddRange(IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var d in diagnostics) Add(d);
    }
}
