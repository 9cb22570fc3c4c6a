/* sieve: sieve of Eratosthenes over a 10^7-byte array from calloc, repeated.
   Measures byte loads and stores and simple loops. Same algorithm as ../sieve.l. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

int64_t sieve(int64_t n)
{
    unsigned char *composite = calloc(n, 1);
    int64_t count = 0;
    for (int64_t i = 2; i * i < n; i++)
        if (composite[i] == 0)
            for (int64_t j = i * i; j < n; j += i)
                composite[j] = 1;
    for (int64_t i = 2; i < n; i++)
        if (composite[i] == 0)
            count++;
    free(composite);
    return count;
}

int main(void)
{
    uint64_t sum = 0; /* unsigned: the checksum wraps, as words do */
    for (int64_t r = 0; r < 40; r++)
        sum = sum * 3 + (uint64_t)sieve(10000000 - r);
    printf("sieve: %lld\n", (long long)sum);
    return 0;
}
