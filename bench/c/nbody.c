/* nbody: the n-body simulation of the Computer Language Benchmarks Game (the
   plain scalar version): the Sun and the four gas giants, advanced STEPS
   steps of 0.01, energy printed before and after. Measures double
   arithmetic, square root and division, and loads and stores of doubles.
   Same algorithm as ../nbody.l. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define STEPS 10000000
#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24

/* the bodies are one malloc'd block of doubles, 7 to a body */
enum { X, Y, Z, VX, VY, VZ, MASS, FIELDS };

static void set_body(double *b, double x, double y, double z, double vx, double vy, double vz, double mass)
{
    b[X] = x;
    b[Y] = y;
    b[Z] = z;
    b[VX] = vx * DAYS_PER_YEAR;
    b[VY] = vy * DAYS_PER_YEAR;
    b[VZ] = vz * DAYS_PER_YEAR;
    b[MASS] = mass * SOLAR_MASS;
}

static void advance(int64_t n, double *bodies, double dt)
{
    for (int64_t i = 0; i < n; i++) {
        double *b = bodies + i * FIELDS;
        for (int64_t j = i + 1; j < n; j++) {
            double *b2 = bodies + j * FIELDS;
            double dx = b[X] - b2[X];
            double dy = b[Y] - b2[Y];
            double dz = b[Z] - b2[Z];
            double distance = sqrt(dx * dx + dy * dy + dz * dz);
            double mag = dt / (distance * distance * distance);
            b[VX] -= dx * b2[MASS] * mag;
            b[VY] -= dy * b2[MASS] * mag;
            b[VZ] -= dz * b2[MASS] * mag;
            b2[VX] += dx * b[MASS] * mag;
            b2[VY] += dy * b[MASS] * mag;
            b2[VZ] += dz * b[MASS] * mag;
        }
    }
    for (int64_t i = 0; i < n; i++) {
        double *b = bodies + i * FIELDS;
        b[X] += dt * b[VX];
        b[Y] += dt * b[VY];
        b[Z] += dt * b[VZ];
    }
}

static double energy(int64_t n, double *bodies)
{
    double e = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double *b = bodies + i * FIELDS;
        e += 0.5 * b[MASS] * (b[VX] * b[VX] + b[VY] * b[VY] + b[VZ] * b[VZ]);
        for (int64_t j = i + 1; j < n; j++) {
            double *b2 = bodies + j * FIELDS;
            double dx = b[X] - b2[X];
            double dy = b[Y] - b2[Y];
            double dz = b[Z] - b2[Z];
            double distance = sqrt(dx * dx + dy * dy + dz * dz);
            e -= (b[MASS] * b2[MASS]) / distance;
        }
    }
    return e;
}

/* gives the Sun the momentum that makes the system's total zero */
static void offset_momentum(int64_t n, double *bodies)
{
    double px = 0.0, py = 0.0, pz = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double *b = bodies + i * FIELDS;
        px += b[VX] * b[MASS];
        py += b[VY] * b[MASS];
        pz += b[VZ] * b[MASS];
    }
    bodies[VX] = -px / SOLAR_MASS;
    bodies[VY] = -py / SOLAR_MASS;
    bodies[VZ] = -pz / SOLAR_MASS;
}

int main(void)
{
    int64_t n = 5;
    double *bodies = malloc(n * FIELDS * sizeof(double));
    set_body(bodies, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0); /* the Sun, whose velocity offset_momentum sets */
    set_body(bodies + 1 * FIELDS, /* Jupiter */
             4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
             1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05,
             9.54791938424326609e-04);
    set_body(bodies + 2 * FIELDS, /* Saturn */
             8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
             -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05,
             2.85885980666130812e-04);
    set_body(bodies + 3 * FIELDS, /* Uranus */
             1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
             2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05,
             4.36624404335156298e-05);
    set_body(bodies + 4 * FIELDS, /* Neptune */
             1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
             2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05,
             5.15138902046611451e-05);
    offset_momentum(n, bodies);
    double before = energy(n, bodies);
    for (int64_t s = 0; s < STEPS; s++)
        advance(n, bodies, 0.01);
    printf("nbody: %.9f %.9f\n", before, energy(n, bodies));
    free(bodies);
    return 0;
}
