// dotaxpy: over two malloc'd (NativeMemory) arrays of 4096 doubles, 200000 times: the dot product x.y, then
// y += a x with a cycling through -1e-3, 0 and 1e-3; the dot products are summed. Same algorithm as ../c/dotaxpy.c.
using System.Runtime.InteropServices;

namespace MaruBench;

static unsafe class DotAxpy
{
    static double Dot(long n, double* x, double* y)
    {
        double sum = 0.0;
        for (long i = 0; i < n; i++)
            sum += x[i] * y[i];
        return sum;
    }

    // y += a x
    static void Axpy(long n, double a, double* x, double* y)
    {
        for (long i = 0; i < n; i++)
            y[i] += a * x[i];
    }

    public static string Run()
    {
        long n = 4096;
        double* x = (double*)NativeMemory.Alloc((nuint)(n * sizeof(double)));
        double* y = (double*)NativeMemory.Alloc((nuint)(n * sizeof(double)));
        for (long i = 0; i < n; i++)
        {
            x[i] = (double)(i % 100) * 0.01;
            y[i] = (double)(i % 37) * 0.5 - 9.0;
        }
        double checksum = 0.0;
        for (long r = 0; r < 200000; r++)
        {
            checksum += Dot(n, x, y);
            Axpy(n, (double)(r % 3 - 1) * 1e-3, x, y);
        }
        double last = Dot(n, x, y);
        NativeMemory.Free(x);
        NativeMemory.Free(y);
        return $"dotaxpy: {checksum:F6} {last:F9}";
    }
}
