// tak: Takeuchi function. Same algorithm as ../c/tak.c.
namespace MaruBench;

static class Tak
{
    static long T(long x, long y, long z) => y < x ? T(T(x - 1, y, z), T(y - 1, z, x), T(z - 1, x, y)) : z;

    public static string Run()
    {
        long sum = 0;
        for (long i = 0; i < 300; i++)
            sum = sum + T(24, 16, 8 + i % 2);
        return $"tak: {sum}";
    }
}
