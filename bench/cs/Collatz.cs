// collatz: longest Collatz chain for starting values below 10^6. Same algorithm as ../c/collatz.c.
namespace MaruBench;

static class Collatz
{
    static long ChainLength(long n)
    {
        long len = 1;
        while (n != 1)
        {
            if (n % 2 == 0)
                n = n / 2;
            else
                n = 3 * n + 1;
            len++;
        }
        return len;
    }

    public static string Run()
    {
        long best = 0, bestStart = 0, total = 0;
        // the whole search is repeated; each pass shifts the starts by r
        for (long r = 0; r < 5; r++)
            for (long start = 1; start < 1000000; start++)
            {
                long len = ChainLength(start + r);
                total = total + len;
                if (len > best)
                {
                    best = len;
                    bestStart = start + r;
                }
            }
        return $"collatz: {bestStart} {best} {total}";
    }
}
