/* tak: Takeuchi function. Measures calls with three arguments and deep recursion.
   Same algorithm as ../tak.l. */
#include <stdio.h>
#include <stdint.h>

int64_t tak(int64_t x, int64_t y, int64_t z)
{
    if (y < x)
        return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y));
    return z;
}

int main(void)
{
    int64_t sum = 0;
    for (int64_t i = 0; i < 300; i++)
        sum = sum + tak(24, 16, 8 + i % 2);
    printf("tak: %lld\n", (long long)sum);
    return 0;
}
