/* nqueens: the number of ways to place N queens on an N x N board, N = 13,
   by backtracking row by row with the queens' columns in a malloc'd array
   and a loop that checks a square against every queen placed. Measures
   recursion, short data-dependent loops and unpredictable branches.
   Same algorithm as ../nqueens.l. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 13

/* whether a queen at (row, col) is safe from the queens of rows 0 to row-1 */
static int64_t safe(const int64_t *queens, int64_t row, int64_t col)
{
    for (int64_t r = 0; r < row; r++) {
        int64_t c = queens[r];
        if (c == col || c - col == row - r || col - c == row - r)
            return 0;
    }
    return 1;
}

/* the solutions that complete the queens of rows 0 to row-1 */
static int64_t place(int64_t *queens, int64_t n, int64_t row)
{
    if (row == n)
        return 1;
    int64_t count = 0;
    for (int64_t col = 0; col < n; col++)
        if (safe(queens, row, col)) {
            queens[row] = col;
            count += place(queens, n, row + 1);
        }
    return count;
}

int main(void)
{
    int64_t n = N;
    int64_t *queens = malloc(n * sizeof(int64_t));
    int64_t solutions = place(queens, n, 0);
    printf("nqueens: %lld\n", (long long)solutions);
    free(queens);
    return 0;
}
