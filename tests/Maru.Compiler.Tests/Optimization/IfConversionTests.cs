using Maru.Compiler.IR;
using Maru.Compiler.Semantics;
using Maru.Compiler.Tests.IR;

namespace Maru.Compiler.Tests.Optimization;

/// <summary>If-conversion of lone conditional updates, and exact divisions by 2^k after a divisibility test.</summary>
[TestClass]
public sealed class IfConversionTests
{
    private static bool HasBranch(IrFunction function) => function.Blocks.Any(b => b.Terminator.Kind == TerminatorKind.Branch);

    [TestMethod]
    public void AConditionalIncrementAddsTheComparison()
    {
        var function = IrTests.Lower("(define-function f (a b x) (when (< a b) (incr x)) x)", optimise: true);
        Assert.IsFalse(HasBranch(function), function.ToString());
        var comparison = function.Blocks.SelectMany(b => b.Instructions).Single(i => i.Opcode == Opcode.Binary && WordArithmetic.IsComparison(i.Operator));
        Assert.AreEqual(Operator.Lt, comparison.Operator, function.ToString());
        Assert.IsTrue(function.Blocks.SelectMany(b => b.Instructions).Any(i => i is { Opcode: Opcode.Binary, Operator: Operator.Add } && i.Args[1] == Value.Reg(comparison.Dest)), function.ToString());
    }

    [TestMethod]
    public void AnUpdateOnTheFalseSideUsesTheNegatedComparison()
    {
        var function = IrTests.Lower("(define-function f (a b x) (if (< a b) x (set x (- x 1))) x)", optimise: true);
        Assert.IsFalse(HasBranch(function), function.ToString());
        var comparison = function.Blocks.SelectMany(b => b.Instructions).Single(i => i.Opcode == Opcode.Binary && WordArithmetic.IsComparison(i.Operator));
        Assert.AreEqual(Operator.Ge, comparison.Operator, function.ToString());
    }

    [TestMethod]
    public void AnArmOfTwoInstructionsKeepsItsBranch()
    {
        var function = IrTests.Lower("(define-function f (a b x) (when (< a b) (set x (+ (* x 3) 1))) x)", optimise: true);
        Assert.IsTrue(HasBranch(function), function.ToString());
    }

    [TestMethod]
    public void ADoubleComparisonIsNeverNegated()
    {
        var function = IrTests.Lower("(define-function f (a b x) (if (fl< a b) x (incr x)) x)", optimise: true);
        var ops = function.Blocks.SelectMany(b => b.Instructions).Select(i => i.Operator).ToList();
        Assert.Contains(Operator.FLt, ops, function.ToString());
        Assert.DoesNotContain(Operator.FGe, ops, function.ToString());
    }

    [TestMethod]
    public void ConvertedUpdatesComputeWhatTheBranchesDid()
    {
        // Both sides, every comparison, steps of 1, -1, 5 and -7, | and ^, registers and NaN for the fl comparisons.
        const string source = """
            (define printf (extern 'printf))
            (define-function f (a b y)
              (let ((s 0) (t 100) (u 0) (v 0) (w -3))
                (when (< a b) (incr s))
                (unless (<= a b) (set s (+ s 5)))
                (when (= a b) (set t (- t 1)))
                (unless (!= a b) (set t (- t -7)))
                (when (>= a b) (set u (| u 12)))
                (unless (> a b) (set v (^ v 6)))
                (when (> a b) (set w (+ w y)))
                (unless (< a b) (set w (- w y)))
                (printf "%lld %lld %lld %lld %lld " s t u v w)))
            (define-function g (x y n)
              (let ((c 0))
                (when (fl< x y) (incr c))
                (unless (fl< x y) (set c (+ c 10)))
                (when (fl>= x y) (set c (+ c 100)))
                (unless (fl= x y) (set c (+ c n)))
                (printf "%lld " c)))
            (define-function main ()
              (f -5 3 9) (f 3 -5 9) (f -4 -4 -2) (f 0 0 0) (f -9223372036854775808 9223372036854775807 1)
              (let ((nan (fl/ 0.0 0.0)))
                (g 1.0 2.0 1000) (g 2.0 1.0 1000) (g 1.5 1.5 1000) (g nan 1.0 1000) (g -0.0 0.0 1000))
              (printf "\n")
              0)
            """;
        var expected = new System.Text.StringBuilder();
        foreach (var (a, b, y) in new (long, long, long)[] { (-5, 3, 9), (3, -5, 9), (-4, -4, -2), (0, 0, 0), (long.MinValue, long.MaxValue, 1) })
        {
            long s = 0, t = 100, u = 0, v = 0, w = -3;
            if (a < b) s++;
            if (!(a <= b)) s += 5;
            if (a == b) t -= 1;
            if (!(a != b)) t += 7;
            if (a >= b) u |= 12;
            if (!(a > b)) v ^= 6;
            if (a > b) w += y;
            if (!(a < b)) w -= y;
            expected.Append($"{s} {t} {u} {v} {w} ");
        }
        foreach (var (x, y) in new (double, double)[] { (1, 2), (2, 1), (1.5, 1.5), (double.NaN, 1), (-0.0, 0.0) })
        {
            long c = 0;
            if (x < y) c++;
            if (!(x < y)) c += 10;
            if (x >= y) c += 100;
            if (!(x == y)) c += 1000;
            expected.Append($"{c} ");
        }
        expected.Append('\n');
        Assert.AreEqual(expected.ToString(), SsaFormTests.OutputOnEveryTarget(source));
    }

