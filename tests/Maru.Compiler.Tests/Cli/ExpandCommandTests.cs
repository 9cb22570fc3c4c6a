using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Tests.Cli;

// `maru expand` end to end, as a process. The expected texts are what Maru's own expander prints for the same forms
// (tools/expand-check compares the two).
[TestClass]
public sealed class ExpandCommandTests
{
    [TestMethod]
    public void AMacroDefinitionAndItsUseArePrintedExpandedOneFormALine()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("twice.l"), """
            (define-form twice (x) `(+ ,x ,x))
            (define-function four-times (y)
              (twice (twice y)))
            """);

        MaruRun run = MaruTool.Run(directory.Path, "expand", "twice.l");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Error);
        Assert.AreEqual("""
            (define twice (form (lambda (*env* x) (cons (quote +) (cons x (cons x (quote nil)))))))
            (define four-times (lambda (y) (+ (+ y y) (+ y y))))

            """, run.Output);
    }

    [TestMethod]
    public void QuasiquoteBecomesConsAndConcatListWithQuotedConstants()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("qq.l"), """
            (define-form splice (a . rest) `(list ,a 'b ,@rest . tail))
            (define-form structure-of (name) `(define-structure ,name (x y)))
            (structure-of <point>)
            (define-function y-of (p) (set (<point>-x p) 1) (<point>-y p))
            (define-constant answer 42)
            (define greeting "hi\n")
            (define-function quoted () '(answer (twice 1) [a] "s" ?a))
            """);

        MaruRun run = MaruTool.Run(directory.Path, "expand", "qq.l");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        CollectionAssert.AreEqual(new[]
        {
            "(define splice (form (lambda (*env* a . rest) (cons (quote list) (cons a (cons (cons (quote quote) (cons (quote b) (quote nil))) (concat-list rest (quote tail))))))))",
            // A constant list is built cell by cell, not quoted whole.
            "(define structure-of (form (lambda (*env* name) (cons (quote define-structure) (cons name (cons (cons (quote x) (cons (quote y) (quote nil))) (quote nil)))))))",
            // A structure is a let of its type number and its accessor macros; the first of a program is type 18.
            "(let nil (define <point> 18) (define <point>-x (form (lambda (*env* self) (list (quote oop-at) self 0)))) (define <point>-y (form (lambda (*env* self) (list (quote oop-at) self 1)))) 18)",
            "(define y-of (lambda (p) (set-oop-at p 0 1) (oop-at p 1)))",
            "(define answer (form nil (lambda args (quote 42))))",
            "(define greeting \"hi\\012\")",
            // Quote stops expansion: the symbol macro and the list inside stay as they are.
            "(define quoted (lambda nil (quote (answer (twice 1) (a) \"s\" 97))))",
        }, MaruTool.Lines(run.Output));
    }

    [TestMethod]
    public void TheFormsOfALoadedFileFollowTheLoadFormAndTheFilesFollowTheCommandLine()
    {
        using var directory = new TemporaryDirectory();
        Directory.CreateDirectory(directory.File("lib"));
        File.WriteAllText(directory.File("lib/macros.l"), "(define-form twice (x) `(+ ,x ,x))\n(define-function helper () 1)\n");
        File.WriteAllText(directory.File("main.l"), "(define-function before () 0)\n(load \"lib/macros.l\")\n(define-function after (x) (twice x))\n");
        File.WriteAllText(directory.File("other.l"), "(define-function other (x) (twice (helper)))\n");

        MaruRun run = MaruTool.Run(directory.Path, "expand", "main.l", "other.l");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Error);
        CollectionAssert.AreEqual(new[]
        {
            "(define before (lambda nil 0))",
            "(load \"lib/macros.l\")",
            "(define twice (form (lambda (*env* x) (cons (quote +) (cons x (cons x (quote nil)))))))",
            "(define helper (lambda nil 1))",
            "(define after (lambda (x) (+ x x)))",
            "(define other (lambda (x) (+ (helper) (helper))))",
        }, MaruTool.Lines(run.Output));
    }

    [TestMethod]
    public void AnErrorPrintsWhatWasExpandedThenTheDiagnosticAndExitsWith1()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("bad.l"), """
            (define-form twice (x) `(+ ,x ,x))
            (define-function ok (y) (twice y))
            (define-form broken (x) (no-such-function x))
            (define-function uses (y)
              (+ 1 (broken y)))
            (define-function later () (twice 2))
            """);

        MaruRun run = MaruTool.Run(directory.Path, "expand", "bad.l");

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        // As gcc -E: every form that could be expanded, the failing one left out.
        CollectionAssert.AreEqual(new[]
        {
            "(define twice (form (lambda (*env* x) (cons (quote +) (cons x (cons x (quote nil)))))))",
            "(define ok (lambda (y) (+ y y)))",
            "(define broken (form (lambda (*env* x) (no-such-function x))))",
            "(define later (lambda nil (+ 2 2)))",
        }, MaruTool.Lines(run.Output));
        string[] errors = MaruTool.AssertOnlyDiagnostics(run.Error);
        Assert.HasCount(1, errors, run.Error);
        // At the macro call in the user's file: line 5, column 8.
        Assert.StartsWith($"bad.l(5,8): error {DiagnosticCodes.UndefinedName}: ", errors[0]);
        Assert.Contains("broken", errors[0]);
        Assert.Contains("'no-such-function' is not defined", errors[0]);
    }

    [TestMethod]
    public void AReadErrorIsADiagnosticWithItsPosition()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("open.l"), "(define-function f (x)\n  (+ x 1)\n");

        MaruRun run = MaruTool.Run(directory.Path, "expand", "open.l");

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Output);
        string[] errors = MaruTool.AssertOnlyDiagnostics(run.Error);
        Assert.StartsWith("open.l(1,1): error MARU", errors[0]);
    }

    [TestMethod]
    public void WhatCompileTimeCodePrintsGoesToStandardErrorSoThatStandardOutputIsTheExpansion()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("noisy.l"), """
            (define-form noisy (x) (print "expanding ") (dump "noisy") (println) `(+ ,x 1))
            (define-function f (y) (noisy y))
            """);

        MaruRun run = MaruTool.Run(directory.Path, "expand", "noisy.l");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("expanding \"noisy\"\n", run.Error);
        // The macro's definition holds the strings; its use prints nothing on stdout.
        Assert.AreEqual("(define f (lambda (y) (+ y 1)))", MaruTool.Lines(run.Output)[^1]);
        Assert.HasCount(2, MaruTool.Lines(run.Output));
    }

    [TestMethod]
    public void AnotherRuntimeIdentifierExpandsTheSameAndAnUnknownOneIsMaru0905()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("f.l"), "(define-form twice (x) `(+ ,x ,x))\n(define-function f (y) (twice y))\n");

        MaruRun host = MaruTool.Run(directory.Path, "expand", "f.l");
        MaruRun windows = MaruTool.Run(directory.Path, "expand", "--rid", "win-x64", "f.l");
        MaruRun unknown = MaruTool.Run(directory.Path, "expand", "--rid", "linux-sparc", "f.l");

        Assert.AreEqual(0, windows.ExitCode, windows.ToString());
        Assert.AreEqual(host.Output, windows.Output);
        Assert.AreEqual(1, unknown.ExitCode, unknown.ToString());
        Assert.AreEqual("", unknown.Output);
        CollectionAssert.AreEqual(new[] { DiagnosticCodes.UnsupportedRuntime }, MaruTool.Codes(unknown.Error));
    }

    [TestMethod]
    [DataRow()]
    [DataRow("--rid")]
    [DataRow("f.l", "--bogus")]
    [DataRow("f.l", "-o", "out")]
    public void AWrongCommandLinePrintsTheUsageAndExitsWith2(params string[] args)
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("f.l"), "(define-function f () 1)\n");

        MaruRun run = MaruTool.Run(directory.Path, ["expand", .. args]);

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Output);
        Assert.Contains("Usage:", run.Error);
        Assert.Contains("maru expand", run.Error);
    }
}
