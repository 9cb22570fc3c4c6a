// sieve: sieve of Eratosthenes over a 10^7-byte array, repeated. Same algorithm as ../c/sieve.c; the array comes
// from calloc and goes back to free (NativeMemory) as in C and Maru, so every pass gets fresh pages as they do.
using System.Runtime.InteropServices;

namespace MaruBench;

static unsafe class Sieve
{
    static long Count(long n)
    {
        byte* composite = (byte*)NativeMemory.AllocZeroed((nuint)n, 1);
        long count = 0;
        for (long i = 2; i * i < n; i++)
            if (composite[i] == 0)
                for (long j = i * i; j < n; j += i)
                    composite[j] = 1;
        for (long i = 2; i < n; i++)
            if (composite[i] == 0)
                count++;
        NativeMemory.Free(composite);
        return count;
    }

    public static string Run()
    {
        long sum = 0; // wraps, as words do
        for (long r = 0; r < 40; r++)
            sum = sum * 3 + Count(10000000 - r);
        return $"sieve: {sum}";
    }
}
