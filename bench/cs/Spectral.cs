// spectral: the spectral norm of a(i,j) = 1 / ((i+j)(i+j+1)/2 + i + 1), 4000 x 4000, by 10 rounds of the power
// method on A'A. Same algorithm as ../c/spectral.c; the vectors come from malloc (NativeMemory).
using System.Runtime.InteropServices;

namespace MaruBench;

static unsafe class Spectral
{
    static double EvalA(long i, long j) => 1.0 / (double)((i + j) * (i + j + 1) / 2 + i + 1);

    // av = A v
    static void Times(long n, double* v, double* av)
    {
        for (long i = 0; i < n; i++)
        {
            double sum = 0.0;
            for (long j = 0; j < n; j++)
                sum += EvalA(i, j) * v[j];
            av[i] = sum;
        }
    }

    // atv = A' v
    static void TimesTransposed(long n, double* v, double* atv)
    {
        for (long i = 0; i < n; i++)
        {
            double sum = 0.0;
            for (long j = 0; j < n; j++)
                sum += EvalA(j, i) * v[j];
            atv[i] = sum;
        }
    }

    // atav = A' A v, through tmp
    static void TimesAtA(long n, double* v, double* atav, double* tmp)
    {
        Times(n, v, tmp);
        TimesTransposed(n, tmp, atav);
    }

    public static string Run()
    {
        long n = 4000;
        double* u = (double*)NativeMemory.Alloc((nuint)(n * sizeof(double)));
        double* v = (double*)NativeMemory.Alloc((nuint)(n * sizeof(double)));
        double* tmp = (double*)NativeMemory.Alloc((nuint)(n * sizeof(double)));
        for (long i = 0; i < n; i++)
            u[i] = 1.0;
        for (long r = 0; r < 10; r++)
        {
            TimesAtA(n, u, v, tmp);
            TimesAtA(n, v, u, tmp);
        }
        double vbv = 0.0, vv = 0.0;
        for (long i = 0; i < n; i++)
        {
            vbv += u[i] * v[i];
            vv += v[i] * v[i];
        }
        NativeMemory.Free(u);
        NativeMemory.Free(v);
        NativeMemory.Free(tmp);
        return $"spectral: {Math.Sqrt(vbv / vv):F9}";
    }
}
