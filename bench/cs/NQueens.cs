// nqueens: the number of ways to place 13 queens on a 13 x 13 board, by backtracking with the queens' columns in a
// malloc'd (NativeMemory) array. Same algorithm as ../c/nqueens.c.
using System.Runtime.InteropServices;

namespace MaruBench;

static unsafe class NQueens
{
    // whether a queen at (row, col) is safe from the queens of rows 0 to row-1
    static bool Safe(long* queens, long row, long col)
    {
        for (long r = 0; r < row; r++)
        {
            long c = queens[r];
            if (c == col || c - col == row - r || col - c == row - r)
                return false;
        }
        return true;
    }

    // the solutions that complete the queens of rows 0 to row-1
    static long Place(long* queens, long n, long row)
    {
        if (row == n)
            return 1;
        long count = 0;
        for (long col = 0; col < n; col++)
            if (Safe(queens, row, col))
            {
                queens[row] = col;
                count += Place(queens, n, row + 1);
            }
        return count;
    }

    public static string Run()
    {
        long n = 13;
        long* queens = (long*)NativeMemory.Alloc((nuint)(n * sizeof(long)));
        long solutions = Place(queens, n, 0);
        NativeMemory.Free(queens);
        return $"nqueens: {solutions}";
    }
}
