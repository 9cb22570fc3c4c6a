using System.Globalization;
using System.Text;

namespace Maru.Compiler.Expansion;

/// <summary>
/// Prints compile-time values as Maru prints them: <c>print</c> shows strings as their text, <c>dump</c> as
/// literals with escapes; nil is <c>nil</c>, lists are parenthesised with <c>" . "</c> before a dotted tail, and
/// the other types are shown as Maru's evaluator shows them (<c>Array(...)</c>, <c>Form(...)</c>, ...).
/// </summary>
public static class Printer
{
    /// <summary>The most characters one print writes: a cyclic list prints this much, then stops.</summary>
    public const int MaxLength = 1 << 20;

    private static readonly Text Space = new(" ");

    /// <summary>Appends a value; <paramref name="dump"/> writes strings as literals.</summary>
    public static void Print(StringBuilder output, object? value, bool dump, int maxLength = MaxLength)
    {
        // An explicit stack of what remains to print, so a long or deep list cannot overflow the native stack.
        var pending = new Stack<object?>();
        pending.Push(value);
        int limit = output.Length + maxLength;
        while (pending.Count > 0 && output.Length < limit)
        {
            object? item = pending.Pop();
            switch (item)
            {
                case Text text:
                    output.Append(text.Value);
                    break;
                case Pair pair:
                    output.Append('(');
                    pending.Push(new Text(")"));
                    // Each element and its space print at least two characters: a list (a cyclic one too) is walked only as far as can print.
                    PushListItems(pending, pair, dump, (limit - output.Length) / 2 + 1);
                    break;
                case MaruArray array:
                    output.Append("Array(");
                    pending.Push(new Text(")"));
                    for (int i = array.Count - 1; i >= 0; i--)
                    {
                        pending.Push(array.Items[i]);
                        if (i > 0) pending.Push(Space);
                    }
                    break;
                case MaruForm form:
                    output.Append("Form(");
                    pending.Push(new Text(")"));
                    pending.Push(form.SymbolFunction);
                    pending.Push(new Text(","));
                    pending.Push(form.Function);
                    break;
                case Fixed fixedFunction:
                    output.Append("Fixed(");
                    pending.Push(new Text(")"));
                    pending.Push(fixedFunction.Function);
                    break;
                default:
                    AppendAtom(output, item, dump);
                    break;
            }
        }
        if (output.Length > limit)
        {
            output.Length = limit;
            output.Append('…');
        }
    }

    public static string ToString(object? value, bool dump = true)
    {
        var output = new StringBuilder();
        Print(output, value, dump);
        return output.ToString();
    }

    /// <summary>A short description of a value for a message: its dumped text, cut at 60 characters.</summary>
    public static string Describe(object? value)
    {
        var output = new StringBuilder();
        Print(output, value, dump: true, maxLength: 60);
        return output.ToString();
    }

    private sealed record Text(string Value);

    private static void PushListItems(Stack<object?> pending, Pair list, bool dump, int maxItems)
    {
        var items = new List<object?>();
        object? rest = list;
        for (; rest is Pair cell && items.Count <= maxItems; rest = cell.Tail) items.Add(cell.Head);
        if (rest is Pair)
            pending.Push(new Text(" …"));
        else if (rest is not null)
        {
            // Maru prints a dotted tail with print, not dump.
            pending.Push(dump && rest is MaruString s ? new Text(s.ToString()) : rest);
            pending.Push(new Text(" . "));
        }
        for (int i = items.Count - 1; i >= 0; i--)
        {
            pending.Push(items[i]);
            if (i > 0) pending.Push(Space);
        }
    }

    private static void AppendAtom(StringBuilder output, object? value, bool dump)
    {
        switch (value)
        {
            case null: output.Append("nil"); break;
            case long number: output.Append(number.ToString(CultureInfo.InvariantCulture)); break;
            case MaruSymbol symbol: output.Append(symbol.Name); break;
            case MaruString text when !dump: output.Append(text.ToString()); break;
            case MaruString text: AppendStringLiteral(output, text.Bytes); break;
            case Closure closure:
                output.Append("Expr(");
                if (closure.Name is not null) AppendAtom(output, closure.Name, dump);
                output.Append(')');
                break;
            case Primitive primitive: output.Append("Subr(").Append(primitive.Name).Append(')'); break;
            case SpecialForm special: output.Append("Fixed(Subr(").Append(special.Name).Append("))"); break;
            case Variable variable: output.Append(variable.Name.Name); break;
            case MaruEnvironment environment: output.Append("Env<").Append(environment.Level.ToString(CultureInfo.InvariantCulture)).Append('>'); break;
            case ExternValue external: output.Append("Extern(").Append(external.CName.Name).Append(')'); break;
            default: output.Append("<type:").Append(Interpreter.TypeOf(value).ToString(CultureInfo.InvariantCulture)).Append('>'); break;
        }
    }

    /// <summary>A string as Maru dumps it: quotes, <c>\"</c> and <c>\\</c>, and every byte outside 32–126 as a three-digit octal escape.</summary>
    private static void AppendStringLiteral(StringBuilder output, byte[] bytes)
    {
        output.Append('"');
        foreach (byte b in bytes)
        {
            if (b == '"') output.Append("\\\"");
            else if (b == '\\') output.Append("\\\\");
            else if (b is >= 32 and <= 126) output.Append((char)b);
            else output.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0'));
        }
        output.Append('"');
    }
}
