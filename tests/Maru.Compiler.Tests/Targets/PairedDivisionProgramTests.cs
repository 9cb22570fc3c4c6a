using System.Globalization;
using System.Text.RegularExpressions;
using Maru.Compiler.Targets;

namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// Paired divisions (x86-64's divpd) compute the quotients division by division does, on every target: sums of
/// quotients whose dividends and divisors differ from lane to lane, so that a swapped lane or a reordered sum would
/// change the bits printed; under register pressure, where two-lane registers may be spilled whole.
/// </summary>
[TestClass]
public sealed class PairedDivisionProgramTests
{
    private const string Program = """
        (define printf (extern 'printf))
        (define-function quotients (n)
          (let ((sum 0.0))
            (for (j 0 n)
              (set sum (fl+ sum (fl/ (long->double (+ j 1)) (long->double (+ (* j j) 3))))))
            sum))
        (define-function reciprocals (n v)
          (let ((sum 0.0))
            (for (j 0 n)
              (set sum (fl+ sum (fl* (fl/ 1.0 (long->double (+ (* j 7) 1))) (double-at v j)))))
            sum))
        (define-function crowded (n)
          (let ((a 0.5) (b 0.25) (c 0.125) (d 1.5) (e 2.5) (f 3.5) (g 4.5) (h 5.5) (k 6.5) (l 7.5) (m 8.5) (o 9.5) (p 10.5) (q 11.5) (r 12.5) (s 13.5) (t 14.5))
            (for (j 0 n)
              (let ((x (long->double (+ j 1))))
                (set a (fl+ (fl* a 0.75) (fl/ x b)))
                (set b (fl+ b (fl/ c x)))
                (set c (fl+ (fl+ c d) e)) (set d (fl+ (fl+ d e) f)) (set e (fl+ (fl+ e f) g)) (set f (fl+ (fl+ f g) h))
                (set g (fl+ (fl+ g h) k)) (set h (fl+ (fl+ h k) l)) (set k (fl+ (fl+ k l) m)) (set l (fl+ (fl+ l m) o))
                (set m (fl+ (fl+ m o) p)) (set o (fl+ (fl+ o p) q)) (set p (fl+ (fl+ p q) r)) (set q (fl+ (fl+ q r) s))
                (set r (fl+ (fl+ r s) t)) (set s (fl+ (fl+ s t) a)) (set t (fl+ (fl+ t a) b))))
            (fl+ a (fl+ b (fl+ c (fl+ d (fl+ e (fl+ f (fl+ g (fl+ h (fl+ k (fl+ l (fl+ m (fl+ o (fl+ p (fl+ q (fl+ r (fl+ s t))))))))))))))))))
        (define malloc (extern 'malloc))
        (define-function main (argc argv)
          (let* ((n (+ 1000 argc))
                 (v (malloc (* 8 n))))
            (for (j 0 n) (set-double-at v j (fl/ (long->double (- 500 j)) 7.0)))
            (printf "%llx %llx %llx\n" (quotients n) (reciprocals n v) (crowded (+ 40 argc)))
            0))
        """;

    private static string Expected()
    {
        const long argc = 1; // the harness passes one argument
        long n = 1000 + argc;
        double quotients = 0.0, reciprocals = 0.0;
        for (long j = 0; j < n; j++) quotients = quotients + (double)(j + 1) / (double)(j * j + 3);
        for (long j = 0; j < n; j++) reciprocals = reciprocals + 1.0 / (double)(j * 7 + 1) * ((double)(500 - j) / 7.0);
        return string.Create(CultureInfo.InvariantCulture,
            $"{BitConverter.DoubleToInt64Bits(quotients):x} {BitConverter.DoubleToInt64Bits(reciprocals):x} {BitConverter.DoubleToInt64Bits(Crowded(40 + argc)):x}\n");
    }

