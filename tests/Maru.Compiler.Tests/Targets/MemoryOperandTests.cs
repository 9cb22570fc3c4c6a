using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// The loop idioms instruction selection folds (issue 14): a load read as the memory operand of its only use,
/// load-operate-store of one address as one read-modify-write, <c>x ± (a = 0)</c> as a carry, commutative operations
/// computed into the operand that dies, a copy and an add as one lea. Each function's x86-64 code is checked for the
/// form, and the program, run on every target, must print what the same computation gives in C#.
/// </summary>
[TestClass]
public sealed class MemoryOperandTests
{
    private const int N = 300;

    private const string Program = """
        (define printf (extern 'printf))
        (define malloc (extern 'malloc))
        (define limit 5)

        (define-function scale-add (n k a c)
          (for (j 0 n) (set-oop-at c j (+ (oop-at c j) (* k (oop-at a j))))))
        (define-function xor-into (n a c)
          (for (j 0 n) (set-oop-at c j (^ (oop-at a j) (oop-at c j)))))
        (define-function subtract-from (n a c)
          (for (j 0 n) (set-oop-at c j (- (oop-at c j) (oop-at a j)))))
        (define-function scale-shifted (n k a)
          (let ((sum 0)) (for (j 0 n) (set sum (^ sum (* k (+ (oop-at a j) 1))))) sum))
        (define-function count-zeros (s n)
          (let ((count 0)) (for (i 0 n) (set count (+ count (= (byte-at s i) 0)))) count))
        (define-function count-down-nonzeros (s n)
          (let ((x 1000)) (for (i 0 n) (set x (- x (!= (byte-at s i) 0)))) x))
        (define-function count-nots (a n)
          (let ((x 0)) (for (i 0 n) (set x (+ (not (oop-at a i)) x))) x))
        (define-function first-above (s n)
          (let ((i 0)) (while (and (< i n) (<= (byte-at s i) 200)) (set i (+ i 1))) i))
        (define-function below-limit (a n)
          (let ((count 0)) (for (i 0 n) (when (< (oop-at a i) limit) (set count (+ count 1)))) count))
        (define-function dot (n x y)
          (let ((sum 0.0)) (for (i 0 n) (set sum (fl+ sum (fl* (double-at x i) (double-at y i))))) sum))
        (define-function axpy (n k x y)
          (for (i 0 n) (set-double-at y i (fl+ (double-at y i) (fl* k (double-at x i))))))
        (define-function escapes (n x)
          (let ((count 0)) (for (i 0 n) (when (fl> (double-at x i) 4.0) (set count (+ count 1)))) count))
        (define-function mix (a b)
          (let ((s (+ a b))) (* s (- a b))))
        (define-function orbit (n cx cy)
          (let ((x 0.0) (y 0.0))
            (for (i 0 n)
              (let ((x2 (fl* x x)) (y2 (fl* y y)))
                (set y (fl+ (fl* (fl+ x x) y) cy))
                (set x (fl+ (fl- x2 y2) cx))))
            (fl+ x y)))

        (define-function main (argc argv)
          (let ((n 300) (x (+ 12344 argc)) (a (malloc 2400)) (c (malloc 2400)) (s (malloc 300)) (d (malloc 2400)))
            (set limit (+ limit argc))
            (for (i 0 n)
              (set x (+ (* x 6364136223846793005) 1442695040888963407))
              (set-oop-at a i (- (& (>> x 33) 15) 7))
              (set-oop-at c i (>> x 40))
              (set-byte-at s i (if (< i 150) (& (>> x 59) 7) (& (>> x 45) 255)))
              (set-double-at d i (fl* (long->double (- (& (>> x 20) 1023) 500)) 0.01)))
            (scale-add n (+ 40 argc) a c)
            (xor-into n a c)
            (subtract-from n a c)
            (let ((sum 0)) (for (i 0 n) (set sum (+ (* sum 31) (oop-at c i)))) (printf "%lld\n" sum))
            (printf "%lld\n" (scale-shifted n (+ 6 argc) a))
            (printf "%lld %lld %lld\n" (count-zeros s n) (count-down-nonzeros s n) (count-nots a n))
            (printf "%lld %lld %lld\n" (first-above s n) (below-limit a n) (escapes n d))
            (axpy n 0.5 d d)
            (printf "%llx %lld %llx\n" (dot n d d) (mix (+ argc 20) (oop-at a 3)) (orbit (+ 29 argc) -0.1 0.2))
            0))
        """;

