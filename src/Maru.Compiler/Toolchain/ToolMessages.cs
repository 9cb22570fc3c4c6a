using System.Globalization;
using System.Text.RegularExpressions;
using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Toolchain;

/// <summary>Turns what the GNU assembler and linker print into diagnostics.</summary>
internal static partial class ToolMessages
{
    // GNU as: "path.s:12: Error: message" (or Warning), after a "path.s: Assembler messages:" header.
    // llvm-mc: "path.s:12:5: error: message" (or warning), followed by the line and a caret.
    [GeneratedRegex(@"^(?<path>.+?):(?<line>\d+):(?:(?<column>\d+):)? (?<kind>Error|Warning|Fatal error|error|warning): (?<message>.*)$")]
    private static partial Regex AssemblerMessage();

    private const string AssemblerHeader = ": Assembler messages:";
    private const string LinkerWarning = "warning: ";
    private const string LinkerError = "error: ";
    private const string LldDetail = ">>> ";

    public static IReadOnlyList<Diagnostic> FromAssembler(ToolRun run, string sourcePath)
    {
        var diagnostics = new List<Diagnostic>();
        var unparsed = new List<string>();
        foreach (string line in Lines(run.Output))
        {
            Match match = AssemblerMessage().Match(line);
            if (match.Success)
            {
                Severity severity = match.Groups["kind"].Value is "Warning" or "warning" ? Severity.Warning : Severity.Error;
                diagnostics.Add(new Diagnostic(DiagnosticCodes.AssemblerError, severity, match.Groups["path"].Value,
                    int.Parse(match.Groups["line"].Value, CultureInfo.InvariantCulture),
                    match.Groups["column"].Success ? int.Parse(match.Groups["column"].Value, CultureInfo.InvariantCulture) : 0,
                    match.Groups["message"].Value));
            }
            else if (!line.EndsWith(AssemblerHeader, StringComparison.Ordinal))
            {
                unparsed.Add(line);
            }
        }
        AddFailure(diagnostics, unparsed, run, DiagnosticCodes.AssemblerError, "assembler", sourcePath);
        return diagnostics;
    }

    /// <summary>
    /// GNU ld prints "ld: message" or "ld: warning: message", about the library being linked; a line ending in ':'
    /// ("ld: a.o: in function `f':") is the context of the next one, and both make one diagnostic. LLVM's linkers print
    /// "ld.lld: error: message" followed by "&gt;&gt;&gt; detail" lines, which belong to that message.
    /// </summary>
    public static IReadOnlyList<Diagnostic> FromLinker(ToolRun run, string linkerPath, string outputPath)
    {
        string[] prefixes = [linkerPath + ": ", Path.GetFileName(linkerPath) + ": "];
        var diagnostics = new List<Diagnostic>();
        string context = "";
        foreach (string line in Lines(run.Output))
        {
            string message = prefixes.FirstOrDefault(p => line.StartsWith(p, StringComparison.Ordinal)) is { } prefix ? line[prefix.Length..] : line;
            if (message.EndsWith(':'))
            {
                context += message + " ";
                continue;
            }
            if (line.StartsWith(LldDetail, StringComparison.Ordinal) && diagnostics.Count > 0)
            {
                diagnostics[^1] = diagnostics[^1] with { Message = diagnostics[^1].Message + "; " + line[LldDetail.Length..] };
                continue;
            }
            bool warning = message.StartsWith(LinkerWarning, StringComparison.Ordinal);
            if (warning) message = message[LinkerWarning.Length..];
            if (message.StartsWith(LinkerError, StringComparison.Ordinal)) message = message[LinkerError.Length..];
            Severity severity = warning || run.ExitCode == 0 ? Severity.Warning : Severity.Error;
            diagnostics.Add(new Diagnostic(DiagnosticCodes.LinkerError, severity, outputPath, 0, 0, context + message));
            context = "";
        }
        AddFailure(diagnostics, context.Length > 0 ? [context.TrimEnd()] : [], run, DiagnosticCodes.LinkerError, "linker", outputPath);
        return diagnostics;
    }

    /// <summary>
    /// An error when a tool that reported success did not write a valid object file (assembler) or library (linker) at
    /// <paramref name="file"/>, naming the tool (MARU0902, MARU0903); null when it did. An exit code of 0 alone proves
    /// nothing (a wrapper script that lost its tool, a tool given arguments it ignores), and a missing or foreign file would
    /// otherwise be blamed on the next step, or fail only when the library is loaded.
    /// </summary>
    /// <param name="reportedAt">What the diagnostic is about: the assembly source, or the library the user asked for.</param>
    public static Diagnostic? MissingOutput(string runtimeIdentifier, ToolRole role, string toolPath, string file, string reportedAt)
    {
        bool library = role == ToolRole.Linker;
        if (BinaryFormat.Problem(file, runtimeIdentifier, library) is not { } problem) return null;
        string what = library ? $"the library '{reportedAt}'" : $"the object file '{Path.GetFileName(file)}'";
        return Diagnostic.General(library ? DiagnosticCodes.LinkerError : DiagnosticCodes.AssemblerError,
            $"{ToolLocator.RoleName(role)} '{toolPath}' reported success but did not write {what}: {problem}", reportedAt);
    }

    // A tool that failed without an error message we recognised still gives one error, with whatever it printed.
    private static void AddFailure(List<Diagnostic> diagnostics, IReadOnlyList<string> unparsed, ToolRun run, string code, string role, string path)
    {
        if (run.ExitCode == 0 || diagnostics.Any(d => d.IsError)) return;
        string message = $"{role} failed with exit code {run.ExitCode}";
        if (unparsed.Count > 0) message += ": " + string.Join("; ", unparsed);
        diagnostics.Add(Diagnostic.General(code, message, path));
    }

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
