using System.Globalization;

namespace Maru.Compiler.Tests.IR;

/// <summary>Small functions are inlined at their calls, within the growth bounds, with the semantics of a call.</summary>
[TestClass]
public sealed class InliningTests
{
    internal static string FunctionText(string assembly, string name)
    {
        int start = assembly.IndexOf($"\n{name}:", StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, assembly);
        int end = assembly.IndexOf(".size " + name + ",", start, StringComparison.Ordinal);
        return assembly[start..end];
    }

    [TestMethod]
    public void ASmallLeafIsInlinedAndTheResultIsTheSame()
    {
        const string source = """
            (define-function square (x) (* x x))
            (define-function main () (+ (square 5) (square (+ 1 2))))
            """;
        StringAssert.DoesNotMatch(FunctionText(TestCompiler.Assembly(source), "main"), new System.Text.RegularExpressions.Regex("\tcall\t"));
        StringAssert.Contains(FunctionText(TestCompiler.Assembly(source, inlineSmallFunctions: false), "main"), "call");
        Assert.AreEqual(34, TestCompiler.Run(source).ExitCode);
    }

    [TestMethod]
    public void AnInlinedBodyKeepsTheSemanticsOfACall()
    {
        // The callee assigns its parameter (not the caller's variable), arguments are evaluated once and in order, and
        // the callee's own let and if work at the call site; the same program compiled without inlining agrees.
        const string source = """
            (define printf (extern 'printf))
            (define counter 0)
            (define-function next () (set counter (+ counter 1)) counter)
            (define-function bump (x y) (set x (+ x 100)) (let ((t (* x 2))) (if (> t y) (- t y) (+ t y))))
            (define-function main ()
              (let ((a 1))
                (printf "%ld %ld\n" (bump a (next)) a)
                (printf "%ld %ld\n" (bump (next) (next)) counter)
                0))
            """;
        var inlined = TestCompiler.Run(source);
        var called = TestCompiler.RunOn(new CompileOptions(Maru.Compiler.Toolchain.NativeToolchain.HostRuntimeIdentifier) { InlineSmallFunctions = false }, source);
        Assert.AreEqual(0, inlined.ExitCode, inlined.StandardError);
        Assert.AreEqual("201 1\n201 3\n", inlined.StandardOutput);
        Assert.AreEqual(called.StandardOutput, inlined.StandardOutput);
        StringAssert.DoesNotMatch(FunctionText(TestCompiler.Assembly(source), "main"), new System.Text.RegularExpressions.Regex("\tcall\tbump"));
    }

    [TestMethod]
    public void BigBodiesAndBodiesThatTakeAnAddressAreNotInlined()
    {
        string big = string.Join(" ", Enumerable.Range(0, Maru.Compiler.IR.Inlining.MaxNodes).Select(i => i.ToString(CultureInfo.InvariantCulture)));
        string assembly = TestCompiler.Assembly($$"""
            (define-function big (x) (+ x {{big}}))
            (define-function addressed (x) (let ((y x)) (long-at (address-of y) 0)))
            (define-function main () (+ (big 0) (big 1) (addressed 1)))
            """);
        string main = FunctionText(assembly, "main");
        StringAssert.Contains(main, "call\tbig");
        StringAssert.Contains(main, "call\taddressed");
    }

    /// <summary>A body of <paramref name="expressions"/> expressions that adds 0, 1, 2 ... to x: (+ x 0 1 ...).</summary>
    private static string LongSum(int expressions) =>
        "(+ x " + string.Join(" ", Enumerable.Range(0, expressions - 2).Select(i => i.ToString(CultureInfo.InvariantCulture))) + ")";

    private static long LongSumOf(long x, int expressions) => x + (expressions - 2L) * (expressions - 3) / 2;

    [TestMethod]
    public void AFunctionCalledOnceInALoopIsInlinedWhateverItsSize()
    {
        string source = $$"""
            (define-function once (x) {{LongSum(100)}})
            (define-function main () (let ((s 0)) (for (i 0 3) (set s (+ s (once i)))) (& s 255)))
            """;
        StringAssert.DoesNotMatch(FunctionText(TestCompiler.Assembly(source), "main"), new System.Text.RegularExpressions.Regex("\tcall\t"));
        Assert.AreEqual((int)((LongSumOf(0, 100) + LongSumOf(1, 100) + LongSumOf(2, 100)) & 255), TestCompiler.Run(source).ExitCode);
    }

