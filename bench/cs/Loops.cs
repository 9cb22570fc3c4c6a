// loops: triple nested loop mixing multiply, add, xor and shifts in one dependency chain. Same algorithm as
// ../c/loops.c; long arithmetic wraps and >> on a long is arithmetic, as for Maru's words.
namespace MaruBench;

static class Loops
{
    public static string Run()
    {
        long acc = 1;
        for (long i = 0; i < 800; i++)
            for (long j = 0; j < 800; j++)
                for (long k = 0; k < 800; k++)
                {
                    acc = acc * 6364136223846793005 + (i * k + j);
                    acc = acc ^ (acc >> 29);
                }
        return $"loops: {acc}";
    }
}
