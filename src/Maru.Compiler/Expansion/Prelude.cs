using Maru.Compiler.Diagnostics;
using Maru.Compiler.Syntax;

namespace Maru.Compiler.Expansion;

/// <summary>
/// Makes interpreters with the prelude loaded: the primitives, quasiquote, and Prelude.l (what boot.l gives macros).
/// The prelude is read once per process; its names are interned in the frozen base table.
/// </summary>
public static class Prelude
{
    private static readonly PreludeSnapshot Snapshot = Load();

    /// <summary>A new interpreter over the shared prelude, for one compilation.</summary>
    public static Interpreter NewInterpreter() => new(Snapshot);

    /// <summary>
    /// Loads Prelude.l into an interpreter with the primitives, then freezes it: every variable gets a slot in the
    /// values each interpreter copies, the prelude's lists and forms become unchangeable, and the names interned so
    /// far become the frozen base table.
    /// </summary>
    private static PreludeSnapshot Load()
    {
        var interpreter = new Interpreter { EncodeEagerly = true };
        DefineNatives(interpreter);
        foreach (var form in ReadPrelude())
        {
            var value = FormConversion.ToValue(form, interpreter, keepSpans: false);
            try
            {
                interpreter.Eval(interpreter.Expand(value, interpreter.Globals), interpreter.Globals);
            }
            catch (MaruError error)
            {
                var (line, column) = form.Span.File.LineColumn(form.Span.Start);
                throw new InvalidOperationException($"prelude.l({line},{column}): {error.Message}", error);
            }
        }
        var values = new List<object?>();
        foreach (var item in interpreter.Globals.Bindings.Items)
        {
            var variable = (Variable)item!;
            switch (variable.Value)
            {
                case MaruForm form: form.Frozen = true; break;
                case Fixed fixedFunction: fixedFunction.Frozen = true; break;
            }
            variable.PreludeSlot = values.Count;
            values.Add(variable.Value);
        }
        SymbolTable.FreezeBase();
        return new PreludeSnapshot(interpreter.Globals, values.ToArray());
    }

    private static IReadOnlyList<Form> ReadPrelude()
    {
        using var stream = typeof(Prelude).Assembly.GetManifestResourceStream("Maru.Compiler.Expansion.Prelude.l")
            ?? throw new InvalidOperationException("the prelude is missing from the compiler's resources");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        var diagnostics = new DiagnosticBag();
        var forms = Reader.Read(new SourceFile("prelude.l", memory.ToArray()), diagnostics);
        if (diagnostics.HasErrors) throw new InvalidOperationException("the prelude does not read: " + string.Join("; ", diagnostics.Items));
        return forms;
    }

    private static void DefineNatives(Interpreter interpreter)
    {
        var globals = interpreter.Globals;
        globals.Define(interpreter.Intern("quasiquote"), new MaruForm(new Primitive("quasiquote", (it, a) => Quasiquote.Expand(it, a.Length > 1 ? a[1] : null)), null));
        // The operators compiled code has under other names (spec section 4).
        interpreter.Alias("long-at", "oop-at");
        interpreter.Alias("set-long-at", "set-oop-at");
        interpreter.Alias("byte-at", "string-at");
        interpreter.Alias("char-at", "string-at");
        interpreter.Alias("set-byte-at", "set-string-at");
        interpreter.Alias("set-char-at", "set-string-at");
    }
}

/// <summary>
/// Quasiquote as Maru's boot.l expands it, so expansions print the same: a template becomes calls of <c>cons</c>,
/// <c>concat-list</c> (for <c>,@</c>) and <c>quote</c>; <c>,x</c> is <c>x</c>; nested quasiquotes are not levels.
/// </summary>
internal static class Quasiquote
{
    public static object? Expand(Interpreter interpreter, object? template) => new Builder(interpreter).Object(template);

    private sealed class Builder(Interpreter interpreter)
    {
        private readonly MaruSymbol _quote = interpreter.Intern("quote");
        private readonly MaruSymbol _unquote = interpreter.Intern("unquote");
        private readonly MaruSymbol _splice = interpreter.Intern("unquote-splicing");
        private readonly MaruSymbol _cons = interpreter.Intern("cons");
        private readonly MaruSymbol _concatList = interpreter.Intern("concat-list");

        public object? Object(object? value) =>
            value is Pair pair
                ? ReferenceEquals(pair.Head, _unquote) ? Second(pair) : List(pair)
                : Call(_quote, value);

        /// <summary>The list from <paramref name="list"/> on, built from its end so a long list does not recurse.</summary>
        private object? List(Pair list)
        {
            var cells = new List<Pair>();
            object? rest = list;
            for (; rest is Pair cell; rest = cell.Tail) cells.Add(cell);
            object? result = Call(_quote, rest);
            for (int i = cells.Count - 1; i >= 0; i--)
            {
                var item = cells[i].Head;
                bool last = i == cells.Count - 1 && rest is null;
                if (item is Pair splice && ReferenceEquals(splice.Head, _splice))
                    result = last ? Second(splice) : Call(_concatList, Second(splice), result);
                else if (ReferenceEquals(item, _unquote) && i == cells.Count - 2 && rest is null)
                    result = cells[i + 1].Head; // (a . ,b) reads as (a unquote b)
                else
                    result = Call(_cons, Object(item), result);
            }
            return result;
        }

        private static object? Second(Pair pair) => (pair.Tail as Pair)?.Head;

        private static Pair Call(MaruSymbol function, object? a) => new(function, new Pair(a, null));
        private static Pair Call(MaruSymbol function, object? a, object? b) => new(function, new Pair(a, new Pair(b, null)));
    }
}