    [TestMethod]
    public void ABigFunctionCalledTwiceTakenAsAValueCallingItselfOrOutOfALoopIsCalled()
    {
        string body = LongSum(100);
        string assembly = TestCompiler.Assembly($$"""
            (define-function twice (x) {{body}})
            (define-function valued (x) {{body}})
            (define-function recursive (x) (if (> x 0) (recursive (- x 1)) {{body}}))
            (define-function outside (x) {{body}})
            (define handler valued)
            (define-function main ()
              (let ((s (outside 0)))
                (for (i 0 2) (set s (+ s (twice i) (twice 2) (valued 3) (recursive 4))))
                s))
            """);
        string main = FunctionText(assembly, "main");
        Assert.AreEqual(2, System.Text.RegularExpressions.Regex.Count(main, "\tcall\ttwice"), main);
        StringAssert.Contains(main, "\tcall\tvalued");
        StringAssert.Contains(main, "\tcall\trecursive");
        StringAssert.Contains(main, "\tcall\toutside");
    }

    [TestMethod]
    public void TheOneCallCopiedByInliningItsCallerIsCalledInTheCopies()
    {
        // wrap's call is once's only one: once moves into wrap's loop; the copies of wrap inlined into main keep a call.
        string source = $$"""
            (define-function once (x) {{LongSum(100)}})
            (define-function wrap (n) (let ((s 0)) (for (i 0 n) (set s (+ s (once i)))) s))
            (define-function main () (& (+ (wrap 1) (wrap 2)) 255))
            """;
        string assembly = TestCompiler.Assembly(source);
        StringAssert.DoesNotMatch(FunctionText(assembly, "wrap"), new System.Text.RegularExpressions.Regex("\tcall\t"));
        Assert.AreEqual(2, System.Text.RegularExpressions.Regex.Count(FunctionText(assembly, "main"), "\tcall\tonce"));
        Assert.AreEqual((int)((2 * LongSumOf(0, 100) + LongSumOf(1, 100)) & 255), TestCompiler.Run(source).ExitCode);
    }

    [TestMethod]
    public void FunctionsThatCallLoopOrReturnAreInlinedAndNest()
    {
        // leaf into twice into quad (nested), a loop, an early return (from the inlined body, not its caller).
        const string source = """
            (define-function leaf (x) (+ x 1))
            (define-function twice (x) (* (leaf x) 2))
            (define-function quad (x) (twice (twice x)))
            (define-function sum-down (n) (let ((s 0)) (while (> n 0) (set s (+ s n)) (set n (- n 1))) s))
            (define-function clamp (x) (when (< x 0) (return 0)) (if (> x 9) (return 9) x))
            (define-function main () (+ (quad 1) (sum-down 4) (clamp -5) (clamp 50) (clamp 3)))
            """;
        StringAssert.DoesNotMatch(FunctionText(TestCompiler.Assembly(source), "main"), new System.Text.RegularExpressions.Regex("\tcall\t"));
        Assert.AreEqual(10 + 10 + 0 + 9 + 3, TestCompiler.Run(source).ExitCode);
    }

    [TestMethod]
    public void ARecursiveFunctionIsUnrolledIntoItselfToTheDepthBound()
    {
        // fib: each inlined level is a loop of its own (its right-hand call accumulates), one call is left at the bottom.
        static long Fib(long n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);
        const string source = """
            (define printf (extern 'printf))
            (define-function fib (n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
            (define-function main () (printf "%ld %ld %ld\n" (fib 0) (fib 7) (fib 27)) 0)
            """;
        string fib = FunctionText(TestCompiler.Assembly(source), "fib");
        Assert.AreEqual(1, System.Text.RegularExpressions.Regex.Count(fib, "\tcall\t"), fib);
        Assert.AreEqual(Maru.Compiler.IR.Inlining.MaxDepth + 1, System.Text.RegularExpressions.Regex.Count(fib, "\\.p2align 4,,10"), "one loop per level: " + fib);
        var run = TestCompiler.Run(source);
        Assert.AreEqual($"0 {Fib(7)} {Fib(27)}\n", run.StandardOutput, run.StandardError);
    }

    [TestMethod]
    public void InliningStopsAtTheGrowthBoundAndKeepsTheResult()
    {
        // Each level calls the one below twice: inlining everything would grow 2^10-fold; the bound keeps calls.
        var source = new System.Text.StringBuilder("(define-function f0 (x) (+ x 1))\n");
        for (int i = 1; i <= 10; i++) source.Append(CultureInfo.InvariantCulture, $"(define-function f{i} (x) (+ (f{i - 1} x) (f{i - 1} (* x 3))))\n");
        source.Append("(define-function main () (& (f10 1) 255))\n");
        static long F(int level, long x) => level == 0 ? x + 1 : F(level - 1, x) + F(level - 1, x * 3);
        string f10 = FunctionText(TestCompiler.Assembly(source.ToString()), "f10");
        StringAssert.Contains(f10, "\tcall\t");
        Assert.IsLessThan(2 * Maru.Compiler.IR.Inlining.FunctionAllowance, f10.Split('\n').Count(l => l.StartsWith('\t') && !l.StartsWith("\t.", StringComparison.Ordinal)),
            "instructions of f10: " + f10);
        Assert.AreEqual((int)(F(10, 1) & 255), TestCompiler.Run(source.ToString()).ExitCode);
    }

