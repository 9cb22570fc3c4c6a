// fib: naive doubly recursive Fibonacci. Same algorithm as ../c/fib.c.
namespace MaruBench;

static class Fib
{
    static long F(long n) => n < 2 ? n : F(n - 1) + F(n - 2);

    public static string Run()
    {
        long sum = 0;
        // the argument varies with i so the call cannot be hoisted out of the loop
        for (long i = 0; i < 300; i++)
            sum = sum + F(30 + i % 3);
        return $"fib: {sum}";
    }
}
