// matmul: C = A B for 400 x 400 matrices of longs (row-major, malloc'd through NativeMemory), in i-k-j order, 20
// times; between rounds one element of A changes. Same algorithm as ../c/matmul.c.
using System.Runtime.InteropServices;

namespace MaruBench;

static unsafe class MatMul
{
    // c = a b, all n x n
    static void Multiply(long n, long* a, long* b, long* c)
    {
        for (long i = 0; i < n * n; i++)
            c[i] = 0;
        for (long i = 0; i < n; i++)
            for (long k = 0; k < n; k++)
            {
                long aik = a[i * n + k];
                for (long j = 0; j < n; j++)
                    c[i * n + j] = c[i * n + j] + aik * b[k * n + j];
            }
    }

    public static string Run()
    {
        long n = 400;
        long* a = (long*)NativeMemory.Alloc((nuint)(n * n * sizeof(long)));
        long* b = (long*)NativeMemory.Alloc((nuint)(n * n * sizeof(long)));
        long* c = (long*)NativeMemory.Alloc((nuint)(n * n * sizeof(long)));
        ulong x = 12345;
        for (long i = 0; i < n * n; i++)
        {
            x = x * 6364136223846793005u + 1442695040888963407u;
            a[i] = (long)x >> 40;
            x = x * 6364136223846793005u + 1442695040888963407u;
            b[i] = (long)x >> 40;
        }
        long checksum = 0;
        for (long r = 0; r < 20; r++)
        {
            a[r] = a[r] + 1;
            Multiply(n, a, b, c);
            long sum = 0;
            for (long i = 0; i < n * n; i++)
                sum = sum + c[i];
            checksum = checksum * 31 + sum;
        }
        NativeMemory.Free(a);
        NativeMemory.Free(b);
        NativeMemory.Free(c);
        return $"matmul: {checksum}";
    }
}