    private static double Crowded(long n)
    {
        double a = 0.5, b = 0.25, c = 0.125, d = 1.5, e = 2.5, f = 3.5, g = 4.5, h = 5.5, k = 6.5, l = 7.5, m = 8.5, o = 9.5, p = 10.5, q = 11.5, r = 12.5, s = 13.5, t = 14.5;
        for (long j = 0; j < n; j++)
        {
            double x = j + 1;
            a = a * 0.75 + x / b;
            b = b + c / x;
            c = c + d + e; d = d + e + f; e = e + f + g; f = f + g + h;
            g = g + h + k; h = h + k + l; k = k + l + m; l = l + m + o;
            m = m + o + p; o = o + p + q; p = p + q + r; q = q + r + s;
            r = r + s + t; s = s + t + a; t = t + a + b;
        }
        return a + (b + (c + (d + (e + (f + (g + (h + (k + (l + (m + (o + (p + (q + (r + (s + t)))))))))))))));
    }

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    [DataRow("win-x64")]
    public void PairedQuotientsAreTheQuotientsCSharpComputes(string runtimeIdentifier)
    {
        var run = TestCompiler.RunOn(runtimeIdentifier, Program);
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual(Expected(), run.StandardOutput);
    }

    /// <summary>
    /// A function with more registers than the allocator colours (<see cref="RegisterAllocator.SpillEverythingAbove"/>):
    /// every value lives in a slot, the two-lane ones in two.
    /// </summary>
    private static string SpilledProgram()
    {
        string terms = string.Join(" ", Enumerable.Range(1, 1300).Select(k => $"(* m {k})"));
        return $$"""
            (define printf (extern 'printf))
            (define-function spilled (n m)
              (let ((sum 0.0))
                (for (j 0 n)
                  (set sum (fl+ sum (fl/ (long->double (+ j 1)) (long->double (+ (* j j) 3))))))
                (fl+ sum (long->double (+ {{terms}})))))
            (define-function main (argc argv)
              (printf "%llx\n" (spilled (+ 100 argc) argc))
              0)
            """;
    }

    private static string SpilledExpected()
    {
        const long argc = 1;
        double sum = 0.0;
        for (long j = 0; j < 100 + argc; j++) sum = sum + (double)(j + 1) / (double)(j * j + 3);
        long terms = Enumerable.Range(1, 1300).Sum(k => argc * k);
        return string.Create(CultureInfo.InvariantCulture, $"{BitConverter.DoubleToInt64Bits(sum + terms):x}\n");
    }

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    [DataRow("win-x64")]
    public void SpilledPairsKeepBothQuotients(string runtimeIdentifier)
    {
        string program = SpilledProgram();
        StringAssert.Contains(TestCompiler.Assembly(program, runtimeIdentifier), runtimeIdentifier == "linux-arm64" ? "\tstr\tq" : "\tmovupd\t");
        var run = TestCompiler.RunOn(runtimeIdentifier, program);
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual(SpilledExpected(), run.StandardOutput);
    }

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("win-x64")]
    public void X64DividesTwoLanesAtOnce(string runtimeIdentifier)
    {
        string assembly = TestCompiler.Assembly(Program, runtimeIdentifier, inlineSmallFunctions: false);
        // quotients' and reciprocals' unrolled loops, and crowded's two divisions of one iteration.
        Assert.AreEqual(3, Regex.Matches(assembly, @"\tdivpd\t").Count, assembly);
        Assert.AreEqual(3, Regex.Matches(assembly, @"\tunpckhpd\t").Count, assembly);
    }

    [TestMethod]
    public void AArch64DividesTwoLanesAtOnce()
    {
        string assembly = TestCompiler.Assembly(Program, "linux-arm64", inlineSmallFunctions: false);
        Assert.AreEqual(3, Regex.Matches(assembly, @"\tfdiv\tv\d+\.2d, v\d+\.2d, v\d+\.2d\n").Count, assembly);
        Assert.AreEqual(3, Regex.Matches(assembly, @"\tmov\td\d+, v\d+\.d\[1\]\n").Count, assembly);
    }
}
