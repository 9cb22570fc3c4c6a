using Maru.Compiler.Diagnostics;
using Maru.Compiler.Expansion;
using Maru.Compiler.IR;
using Maru.Compiler.Optimization;
using Maru.Compiler.Semantics;
using Maru.Compiler.Syntax;

namespace Maru.Compiler.Tests.IR;

/// <summary>Lowering and each optimiser pass, checked on the IR text of small functions.</summary>
[TestClass]
public sealed class IrTests
{
    /// <summary>The IR of the unit's first function, lowered and, optionally, optimised.</summary>
    internal static IrFunction Lower(string source, bool optimise)
    {
        var (unit, diagnostics) = TestCompiler.Expand(source);
        var program = Analyzer.Analyze(unit, diagnostics);
        Assert.IsFalse(diagnostics.HasErrors, string.Join("\n", diagnostics.Items));
        var function = Lowering.Lower(new IrModule(), program.Functions[0], program.Functions[0].Body, registerArguments: 6);
        if (optimise) Optimizer.Run(function);
        return function;
    }

    private static string Text(string source, bool optimise = true) => Lower(source, optimise).ToString().Trim();

    [TestMethod]
    public void ComparisonsInConditionsBecomeBranches()
    {
        Assert.AreEqual("""
            f(v0, v1):
            b0:
              branch lt v0, v1 ? b1 : b2
            b1:
              return 1
            b2:
              return 2
            """, Text("(define-function f (a b) (if (< a b) 1 2))"));
    }

    [TestMethod]
    public void NotAndOrInConditionsAreShortCircuitBranches()
    {
        string ir = Text("(define-function f (a b) (if (and (not (= a 0)) (or (> b 1) (< b -1))) 1 2))");
        Assert.Contains("branch eq v0, 0", ir);
        Assert.Contains("branch gt v1, 1", ir);
        Assert.Contains("branch lt v1, -1", ir);
        Assert.DoesNotContain("not", ir);
    }

    [TestMethod]
    public void TheConstantsOfAVariadicWordOperationAreCombined()
    {
        Assert.AreEqual("""
            f(v0, v1):
            b0:
              v2 = mul v0, v1
              v3 = mul v2, 56
              return v3
            """, Text("(define-function f (i j) (* 7 i 8 j))", optimise: false).Replace("\r", ""));
        // Addition wraps, so the constants' sum wraps too; subtraction is not regrouped.
        StringAssert.Contains(Text("(define-function f (a) (+ a 9223372036854775807 2))", optimise: false), "add v0, -9223372036854775807");
        StringAssert.Contains(Text("(define-function f (a) (- a 1 2))", optimise: false), "sub v0, 1");
    }

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    public void CombinedConstantsComputeWhatTheLeftFoldComputes(string runtimeIdentifier)
    {
        var run = TestCompiler.RunOn(runtimeIdentifier, """
            (define printf (extern 'printf))
            (define-function main (argc argv)
              (printf "%lld %lld %lld %lld\n" (* argc 4294967296 4294967296) (+ 9223372036854775807 argc 1)
                      (^ 255 argc 15 240) (& -1 argc 3 (+ argc 2)))
              0)
            """);
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        // argc = 1: 2^64 wraps to 0; max + 1 + 1 wraps to min + 1; 255 ^ 1 ^ 15 ^ 240 = 1; -1 & 1 & 3 & 3 = 1.
        Assert.AreEqual("0 -9223372036854775807 1 1\n", run.StandardOutput);
    }

    [TestMethod]
    public void ConstantsFoldWithTheLanguagesDivisionRules()
    {
        // 0 + 5 + min + 0 + 12 + 1 + 0
        Assert.AreEqual("""
            f():
            b0:
              return -9223372036854775790
            """, Text("(define-function f () (+ (/ 7 0) (% 5 0) (/ -9223372036854775808 -1) (% -9223372036854775808 -1) (* 3 4) (<< 1 64) (- 1 1)))"));
    }

    [TestMethod]
    public void ConstantLocalsPropagateAndDecidedBranchesDisappear()
    {
        Assert.AreEqual("""
            f(v0):
            b0:
              return v0
            """, Text("(define-function f (x) (let ((k 3)) (if (> k 2) x 0)))"));
    }

    [TestMethod]
    public void UnusedPureComputationsAreRemovedButStoresAndCallsStay()
    {
        string ir = Text("(define-function f (p) (oop-at p 3) (+ p 1) (set-oop-at p 0 7) (f p) 0)");
        Assert.DoesNotContain("loadword", ir);
        Assert.DoesNotContain("add", ir);
        Assert.Contains("storeword v0, 0, 7", ir);
        Assert.Contains("call f", ir);
    }

