/* mandelbrot: escape-time iteration counts (at most 200) over a 2000 x 2000
   grid of the square [-1.5, 0.5] x [-1, 1], summed; and the number of points
   that never escape. Measures a data-dependent loop of double multiplies,
   adds and compares. Same algorithm as ../mandelbrot.l. */
#include <stdint.h>
#include <stdio.h>

#define SIZE 2000
#define MAX_ITER 200

/* the iterations before z escapes the circle of radius 2, or MAX_ITER */
static int64_t escape(double cr, double ci)
{
    double zr = 0.0, zi = 0.0;
    int64_t k = 0;
    while (k < MAX_ITER) {
        double zr2 = zr * zr, zi2 = zi * zi;
        if (zr2 + zi2 > 4.0)
            break;
        zi = 2.0 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
        k++;
    }
    return k;
}

int main(void)
{
    int64_t size = SIZE, total = 0, inside = 0;
    for (int64_t y = 0; y < size; y++) {
        double ci = 2.0 * (double)y / (double)size - 1.0;
        for (int64_t x = 0; x < size; x++) {
            double cr = 2.0 * (double)x / (double)size - 1.5;
            int64_t k = escape(cr, ci);
            total += k;
            if (k == MAX_ITER)
                inside++;
        }
    }
    printf("mandelbrot: %lld %lld\n", (long long)total, (long long)inside);
    return 0;
}
