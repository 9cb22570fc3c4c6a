namespace Maru.Compiler.Semantics;

/// <summary>The primitive operators of spec section 4, after aliases are resolved.</summary>
public enum Operator
{
    Add, Sub, Mul, Div, Rem, And, Or, Xor, Shl, Sar,
    Lt, Le, Eq, Ne, Ge, Gt,
    Neg, Not, BitNot,
    LoadWord, StoreWord, LoadByte, StoreByte,
    // Section 11: doubles are words holding binary64 bits. The fl comparisons give 1 or 0 like the others but are not
    // IsComparison: branches compare words only.
    FAdd, FSub, FMul, FDiv, FMin, FMax,
    FLt, FLe, FEq, FNe, FGe, FGt,
    FNeg, FAbs, FSqrt, FFloor, FCeiling, FRound, FTruncate, LongToDouble, DoubleToLong,
    // Memory of every width (LoadByte is uint8, LoadWord int64 and double; StoreByte and StoreWord serve those too).
    LoadInt8, LoadInt16, LoadUInt16, LoadInt32, LoadUInt32, LoadFloat,
    StoreInt16, StoreInt32, StoreFloat,
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
            ["fl+"] = (Operator.FAdd, -1), ["fl*"] = (Operator.FMul, -1), ["fl-"] = (Operator.FSub, -1), ["fl/"] = (Operator.FDiv, 2),
            ["fl<"] = (Operator.FLt, 2), ["fl<="] = (Operator.FLe, 2), ["fl="] = (Operator.FEq, 2),
            ["fl!="] = (Operator.FNe, 2), ["fl>="] = (Operator.FGe, 2), ["fl>"] = (Operator.FGt, 2),
            ["flabs"] = (Operator.FAbs, 1), ["flsqrt"] = (Operator.FSqrt, 1), ["flmin"] = (Operator.FMin, 2), ["flmax"] = (Operator.FMax, 2),
            ["flfloor"] = (Operator.FFloor, 1), ["flceiling"] = (Operator.FCeiling, 1), ["flround"] = (Operator.FRound, 1), ["fltruncate"] = (Operator.FTruncate, 1),
            ["long->double"] = (Operator.LongToDouble, 1), ["double->long"] = (Operator.DoubleToLong, 1),
            ["int8-at"] = (Operator.LoadInt8, 2), ["uint8-at"] = (Operator.LoadByte, 2),
            ["int16-at"] = (Operator.LoadInt16, 2), ["uint16-at"] = (Operator.LoadUInt16, 2),
            ["int32-at"] = (Operator.LoadInt32, 2), ["uint32-at"] = (Operator.LoadUInt32, 2),
            ["int64-at"] = (Operator.LoadWord, 2), ["float-at"] = (Operator.LoadFloat, 2), ["double-at"] = (Operator.LoadWord, 2),
            ["set-int8-at"] = (Operator.StoreByte, 3), ["set-uint8-at"] = (Operator.StoreByte, 3),
            ["set-int16-at"] = (Operator.StoreInt16, 3), ["set-uint16-at"] = (Operator.StoreInt16, 3),
            ["set-int32-at"] = (Operator.StoreInt32, 3), ["set-uint32-at"] = (Operator.StoreInt32, 3),
            ["set-int64-at"] = (Operator.StoreWord, 3), ["set-float-at"] = (Operator.StoreFloat, 3), ["set-double-at"] = (Operator.StoreWord, 3),
        };

    /// <summary>Maru features outside this language, reported by name rather than as an undefined name.</summary>
    public static readonly IReadOnlySet<string> Unsupported = new HashSet<string>(StringComparer.Ordinal)
    {
        "define-form", "lambda", "quote", "car", "cdr", "cons", "list", "define-class", "define-method",
        "define-selector", "define-generic", "define-type", "closure", "quasiquote", "unquote",
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
        >= Operator.FAdd and <= Operator.FGt => FloatArithmetic.Binary(op, a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not a binary operator"),
    };

    public static long Unary(Operator op, long a) => op switch
    {
        Operator.Neg => unchecked(-a),
        Operator.Not => a == 0 ? 1 : 0,
        Operator.BitNot => ~a,
        >= Operator.FNeg and <= Operator.DoubleToLong => FloatArithmetic.Unary(op, a),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not a unary operator"),
    };

    public static bool IsComparison(Operator op) => op is >= Operator.Lt and <= Operator.Gt;

    /// <summary>Whether <c>a op b</c> is <c>b op a</c> for every pair of words.</summary>
    public static bool IsCommutative(Operator op) => op is Operator.Add or Operator.Mul or Operator.And or Operator.Or or Operator.Xor or Operator.Eq or Operator.Ne;

    /// <summary>
    /// Whether the operator's operands may be regrouped and reordered without changing the result: the word operations
    /// that wrap (addition and multiplication modulo 2^64) and the bitwise ones.
    /// </summary>
    public static bool IsAssociative(Operator op) => op is Operator.Add or Operator.Mul or Operator.And or Operator.Or or Operator.Xor;

    /// <summary>Whether the operator reads or writes memory (which constant expressions cannot).</summary>
    public static bool IsMemoryAccess(Operator op) => op is >= Operator.LoadWord and <= Operator.StoreByte or >= Operator.LoadInt8;

    public static bool IsStore(Operator op) => op is Operator.StoreWord or Operator.StoreByte or Operator.StoreInt16 or Operator.StoreInt32 or Operator.StoreFloat;

    public static bool IsLoad(Operator op) => IsMemoryAccess(op) && !IsStore(op);

    /// <summary>The size in bytes of the element a load or store accesses.</summary>
    public static int ElementSize(Operator op) => op switch
    {
        Operator.LoadWord or Operator.StoreWord => 8,
        Operator.LoadInt32 or Operator.LoadUInt32 or Operator.LoadFloat or Operator.StoreInt32 or Operator.StoreFloat => 4,
        Operator.LoadInt16 or Operator.LoadUInt16 or Operator.StoreInt16 => 2,
        Operator.LoadByte or Operator.LoadInt8 or Operator.StoreByte => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not a memory access"),
    };
}
