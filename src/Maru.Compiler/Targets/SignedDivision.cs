namespace Maru.Compiler.Targets;

/// <summary>Signed division by a constant as a multiplication by its reciprocal (Hacker's Delight, 10-4), for every target.</summary>
public static class SignedDivision
{
    /// <summary>
    /// The magic multiplier and shift for signed 64-bit division by <paramref name="divisor"/> (|divisor| ≥ 2, not a
    /// power of two): q = (high half of n × multiplier, plus n when divisor &gt; 0 and multiplier &lt; 0, minus n when
    /// divisor &lt; 0 and multiplier &gt; 0) shifted right arithmetically by shift, plus its own sign bit.
    /// </summary>
    public static (long Multiplier, int Shift) Magic(long divisor)
    {
        const ulong twoTo63 = 1UL << 63;
        ulong absolute = (ulong)Math.Abs(divisor);
        ulong t = twoTo63 + ((ulong)divisor >> 63);
        ulong absoluteNc = t - 1 - t % absolute;
        int p = 63;
        ulong q1 = twoTo63 / absoluteNc, r1 = twoTo63 - q1 * absoluteNc;
        ulong q2 = twoTo63 / absolute, r2 = twoTo63 - q2 * absolute;
        ulong delta;
        do
        {
            p++;
            q1 *= 2; r1 *= 2;
            if (r1 >= absoluteNc) { q1++; r1 -= absoluteNc; }
            q2 *= 2; r2 *= 2;
            if (r2 >= absolute) { q2++; r2 -= absolute; }
            delta = absolute - r2;
        } while (q1 < delta || (q1 == delta && r1 == 0));
        long multiplier = unchecked((long)(q2 + 1));
        return (divisor < 0 ? unchecked(-multiplier) : multiplier, p - 64);
    }
}