    /// <summary>What the program prints, computed in C# the same way (the harness passes one argument: argc is 1).</summary>
    private static string Expected()
    {
        const long argc = 1;
        long x = 12344 + argc, limit = 5 + argc;
        var a = new long[N]; var c = new long[N]; var s = new byte[N]; var d = new double[N];
        for (int i = 0; i < N; i++)
        {
            x = unchecked(x * 6364136223846793005 + 1442695040888963407);
            a[i] = ((x >> 33) & 15) - 7;
            c[i] = x >> 40;
            s[i] = (byte)(i < 150 ? (x >> 59) & 7 : (x >> 45) & 255);
            d[i] = (((x >> 20) & 1023) - 500) * 0.01;
        }
        for (int j = 0; j < N; j++) c[j] = unchecked(c[j] + (40 + argc) * a[j]);
        for (int j = 0; j < N; j++) c[j] ^= a[j];
        for (int j = 0; j < N; j++) c[j] -= a[j];
        long sum = 0, shifted = 0;
        foreach (long v in c) sum = unchecked(sum * 31 + v);
        foreach (long v in a) shifted ^= (6 + argc) * (v + 1);
        int zeros = s.Count(b => b == 0), nonzeros = N - zeros, nots = a.Count(v => v == 0);
        int firstAbove = Array.FindIndex(s, b => b > 200) is var f and >= 0 ? f : N;
        int belowLimit = a.Count(v => v < limit), escapes = d.Count(v => v > 4.0);
        for (int i = 0; i < N; i++) d[i] += 0.5 * d[i];
        double dot = 0.0;
        foreach (double v in d) dot += v * v;
        long mix = (20 + argc + a[3]) * (20 + argc - a[3]);
        double ox = 0.0, oy = 0.0;
        for (int i = 0; i < 29 + argc; i++)
        {
            double x2 = ox * ox, y2 = oy * oy;
            oy = (ox + ox) * oy + 0.2;
            ox = x2 - y2 + -0.1;
        }
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{sum}\n{shifted}\n{zeros} {1000 - nonzeros} {nots}\n{firstAbove} {belowLimit} {escapes}\n");
        text.Append(CultureInfo.InvariantCulture, $"{BitConverter.DoubleToInt64Bits(dot):x} {mix} {BitConverter.DoubleToInt64Bits(ox + oy):x}\n");
        return text.ToString();
    }

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    [DataRow("win-x64")]
    public void TheFoldedLoopsComputeWhatCSharpComputes(string runtimeIdentifier)
    {
        var run = TestCompiler.RunOn(runtimeIdentifier, Program);
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual(Expected(), run.StandardOutput);
    }

    private static readonly string Assembly = TestCompiler.Assembly(Program, "linux-x64", inlineSmallFunctions: false);

    /// <summary>The code of one function of <see cref="Program"/>, from its label to its end (the symbol spells - as _).</summary>
    private static string Function(string name)
    {
        name = name.Replace('-', '_');
        int start = Assembly.IndexOf($"\n{name}:", StringComparison.Ordinal);
        Assert.IsTrue(start >= 0, $"{name} is in the assembly");
        return Assembly[start..Assembly.IndexOf($".size {name},", start, StringComparison.Ordinal)];
    }

    private static void AssertHas(string function, string pattern, string because) =>
        Assert.IsTrue(Regex.IsMatch(Function(function), pattern), $"{function}: {because}\n{Function(function)}");

