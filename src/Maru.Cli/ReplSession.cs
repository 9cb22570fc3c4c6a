using System.Globalization;
using System.Text;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Syntax;
using Maru.Runtime;

namespace Maru.Cli;

/// <summary>
/// The state of a <c>maru repl</c>: the current definitions, and the module compiled from them. Each definition replaces
/// any earlier one of the same name; each expression is compiled with all current definitions into a new module, as the
/// body of a generated function, and called. The values of globals carry over from one module to the next. A line with
/// errors prints them and changes nothing.
/// </summary>
internal sealed class ReplSession(TextWriter output, TextWriter error) : IDisposable
{
    private const string EvalName = "%repl-eval";

    private enum Kind { Function, Global, Other }

    private sealed record Definition(string Name, Kind Kind, MaruSource Source);

    /// <summary>A loaded module and the index of each global's generated accessors in it.</summary>
    private sealed record State(MaruModule Module, IReadOnlyDictionary<string, int> Globals);

    private readonly List<Definition> _definitions = [];
    // Every module stays loaded until the session ends: a global may hold the address of a string of an earlier one.
    private readonly List<MaruModule> _modules = [];
    private State? _current;
    private int _inputNumber;

    private static readonly MaruCompileOptions Options = new() { Cache = null };

    public IReadOnlyList<string> DefinitionNames => _definitions.Select(d => d.Name).ToList();

    /// <summary>Reads, compiles and runs one complete input (one or more forms).</summary>
    public void Submit(string input)
    {
        string path = "repl-" + (++_inputNumber).ToString(CultureInfo.InvariantCulture);
        var file = SourceFile.FromText(path, input);
        var diagnostics = new DiagnosticBag();
        IReadOnlyList<Form> forms = Reader.Read(file, diagnostics);
        if (diagnostics.HasErrors)
        {
            DiagnosticPrinter.Print(diagnostics.Items, error);
            return;
        }
        foreach (Form form in forms)
        {
            string text = Isolate(file.Content, form.Span);
            if (form is ListForm { Head: "compile-begin" or "compile-end" }) continue;
            if (form is ListForm { Head: "export" })
            {
                output.WriteLine("; export has no effect in the REPL");
                continue;
            }
            if (Classify(form) is { } definition)
                Define(definition with { Source = new MaruSource(path, text) });
            else
                Evaluate(path, text);
        }
    }

    private void Define(Definition definition)
    {
        int index = _definitions.FindIndex(d => d.Name == definition.Name);
        var candidate = new List<Definition>(_definitions);
        if (index >= 0) candidate[index] = definition;
        else candidate.Add(definition);

        if (Load(candidate, eval: null, redefined: definition.Name) is null) return;
        _definitions.Clear();
        _definitions.AddRange(candidate);
        output.WriteLine(index >= 0 ? $"redefined {definition.Name}" : $"defined {definition.Name}");
    }

    private void Evaluate(string path, string text)
    {
        // The expression keeps its line and column: the wrapper's first line is taken off again in diagnostics.
        var eval = new MaruSource(path, $"(define-function {EvalName} ()\n{text}\n)");
        State? state = Load(_definitions, eval, redefined: null);
        if (state is null) return;
        long value = state.Module.Invoke(EvalName);
        CStdio.FlushAll();
        output.WriteLine(value.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Compiles and loads the definitions (and the expression), carries the globals over, and makes it current; null after errors.</summary>
    private State? Load(IReadOnlyList<Definition> definitions, MaruSource? eval, string? redefined)
    {
        var globals = definitions.Where(d => d.Kind == Kind.Global).Select((d, i) => (d.Name, i)).ToDictionary(g => g.Name, g => g.i, StringComparer.Ordinal);
        var support = new StringBuilder();
        var exports = new List<string>();
        foreach (var (name, i) in globals)
        {
            support.Append(CultureInfo.InvariantCulture, $"(define-function %repl-get-{i} () {name})\n");
            support.Append(CultureInfo.InvariantCulture, $"(define-function %repl-set-{i} (value) (set {name} value))\n");
            exports.Add($"%repl-get-{i} %repl-set-{i}");
        }
        if (eval is not null) exports.Add(EvalName);
        if (exports.Count > 0) support.Append("(export ").AppendJoin(' ', exports).Append(")\n");

        List<MaruSource> sources = [.. definitions.Select(d => d.Source), new MaruSource("repl-support", support.ToString())];
        if (eval is not null) sources.Add(eval);

        MaruModule module;
        try
        {
            module = MaruModule.Compile(sources, Options);
        }
        catch (MaruCompilationException e)
        {
            var shown = e.Diagnostics.Select(d => eval is not null && d.Path == eval.Path && d.Line > 1 ? d with { Line = d.Line - 1 } : d);
            DiagnosticPrinter.Print(shown, error);
            return null;
        }
        _modules.Add(module);

        var state = new State(module, globals);
        if (_current is not null)
        {
            foreach (var (name, i) in globals)
            {
                if (name == redefined || !_current.Globals.TryGetValue(name, out int old)) continue;
                module.Invoke($"%repl-set-{i}", _current.Module.Invoke($"%repl-get-{old}"));
            }
        }
        _current = state;
        return state;
    }

    /// <summary>The definition a top-level form makes, or null for an expression.</summary>
    private static Definition? Classify(Form form)
    {
        if (form is not ListForm list || list.Count < 2) return null;
        string? name = (list[1] as SymbolForm)?.Name;
        Kind? kind = list.Head switch
        {
            "define-function" => Kind.Function,
            "define" when list.Count >= 3 && list[2] is ListForm { Head: "lambda" } => Kind.Function,
            "define" when list.Count >= 3 && list[2] is ListForm { Head: "extern" } => Kind.Other,
            "define" => Kind.Global,
            "define-structure" => Kind.Other,
            _ => null,
        };
        if (kind is null) return null;
        // A malformed definition still goes to the compiler, under a name of its own, to be reported.
        return new Definition(name ?? $"#{form.Span.Start}", kind.Value, null!);
    }

    /// <summary>The input with everything but the form blanked out, so that the form keeps its line and column.</summary>
    private static string Isolate(byte[] content, SourceSpan span)
    {
        byte[] bytes = (byte[])content.Clone();
        for (int i = 0; i < bytes.Length; i++)
            if ((i < span.Start || i >= span.End) && bytes[i] != (byte)'\n') bytes[i] = (byte)' ';
        return Encoding.UTF8.GetString(bytes);
    }

    public void Dispose()
    {
        foreach (MaruModule module in _modules) module.Dispose();
        _modules.Clear();
    }

    /// <summary>
    /// Whether the text is a complete input: every parenthesis closed, no string left open. Characters (<c>?(</c>, <c>?\"</c>),
    /// strings and comments are skipped as the reader would. Too many closing parentheses is complete (the reader reports it).
    /// </summary>
    public static bool IsComplete(string text)
    {
        int depth = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case ';':
                    while (i < text.Length && text[i] != '\n') i++;
                    break;
                case '"':
                    for (i++; i < text.Length && text[i] != '"'; i++)
                        if (text[i] == '\\') i++;
                    if (i >= text.Length) return false;
                    break;
                case '?' when i == 0 || char.IsWhiteSpace(text[i - 1]) || text[i - 1] is '(' or ')':
                    if (i + 1 < text.Length && text[i + 1] == '\\') i++;
                    i++;
                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
            }
        }
        return depth <= 0;
    }
}
