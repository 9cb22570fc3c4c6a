namespace Maru.Compiler.Semantics;

/// <summary>
/// The fl operators and conversions of spec section 11 on words holding binary64 bits, as constant folding computes them:
/// IEEE-754 with round to nearest even, exactly what the targets compute (.NET's double arithmetic is IEEE and never
/// fuses a multiply with an add).
/// </summary>
public static class FloatArithmetic
{
    private const long SignBit = long.MinValue;

    public static double ToDouble(long bits) => BitConverter.Int64BitsToDouble(bits);
    public static long ToBits(double value) => BitConverter.DoubleToInt64Bits(value);

    public static long Binary(Operator op, long a, long b)
    {
        double x = ToDouble(a), y = ToDouble(b);
        return op switch
        {
            Operator.FAdd => ToBits(x + y),
            Operator.FSub => ToBits(x - y),
            Operator.FMul => ToBits(x * y),
            Operator.FDiv => ToBits(x / y),
            Operator.FMin => MinOrMax(a, b, isMin: true),
            Operator.FMax => MinOrMax(a, b, isMin: false),
            Operator.FLt => x < y ? 1 : 0,
            Operator.FLe => x <= y ? 1 : 0,
            Operator.FEq => x == y ? 1 : 0,
            Operator.FNe => x != y ? 1 : 0,
            Operator.FGe => x >= y ? 1 : 0,
            Operator.FGt => x > y ? 1 : 0,
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not a binary fl operator"),
        };
    }

    public static long Unary(Operator op, long a) => op switch
    {
        Operator.FNeg => a ^ SignBit,
        Operator.FAbs => a & ~SignBit,
        Operator.FSqrt => ToBits(Math.Sqrt(ToDouble(a))),
        Operator.FFloor => ToBits(Math.Floor(ToDouble(a))),
        Operator.FCeiling => ToBits(Math.Ceiling(ToDouble(a))),
        Operator.FRound => ToBits(Math.Round(ToDouble(a), MidpointRounding.ToEven)),
        Operator.FTruncate => ToBits(Math.Truncate(ToDouble(a))),
        Operator.LongToDouble => ToBits((double)a),
        Operator.DoubleToLong => DoubleToLong(ToDouble(a)),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not a unary fl operator"),
    };

    /// <summary>Truncation toward zero; NaN is 0 and values beyond the word's range saturate.</summary>
    public static long DoubleToLong(double value) =>
        double.IsNaN(value) ? 0
        : value >= 9223372036854775808.0 ? long.MaxValue
        : value <= -9223372036854775808.0 ? long.MinValue
        : (long)value;

    /// <summary>
    /// A NaN and a number give the number; equal operands give the one with the sign bit set for the minimum (so -0.0
    /// of -0.0 and +0.0) and clear for the maximum.
    /// </summary>
    private static long MinOrMax(long a, long b, bool isMin)
    {
        double x = ToDouble(a), y = ToDouble(b);
        // A NaN gives the other operand; two NaNs give the first, as the code both targets emit does.
        if (double.IsNaN(x)) return double.IsNaN(y) ? a : b;
        if (double.IsNaN(y)) return a;
        if (x == y) return isMin ? a | b : a & b;
        return (x < y) == isMin ? a : b;
    }
}
