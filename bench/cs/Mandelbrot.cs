// mandelbrot: escape-time iteration counts (at most 200) over a 2000 x 2000 grid of [-1.5, 0.5] x [-1, 1], summed,
// and the number of points that never escape. Same algorithm as ../c/mandelbrot.c.
namespace MaruBench;

static class Mandelbrot
{
    const long MaxIter = 200;

    // the iterations before z escapes the circle of radius 2, or MaxIter
    static long Escape(double cr, double ci)
    {
        double zr = 0.0, zi = 0.0;
        long k = 0;
        while (k < MaxIter)
        {
            double zr2 = zr * zr, zi2 = zi * zi;
            if (zr2 + zi2 > 4.0)
                break;
            zi = 2.0 * zr * zi + ci;
            zr = zr2 - zi2 + cr;
            k++;
        }
        return k;
    }

    public static string Run()
    {
        long size = 2000, total = 0, inside = 0;
        for (long y = 0; y < size; y++)
        {
            double ci = 2.0 * (double)y / (double)size - 1.0;
            for (long x = 0; x < size; x++)
            {
                double cr = 2.0 * (double)x / (double)size - 1.5;
                long k = Escape(cr, ci);
                total += k;
                if (k == MaxIter)
                    inside++;
            }
        }
        return $"mandelbrot: {total} {inside}";
    }
}
