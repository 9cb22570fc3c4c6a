using System.Runtime.CompilerServices;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Syntax;

namespace Maru.Compiler.Expansion;

/// <summary>
/// Between the reader's forms and compile-time values: read forms become Maru data (cells keep their source places),
/// and the expanded definitions of a compile region become forms again for the analyser.
/// </summary>
internal static class FormConversion
{
    /// <summary>
    /// A read form as Maru data; <paramref name="keepSpans"/> false for the prelude, whose cells get no places (they mean
    /// nothing to users) and are frozen (every compilation shares them).
    /// </summary>
    public static object? ToValue(Form form, Interpreter interpreter, bool keepSpans = true)
    {
        switch (form)
        {
            case IntegerForm integer: return Interpreter.Box(integer.Value);
            case StringForm text: return new MaruString((byte[])text.Bytes.Clone());
            case SymbolForm symbol: return interpreter.Intern(symbol.Name);
            case ListForm list:
                if (list.Count == 0 && list.Tail is null) return null;
                object? result = list.Tail is null ? null : ToValue(list.Tail, interpreter, keepSpans);
                for (int i = list.Count - 1; i >= 0; i--)
                {
                    var head = ToValue(list[i], interpreter, keepSpans);
                    result = keepSpans ? Pair.ReadFrom(list, i, head, result) : new Pair(head, result) { Frozen = true };
                }
                return result;
            default:
                throw new InvalidOperationException("unknown form " + form.GetType().Name);
        }
    }

    /// <summary>
    /// Expanded Maru data as a form for the analyser. Only integers, strings, symbols and lists can be compiled; any
    /// other value (a closure, an array, a cyclic list, a dotted list) is reported and read as 0.
    /// </summary>
    public static Form ToForm(object? value, SourceSpan span, DiagnosticBag diagnostics, bool readCellsChanged)
    {
        switch (value)
        {
            case Pair { ReadAs: { } form } when !readCellsChanged:
                return form;
            case null: return new ListForm(span, Array.Empty<Form>());
            case long number: return new IntegerForm(span, number);
            case MaruString text: return new StringForm(span, (byte[])text.Bytes.Clone());
            case MaruSymbol symbol: return new SymbolForm(span, symbol.Name);
            case Pair pair: return ListToForm(pair, span, diagnostics, readCellsChanged);
            default:
                diagnostics.Error(span, DiagnosticCodes.NotSupported,
                    $"{Printer.Describe(value)} is a compile-time value ({TypeName(value)}) and cannot appear in compiled code");
                return new IntegerForm(span, 0);
        }
    }

    private static Form ListToForm(Pair list, SourceSpan outer, DiagnosticBag diagnostics, bool readCellsChanged)
    {
        var span = list.Span.File is not null ? list.Span : outer;
        // A list that holds itself as an element recurses until the stack runs short: that, too, is this error.
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            diagnostics.Error(span, DiagnosticCodes.NestingTooDeep, "a form nests too deeply to compile (or contains itself)");
            return new IntegerForm(span, 0);
        }
        var items = new List<Form>();
        object? rest = list;
        var cycle = new CycleWatch(list);
        for (int step = 0; rest is Pair cell; rest = cell.Tail, step++)
        {
            if (step > 0 && cycle.CameBack(rest))
            {
                diagnostics.Error(span, DiagnosticCodes.NotSupported, "a list that contains itself cannot appear in compiled code");
                return new IntegerForm(span, 0);
            }
            var itemSpan = cell.Head is Pair { Span.File: not null } inner ? inner.Span
                : cell.HeadSpan.File is not null ? cell.HeadSpan
                : span;
            items.Add(ToForm(cell.Head, itemSpan, diagnostics, readCellsChanged));
        }
        if (rest is not null)
            diagnostics.Error(span, DiagnosticCodes.NotSupported,
                $"a dotted list (ending in '. {Printer.Describe(rest)}') cannot appear in compiled code");
        return new ListForm(span, items.ToArray());
    }

    public static string TypeName(object? value) => value switch
    {
        Closure => "a function",
        MaruForm => "a macro",
        Primitive or SpecialForm or Fixed => "a built-in function of the compile-time interpreter",
        MaruArray => "an array",
        Variable => "a variable",
        MaruEnvironment => "an environment",
        ExternValue => "an extern",
        MaruSymbol => "a symbol",
        Pair => "a list",
        StructureInstance => "a structure",
        _ => "a value of type " + Interpreter.TypeOf(value),
    };
}
