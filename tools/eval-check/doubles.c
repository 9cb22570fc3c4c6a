/* The floating-point helpers that Maru's emit-x64.l appends to every program it compiles, for a Maru evaluator
 * (eval.l) built with Maru.Sdk instead. A double travels as a 64-bit word holding its IEEE-754 bits; the comparisons
 * answer as x86-64's ucomisd with the condition emit-x64.l uses (so an unordered comparison is true for <, <= and =). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double d(int64_t bits) { double x; memcpy(&x, &bits, sizeof x); return x; }
static int64_t w(double x) { int64_t bits; memcpy(&bits, &x, sizeof bits); return bits; }

int64_t printdouble(int64_t a) { return printf("%f", d(a)); }
int64_t strtodouble(const char *text, char **end) { return w(strtod(text, end)); }
int64_t long2double(int64_t n) { return w((double)n); }
int64_t double2long(int64_t a) { return (int64_t)d(a); }
int64_t doublesin(int64_t a) { return w(sin(d(a))); }
int64_t doublecos(int64_t a) { return w(cos(d(a))); }
int64_t doublelog(int64_t a) { return w(log(d(a))); }
int64_t doubleadd(int64_t a, int64_t b) { return w(d(a) + d(b)); }
int64_t doublesub(int64_t a, int64_t b) { return w(d(a) - d(b)); }
int64_t doublemul(int64_t a, int64_t b) { return w(d(a) * d(b)); }
int64_t doublediv(int64_t a, int64_t b) { return w(d(a) / d(b)); }
int64_t doublefmod(int64_t a, int64_t b) { return w(fmod(d(a), d(b))); }
int64_t doublelt(int64_t a, int64_t b) { return !(d(a) >= d(b)); }
int64_t doublele(int64_t a, int64_t b) { return !(d(a) > d(b)); }
int64_t doublege(int64_t a, int64_t b) { return d(a) >= d(b); }
int64_t doublegt(int64_t a, int64_t b) { return d(a) > d(b); }
int64_t doubleeq(int64_t a, int64_t b) { return !(d(a) < d(b) || d(a) > d(b)); }