    [TestMethod]
    public void ACandidateIsLetGoOnceNoLaterCallCanReachIt()
    {
        // Two hundred small functions that nothing calls are let go. a's one call is in b's body, lowered long before
        // main calls b: a is kept all the same, since main's copy of b calls it (depth 1), and main inlines both.
        var source = new System.Text.StringBuilder("(define-function a (x) (* x 3))\n(define-function b (x) (+ (a x) 1))\n");
        for (int i = 0; i < 200; i++) source.Append(CultureInfo.InvariantCulture, $"(define-function unused{i} (x) (+ x {i}))\n");
        source.Append("(define-function main () (b 5))\n");
        var (unit, diagnostics) = TestCompiler.Expand(source.ToString());
        var program = Maru.Compiler.Semantics.Analyzer.Analyze(unit, diagnostics);
        Assert.IsFalse(diagnostics.HasErrors, string.Join("\n", diagnostics.Items));
        var inlining = new Maru.Compiler.IR.Inlining();
        var module = new Maru.Compiler.IR.IrModule();
        foreach (var function in program.Functions.Where(f => f.Name != "main"))
            Maru.Compiler.IR.Lowering.Lower(module, function, function.Body, registerArguments: 6, inlining);
        var kept = inlining.Candidates.Select(f => f.Name).ToList();
        CollectionAssert.IsSubsetOf(new[] { "a", "b" }, kept);
        Assert.IsLessThan(100, kept.Count, string.Join(" ", kept));

        string assembly = TestCompiler.Assembly(source.ToString());
        StringAssert.DoesNotMatch(FunctionText(assembly, "main"), new System.Text.RegularExpressions.Regex("\tcall\t"));
        Assert.AreEqual(16, TestCompiler.Run(source.ToString()).ExitCode);
    }

    [TestMethod]
    public void AFileGrowsByAtMostItsOwnSizeAndTheFileAllowance()
    {
        // Each caller has 21 expressions and inlines 30 (ten bodies of 3): the file's inlined expressions catch up with
        // its size plus the allowance after about (400 + 3) / 9 callers; later callers keep their calls.
        var source = new System.Text.StringBuilder("(define-function inc (x) (+ x 1))\n");
        const int callers = 80;
        for (int i = 0; i < callers; i++)
            source.Append(CultureInfo.InvariantCulture, $"(define-function c{i} (x) (+ {string.Join(" ", Enumerable.Repeat("(inc x)", 10))}))\n");
        string assembly = TestCompiler.Assembly(source.ToString());
        StringAssert.DoesNotMatch(FunctionText(assembly, "c0"), new System.Text.RegularExpressions.Regex("\tcall\t"));
        StringAssert.Contains(FunctionText(assembly, $"c{callers - 1}"), "\tcall\tinc");
    }

    [TestMethod]
    public void ABodyInlinedInTailPositionKeepsItsTailCalls()
    {
        // pong's tail call of ping is inlined; ping's tail call of pong, now in pong's tail position, stays a jump:
        // 10 million rounds run in constant stack.
        const string source = """
            (define printf (extern 'printf))
            (define-function ping (n a) (if (= n 0) a (pong (- n 1) (+ a 3))))
            (define-function pong (n x) (ping n (- x 1)))
            (define-function main () (printf "%ld\n" (ping 10000000 0)) 0)
            """;
        string pong = FunctionText(TestCompiler.Assembly(source), "pong");
        StringAssert.DoesNotMatch(pong, new System.Text.RegularExpressions.Regex("\tcall\t"), pong);
        var run = TestCompiler.Run(source);
        Assert.AreEqual("20000000\n", run.StandardOutput, run.StandardError);
    }

    [TestMethod]
    public void AFunctionOfAnotherFileIsCalledNotInlined()
    {
        // So that editing one file changes only that file's code (the SDK reassembles one object per edited file).
        var result = TestCompiler.Compile(
            Maru.Compiler.Diagnostics.SourceFile.FromText("math.l", "(define-function square (x) (* x x))"),
            Maru.Compiler.Diagnostics.SourceFile.FromText("use.l", "(define-function twice-square (x) (* 2 (square x)))"));
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        StringAssert.Contains(result.Assembly.Single(a => a.SourcePath == "use.l").Text, "call\tsquare");
    }
}
