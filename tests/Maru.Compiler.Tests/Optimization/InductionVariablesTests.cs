using System.Globalization;
using Maru.Compiler.IR;
using Maru.Compiler.Semantics;
using Maru.Compiler.Tests.IR;

namespace Maru.Compiler.Tests.Optimization;

/// <summary>Induction-variable strength reduction: an inner loop's accesses at <c>(+ row j)</c> walk pointers.</summary>
[TestClass]
public sealed class InductionVariablesTests
{
    private static IEnumerable<Instruction> InnermostLoop(IrFunction function)
    {
        int depth = function.Blocks.Max(b => b.LoopDepth);
        return function.Blocks.Where(b => b.LoopDepth == depth).SelectMany(b => b.Instructions);
    }

    [TestMethod]
    public void MatrixMultiplysInnerLoopIsTwoLoadsAMultiplyAddAStoreAndPointerSteps()
    {
        var function = IrTests.Lower(LoopInvariantCodeMotionTests.Multiply, optimise: true);
        var inner = InnermostLoop(function).ToList();
        var accesses = inner.Where(i => i.Opcode is Opcode.Load or Opcode.Store).ToList();
        Assert.HasCount(3, accesses, function.ToString());
        Assert.IsTrue(accesses.All(a => a.Args[1] is { IsConstant: true, Constant: 0 }), "each access goes through its pointer: " + function);
        Assert.AreEqual(accesses[0].Args[0], accesses[2].Args[0], "c[i*n+j] is loaded and stored through one pointer");
        // What is left: the multiply, the sum, two pointer steps of 8 and j's step of 1.
        Assert.AreEqual(1, inner.Count(i => i is { Opcode: Opcode.Binary, Operator: Operator.Mul }));
        Assert.AreEqual(2, inner.Count(i => i is { Opcode: Opcode.Binary, Operator: Operator.Add } && i.Args[1] is { IsConstant: true, Constant: 8 }), function.ToString());
        Assert.AreEqual(4, inner.Count(i => i is { Opcode: Opcode.Binary, Operator: Operator.Add }), function.ToString());
    }

    [TestMethod]
    public void PointersWalkEveryWidthAndStepAndTheResultsAreTheSame()
    {
        // Row sums over bytes, int32s and words, stepping forwards by 1 and by 3 and backwards by 2, with an offset
        // that makes addresses below the base; a plain (oop-at p j) keeps its scaled index.
        const string source = """
            (define printf (extern 'printf))
            (define malloc (extern 'malloc))
            (define-function sums (p rows cols)
              (let ((s 0))
                (for (r 0 rows)
                  (let ((row (* r cols)))
                    (for (j 0 cols) (set s (+ s (byte-at p (+ row j)))))
                    (for (j 0 cols 3) (set s (+ s (* 3 (int32-at p (+ row j))))))
                    (let ((j (- cols 1)))
                      (while (>= j 0) (set s (+ s (* 7 (oop-at p (+ j row))))) (set j (- j 2))))))
                s))
            (define-function main ()
              (let ((p (malloc 4096)))
                (for (i 0 4096) (set-byte-at p i (& (* i 37) 255)))
                (printf "%lld\n" (sums p 6 40))
                0))
            """;
        var memory = Enumerable.Range(0, 4096).Select(i => (byte)(i * 37 & 255)).ToArray();
        long expected = 0;
        for (int r = 0; r < 6; r++)
        {
            int row = r * 40;
            for (int j = 0; j < 40; j++) expected += memory[row + j];
            for (int j = 0; j < 40; j += 3) expected += 3L * BitConverter.ToInt32(memory, (row + j) * 4);
            for (int j = 39; j >= 0; j -= 2) expected = unchecked(expected + 7 * BitConverter.ToInt64(memory, (j + row) * 8));
        }
        Assert.AreEqual(expected.ToString(CultureInfo.InvariantCulture) + "\n", SsaFormTests.OutputOnEveryTarget(source));

        var sums = IrTests.Lower(source[source.IndexOf("(define-function sums", StringComparison.Ordinal)..source.IndexOf("(define-function main", StringComparison.Ordinal)], optimise: true);
        var loads = sums.Blocks.Where(b => b.LoopDepth == 2).SelectMany(b => b.Instructions).Where(i => i.Opcode == Opcode.Load).ToList();
        Assert.HasCount(3, loads, sums.ToString());
        Assert.IsTrue(loads.All(l => l.Args[1] is { IsConstant: true, Constant: 0 }), sums.ToString());
        var plain = IrTests.Lower("(define-function f (p n) (let ((s 0)) (for (j 0 n) (set s (+ s (oop-at p j)))) s))", optimise: true);
        Assert.IsTrue(InnermostLoop(plain).Single(i => i.Opcode == Opcode.Load).Args[1].IsRegister, plain.ToString());
    }
}