    [TestMethod]
    public void DividingAMultipleOfTwoIsAShift()
    {
        var function = IrTests.Lower("(define-function f (n) (if (= (% n 2) 0) (/ n 2) (+ (* 3 n) 1)))", optimise: true);
        var ops = function.Blocks.SelectMany(b => b.Instructions).Select(i => i.Operator).ToList();
        Assert.DoesNotContain(Operator.Div, ops, function.ToString());
        Assert.Contains(Operator.Sar, ops, function.ToString());
    }

    [TestMethod]
    public void DividingWhereTheTestDidNotHoldOrByMoreThanItProvedStaysADivision()
    {
        foreach (string source in new[]
        {
            "(define-function f (n) (if (= (% n 2) 0) (+ (* 3 n) 1) (/ n 2)))",   // n is odd there
            "(define-function f (n) (if (= (& n 1) 0) (/ n 4) n))",                // even, not a multiple of 4
            "(define-function f (n) (if (= (& n 3) 0) (let () (set n (+ n 1)) (/ n 2)) n))", // n changed
        })
        {
            var function = IrTests.Lower(source, optimise: true);
            Assert.Contains(Operator.Div, function.Blocks.SelectMany(b => b.Instructions).Select(i => i.Operator).ToList(), function.ToString());
        }
    }

    [TestMethod]
    public void ExactDivisionsComputeWhatDivisionDid()
    {
        const string source = """
            (define printf (extern 'printf))
            (define-function f (n)
              (let ((a 0) (b 0) (c 0))
                (if (= (% n 2) 0) (set a (/ n 2)) (set a (/ n 2)))
                (when (= (& n 7) 0) (set b (/ n 8)))
                (unless (!= (% n -4) 0) (set c (/ n 4)))
                (printf "%lld %lld %lld " a b c)))
            (define-function main ()
              (f 0) (f 1) (f -1) (f 6) (f -6) (f 7) (f -7) (f 16) (f -16) (f -24) (f -9223372036854775808)
              (printf "\n")
              0)
            """;
        var expected = new System.Text.StringBuilder();
        foreach (long n in new[] { 0L, 1, -1, 6, -6, 7, -7, 16, -16, -24, long.MinValue })
        {
            long a = n / 2, b = n % 8 == 0 ? n / 8 : 0, c = n % 4 == 0 ? n / 4 : 0;
            expected.Append($"{a} {b} {c} ");
        }
        expected.Append('\n');
        Assert.AreEqual(expected.ToString(), SsaFormTests.OutputOnEveryTarget(source));
    }

    [TestMethod]
    public void HalvingAProductOfConsecutiveValuesIsAShift()
    {
        foreach (string source in new[]
        {
            "(define-function f (n) (/ (* n (+ n 1)) 2))",
            "(define-function f (n) (/ (* (- n 1) n) 2))",
            "(define-function f (i j) (/ (* (+ i j) (+ i j 1)) 2))", // spectral's, the sums numbered alike
        })
        {
            var function = IrTests.Lower(source, optimise: true);
            var ops = function.Blocks.SelectMany(b => b.Instructions).Select(i => i.Operator).ToList();
            Assert.DoesNotContain(Operator.Div, ops, function.ToString());
            Assert.Contains(Operator.Sar, ops, function.ToString());
        }
    }

    [TestMethod]
    public void HalvingAProductOfValuesNotKnownConsecutiveStaysADivision()
    {
        foreach (string source in new[]
        {
            "(define-function f (n m) (/ (* n (+ m 1)) 2))",                            // other values
            "(define-function f (n) (/ (* n (+ n 2)) 2))",                              // two apart: both odd for odd n
            "(define-function f (n) (let ((m (+ n 1))) (set n (+ n 5)) (/ (* n m) 2)))", // n changed after m was made
            "(define-function f (n) (/ (* n (+ n 1)) 4))",                              // a multiple of 2, not of 4
        })
        {
            var function = IrTests.Lower(source, optimise: true);
            Assert.Contains(Operator.Div, function.Blocks.SelectMany(b => b.Instructions).Select(i => i.Operator).ToList(), function.ToString());
        }
    }

    [TestMethod]
    public void HalvedProductsOfConsecutiveValuesComputeWhatDivisionDid()
    {
        const string source = """
            (define printf (extern 'printf))
            (define zero 0)
            (define-function reset () (set zero 0)) ; zero may change, so it is read at run time, not folded
            (define-function t (n) (/ (* n (+ n 1)) 2))
            (define-function u (n) (/ (* (- n 1) n) 2))
            (define-function p (n) (printf "%lld %lld " (t (+ zero n)) (u (+ zero n))))
            (define-function main ()
              (p 0) (p 1) (p -1) (p 2) (p -2) (p 7) (p -7) (p 4000) (p -4000) (p 3037000500) (p -3037000500)
              (p 9223372036854775807) (p -9223372036854775808)
              (printf "\n")
              0)
            """;
        var expected = new System.Text.StringBuilder();
        foreach (long n in new[] { 0L, 1, -1, 2, -2, 7, -7, 4000, -4000, 3037000500, -3037000500, long.MaxValue, long.MinValue })
            expected.Append($"{unchecked(n * (n + 1)) / 2} {unchecked((n - 1) * n) / 2} ");
        expected.Append('\n');
        Assert.AreEqual(expected.ToString(), SsaFormTests.OutputOnEveryTarget(source));
    }
}
