using System.Globalization;
using System.Text.RegularExpressions;
using Maru.Compiler.IR;
using Maru.Compiler.Semantics;
using Maru.Compiler.Tests.IR;

namespace Maru.Compiler.Tests.Optimization;

/// <summary>
/// Addressing-mode folding: an inner loop's accesses at <c>(+ row j)</c> index a base moved by <c>row</c> before the
/// loop with the counter itself, so the counter stays the loop's only induction variable.
/// </summary>
[TestClass]
public sealed class InductionVariablesTests
{
    private static IEnumerable<Instruction> InnermostLoop(IrFunction function) => LoopInvariantCodeMotionTests.InnermostLoop(function);

    [TestMethod]
    public void MatrixMultiplysInnerLoopIndexesTwoInvariantBasesWithItsCounter()
    {
        var function = IrTests.Lower(LoopInvariantCodeMotionTests.Multiply, optimise: true);
        // The inner loop and its unrolled copy (see UnrollingTests): each copy of the body is the same.
        var loops = function.Blocks.Where(b => b.LoopDepth == 3 && (b.Terminator.True == b || b.Terminator.False == b)).ToList();
        Assert.IsNotEmpty(loops, function.ToString());
        foreach (var loop in loops)
        {
            var accesses = loop.Instructions.Where(i => i.Opcode is Opcode.Load or Opcode.Store).ToList();
            int copies = loop.Instructions.Count(i => i.Opcode == Opcode.Store);
            Assert.HasCount(3 * copies, accesses, function.ToString());
            Assert.IsTrue(accesses.All(a => a.Args[1] == loop.Terminator.A), "each access is indexed by the counter: " + function);
            Assert.AreEqual(accesses[0].Args[0], accesses[2].Args[0], "c[i*n+j] is loaded and stored at one base");
            Assert.HasCount(2, accesses.Select(a => a.Args[0]).Distinct(), function.ToString());
            // What is left: the multiply, the sum and the counter's step; no pointer steps.
            Assert.AreEqual(copies, loop.Instructions.Count(i => i is { Opcode: Opcode.Binary, Operator: Operator.Mul }));
            Assert.AreEqual(2 * copies, loop.Instructions.Count(i => i is { Opcode: Opcode.Binary, Operator: Operator.Add }), function.ToString());
        }

        // Both targets fold the scaled index into the access: x64 (base,index,8), AArch64 [base, index, lsl #3]. On x64
        // the multiply reads b from memory and c is updated in memory (one read-modify-write): two accesses.
        string x64 = LoopInvariantCodeMotionTests.InnermostLoopText(TestCompiler.Assembly(LoopInvariantCodeMotionTests.Multiply + "(define-function main () 0)"), "multiply");
        Assert.AreEqual(2, Regex.Matches(x64, @"\(%\w+,%\w+,8\)").Count, x64);
        Assert.AreEqual(1, Regex.Matches(x64, @"\t(leaq\t-?\d+\(|addq\t\$|incq\t)").Count, "one induction variable: " + x64);
        string arm = LoopInvariantCodeMotionTests.InnermostLoopText(TestCompiler.Assembly(LoopInvariantCodeMotionTests.Multiply + "(define-function main () 0)", "linux-arm64"), "multiply");
        Assert.AreEqual(3, Regex.Matches(arm, @"\[x\d+, x\d+, lsl #3\]").Count, arm);
        Assert.AreEqual(1, Regex.Matches(arm, @"\tadd\tx\d+, x\d+, #").Count, "one induction variable: " + arm);
    }

    [TestMethod]
    public void MovedBasesServeEveryWidthAndStepAndTheResultsAreTheSame()
    {
        // Row sums over bytes, int32s and words, stepping forwards by 1 and by 3 and backwards by 2, with an offset that
        // moves the base and a constant offset below it; a plain (oop-at p j) keeps its base.
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
                      (while (>= j 0) (set s (+ s (* 7 (oop-at p (+ j row))) (oop-at p (+ j -1)))) (set j (- j 2))))))
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
            for (int j = 39; j >= 0; j -= 2)
                expected = unchecked(expected + 7 * BitConverter.ToInt64(memory, (j + row) * 8) + BitConverter.ToInt64(memory, (j - 1) * 8));
        }
        Assert.AreEqual(expected.ToString(CultureInfo.InvariantCulture) + "\n", SsaFormTests.OutputOnEveryTarget(source));

        var sums = IrTests.Lower(source[source.IndexOf("(define-function sums", StringComparison.Ordinal)..source.IndexOf("(define-function main", StringComparison.Ordinal)], optimise: true);
        var loads = sums.Blocks.Where(b => b.LoopDepth == 2).SelectMany(b => b.Instructions).Where(i => i.Opcode == Opcode.Load).ToList();
        Assert.IsTrue(loads.Count >= 4, sums.ToString());
        var counters = sums.Blocks.Where(b => b.LoopDepth == 2).Select(b => b.Terminator.A).ToList();
        Assert.IsTrue(loads.All(l => counters.Contains(l.Args[1]) && l.Args[0] != Value.Reg(sums.Parameters[0])), "moved bases indexed by counters: " + sums);
        var plain = IrTests.Lower("(define-function f (p n) (let ((s 0)) (for (j 0 n) (set s (+ s (oop-at p j)))) s))", optimise: true);
        Assert.IsTrue(InnermostLoop(plain).Where(i => i.Opcode == Opcode.Load).All(l => l.Args[0] == Value.Reg(plain.Parameters[0])), plain.ToString());
    }
}
