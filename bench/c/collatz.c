/* collatz: longest Collatz chain for starting values below 10^6.
   Measures a data-dependent loop with branches, signed % 2 and / 2.
   Same algorithm as ../collatz.l. */
#include <stdio.h>
#include <stdint.h>

int64_t chain_length(int64_t n)
{
    int64_t len = 1;
    while (n != 1) {
        if (n % 2 == 0)
            n = n / 2;
        else
            n = 3 * n + 1;
        len++;
    }
    return len;
}

int main(void)
{
    int64_t best = 0, best_start = 0, total = 0;
    /* the whole search is repeated; each pass shifts the starts by r */
    for (int64_t r = 0; r < 5; r++)
        for (int64_t start = 1; start < 1000000; start++) {
            int64_t len = chain_length(start + r);
            total = total + len;
            if (len > best) {
                best = len;
                best_start = start + r;
            }
        }
    printf("collatz: %lld %lld %lld\n", (long long)best_start, (long long)best, (long long)total);
    return 0;
}
