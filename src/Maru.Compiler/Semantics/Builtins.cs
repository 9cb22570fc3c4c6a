namespace Maru.Compiler.Semantics;

/// <summary>The primitive operators of spec section 4, after aliases are resolved.</summary>
public enum Operator
{
    Add, Sub, Mul, Div, Rem, And, Or, Xor, Shl, Sar,
    Lt, Le, Eq, Ne, Ge, Gt,
    Neg, Not, BitNot,
    LoadWord, StoreWord, LoadByte, StoreByte,
}

public static class Operators
{
    /// <summary>The comparison that gives the same result with its operands exchanged (a &lt; b is b &gt; a).</summary>
    public static Operator Swapped(this Operator op) => op switch
    {
        Operator.Lt => Operator.Gt, Operator.Gt => Operator.Lt, Operator.Le => Operator.Ge, Operator.Ge => Operator.Le, _ => op,
    };
}

/// <summary>Names the language reserves: special forms and operators. None may be bound or defined by a program.</summary>
public static class Builtins
{
    public static readonly IReadOnlySet<string> SpecialForms = new HashSet<string>(StringComparer.Ordinal)
    {
        "let", "let*", "if", "cond", "when", "unless", "while", "until", "for", "loop", "and", "or",
        "set", "incr", "decr", "return", "address-of", "define", "define-function", "define-structure",
        "extern", "export", "compile-begin", "compile-end", "lambda", "quote", "define-form",
    };

    /// <summary>Operator names with their operator and operand count (-1: one or more, folding left).</summary>
    public static readonly IReadOnlyDictionary<string, (Operator Op, int Arity)> Operators =
        new Dictionary<string, (Operator, int)>(StringComparer.Ordinal)
        {
            ["+"] = (Operator.Add, -1), ["*"] = (Operator.Mul, -1), ["-"] = (Operator.Sub, -1),
            ["&"] = (Operator.And, -1), ["|"] = (Operator.Or, -1), ["^"] = (Operator.Xor, -1),
            ["/"] = (Operator.Div, 2), ["%"] = (Operator.Rem, 2),
            ["<<"] = (Operator.Shl, 2), [">>"] = (Operator.Sar, 2),
            ["<"] = (Operator.Lt, 2), ["<="] = (Operator.Le, 2), ["="] = (Operator.Eq, 2),
            ["!="] = (Operator.Ne, 2), [">="] = (Operator.Ge, 2), [">"] = (Operator.Gt, 2),
            ["not"] = (Operator.Not, 1), ["~"] = (Operator.BitNot, 1),
            ["oop-at"] = (Operator.LoadWord, 2), ["long-at"] = (Operator.LoadWord, 2),
            ["set-oop-at"] = (Operator.StoreWord, 3), ["set-long-at"] = (Operator.StoreWord, 3),
            ["string-at"] = (Operator.LoadByte, 2), ["byte-at"] = (Operator.LoadByte, 2), ["char-at"] = (Operator.LoadByte, 2),
            ["set-string-at"] = (Operator.StoreByte, 3), ["set-byte-at"] = (Operator.StoreByte, 3), ["set-char-at"] = (Operator.StoreByte, 3),
        };

    /// <summary>Maru features outside this language, reported by name rather than as an undefined name.</summary>
    public static readonly IReadOnlySet<string> Unsupported = new HashSet<string>(StringComparer.Ordinal)
    {
        "define-form", "lambda", "quote", "car", "cdr", "cons", "list", "define-class", "define-method",
        "define-selector", "define-generic", "define-type", "closure", "float", "double", "quasiquote", "unquote",
    };

    public static bool IsReserved(string name) => SpecialForms.Contains(name) || Operators.ContainsKey(name);
}

/// <summary>Word arithmetic with the language's defined semantics, shared by constant evaluation and the optimiser.</summary>
public static class WordArithmetic
{
    public static long Binary(Operator op, long a, long b) => op switch
    {
        Operator.Add => unchecked(a + b),
        Operator.Sub => unchecked(a - b),
        Operator.Mul => unchecked(a * b),
        Operator.Div => b == 0 ? 0 : b == -1 ? unchecked(-a) : a / b,
        Operator.Rem => b == 0 ? a : b == -1 ? 0 : a % b,
        Operator.And => a & b,
        Operator.Or => a | b,
        Operator.Xor => a ^ b,
        Operator.Shl => a << (int)(b & 63),
        Operator.Sar => a >> (int)(b & 63),
        Operator.Lt => a < b ? 1 : 0,
        Operator.Le => a <= b ? 1 : 0,
        Operator.Eq => a == b ? 1 : 0,
        Operator.Ne => a != b ? 1 : 0,
        Operator.Ge => a >= b ? 1 : 0,
        Operator.Gt => a > b ? 1 : 0,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not a binary operator"),
    };

    public static long Unary(Operator op, long a) => op switch
    {
        Operator.Neg => unchecked(-a),
        Operator.Not => a == 0 ? 1 : 0,
        Operator.BitNot => ~a,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not a unary operator"),
    };

    public static bool IsComparison(Operator op) => op is >= Operator.Lt and <= Operator.Gt;
}
