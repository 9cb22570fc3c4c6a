using System.Globalization;
using System.Text;
using Maru.Compiler;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Syntax;
using Maru.Compiler.Toolchain;
using Maru.Runtime;

namespace Maru.Cli;

/// <summary>
/// The state of a <c>maru repl</c>: the current definitions, and the module compiled from them. Each expression is
/// compiled with all current definitions into a new module, as the body of a generated function, and called. The values
/// of globals carry over from one module to the next. A line with errors prints them and changes nothing.
/// <para>
/// What an input form defines is read from its expansion under the session's definitions, so that a macro's use that
/// expands to definitions defines them, as in a file. Definitions are kept as their source texts and compiled together
/// as one unit, in an order that gives each the macros it was entered with:
/// a macro (<c>define-form</c>) is kept for good where it was entered, so the inputs after it expand with it and those
/// before a redefinition keep the old one; a function, global or extern replaces the earlier definition of its name
/// and goes last, where every macro is defined; and a constant (<c>define-constant</c>) or a structure (its type number
/// and accessor macros) takes the place of the one it replaces, so every definition that uses it, earlier ones too, uses
/// the new one (Maru itself cannot define them twice: the old constant would stand for the name being defined).
/// </para>
/// </summary>
internal sealed class ReplSession(TextWriter output, TextWriter error) : IDisposable
{
    private const string EvalName = "%repl-eval";

    /// <summary>What a defined name holds: a macro is a function from forms to forms, a symbol macro a define-constant.</summary>
    private enum Kind { Function, Global, Other, Macro, SymbolMacro }

    private sealed record DefinedName(string Name, Kind Kind);

    /// <summary>One input form that defines: the names it defines, and its text (the rest of its input blanked out).</summary>
    private sealed record Definition(IReadOnlyList<DefinedName> Names, MaruSource Source)
    {
        private bool MacrosOnly => Names.All(n => n.Kind == Kind.Macro);

        /// <summary>The names a later definition replaces: all but macros, which stay as the history of expansion.</summary>
        public IEnumerable<string> ReplaceableNames => Names.Where(n => n.Kind != Kind.Macro).Select(n => n.Name);

        /// <summary>Whether this definition, replacing earlier ones, takes their place: it defines a symbol macro, or macros beside other names.</summary>
        public bool TakesThePlaceOfTheReplaced => Names.Any(n => n.Kind == Kind.SymbolMacro) || (!MacrosOnly && Names.Any(n => n.Kind == Kind.Macro));

        /// <summary>The names to show: a structure's or a generated group's without their accessor macros.</summary>
        public IReadOnlyList<string> ShownNames => (MacrosOnly ? Names : Names.Where(n => n.Kind != Kind.Macro)).Select(n => n.Name).ToList();
    }

    /// <summary>A loaded module and the index of each global's generated accessors in it.</summary>
    private sealed record State(MaruModule Module, IReadOnlyDictionary<string, int> Globals);

    private readonly List<Definition> _definitions = [];
    // Every module stays loaded until the session ends: a global may hold the address of a string of an earlier one.
    private readonly List<MaruModule> _modules = [];
    private State? _current;
    private int _inputNumber;

    private static readonly MaruCompileOptions Options = new() { Cache = null };

    public IReadOnlyList<string> DefinitionNames => _definitions.SelectMany(d => d.ShownNames).Distinct().ToList();