    [TestMethod]
    public void MultiplicationByAPowerOfTwoBecomesAShift()
    {
        StringAssert.Contains(Text("(define-function f (x) (* x 8))"), "shl v0, 3");
    }

    [TestMethod]
    public void RemainderByAPowerOfTwoTestedAgainstZeroBecomesAMask()
    {
        string ir = Text("(define-function f (x) (if (= (% x 4) 0) 1 2))");
        StringAssert.Contains(ir, "and v0, 3");
        Assert.DoesNotContain("rem", ir);
        // A remainder whose value is used stays a remainder: its sign matters.
        StringAssert.Contains(Text("(define-function f (x) (% x 4))"), "rem v0, 4");
    }

    [TestMethod]
    public void CallsInTailPositionBecomeTailCalls()
    {
        string ir = Text("""
            (define-function even? (n) (if (= n 0) 1 (odd? (- n 1))))
            (define-function odd? (n) (if (= n 0) 0 (even? (- n 1))))
            """);
        StringAssert.Contains(ir, "tailcall odd_3f");
    }

    [TestMethod]
    public void NoTailCallWhenALocalsAddressIsTakenOrTheCalleeNeedsMoreStack()
    {
        StringAssert.DoesNotMatch(Text("(define-function f (n) (let ((x n)) (g (address-of x)))) (define-function g (p) 0)"), new("tailcall"));
        StringAssert.DoesNotMatch(Text("""
            (define-function f (n) (g 1 2 3 4 5 6 7 8))
            (define-function g (a b c d e f g h) 0)
            """), new("tailcall"));
    }

    [TestMethod]
    public void EarlierOperandsAreCopiedWhenALaterOneAssignsTheirVariable()
    {
        // (+ x (set x 5)) must add the old x: left-to-right evaluation.
        string ir = Text("(define-function f (x) (+ x (set x 5)))", optimise: false);
        StringAssert.Matches(ir, new(@"v(\d+) = v0\s+v0 = 5\s+v\d+ = add v\1, 5"));
    }

    [TestMethod]
    public void ParametersGetANewRegisterOnTheWorkPathOfAnEarlyReturn()
    {
        string ir = Text("(define-function f (n) (if (< n 2) n (* (g (- n 1)) n))) (define-function g (n) n)");
        StringAssert.Matches(ir, new(@"b2:\s+v(\d+) = v0"));
    }

    [TestMethod]
    public void ASelfCallAddedInTailPositionBecomesALoopWithAnAccumulator()
    {
        string ir = Text("(define-function fib (n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))");
        Assert.AreEqual(1, System.Text.RegularExpressions.Regex.Count(ir, "call fib"), ir);
        StringAssert.Matches(ir, new(@"v(\d+) = add v\1, v\d+"), "the left operand is added to the accumulator");
        Assert.IsNotEmpty(SelfTailCallTests.BackEdgeTargets(ir), "the right-hand call is a jump back into the loop: " + ir);
        StringAssert.DoesNotMatch(ir, new("tailcall"));
    }

    [TestMethod]
    public void DoublingIsAnAdditionAndDividingByAPowerOfTwoAMultiplication()
    {
        Assert.Contains("fadd v0, v0", Text("(define-function f (x) (fl* 2.0 x))"));
        Assert.Contains("fadd v0, v0", Text("(define-function f (x) (fl* x 2.0))"));
        Assert.Contains($"fmul v0, {BitConverter.DoubleToInt64Bits(0.25)}", Text("(define-function f (x) (fl/ x 4.0))"));
        Assert.Contains($"fmul v0, {BitConverter.DoubleToInt64Bits(-2.0)}", Text("(define-function f (x) (fl/ x -0.5))"));
        // Only where the reciprocal is exact and normal: 1/3, 2^1074 (of the smallest subnormal) and 2^-1023 are not.
        Assert.Contains("fdiv v0", Text("(define-function f (x) (fl/ x 3.0))"));
        Assert.Contains("fdiv v0", Text("(define-function f (x) (fl/ x 5e-324))"));
        Assert.Contains("fdiv v0", Text($"(define-function f (x) (fl/ x {BitConverter.DoubleToInt64Bits(Math.Pow(2, 1023))}))"));
        Assert.Contains("fmul v0, 4.0", Text("(define-function f (x) (fl* x 4.0))").Replace(BitConverter.DoubleToInt64Bits(4.0).ToString(System.Globalization.CultureInfo.InvariantCulture), "4.0"));
    }
}
