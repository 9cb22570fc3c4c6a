namespace Maru.Compiler.Tests.RandomPrograms;

/// <summary>
/// The results the spec defines where C leaves them undefined or C# would throw (section 4: division, remainder and
/// shifts; section 11: flmin, flmax and double->long), written from the spec's text for the reference evaluator,
/// independently of the compiler's own constant folding.
/// </summary>
public static class WordArithmeticFromTheSpec
{
    /// <summary>Truncating toward zero; <c>(/ a 0)</c> is 0 and <c>(/ min -1)</c> is <c>min</c>.</summary>
    public static long Divide(long a, long b) => b switch
    {
        0 => 0,
        -1 => unchecked(-a),
        _ => a / b,
    };

    /// <summary>With the sign of <c>a</c>; <c>(% a 0)</c> is <c>a</c> and <c>(% min -1)</c> is 0.</summary>
    public static long Remainder(long a, long b) => b switch
    {
        0 => a,
        -1 => 0,
        _ => a % b,
    };

    /// <summary>The count is taken modulo 64.</summary>
    public static long ShiftLeft(long a, long n) => a << (int)(n & 63);

    /// <summary>Arithmetic (sign-propagating), the count taken modulo 64.</summary>
    public static long ShiftRight(long a, long n) => a >> (int)(n & 63);

    /// <summary>Of a NaN and a number, the number; of -0.0 and +0.0, -0.0.</summary>
    public static double Minimum(double a, double b) =>
        double.IsNaN(a) ? b : double.IsNaN(b) ? a : a < b ? a : b < a ? b : double.IsNegative(a) ? a : b;

    /// <summary>Of a NaN and a number, the number; of -0.0 and +0.0, +0.0.</summary>
    public static double Maximum(double a, double b) =>
        double.IsNaN(a) ? b : double.IsNaN(b) ? a : a > b ? a : b > a ? b : double.IsNegative(a) ? b : a;

    /// <summary>Truncated toward zero; NaN is 0, and values beyond the word's range saturate.</summary>
    public static long DoubleToLong(double d) =>
        double.IsNaN(d) ? 0 : d >= 9223372036854775808.0 ? long.MaxValue : d < -9223372036854775808.0 ? long.MinValue : (long)Math.Truncate(d);
}