    /// <summary>Reads, compiles and runs one complete input (one or more forms, each seeing the ones before it).</summary>
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
            if (!TryExpand(form, path, text, out Form? expansion)) continue;
            if (expansion is not null && DefinedNames(expansion) is { } names)
                Define(new Definition(names, new MaruSource(path, text)));
            else
                Evaluate(path, text);
        }
    }

    /// <summary>
    /// Expands the form under the current definitions: false after errors (printed). The expansion is null when it cannot
    /// be read back (a macro put a compile-time object into it); such a form is taken for an expression.
    /// </summary>
    private bool TryExpand(Form form, string path, string text, out Form? expansion)
    {
        ExpandResult result = Expand(_definitions, path, text, out expansion);
        // A symbol macro (define-constant) stands for its name everywhere, also where a new definition names it, which is
        // why Maru cannot define one twice. A form that defines that name once expanded without the old one replaces it.
        if (form is ListForm { Count: > 1 } list && list[1] is SymbolForm { Name: var name }
            && _definitions.Any(d => d.Names.Contains(new DefinedName(name, Kind.SymbolMacro))))
        {
            var withoutIt = _definitions.Where(d => !d.Names.Contains(new DefinedName(name, Kind.SymbolMacro)));
            if (Expand(withoutIt, path, text, out Form? redefinition).Success && Defines(redefinition, name))
            {
                expansion = redefinition;
                return true;
            }
        }
        if (result.Success) return true;
        DiagnosticPrinter.Print(Unwrapped(result.Diagnostics), error);
        return false;
    }

    private static bool Defines(Form? expansion, string name) =>
        expansion is not null && DefinedNames(expansion)?.Any(n => n.Name == name) == true;

    private static ExpandResult Expand(IEnumerable<Definition> definitions, string path, string text, out Form? expansion)
    {
        // The form is the body of a lambda that is never called: it is expanded as at top level, but an expression is
        // not evaluated at compile time (it is compiled and run once it is known to be one).
        List<SourceFile> sources = [.. definitions.Select(d => ToSourceFile(d.Source)), ToSourceFile(Wrap(path, "lambda ()", text))];
        ExpandResult result = MaruCompiler.Expand(sources, new CompileOptions(NativeToolchain.HostRuntimeIdentifier));
        expansion = null;
        if (result.Success && Reader.Read(SourceFile.FromText("expansion", result.Forms[^1]), new DiagnosticBag())
                is [ListForm { Head: "lambda", Count: 3 } lambda])
            expansion = lambda[2];
        return result;
    }

    /// <summary>
    /// What an expanded form defines: <c>(define name value)</c>, or the defines directly inside a <c>(let () ...)</c>, as
    /// define-structure makes; null for an expression.
    /// </summary>
    private static IReadOnlyList<DefinedName>? DefinedNames(Form expansion)
    {
        if (AsDefinedName(expansion) is { } single) return [single];
        if (expansion is ListForm { Head: "let", Count: > 2 } let && IsNil(let[1]))
        {
            var names = let.Items.Skip(2).Select(AsDefinedName).OfType<DefinedName>().ToList();
            if (names.Count > 0) return names;
        }
        return null;
    }

    private static DefinedName? AsDefinedName(Form form)
    {
        if (form is not ListForm { Head: "define" } define) return null;
        // A malformed define still goes to the compiler, as a definition, to be reported at top level.
        if (define.Count < 2 || define[1] is not SymbolForm name) return new DefinedName($"#{form.Span.Start}", Kind.Other);
        Kind kind = define.Count < 3 ? Kind.Global : define[2] switch
        {
            ListForm { Head: "lambda" } => Kind.Function,
            ListForm { Head: "extern" } => Kind.Other,
            // (form function) is a macro; (form nil symbol-function) a symbol macro, as define-constant makes.
            ListForm { Head: "form", Count: > 2 } symbolForm when IsNil(symbolForm[1]) => Kind.SymbolMacro,
            ListForm { Head: "form" } => Kind.Macro,
            _ => Kind.Global,
        };
        return new DefinedName(name.Name, kind);
    }

    private static bool IsNil(Form form) => form is SymbolForm { Name: "nil" } or ListForm { Count: 0, Tail: null };

    private void Define(Definition definition)
    {
        var names = definition.Names.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        List<int> replaced = _definitions.Select((d, i) => (d, i)).Where(x => x.d.ReplaceableNames.Any(names.Contains)).Select(x => x.i).ToList();
        var candidate = new List<Definition>(_definitions);
        if (replaced.Count > 0 && definition.TakesThePlaceOfTheReplaced)
        {
            candidate[replaced[0]] = definition;
            foreach (int i in replaced.Skip(1).Reverse()) candidate.RemoveAt(i);
        }
        else
        {
            foreach (int i in Enumerable.Reverse(replaced)) candidate.RemoveAt(i);
            candidate.Add(definition);
        }

        if (Load(candidate, eval: null, redefined: names) is null) return;
        bool redefinition = _definitions.Any(d => d.Names.Any(n => definition.ShownNames.Contains(n.Name)));
        _definitions.Clear();
        _definitions.AddRange(candidate);
        output.WriteLine($"{(redefinition ? "redefined" : "defined")} {string.Join(' ', definition.ShownNames)}");
    }

    private void Evaluate(string path, string text)
    {
        State? state = Load(_definitions, Wrap(path, $"define-function {EvalName} ()", text), redefined: null);
        if (state is null) return;
        long value = state.Module.Invoke(EvalName);
        CStdio.FlushAll();
        output.WriteLine(value.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// An input form inside another form, as <c>(HEAD\nform\n)</c>, under its input's path with a suffix: the form keeps
    /// its column, and its line is one more, which <see cref="Unwrapped"/> takes off again in diagnostics. (The suffix
    /// tells them from those of a definition made by the same input.)
    /// </summary>
    private static MaruSource Wrap(string path, string head, string text) => new(path + WrappedSuffix, $"({head}\n{text}\n)");

    private const string WrappedSuffix = " (wrapped)";

    private static IEnumerable<Diagnostic> Unwrapped(IEnumerable<Diagnostic> diagnostics) =>
        diagnostics.Select(d => d.Path is { } path && path.EndsWith(WrappedSuffix, StringComparison.Ordinal)
            ? d with { Path = path[..^WrappedSuffix.Length], Line = Math.Max(1, d.Line - 1) }
            : d);

    /// <summary>
    /// Compiles and loads the definitions (and the expression), carries the globals over (but those just redefined), and
    /// makes it current; null after errors.
    /// </summary>
    private State? Load(IReadOnlyList<Definition> definitions, MaruSource? eval, IReadOnlySet<string>? redefined)
    {
        var globals = definitions.SelectMany(d => d.Names).Where(n => n.Kind == Kind.Global).Select(n => n.Name).Distinct()
            .Select((name, i) => (name, i)).ToDictionary(g => g.name, g => g.i, StringComparer.Ordinal);
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
            DiagnosticPrinter.Print(Unwrapped(e.Diagnostics), error);
            return null;
        }
        _modules.Add(module);

        var state = new State(module, globals);
        if (_current is not null)
        {
            foreach (var (name, i) in globals)
            {
                if (redefined?.Contains(name) == true || !_current.Globals.TryGetValue(name, out int old)) continue;
                module.Invoke($"%repl-set-{i}", _current.Module.Invoke($"%repl-get-{old}"));
            }
        }
        _current = state;
        return state;
    }

    private static SourceFile ToSourceFile(MaruSource source) => SourceFile.FromText(source.Path, source.Text);

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
