using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Tests.BadInput;

/// <summary>What went wrong with a program on one target. <see cref="Kind"/> says what, without details, so that a smaller program can be checked for the same failure.</summary>
public sealed record FuzzFailure(string RuntimeIdentifier, string Kind, string Detail);

/// <summary>
/// Compiles one program for a target and checks what the compiler promises for any input (spec section 8): no exception,
/// an end within <see cref="Timeout"/>, for a failed unit no assembly and no exports and only MARU diagnostics at
/// positions inside their file, for a successful unit the same assembly from a second compile. Nothing is assembled.
/// </summary>
public static partial class FuzzCompile
{
    public static readonly string[] RuntimeIdentifiers = ["linux-x64", "linux-arm64", "osx-x64", "osx-arm64", "win-x64"];

    /// <summary>
    /// One compile of one program: far more than any of them needs (well under a second), so past it is a hang. Even
    /// compile-time code that runs to the interpreter's step limit ends well within it (about 20 s in a Debug build on
    /// a loaded machine).
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>The first failure of <paramref name="program"/> on <paramref name="runtimeIdentifier"/>, or null; <paramref name="compiled"/> tells whether the unit had no error.</summary>
    /// <param name="path">The program's file name, as diagnostics give it.</param>
    /// <param name="readFile">Reads a file that the program loads; null when there is none.</param>
    public static FuzzFailure? Check(string runtimeIdentifier, string path, string program, Func<string, byte[]?> readFile, out bool compiled)
    {
        compiled = false;
        var loaded = new ConcurrentDictionary<string, byte[]>();
        var options = new CompileOptions(runtimeIdentifier)
        {
            ReadFile = name => readFile(name) is { } content ? loaded[name] = content : null,
        };
        var source = SourceFile.FromText(path, program);
        var (result, failure) = CompileWithin(source, options);
        if (failure is not null) return failure;

        foreach (var diagnostic in result!.Diagnostics)
        {
            if (BadDiagnostic(diagnostic, source, loaded) is { } problem)
                return Failed("bad diagnostic", $"{problem}: {diagnostic}");
        }

        if (!result.Success)
        {
            if (result.Assembly.Count > 0 || result.Exports.Count > 0)
                return Failed("output from a failed unit", $"{result.Assembly.Count} assembly files and {result.Exports.Count} exports, with:\n{Join(result.Diagnostics)}");
            if (result.Diagnostics.Count > DiagnosticBag.MaxErrors + 1)
                return Failed("too many diagnostics", $"{result.Diagnostics.Count} diagnostics");
            return null;
        }

        compiled = true;
        if (result.Assembly.Count != 1 || result.Assembly[0].Text.Length == 0)
            return Failed("no assembly from a successful unit", $"{result.Assembly.Count} assembly files");
        var (again, againFailure) = CompileWithin(source, options);
        if (againFailure is not null) return againFailure;
        if (!again!.Success || again.Assembly.Count != 1 || again.Assembly[0].Text != result.Assembly[0].Text)
            return Failed("nondeterministic assembly", FirstDifference(result.Assembly[0].Text, again.Success && again.Assembly.Count == 1 ? again.Assembly[0].Text : Join(again.Diagnostics)));
        return null;

        FuzzFailure Failed(string kind, string detail) => new(runtimeIdentifier, kind, detail);
    }

    private static (CompileResult? Result, FuzzFailure? Failure) CompileWithin(SourceFile source, CompileOptions options)
    {
        var compile = Task.Run(() => MaruCompiler.Compile([source], options));
        try
        {
            if (!compile.Wait(Timeout))
                return (null, new FuzzFailure(options.RuntimeIdentifier, "hang", $"the compile did not finish within {Timeout.TotalSeconds} s"));
        }
        catch (AggregateException e)
        {
            var thrown = e.InnerException!;
            var cause = thrown.InnerException ?? thrown; // "internal compiler error" wraps what the compiler threw
            return (null, new FuzzFailure(options.RuntimeIdentifier, $"exception {cause.GetType().Name} in {TopFrame(cause)}", thrown.ToString()));
        }
        return (compile.Result, null);
    }

    private static string TopFrame(Exception e) => new StackTrace(e).GetFrames().FirstOrDefault()?.GetMethod() is { } method
        ? $"{method.DeclaringType?.Name}.{method.Name}"
        : "?";

