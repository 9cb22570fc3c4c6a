/* spectral: the spectral norm of the infinite matrix A with
   a(i,j) = 1 / ((i+j)(i+j+1)/2 + i + 1), truncated to N x N, by 10 rounds of
   the power method on A'A (the Computer Language Benchmarks Game's
   spectral-norm). Measures double multiply-add loops, a double division per
   element and integer-to-double conversion. Same algorithm as ../spectral.l. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 4000

static double eval_a(int64_t i, int64_t j)
{
    return 1.0 / (double)((i + j) * (i + j + 1) / 2 + i + 1);
}

/* av = A v */
static void times(int64_t n, const double *v, double *av)
{
    for (int64_t i = 0; i < n; i++) {
        double sum = 0.0;
        for (int64_t j = 0; j < n; j++)
            sum += eval_a(i, j) * v[j];
        av[i] = sum;
    }
}

/* atv = A' v */
static void times_transposed(int64_t n, const double *v, double *atv)
{
    for (int64_t i = 0; i < n; i++) {
        double sum = 0.0;
        for (int64_t j = 0; j < n; j++)
            sum += eval_a(j, i) * v[j];
        atv[i] = sum;
    }
}

/* atav = A' A v, through tmp */
static void times_ata(int64_t n, const double *v, double *atav, double *tmp)
{
    times(n, v, tmp);
    times_transposed(n, tmp, atav);
}

int main(void)
{
    int64_t n = N;
    double *u = malloc(n * sizeof(double));
    double *v = malloc(n * sizeof(double));
    double *tmp = malloc(n * sizeof(double));
    for (int64_t i = 0; i < n; i++)
        u[i] = 1.0;
    for (int64_t r = 0; r < 10; r++) {
        times_ata(n, u, v, tmp);
        times_ata(n, v, u, tmp);
    }
    double vbv = 0.0, vv = 0.0;
    for (int64_t i = 0; i < n; i++) {
        vbv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    printf("spectral: %.9f\n", sqrt(vbv / vv));
    free(u);
    free(v);
    free(tmp);
    return 0;
}
