using System.Globalization;

namespace Maru.Compiler.Tests.IR;

/// <summary>Small leaf functions are inlined at their calls, with the semantics of a call.</summary>
[TestClass]
public sealed class InliningTests
{
    private static string FunctionText(string assembly, string name)
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
    public void LoopsRecursionCallsOfMaruFunctionsAndBigBodiesAreNotInlined()
    {
        string big = string.Join(" ", Enumerable.Range(0, 50).Select(i => i.ToString(CultureInfo.InvariantCulture)));
        string assembly = TestCompiler.Assembly($$"""
            (define-function sum-down (n) (let ((s 0)) (while (> n 0) (set s (+ s n)) (set n (- n 1))) s))
            (define-function fact (n) (if (< n 2) 1 (* n (fact (- n 1)))))
            (define-function leaf (x) (+ x 1))
            (define-function caller (x) (leaf (leaf x)))
            (define-function big (x) (+ x {{big}}))
            (define-function main () (+ (sum-down 3) (fact 3) (caller 1) (big 0)))
            """);
        string main = FunctionText(assembly, "main");
        StringAssert.Contains(main, "call\tsum_down");
        StringAssert.Contains(main, "call\tfact");
        StringAssert.Contains(main, "call\tcaller");
        StringAssert.Contains(main, "call\tbig");
        StringAssert.DoesNotMatch(FunctionText(assembly, "caller"), new System.Text.RegularExpressions.Regex("\tcall\t"), "a leaf is inlined into a function that is not one");
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
