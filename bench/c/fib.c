/* fib: naive doubly recursive Fibonacci. Measures call/return overhead.
   Same algorithm as ../fib.l. */
#include <stdio.h>
#include <stdint.h>

int64_t fib(int64_t n)
{
    if (n < 2) return n;
    return fib(n - 1) + fib(n - 2);
}

int main(void)
{
    int64_t sum = 0;
    /* the argument varies with i so the call cannot be hoisted out of the loop */
    for (int64_t i = 0; i < 300; i++)
        sum = sum + fib(30 + i % 3);
    printf("fib: %lld\n", (long long)sum);
    return 0;
}
