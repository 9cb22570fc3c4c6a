// nbody: the n-body simulation of the Computer Language Benchmarks Game (the plain scalar version). Same algorithm
// as ../c/nbody.c: the bodies are one malloc'd block (NativeMemory) of doubles, 7 to a body.
using System.Runtime.InteropServices;

namespace MaruBench;

static unsafe class NBody
{
    const double Pi = 3.141592653589793;
    const double SolarMass = 4 * Pi * Pi;
    const double DaysPerYear = 365.24;
    const int X = 0, Y = 1, Z = 2, VX = 3, VY = 4, VZ = 5, Mass = 6, Fields = 7;

    static void SetBody(double* b, double x, double y, double z, double vx, double vy, double vz, double mass)
    {
        b[X] = x;
        b[Y] = y;
        b[Z] = z;
        b[VX] = vx * DaysPerYear;
        b[VY] = vy * DaysPerYear;
        b[VZ] = vz * DaysPerYear;
        b[Mass] = mass * SolarMass;
    }

    static void Advance(long n, double* bodies, double dt)
    {
        for (long i = 0; i < n; i++)
        {
            double* b = bodies + i * Fields;
            for (long j = i + 1; j < n; j++)
            {
                double* b2 = bodies + j * Fields;
                double dx = b[X] - b2[X];
                double dy = b[Y] - b2[Y];
                double dz = b[Z] - b2[Z];
                double distance = Math.Sqrt(dx * dx + dy * dy + dz * dz);
                double mag = dt / (distance * distance * distance);
                b[VX] -= dx * b2[Mass] * mag;
                b[VY] -= dy * b2[Mass] * mag;
                b[VZ] -= dz * b2[Mass] * mag;
                b2[VX] += dx * b[Mass] * mag;
                b2[VY] += dy * b[Mass] * mag;
                b2[VZ] += dz * b[Mass] * mag;
            }
        }
        for (long i = 0; i < n; i++)
        {
            double* b = bodies + i * Fields;
            b[X] += dt * b[VX];
            b[Y] += dt * b[VY];
            b[Z] += dt * b[VZ];
        }
    }

    static double Energy(long n, double* bodies)
    {
        double e = 0.0;
        for (long i = 0; i < n; i++)
        {
            double* b = bodies + i * Fields;
            e += 0.5 * b[Mass] * (b[VX] * b[VX] + b[VY] * b[VY] + b[VZ] * b[VZ]);
            for (long j = i + 1; j < n; j++)
            {
                double* b2 = bodies + j * Fields;
                double dx = b[X] - b2[X];
                double dy = b[Y] - b2[Y];
                double dz = b[Z] - b2[Z];
                double distance = Math.Sqrt(dx * dx + dy * dy + dz * dz);
                e -= (b[Mass] * b2[Mass]) / distance;
            }
        }
        return e;
    }

    // gives the Sun the momentum that makes the system's total zero
    static void OffsetMomentum(long n, double* bodies)
    {
        double px = 0.0, py = 0.0, pz = 0.0;
        for (long i = 0; i < n; i++)
        {
            double* b = bodies + i * Fields;
            px += b[VX] * b[Mass];
            py += b[VY] * b[Mass];
            pz += b[VZ] * b[Mass];
        }
        bodies[VX] = -px / SolarMass;
        bodies[VY] = -py / SolarMass;
        bodies[VZ] = -pz / SolarMass;
    }

    public static string Run()
    {
        long n = 5;
        double* bodies = (double*)NativeMemory.Alloc((nuint)(n * Fields * sizeof(double)));
        SetBody(bodies, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0); // the Sun, whose velocity OffsetMomentum sets
        SetBody(bodies + 1 * Fields, // Jupiter
                4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
                1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05,
                9.54791938424326609e-04);
        SetBody(bodies + 2 * Fields, // Saturn
                8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
                -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05,
                2.85885980666130812e-04);
        SetBody(bodies + 3 * Fields, // Uranus
                1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
                2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05,
                4.36624404335156298e-05);
        SetBody(bodies + 4 * Fields, // Neptune
                1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
                2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05,
                5.15138902046611451e-05);
        OffsetMomentum(n, bodies);
        double before = Energy(n, bodies);
        for (long s = 0; s < 10000000; s++)
            Advance(n, bodies, 0.01);
        double after = Energy(n, bodies);
        NativeMemory.Free(bodies);
        return $"nbody: {before:F9} {after:F9}";
    }
}
