using Maru.Compiler.IR;
using Maru.Compiler.Optimization;
using Maru.Compiler.Tests.IR;

namespace Maru.Compiler.Tests.Optimization;

/// <summary>SSA construction (dominators, phis, renaming) and destruction back to the registers of the plain form.</summary>
[TestClass]
public sealed class SsaFormTests
{
    /// <summary>The function lowered and simplified as the optimiser does before building SSA form.</summary>
    internal static IrFunction Simplified(string source)
    {
        var function = IrTests.Lower(source, optimise: false);
        ControlFlow.Simplify(function);
        return function;
    }

    /// <summary>What a program prints, the same on linux-x64, linux-arm64 (under qemu) and win-x64 (under wine); it must exit with 0.</summary>
    internal static string OutputOnEveryTarget(string source)
    {
        string? output = null;
        foreach (string target in new[] { "linux-x64", "linux-arm64", "win-x64" })
        {
            using var directory = new TemporaryDirectory();
            string library = TestCompiler.BuildLibrary(directory, target, Maru.Compiler.Diagnostics.SourceFile.FromText("test.l", source));
            var run = NativeHarness.RunLibraryOn(target, library, []);
            Assert.AreEqual(0, run.ExitCode, $"{target}: {run.StandardError}");
            if (output is not null) Assert.AreEqual(output, run.StandardOutput, target);
            output = run.StandardOutput;
        }
        return output!;
    }

    private const string SumOfSquares = "(define-function f (n) (let ((s 0) (i 0)) (while (< i n) (set s (+ s (* i i))) (set i (+ i 1))) s))";

    [TestMethod]
    public void EveryRegisterIsDefinedOnceAndLoopCarriedValuesMeetInPhisAtTheHeader()
    {
        var function = Simplified(SumOfSquares);
        var ssa = SsaForm.Construct(function);
        Assert.IsNotNull(ssa);
        var definitions = function.Blocks.SelectMany(b => b.Instructions).Where(i => i.Dest >= 0).Select(i => i.Dest).Concat(function.Parameters).ToList();
        Assert.HasCount(definitions.Distinct().Count(), definitions, function.ToString());

        var header = function.Blocks.Single(b => b.Instructions.Any(i => i.Opcode == Opcode.Phi && i.Incoming.Contains(b)));
        var phis = header.Instructions.TakeWhile(i => i.Opcode == Opcode.Phi).ToList();
        Assert.HasCount(2, phis, function.ToString()); // s and i; n is never reassigned
        Assert.IsTrue(header.Instructions.Skip(phis.Count).All(i => i.Opcode != Opcode.Phi), "phis come first");
        foreach (var phi in phis)
        {
            Assert.HasCount(2, phi.Incoming);
            Assert.Contains(header, phi.Incoming, "the back edge brings the next iteration's value");
            Assert.AreNotEqual(phi.Args[0], phi.Args[1]);
            StringAssert.Matches(phi.ToString(), new System.Text.RegularExpressions.Regex(@"^v\d+ = phi b\d+: \S+, b\d+: v\d+$"));
        }
        Assert.Contains("phi", function.ToString());
    }

    /// <summary>
    /// Pruned SSA: the inner loop's counter j is set before that loop and dead at the outer header, so it has a phi at
    /// its own loop's header only. Semi-pruned placement also put one at every header around it: n²/2 phis in a nest
    /// of n loops, which made 2 000 nested loops take minutes to compile.
    /// </summary>
    [TestMethod]
    public void AnInnerCounterSetBeforeItsLoopHasNoPhiAtTheOuterHeader()
    {
        var function = Simplified("(define-function f (n) (let ((s 0) (i 0)) (while (< i n) (let ((j 0)) (while (< j i) (set s (+ s j)) (set j (+ j 1)))) (set i (+ i 1))) s))");
        Assert.IsNotNull(SsaForm.Construct(function));
        // s at both (rotated) headers, the inner loop's exit and the function's; i at the outer header; j at the inner
        // header. Semi-pruned, j also had phis at the outer header and both exits, and i one at the function's exit.
        Assert.AreEqual(6, function.Blocks.Sum(b => b.Instructions.Count(i => i.Opcode == Opcode.Phi)), function.ToString());
    }

