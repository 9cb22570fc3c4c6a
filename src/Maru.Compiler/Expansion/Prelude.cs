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
        NativeMacros.Define(interpreter);
        // The operators compiled code has under other names (spec section 4).
        interpreter.Alias("long-at", "oop-at");
        interpreter.Alias("set-long-at", "set-oop-at");
        interpreter.Alias("byte-at", "string-at");
        interpreter.Alias("char-at", "string-at");
        interpreter.Alias("set-byte-at", "set-string-at");
        interpreter.Alias("set-char-at", "set-string-at");
    }
}
