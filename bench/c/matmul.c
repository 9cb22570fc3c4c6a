/* matmul: C = A B for 400 x 400 matrices of 64-bit integers (row-major,
   malloc'd), in i-k-j order, ROUNDS times; between rounds one element of A
   changes. The sums of all of C's elements are folded into one checksum.
   Measures a loop of loads, multiplies, adds and stores with two-dimensional
   indexing. Words wrap, so the sums are done in uint64_t. Same algorithm as
   ../matmul.l. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SIZE 400
#define ROUNDS 20

/* c = a b, all n x n */
static void multiply(int64_t n, const int64_t *a, const int64_t *b, int64_t *c)
{
    for (int64_t i = 0; i < n * n; i++)
        c[i] = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t k = 0; k < n; k++) {
            int64_t aik = a[i * n + k];
            for (int64_t j = 0; j < n; j++)
                c[i * n + j] = (int64_t)((uint64_t)c[i * n + j] + (uint64_t)aik * (uint64_t)b[k * n + j]);
        }
}

int main(void)
{
    int64_t n = SIZE;
    int64_t *a = malloc(n * n * sizeof(int64_t));
    int64_t *b = malloc(n * n * sizeof(int64_t));
    int64_t *c = malloc(n * n * sizeof(int64_t));
    uint64_t x = 12345;
    for (int64_t i = 0; i < n * n; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        a[i] = (int64_t)x >> 40;
        x = x * 6364136223846793005u + 1442695040888963407u;
        b[i] = (int64_t)x >> 40;
    }
    uint64_t checksum = 0;
    for (int64_t r = 0; r < ROUNDS; r++) {
        a[r] = a[r] + 1;
        multiply(n, a, b, c);
        uint64_t sum = 0;
        for (int64_t i = 0; i < n * n; i++)
            sum = sum + (uint64_t)c[i];
        checksum = checksum * 31 + sum;
    }
    printf("matmul: %lld\n", (long long)checksum);
    free(a);
    free(b);
    free(c);
    return 0;
}