    [TestMethod]
    public void LoadOperateStoreOfOneAddressIsOneReadModifyWrite()
    {
        AssertHas("scale-add", @"imulq\t\(%\w+(,%\w+,8)?\), %\w+", "the multiply reads a[j] from memory");
        AssertHas("scale-add", @"addq\t%\w+, \(%\w+(,%\w+,8)?\)", "c[j] += adds into memory");
        AssertHas("xor-into", @"xorq\t%\w+, \(%\w+(,%\w+,8)?\)", "the loaded c[j] is the second operand of a commutative xor");
        AssertHas("subtract-from", @"subq\t%\w+, \(%\w+(,%\w+,8)?\)", "c[j] -= subtracts from memory");
        Assert.IsFalse(Regex.IsMatch(Function("scale-add"), @"movq\t\(%"), "scale-add loads nothing into a register");
    }

    [TestMethod]
    public void AddingATestAgainstZeroIsACarry()
    {
        AssertHas("count-zeros", @"cmpb\t\$1, \(%\w+,%\w+,1\)\n\tadcq\t\$0, %\w+", "count + (s[i] = 0) is cmp $1 and adc $0");
        AssertHas("count-down-nonzeros", @"cmpb\t\$1, \(%\w+,%\w+,1\)\n\tadcq\t\$-1, %\w+", "x - (s[i] != 0) is cmp $1 and adc $-1");
        AssertHas("count-nots", @"cmpq\t\$1, \(%\w+,%\w+,8\)\n\tadcq\t\$0, %\w+", "(not a[i]) + x is cmp $1 and adc $0");
        Assert.IsFalse(Function("count-zeros").Contains("set", StringComparison.Ordinal), "no setcc");
    }

    [TestMethod]
    public void ComparisonsReadMemory()
    {
        AssertHas("first-above", @"cmpb\t\$200, \(%\w+,%\w+,1\)\n\tj(be|a)\t", "a byte compares as an unsigned byte");
        AssertHas("below-limit", @"cmpq\t%\w+, \(%\w+,%\w+,8\)|cmpq\tlimit\(%rip\), %\w+", "a[i] < limit reads one side from memory");
        AssertHas("escapes", @"ucomisd\t\.Lescapes\.k\d+\(%rip\), %xmm\d+", "the constant 4.0 is compared from the pool");
    }

    [TestMethod]
    public void DoubleOperationsReadMemoryAndComputeIntoTheValueThatDies()
    {
        AssertHas("dot", @"mulsd\t\(%\w+,%\w+,8\), %xmm\d+", "one factor is read from memory");
        AssertHas("axpy", @"mulsd\t\(%\w+,%\w+,8\), (%xmm\d+)\n\taddsd\t\(%\w+,%\w+,8\), \1\n\tmovsd\t\1, \(", "y[i] + k x[i] adds y[i] from memory into the product");
    }

    [TestMethod]
    public void ACommutativeOperationComputesIntoTheOperandThatDies()
    {
        // k lives on through the loop, a[j] + 1 dies at the multiply: no copy of k.
        AssertHas("scale-shifted", @"leaq\t1\(%\w+\), (%\w+)\n\timulq\t%\w+, \1", "the product is computed in the register of a[j] + 1");
        // x + x and y both die at their product; y is the variable the iteration updates: the product goes into it.
        // (The scheduler may interleave x's multiply and subtract with these.)
        AssertHas("orbit", @"addsd\t(%xmm\d+), \1\n(?:\t[^\n]*\n)*?\tmulsd\t\1, (%xmm\d+)\n(?:\t[^\n]*\n)*?\taddsd\t%xmm\d+, \2\n", "y = 2xy + cy is computed in y's register");
    }

    [TestMethod]
    public void ACopyAndAnAddIsOneLea()
    {
        // a and b both live on past a + b.
        AssertHas("mix", @"leaq\t\(%\w+,%\w+,1\), %\w+", "a + b into a third register is one lea");
        Assert.IsFalse(Regex.IsMatch(Function("mix"), @"movq\t%\w+, (%\w+)\n\taddq\t%\w+, \1"), "no copy before an add");
    }
}
