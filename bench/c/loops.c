/* loops: triple nested loop mixing multiply, add, xor and shifts in one
   dependency chain. Measures loop overhead and integer arithmetic.
   Words wrap, so the arithmetic is done in uint64_t (no undefined overflow);
   >> is an arithmetic shift as in Maru. Same algorithm as ../loops.l. */
#include <stdio.h>
#include <stdint.h>

int main(void)
{
    uint64_t acc = 1;
    for (int64_t i = 0; i < 800; i++)
        for (int64_t j = 0; j < 800; j++)
            for (int64_t k = 0; k < 800; k++) {
                acc = acc * 6364136223846793005u + (uint64_t)(i * k + j);
                acc = acc ^ (uint64_t)((int64_t)acc >> 29);
            }
    printf("loops: %lld\n", (long long)acc);
    return 0;
}
