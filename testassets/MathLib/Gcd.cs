namespace MathLib;

/// <summary>A managed API over the native functions.</summary>
public static class Fractions
{
    /// <summary>n/d in lowest terms.</summary>
    public static string Reduce(long n, long d)
    {
        long g = Native.Gcd(n, d);
        return $"{n / g}/{d / g}";
    }
}
