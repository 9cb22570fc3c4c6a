using Maru.Compiler.IR;
using Maru.Compiler.Optimization;
using Maru.Compiler.Tests.IR;

namespace Maru.Compiler.Tests.Optimization;

/// <summary>
/// Sparse conditional constant propagation: constants that only show when unreachable paths are left out, through
/// variables assigned several times and around loops, where the plain constant folding sees nothing.
/// </summary>
[TestClass]
public sealed class SccpTests
{
    /// <summary>The function after SSA construction, constant propagation and destruction alone.</summary>
    private static IrFunction Propagated(string source, out bool changed)
    {
        var function = SsaFormTests.Simplified(source);
        var ssa = SsaForm.Construct(function)!;
        changed = Sccp.Run(ssa);
        ssa.Destruct();
        return function;
    }

    /// <summary>The function after the plain rounds alone (what the optimiser did before this pass), until nothing changes.</summary>
    private static IrFunction PlainlyFolded(string source)
    {
        var function = SsaFormTests.Simplified(source);
        while (ConstantFolding.Run(function) | ControlFlow.Simplify(function) | DeadCode.Run(function)) { }
        return function;
    }

    private static int Branches(IrFunction function) => function.Blocks.Count(b => b.Terminator.Kind == TerminatorKind.Branch);

    // mode is 1 but assigned twice, so only propagation through SSA sees it; then x's other arm never runs.
    private const string DecidedThroughAnUnreachableArm = """
        (define-function f (a)
          (let ((mode 1) (x 0))
            (set mode (- 2 mode))
            (if (= mode 1) (set x 5) (set x a))
            (if (= x 5) 100 200)))
        """;

    [TestMethod]
    public void ABranchDecidedByAValueThatIsConstantBecauseTheOtherArmNeverRuns()
    {
        var propagated = Propagated(DecidedThroughAnUnreachableArm, out bool changed);
        Assert.IsTrue(changed);
        var decided = propagated.Blocks.Where(b => b.Terminator.Kind == TerminatorKind.Branch).ToList();
        Assert.HasCount(2, decided, propagated.ToString());
        Assert.IsTrue(decided.All(b => b.Terminator.A.IsConstant && b.Terminator.B.IsConstant), propagated.ToString());

        Assert.AreEqual(2, Branches(PlainlyFolded(DecidedThroughAnUnreachableArm)), "the plain rounds cannot decide them");
        var optimised = IrTests.Lower(DecidedThroughAnUnreachableArm, optimise: true);
        Assert.AreEqual("f(v0):\nb0:\n  return 100", optimised.ToString().Trim().ReplaceLineEndings("\n"));
    }

    // x is 1 on entry and set to 1 again on the only arm that runs, on every iteration.
    private const string LoopVariableSetToTheSameConstant = """
        (define-function f (n)
          (let ((x 1) (i 0))
            (while (< i n)
              (if (= x 1) (set x 1) (set x 2))
              (set i (+ i 1)))
            x))
        """;

    [TestMethod]
    public void ALoopVariableSetToTheSameConstantOnEveryPathThatRunsIsThatConstant()
    {
        var propagated = Propagated(LoopVariableSetToTheSameConstant, out bool changed);
        Assert.IsTrue(changed);
        Assert.AreEqual(Value.Const(1), propagated.Blocks.Single(b => b.Terminator.Kind == TerminatorKind.Return).Terminator.A, propagated.ToString());

        Assert.AreEqual(3, Branches(PlainlyFolded(LoopVariableSetToTheSameConstant)), "the loop's entry and latch tests and x's");
        var optimised = IrTests.Lower(LoopVariableSetToTheSameConstant, optimise: true);
        Assert.AreEqual(2, Branches(optimised), optimised.ToString()); // only the loop's tests remain
        Assert.IsTrue(optimised.Blocks.All(b => b.Terminator.Kind != TerminatorKind.Return || b.Terminator.A == Value.Const(1)), optimised.ToString());
        Assert.DoesNotContain(" 2", optimised.ToString(), "the arm that sets 2 is gone");
    }

    [TestMethod]
    public void AValueThatDiffersOnTwoPathsThatRunStaysVarying()
    {
        foreach (string source in new[]
        {
            "(define-function f (a) (let ((x 1)) (if (> a 0) (set x 2)) x))",
            // +0.0 and -0.0 are equal numbers but different words.
            "(define-function f (a) (let ((x 0.0)) (if (> a 0) (set x -0.0)) x))",
            // The loop changes x after the first iteration.
            "(define-function f (n) (let ((x 1) (i 0)) (while (< i n) (set x (+ x 1)) (set i (+ i 1))) x))",
        })
        {
            var propagated = Propagated(source, out _);
            var returned = propagated.Blocks.Single(b => b.Terminator.Kind == TerminatorKind.Return).Terminator.A;
            Assert.IsTrue(returned.IsRegister, $"{source}\n{propagated}");
        }
    }

    [TestMethod]
    public void FoldsWithTheLanguagesArithmetic()
    {
        // Division and remainder by zero, shifts past the word, the minimum divided by -1, and fl operators with -0.0.
        const string source = """
            (define-function f (n)
              (let ((a 7) (z 0.0))
                (set a (+ (/ a 0) (% a 0) (<< a 65) (>> -8 a) (/ -9223372036854775808 (- a 8))))
                (set z (flmin 0.0 (fl- z)))
                (if (> n 0) (set z (fl* -1.0 0.0)))
                (+ a z)))
            """;
        var propagated = Propagated(source, out _);
        long expected = 0 + 7 + 14 + -1 + long.MinValue + BitConverter.DoubleToInt64Bits(-0.0);
        var returned = propagated.Blocks.Single(b => b.Terminator.Kind == TerminatorKind.Return).Terminator.A;
        Assert.AreEqual(Value.Const(unchecked(expected)), returned, propagated.ToString());
    }

    [TestMethod]
    public void ProgramsPrintTheSameOnEveryTarget()
    {
        const string source = """
            (define printf (extern 'printf))
            (define-function f (a n)
              (let ((mode 1) (x 0) (i 0) (s 0))
                (set mode (- 2 mode))
                (if (= mode 1) (set x 5) (set x a))
                (while (< i n)
                  (if (= x 5) (set s (+ s (/ x 0) (% x 0) (<< x 65) (>> -8 x))) (set s 1000))
                  (set x 5)
                  (set i (+ i 1)))
                (+ s x)))
            (define-function g (n)
              (let ((z 0.0) (w 0.0))
                (if (> n 0) (set z (fl* -1.0 0.0)) (set z (fl- 0.0)))
                (if (> n 1) (set w -0.0))
                (printf "%llx %llx %llx %lld " z (flmax z 0.0) w (fl!= (fl/ z z) (fl/ z z)))))
            (define-function main ()
              (printf "%lld %lld\n" (f 9 3) (f 9 0))
              (g 0) (g 1) (g 2)
              (printf "\n")
              0)
            """;
        string w = "8000000000000000";
        Assert.AreEqual($"47 5\n{w} 0 0 1 {w} 0 0 1 {w} 0 {w} 1 \n", SsaFormTests.OutputOnEveryTarget(source));
    }
}
