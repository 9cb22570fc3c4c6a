/* fnv: FNV-1a (64-bit) over a 4 MiB buffer filled by an LCG, repeated.
   Measures a byte-load loop with a multiply in the dependency chain.
   Same algorithm as ../fnv.l. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

#define SIZE 4194304

int main(void)
{
    unsigned char *buf = malloc(SIZE);
    uint64_t x = 12345;
    for (int64_t i = 0; i < SIZE; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        buf[i] = (unsigned char)((int64_t)x >> 33);
    }
    uint64_t hash = 0xcbf29ce484222325u;
    for (int64_t r = 0; r < 200; r++)
        for (int64_t i = 0; i < SIZE; i++)
            hash = (hash ^ buf[i]) * 0x100000001b3u;
    free(buf);
    printf("fnv: %lld\n", (long long)hash);
    return 0;
}
