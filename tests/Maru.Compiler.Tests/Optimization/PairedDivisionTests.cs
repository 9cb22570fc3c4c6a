using Maru.Compiler.IR;
using Maru.Compiler.Optimization;
using Maru.Compiler.Semantics;
using Maru.Compiler.Tests.IR;

namespace Maru.Compiler.Tests.Optimization;

/// <summary>
/// Paired division: two independent double divisions of a loop's block are brought together, the first marked to be
/// computed with the second; the block keeps its instructions, and each chain of operations on doubles its order.
/// </summary>
[TestClass]
public sealed class PairedDivisionTests
{
    private static bool IsDivision(Instruction i) => i is { Opcode: Opcode.Binary, Operator: Operator.FDiv };

    /// <summary>The block's instructions as text, sorted: what the block computes, whatever the order.</summary>
    private static string Multiset(BasicBlock block) => string.Join("\n", block.Instructions.Select(i => i.ToString()).Order(StringComparer.Ordinal));

    private static IEnumerable<Instruction> Paired(IrFunction function) => function.Blocks.SelectMany(b => b.Instructions).Where(i => i.PairedWithNext);

    [TestMethod]
    public void TheDivisionsOfTwoUnrolledIterationsArePairedAndTheSumKeepsItsOrder()
    {
        // A sum of quotients (spectral-norm's loop): unrolled twice, its two divisions are independent.
        var function = IrTests.Lower("""
            (define-function f (n v)
              (let ((sum 0.0))
                (for (j 0 n)
                  (set sum (fl+ sum (fl* (fl/ 1.0 (long->double (+ (* j j) 1))) (double-at v j)))))
                sum))
            """, optimise: true);
        var unrolled = function.Blocks.Single(b => b.Terminator.True == b && b.Instructions.Count(IsDivision) == 2);
        string before = Multiset(unrolled);
        var sums = unrolled.Instructions.Where(i => i.Operator == Operator.FAdd).ToList();
        Assert.HasCount(2, sums, function.ToString());

        Assert.IsTrue(PairedDivision.Run(function), function.ToString());

        var code = unrolled.Instructions;
        int first = code.FindIndex(i => i.PairedWithNext);
        Assert.IsTrue(first >= 0 && IsDivision(code[first]) && IsDivision(code[first + 1]), function.ToString());
        Assert.AreEqual(1, Paired(function).Count(), function.ToString());
        Assert.AreEqual(before, Multiset(unrolled), "the same instructions");
        // The two additions to the sum, in their order, each after the division it adds.
        var sumsAfter = code.Where(i => i.Operator == Operator.FAdd).ToList();
        CollectionAssert.AreEqual(sums, sumsAfter, function.ToString());
        Assert.IsTrue(code.IndexOf(sumsAfter[0]) > first + 1, function.ToString());
    }

    [TestMethod]
    [DataRow("(set-double-at y i (fl/ (fl/ 1.0 (double-at x i)) 3.0))", DisplayName = "the second divides the first's quotient")]
    [DataRow("(set s (fl/ 1.0 s)) (set-double-at y i (fl/ s 3.0))", DisplayName = "the second divides a value the first assigned")]
    [DataRow("(set-double-at y i (fl/ 1.0 (double-at x i))) (set-double-at y (+ i 1) (fl/ 1.0 (double-at x (+ i 1))))",
        DisplayName = "the first's quotient is stored before the second's operand is loaded")]
    [DataRow("(set t (fl* (fl/ 1.0 (double-at x i)) t)) (set t (double-at y i)) (set-double-at y i (fl/ 3.0 (double-at x i)))",
        DisplayName = "what uses the first quotient reads a value assigned before the second")]
    public void DivisionsThatCannotBeBroughtTogetherStayApart(string body)
    {
        // Not optimised: one block holds the loop's body, as written.
        var function = IrTests.Lower($"(define-function f (n x y) (let ((s 2.0) (t 1.0)) (for (i 0 n) {body}) (fl+ s t)))", optimise: false);
        string before = function.ToString();
        Assert.IsTrue(function.Blocks.Any(b => b.LoopDepth > 0 && b.Instructions.Count(IsDivision) == 2), before);
        Assert.IsFalse(PairedDivision.Run(function), before);
        Assert.AreEqual(before, function.ToString());
        Assert.IsFalse(Paired(function).Any());
    }

    [TestMethod]
    public void DivisionsOutsideLoopsStay()
    {
        var function = IrTests.Lower("(define-function f (a b c d) (fl+ (fl/ a b) (fl/ c d)))", optimise: true);
        Assert.AreEqual(2, function.Blocks.SelectMany(b => b.Instructions).Count(IsDivision), function.ToString());
        Assert.IsFalse(PairedDivision.Run(function), function.ToString());
    }
}
