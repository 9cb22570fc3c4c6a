using Maru.Compiler.IR;
using Maru.Compiler.Optimization;
using Maru.Compiler.Semantics;
using Maru.Compiler.Tests.IR;

namespace Maru.Compiler.Tests.Optimization;

/// <summary>Global value numbering: a pure computation that a dominating one already made is not made again.</summary>
[TestClass]
public sealed class ValueNumberingTests
{
    private static int Count(IrFunction function, Operator op) =>
        function.Blocks.SelectMany(b => b.Instructions).Count(i => i.Opcode == Opcode.Binary && i.Operator == op);

    /// <summary>The function after SSA construction, value numbering and destruction alone.</summary>
    private static IrFunction Numbered(string source, out bool changed)
    {
        var function = SsaFormTests.Simplified(source);
        var ssa = SsaForm.Construct(function)!;
        changed = ValueNumbering.Run(ssa);
        ssa.Destruct();
        return function;
    }

    [TestMethod]
    public void ARepeatedProductIsComputedOnceInEitherOperandOrder()
    {
        var function = Numbered("(define-function f (a b c) (+ (* a b) (* b a) (if (> c 0) (* a b) 0)))", out bool changed);
        Assert.IsTrue(changed);
        Assert.AreEqual(1, Count(function, Operator.Mul), function.ToString());
        Assert.AreEqual(1, Count(IrTests.Lower("(define-function f (a b c) (+ (* a b) (* b a) (if (> c 0) (* a b) 0)))", optimise: true), Operator.Mul));
    }

    [TestMethod]
    public void ComputationsInBranchesThatDoNotDominateAreKept()
    {
        var function = Numbered("(define-function f (a b c) (let ((x (if (> c 0) (* a b) 1))) (+ x (* a b))))", out _);
        Assert.AreEqual(2, Count(function, Operator.Mul), function.ToString());
        var unchanged = Numbered("(define-function f (a b) (- (- a b) (- b a)))", out bool changed);
        Assert.IsFalse(changed, "subtraction does not commute");
        Assert.AreEqual(3, Count(unchanged, Operator.Sub));
    }

    [TestMethod]
    public void AReusedValueSurvivesTheReassignmentOfItsVariable()
    {
        // x's register is written again before the second (* a b): the first product must be kept elsewhere.
        const string source = """
            (define printf (extern 'printf))
            (define g 1)
            (define-function f (a b)
              (let ((x (* a b)))
                (printf "%lld " x)
                (set x 5)
                (+ x (* a b) (/ a 0) (/ a 0))))
            (define-function globals ()
              (let ((x (+ g g)))
                (set g 10)
                (+ x g g)))
            (define-function main ()
              (printf "%lld %lld\n" (f 6 7) (globals))
              0)
            """;
        var function = Numbered("(define-function f (a b) (let ((x (* a b))) (set x 5) (+ x (* a b) (/ a 0) (/ a 0))))", out _);
        Assert.AreEqual(1, Count(function, Operator.Mul), function.ToString());
        Assert.AreEqual(1, Count(function, Operator.Div), function.ToString());
        Assert.AreEqual("42 47 22\n", SsaFormTests.OutputOnEveryTarget(source));
    }

    [TestMethod]
    public void AGlobalIsReadAgainAfterAStoreOrACall()
    {
        foreach (string effect in new[] { "(set-oop-at p 0 1)", "(h)", "(set g 3)" })
        {
            // k assigns g: a global nothing changes would be a constant (ConstantGlobalTests).
            var function = IrTests.Lower($"(define g 1) (define-function f (p) (let ((x (+ g g))) {effect} (+ x g g))) (define-function h () 0) (define-function k () (set g 2))", optimise: true);
            int loads = function.Blocks.SelectMany(b => b.Instructions).Count(i => i.Opcode == Opcode.LoadGlobal);
            Assert.AreEqual(2, loads, function.ToString()); // one before the effect, one after
        }
    }
}
