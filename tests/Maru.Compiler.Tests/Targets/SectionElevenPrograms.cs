namespace Maru.Compiler.Tests.Targets;

/// <summary>The spec section 11 programs whose assembly the x86-64 and AArch64 snapshot tests both keep.</summary>
internal static class SectionElevenPrograms
{
    public const string DoublesAndNarrowWidths = """
        (define-function dot (p q n)
          (let ((sum 0.0)) (for (i 0 n) (set sum (fl+ sum (fl* (double-at p i) (float-at q i))))) sum))
        (define-function clamp-to-int16 (d) (double->long (flmin (flmax d -32768.0) 32767.0)))
        (define-function halves (p n) (for (i 0 n) (set (int16-at p i) (double->long (flfloor (fl/ (long->double (int16-at p i)) 2.0))))))
        (define-function less? (a b) (fl< a b))
        """;

    public const string ExternsWithCSignatures = """
        (define sin (extern 'sin (double) double))
        (define ldexp (extern 'ldexp (double int) double))
        (define sqrtf (extern 'sqrtf (float) float))
        (define abs (extern 'abs (int) int))
        (define free (extern 'free (long) void))
        (define printf-i2f (extern 'printf (long ... long double double) int))
        (define many (extern 'many (double long double long double long double long double long double double double double double long long long long) double))
        (define-function wave (x) (sin (fl* x 2.0)))
        (define-function scale (x e) (ldexp x e))
        (define-function root (x) (sqrtf x))
        (define-function magnitude (n) (abs n))
        (define-function release (p) (free p))
        (define-function show (n a b) (printf-i2f "%d %f %f" n a b))
        (define-function spill (a b) (many a 1 b 2 a 3 b 4 a 5 b a b a b 6 7 8 9))
        (define packed (extern 'packed (int int int int int int int int int float float float float float float float float float long) void))
        (define-function pack (n x) (packed n n n n n n n n -1 x x x x x x x x 0.5 n))
        """;
}
