using System.Globalization;
using System.Text;

namespace Maru.Compiler.Expansion;

/// <summary>
/// <c>oop-at</c> and <c>set-oop-at</c> on compile-time objects: slot <c>i</c> of a value is field <c>i</c> of its
/// type as boot.l lays it out (<c>&lt;pair&gt;</c> is head, tail, source; <c>&lt;variable&gt;</c> is name, value, env,
/// index, type; ...), so structure accessors made with Maru's -O read built-in objects correctly. Anything else is nil.
/// </summary>
internal static class Fields
{
    public static object? Get(Interpreter interpreter, object? value, long slot) => (value, slot) switch
    {
        (Pair p, 0) => p.Head,
        (Pair p, 1) => p.Tail,
        (Variable v, 0) => v.Name,
        (Variable v, 1) => interpreter.ValueOf(v),
        (Variable v, 2) => v.Environment,
        (Variable v, 3) => Interpreter.Box(v.Index),
        (MaruEnvironment e, 0) => e.Parent,
        (MaruEnvironment e, 1) => Interpreter.Box(e.Level),
        (MaruEnvironment e, 2) => Interpreter.Box(e.Bindings.Count),
        (MaruEnvironment e, 3) => e.Bindings,
        (Closure c, 0) => c.Name,
        (Closure c, 1) => new Pair(null, new Pair(c.Code.Parameters, c.Code.BodySource)),
        (MaruForm f, 0) => f.Function,
        (MaruForm f, 1) => f.SymbolFunction,
        (Fixed f, 0) => f.Function,
        (Primitive p, 0) => new MaruString(p.Name),
        (MaruString s, 0) => Interpreter.Box(s.Length),
        (MaruArray a, 0) => Interpreter.Box(a.Count),
        (StructureInstance s, var i) when i >= 0 && i < s.Slots.Length => s.Slots[i],
        _ => null,
    };

    public static object? Set(Interpreter interpreter, object? target, long slot, object? value)
    {
        if (target is Pair { Frozen: true } or Variable { PreludeSlot: >= 0 } or MaruForm { Frozen: true } or Fixed { Frozen: true })
            throw new MaruError($"{Printer.Describe(target)} belongs to the prelude and cannot be changed");
        if (target is Pair { Read: true }) interpreter.ReadCellsChanged = true;
        switch (target, slot)
        {
            case (Pair p, 0): p.Head = value; break;
            case (Pair p, 1): p.Tail = value; break;
            case (Variable v, 0) when value is MaruSymbol name:
                v.Name = name;
                name.Holds(interpreter.ValueOf(v));
                break;
            case (Variable v, 1): interpreter.Assign(v, value); break;
            case (Variable v, 2): v.Environment = value as MaruEnvironment; break;
            case (Variable v, 3) when value is long index: v.Index = (int)index; break;
            case (MaruEnvironment e, 0): e.Parent = value as MaruEnvironment; break;
            case (MaruEnvironment e, 1) when value is long level: e.Level = level; break;
            case (MaruEnvironment e, 3) when value is MaruArray bindings: e.Bindings = bindings; break;
            case (Closure c, 0): c.Name = value; break;
            case (MaruForm f, 0): f.Function = value; break;
            case (MaruForm f, 1): f.SymbolFunction = value; break;
            case (Fixed f, 0): f.Function = value; break;
            case (StructureInstance s, var i) when i >= 0 && i < s.Slots.Length: s.Slots[i] = value; break;
        }
        return value;
    }
}

/// <summary>One conversion of C's printf, for Maru's <c>format</c>.</summary>
internal static class CFormat
{
    public static string One(string spec, char conversion, object? argument)
    {
        // spec is %[flags][width][.precision][length]conversion
        int i = 1;
        bool left = false, zero = false, plus = false, space = false;
        for (; i < spec.Length && "-+ #0".Contains(spec[i]); i++)
        {
            switch (spec[i])
            {
                case '-': left = true; break;
                case '0': zero = true; break;
                case '+': plus = true; break;
                case ' ': space = true; break;
            }
        }
        int width = 0;
        for (; i < spec.Length && char.IsAsciiDigit(spec[i]); i++) width = Math.Min(width * 10 + (spec[i] - '0'), 4096);
        int precision = -1;
        if (i < spec.Length && spec[i] == '.')
            for (precision = 0, i++; i < spec.Length && char.IsAsciiDigit(spec[i]); i++) precision = Math.Min(precision * 10 + (spec[i] - '0'), 4096);

        string body = conversion switch
        {
            'd' or 'i' => Signed(argument, plus, space, precision),
            'u' => unchecked((ulong)Number(argument)).ToString(CultureInfo.InvariantCulture),
            'x' => Number(argument).ToString("x", CultureInfo.InvariantCulture),
            'X' => Number(argument).ToString("X", CultureInfo.InvariantCulture),
            'o' => Convert.ToString(Number(argument), 8),
            'c' => ((char)(Number(argument) & 0xFF)).ToString(),
            's' => Text(argument, precision),
            'p' => "0x" + Number(argument).ToString("x", CultureInfo.InvariantCulture),
            _ => spec,
        };
        if (body.Length >= width) return body;
        if (left) return body.PadRight(width);
        if (zero && conversion is 'd' or 'i' or 'u' or 'x' or 'X' or 'o' && precision < 0)
        {
            int sign = body.Length > 0 && body[0] is '-' or '+' or ' ' ? 1 : 0;
            return body[..sign] + body[sign..].PadLeft(width - sign, '0');
        }
        return body.PadLeft(width);
    }

    private static long Number(object? argument) => argument switch
    {
        long n => n,
        null => 0,
        _ => 0,
    };

    private static string Signed(object? argument, bool plus, bool space, int precision)
    {
        long n = Number(argument);
        string digits = n == long.MinValue ? "9223372036854775808" : Math.Abs(n).ToString(CultureInfo.InvariantCulture);
        if (precision >= 0) digits = digits.PadLeft(precision, '0');
        string sign = n < 0 ? "-" : plus ? "+" : space ? " " : "";
        return sign + digits;
    }

    private static string Text(object? argument, int precision)
    {
        string text = argument switch
        {
            MaruString s => s.ToString(),
            MaruSymbol s => s.Name,
            null => "(null)",
            _ => Printer.ToString(argument, dump: false),
        };
        return precision >= 0 && precision < text.Length ? text[..precision] : text;
    }
}
