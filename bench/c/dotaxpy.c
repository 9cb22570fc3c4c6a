/* dotaxpy: over two malloc'd arrays of 4096 doubles, ROUNDS times: the dot
   product x.y, then y += a x with a step a that cycles through -1e-3, 0 and
   1e-3 so that y stays bounded; the dot products are summed. Measures loads
   and stores of doubles in a loop, a multiply-add dependency chain (dot) and
   independent multiply-adds (axpy). Same algorithm as ../dotaxpy.l. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LENGTH 4096
#define ROUNDS 200000

static double dot(int64_t n, const double *x, const double *y)
{
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++)
        sum += x[i] * y[i];
    return sum;
}

/* y += a x */
static void axpy(int64_t n, double a, const double *x, double *y)
{
    for (int64_t i = 0; i < n; i++)
        y[i] += a * x[i];
}

int main(void)
{
    int64_t n = LENGTH;
    double *x = malloc(n * sizeof(double));
    double *y = malloc(n * sizeof(double));
    for (int64_t i = 0; i < n; i++) {
        x[i] = (double)(i % 100) * 0.01;
        y[i] = (double)(i % 37) * 0.5 - 9.0;
    }
    double checksum = 0.0;
    for (int64_t r = 0; r < ROUNDS; r++) {
        checksum += dot(n, x, y);
        axpy(n, (double)(r % 3 - 1) * 1e-3, x, y);
    }
    printf("dotaxpy: %.6f %.9f\n", checksum, dot(n, x, y));
    free(x);
    free(y);
    return 0;
}