    [TestMethod]
    public void DestructionGivesBackTheSameFunction()
    {
        foreach (string source in new[]
        {
            SumOfSquares,
            "(define-function f (a b) (while (> a 0) (let ((t a)) (set a b) (set b (- t 1)))) (+ a b))",
            "(define-function f (x) (if (> x 0) (set x (* x 2)) (set x (- 0 x))) (let ((y x)) (while (< y 100) (set y (+ y y))) y))",
        })
        {
            var function = Simplified(source);
            string before = function.ToString();
            var ssa = SsaForm.Construct(function)!;
            Assert.AreNotEqual(before, function.ToString());
            ssa.Destruct();
            Assert.AreEqual(before, function.ToString(), source);
        }
    }

    [TestMethod]
    public void ImmediateDominatorsOfAnIfInsideALoop()
    {
        var function = Simplified("(define-function f (n) (let ((s 0)) (while (> n 0) (if (= (% n 2) 0) (set s (+ s 1)) (set s (- s 1))) (set n (- n 1))) s))");
        var dominators = new Dominators(function);
        Assert.AreEqual(function.Blocks.Count, dominators.ReversePostorder.Length);
        Assert.AreSame(function.Blocks[0], dominators.ReversePostorder[0]);
        foreach (var block in function.Blocks.Skip(1))
        {
            int idom = dominators.Idom[block.Id];
            Assert.IsTrue(dominators.Dominates(idom, block.Id));
            Assert.IsTrue(dominators.Dominates(0, block.Id));
            // The immediate dominator is on every path: removing it disconnects the block from the entry.
            Assert.IsFalse(ReachableWithout(function, function.Blocks[idom]).Contains(block), $"b{idom} of b{block.Id}\n{function}");
            // A join's two arms do not dominate it.
            if (dominators.Predecessors[block.Id].Count == 2)
                foreach (var p in dominators.Predecessors[block.Id])
                    if (p.Terminator.Kind == TerminatorKind.Jump && !dominators.Dominates(block.Id, p.Id))
                        Assert.IsFalse(dominators.Dominates(p.Id, block.Id));
        }
    }

    private static HashSet<BasicBlock> ReachableWithout(IrFunction function, BasicBlock removed)
    {
        var seen = new HashSet<BasicBlock>();
        var pending = new Stack<BasicBlock>();
        if (removed != function.Blocks[0]) pending.Push(function.Blocks[0]);
        while (pending.Count > 0)
        {
            var block = pending.Pop();
            if (!seen.Add(block)) continue;
            foreach (var s in block.Terminator.Successors) if (s != removed) pending.Push(s);
        }
        return seen;
    }

    [TestMethod]
    public void SwapsAndValuesLiveAfterTheLoopKeepTheirMeaning()
    {
        // A rotating swap (the "swap problem") and a loop variable read after its loop (the "lost copy"), through the
        // whole optimiser and both register allocators.
        const string source = """
            (define printf (extern 'printf))
            (define-function fib-pair (n)
              (let ((a 0) (b 1) (i 0))
                (while (< i n) (let ((t a)) (set a b) (set b (+ t b))) (set i (+ i 1)))
                (printf "%lld %lld %lld\n" a b i)))
            (define-function rotate (n)
              (let ((x 1) (y 2) (z 3))
                (while (> n 0) (let ((t x)) (set x y) (set y z) (set z t)) (set n (- n 1)))
                (printf "%lld %lld %lld %lld\n" x y z n)))
            (define-function main ()
              (fib-pair 10) (fib-pair 0) (rotate 4) (rotate 0)
              0)
            """;
        Assert.AreEqual("55 89 10\n0 1 0\n2 3 1 0\n1 2 3 0\n", OutputOnEveryTarget(source));
    }
}