    /// <summary>Why a diagnostic is not a MARU diagnostic at a position inside its file, or null.</summary>
    private static string? BadDiagnostic(Diagnostic diagnostic, SourceFile source, IReadOnlyDictionary<string, byte[]> loaded)
    {
        if (!DiagnosticCode().IsMatch(diagnostic.Code)) return "not a code of the compiler";
        if (string.IsNullOrWhiteSpace(diagnostic.Message)) return "no message";
        // The one diagnostic about the whole unit: it nests too deeply once expanded (a stack limit, not a place).
        if (diagnostic is { Code: DiagnosticCodes.NestingTooDeep, Line: 0, Column: 0 } && diagnostic.Path == source.Path) return null;

        byte[]? content = diagnostic.Path == source.Path ? source.Content
            : diagnostic.Path is not null && loaded.TryGetValue(diagnostic.Path, out var file) ? file : null;
        if (content is null) return "in a file that is neither the program nor one it loaded";

        // Lines split at '\n'; a column counts UTF-8 code points from 1 and may be one past the line's last character.
        int line = 1, lineStart = 0;
        for (int i = 0; i < content.Length && line < diagnostic.Line; i++)
        {
            if (content[i] != '\n') continue;
            line++;
            lineStart = i + 1;
        }
        if (diagnostic.Line < 1 || line < diagnostic.Line) return $"line {diagnostic.Line} is outside the file";
        int characters = 0;
        for (int i = lineStart; i < content.Length && content[i] != '\n'; i++)
            if ((content[i] & 0xC0) != 0x80) characters++;
        if (diagnostic.Column < 1 || diagnostic.Column > characters + 1) return $"column {diagnostic.Column} is outside line {diagnostic.Line} ({characters} characters)";
        return null;
    }

    [GeneratedRegex("^MARU0[0-2][0-9][0-9]$")]
    private static partial Regex DiagnosticCode();

    private static string Join(IEnumerable<Diagnostic> diagnostics) => string.Join("\n", diagnostics.Take(10));

    private static string FirstDifference(string first, string second)
    {
        string[] a = first.Split('\n'), b = second.Split('\n');
        int line = 0;
        while (line < a.Length && line < b.Length && a[line] == b[line]) line++;
        return $"line {line + 1} differs: '{(line < a.Length ? a[line] : "")}' then '{(line < b.Length ? b[line] : "")}'";
    }

    /// <summary>
    /// A smaller program that still fails with <paramref name="failure"/>'s kind on its target: tokens are deleted in
    /// chunks, halving the chunk until single tokens (delta debugging), within <paramref name="budget"/>. The program as
    /// given when even its tokens re-joined do not fail (a comment or a line break mattered).
    /// </summary>
    public static string Minimize(string path, string program, Func<string, byte[]?> readFile, FuzzFailure failure, TimeSpan budget)
    {
        bool Fails(List<string> tokens) =>
            Check(failure.RuntimeIdentifier, path, Print(tokens), readFile, out _)?.Kind == failure.Kind;

        var tokens = FuzzForm.Tokens(program);
        if (failure.Kind == "hang" || !Fails(tokens)) return program;
        var clock = Stopwatch.StartNew();
        for (int chunk = Math.Max(1, tokens.Count / 2); clock.Elapsed < budget; chunk /= 2)
        {
            for (int start = 0; start < tokens.Count && clock.Elapsed < budget;)
            {
                var candidate = tokens.Take(start).Concat(tokens.Skip(start + chunk)).ToList();
                if (Fails(candidate)) tokens = candidate;
                else start += chunk;
            }
            if (chunk == 1) break;
        }
        return Print(tokens);
    }

    /// <summary>Tokens as text: top-level forms on lines of their own, prefixes and brackets next to their forms.</summary>
    private static string Print(List<string> tokens)
    {
        var text = new StringBuilder();
        int depth = 0;
        string previous = "";
        foreach (string token in tokens)
        {
            bool opens = token is "(" or "[" or "{", closes = token is ")" or "]" or "}";
            if (text.Length > 0)
            {
                if (depth == 0 && previous is not ("'" or "`" or "," or ",@")) text.Append('\n');
                else if (!closes && previous is not ("(" or "[" or "{" or "'" or "`" or "," or ",@")) text.Append(' ');
            }
            text.Append(token);
            depth = Math.Max(0, depth + (opens ? 1 : closes ? -1 : 0));
            previous = token;
        }
        return text.ToString();
    }
}
