using System.Diagnostics;
using System.Text;
using Maru.Cli;

namespace Maru.Runtime.Tests;

[TestClass]
public sealed class ReplTests
{
    private sealed record Session(string Output, string Error);

    private static Session Repl(params string[] lines)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        int exit = ReplCommand.Run(new PipedLines(new StringReader(string.Join("\n", lines) + "\n")), output, error, new History(null));
        Assert.AreEqual(0, exit);
        return new Session(output.ToString(), error.ToString());
    }

    [TestMethod]
    public void DefinitionsAndExpressionsAreCompiledAndRunAsTheyAreEntered()
    {
        var session = Repl("(define-function sq (x) (* x x))", "(sq 12)", "(+ (sq 3) 1)", "42");
        Assert.AreEqual("defined sq\n144\n10\n42\n", session.Output);
        Assert.AreEqual("", session.Error);
    }

    [TestMethod]
    public void ARedefinitionIsUsedByLaterCallsAlsoFromOtherFunctions()
    {
        var session = Repl(
            "(define-function f (x) (+ x 1))",
            "(define-function g (x) (* 10 (f x)))",
            "(g 1)",
            "(define-function f (x) (- x 1))",
            "(g 1)",
            "(f 5)");
        Assert.AreEqual("defined f\ndefined g\n20\nredefined f\n0\n4\n", session.Output);
    }

    [TestMethod]
    public void GlobalsKeepTheirValuesFromOneLineToTheNext()
    {
        var session = Repl(
            "(define count 5)",
            "(set count (+ count 1))",
            "(define-function bump () (set count (+ count 10)))",
            "(bump)",
            "count",
            "(define count 100)",
            "count");
        Assert.AreEqual("defined count\n6\ndefined bump\n16\n16\nredefined count\n100\n", session.Output);
    }

    [TestMethod]
    public void ABadLinePrintsItsDiagnosticsAndTheSessionGoesOn()
    {
        var session = Repl(
            "(define-function sq (x) (* x x))",
            "(sq 1 2)",
            "(define-function sq (x y) (nope x))",
            "  (undefined-thing 3)",
            "(sq 4)");
        Assert.AreEqual("defined sq\n16\n", session.Output);
        string[] errors = session.Error.TrimEnd().Split('\n');
        Assert.HasCount(3, errors);
        StringAssert.StartsWith(errors[0], "repl-2(1,1): error MARU0103: 'sq' expects 1 argument but is given 2");
        StringAssert.Contains(errors[1], "repl-3(");
        StringAssert.Contains(errors[1], "'nope' is not defined");
        StringAssert.StartsWith(errors[2], "repl-4(1,4): error MARU0105: 'undefined-thing' is not defined");
    }

    [TestMethod]
    public void AMacroDefinedAtThePromptIsUsedOnTheNextLineInExpressionsAndInLaterDefinitions()
    {
        var session = Repl(
            "(define-form twice (x) `(+ ,x ,x))",
            "(twice 21)",
            "(define-function quadruple (y) (twice (twice y)))",
            "(quadruple 3)",
            "(define total (twice 5))",
            "total");
        Assert.AreEqual("defined twice\n42\ndefined quadruple\n12\ndefined total\n10\n", session.Output);
        Assert.AreEqual("", session.Error);
    }

    [TestMethod]
    public void ARedefinedMacroIsUsedByTheInputsAfterItWhileEarlierDefinitionsKeepTheirExpansion()
    {
        var session = Repl(
            "(define-form twice (x) `(+ ,x ,x))",
            "(define-function f (y) (twice y))",
            "(define-form twice (x) `(* ,x ,x))",
            "(twice 5)",
            "(f 5)",
            "(define-function f (y) (twice y))",
            "(f 5)",
            ":defs");
        Assert.AreEqual("defined twice\ndefined f\nredefined twice\n25\n10\nredefined f\n25\ntwice\nf\n", session.Output);
        Assert.AreEqual("", session.Error);
    }

    [TestMethod]
    public void AConstantIsUsableAndARedefinitionReplacesItEverywhere()
    {
        var session = Repl(
            "(define-constant width 8)",
            "(* width 2)",
            "(define-function area (h) (* width h))",
            "(area 3)",
            "(define-constant width 10)",
            "width",
            "(area 3)");
        Assert.AreEqual("defined width\n16\ndefined area\n24\nredefined width\n10\n30\n", session.Output);
        Assert.AreEqual("", session.Error);
    }

    [TestMethod]
    public void AStructuresAccessorsAreUsableAndARedefinitionKeepsItsTypeNumberAndAddsFields()
    {
        var session = Repl(
            "(define malloc (extern 'malloc))",
            "(define-structure point (x y))",
            "point",
            "(define-function make-point (x y) (let ((p (malloc (* 3 8)))) (set (point-x p) x) (set (point-y p) y) p))",
            "(point-y (make-point 3 4))",
            "(define-structure point (x y z))",
            "(define-function z-of (p) (set (point-z p) 7) (point-z p))",
            "(z-of (make-point 1 2))",
            "(point-x (make-point 5 6))",
            "point",
            ":defs");
        Assert.AreEqual("defined malloc\ndefined point\n18\ndefined make-point\n4\nredefined point\ndefined z-of\n7\n5\n18\n"
            + "malloc\npoint\nmake-point\nz-of\n", session.Output);
        Assert.AreEqual("", session.Error);
    }

    [TestMethod]
    public void AMacroUseThatExpandsToADefinitionDefinesAsInAFile()
    {
        var session = Repl(
            "(define-form define-square (name) `(define-function ,name (x) (* x x)))",
            "(define-square sq)",
            "(sq 7)",
            "(define-form define-counters names `(let () ,@(map (lambda (n) `(define ,n 0)) names)))",
            "(define-counters hits misses)",
            "(set hits 3)",
            "(+ hits misses)");
        Assert.AreEqual("defined define-square\ndefined sq\n49\ndefined define-counters\ndefined hits misses\n3\n3\n", session.Output);
        Assert.AreEqual("", session.Error);
    }

    [TestMethod]
    public void AMacroDefinitionAndItsUseInOneInputBehaveAsInAFile()
    {
        var session = Repl(
            "(define-form inc (x) `(+ ,x 1)) (inc 41) (define-function inc2 (x) (inc (inc x))) (inc2 1)");
        Assert.AreEqual("defined inc\n42\ndefined inc2\n3\n", session.Output);
        Assert.AreEqual("", session.Error);
    }

    [TestMethod]
    public void AMacroThatFailsIsADiagnosticAtItsUseAndChangesNothing()
    {
        var session = Repl(
            "(define-form checked (x) (if (< x 0) (error \"negative: \" x) x))",
            "(+ 1 (checked 2))",
            "(+ 1 (checked -2))",
            "(define-function f ()",
            "  (checked -5))",
            ":defs");
        Assert.AreEqual("defined checked\n3\nchecked\n", session.Output);
        string[] errors = session.Error.TrimEnd().Split('\n');
        Assert.HasCount(2, errors, session.Error);
        StringAssert.StartsWith(errors[0], "repl-3(1,6): error MARU0201: in macro 'checked': negative: -2");
        StringAssert.StartsWith(errors[1], "repl-4(2,3): error MARU0201: in macro 'checked': negative: -5");
    }

    [TestMethod]
    public void InputContinuesOverLinesUntilTheParenthesesBalance()
    {
        var session = Repl(
            "(define-function fib (n)",
            "  \"Fibonacci; with a ) in a string\" ; and ( in a comment",
            "  (if (< n 2)",
            "      n",
            "      (+ (fib (- n 1)) (fib (- n 2)))))",
            "(fib",
            " 20) (- ?) 31)",
            "(+ 1");
        Assert.AreEqual("defined fib\n6765\n10\n", session.Output);
        StringAssert.Contains(session.Error, "MARU0003");
    }

    [TestMethod]
    public void CommandsListDefinitionsAndHistory()
    {
        var session = Repl("(define x 1)", "(define-function f () x)", ":defs", ":history", ":quit", "(f)");
        Assert.AreEqual("defined x\ndefined f\nx\nf\n(define x 1)\n(define-function f () x)\n:defs\n:history\n", session.Output);
    }

    [TestMethod]
    [DataRow("(define x", true, false)]
    [DataRow("(define x 1)", true, true)]
    [DataRow("\"(", true, false)]
    [DataRow("(f ?( ?\\) \")\" ; )", true, false)]
    [DataRow("(f ?( ?\\) \")\") ; (", true, true)]
    [DataRow("empty?(", true, false)]
    [DataRow("))", true, true)]
    public void CompletenessFollowsTheReader(string text, bool _, bool complete) => Assert.AreEqual(complete, ReplSession.IsComplete(text));

    [TestMethod]
    public void PipedInputWorksWithTheRealCommand()
    {
        using var directory = new TemporaryDirectory();
        var startInfo = MaruStartInfo("repl", "--history", directory.File("history"));
        startInfo.RedirectStandardInput = true;
        using var process = Process.Start(startInfo)!;
        process.StandardInput.Write("(define printf (extern 'printf))\n(define-function hello (n)\n  (printf \"hello %lld\\n\" n)\n  n)\n(hello 7)\n(hello 8 9)\n(* 6 7)\n");
        process.StandardInput.Close();
        var run = TestHost.Finish(process);
        Assert.AreEqual(0, run.ExitCode);
        Assert.AreEqual("defined printf\ndefined hello\nhello 7\n7\n42\n", run.StandardOutput);
        StringAssert.Contains(run.StandardError, "'hello' expects 1 argument but is given 2");
        StringAssert.StartsWith(File.ReadAllText(directory.File("history")), "(define printf (extern 'printf))\n(define-function hello (n)\n");
    }

    [TestMethod]
    public void InATerminalLinesAreEditedAndRecalledFromTheHistory()
    {
        Assert.IsTrue(File.Exists("/usr/bin/script"), "script(1) from bsdutils gives the REPL a terminal: apt-get install bsdutils");
        using var directory = new TemporaryDirectory();
        string history = directory.File("history");
        File.WriteAllText(history, "(* 6 7)\n");

        using (var terminal = Terminal.Start(history))
        {
            terminal.Expect("maru> ");
            terminal.Type("(define-function sq (x) (* x x))\r");
            terminal.Expect("defined sq");
            terminal.Expect("maru> ");
            terminal.Type("(sq 12)\r");
            terminal.Expect("144");
            terminal.Expect("maru> ");
            // Up recalls (sq 12); Left, Backspace and typing edit it into (sq 13).
            terminal.Type("\u001b[A\u001b[D\u007f3\r");
            terminal.Expect("169");
            terminal.Expect("maru> ");
            // Up four times reaches the line of an earlier session.
            terminal.Type("\u001b[A\u001b[A\u001b[A\u001b[A\r");
            terminal.Expect("42");
            terminal.Expect("maru> ");
            terminal.Type("(+ 1\r");
            terminal.Expect("... ");
            terminal.Type("2)\r");
            terminal.Expect("3");
            terminal.Expect("maru> ");
            // Ctrl-C drops an unfinished input.
            terminal.Type("(sq\r");
            terminal.Expect("... ");
            terminal.Type("\u0003");
            terminal.Expect("maru> ");
            terminal.Type("(sq 5)\r");
            terminal.Expect("25");
            terminal.Expect("maru> ");
            terminal.Type("(sq)\r");
            terminal.Expect("error MARU0103");
            terminal.Expect("maru> ");
            terminal.Type("\u0004");
            terminal.WaitForExit();
        }
        CollectionAssert.AreEqual(
            new[] { "(* 6 7)", "(define-function sq (x) (* x x))", "(sq 12)", "(sq 13)", "(* 6 7)", "(+ 1", "2)", "(sq", "(sq 5)", "(sq)" },
            File.ReadAllLines(history));
    }

    internal static ProcessStartInfo MaruStartInfo(params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(TestHost.Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "maru.dll"));
        foreach (string argument in arguments) startInfo.ArgumentList.Add(argument);
        return startInfo;
    }

    /// <summary><c>maru repl</c> in a pseudo-terminal (made by util-linux <c>script</c>), typed at and read like a user would.</summary>
    private sealed class Terminal : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _screen = new();
        private int _read;

        private Terminal(Process process)
        {
            _process = process;
            _ = Task.Run(async () =>
            {
                var buffer = new char[4096];
                int n;
                while ((n = await process.StandardOutput.ReadAsync(buffer)) > 0)
                    lock (_screen) _screen.Append(buffer, 0, n);
            });
        }

        public static Terminal Start(string history)
        {
            string maru = Path.Combine(AppContext.BaseDirectory, "maru.dll");
            var startInfo = new ProcessStartInfo("script")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in new[] { "-q", "-f", "-e", "-c", $"'{TestHost.Dotnet}' '{maru}' repl --history '{history}'", "/dev/null" })
                startInfo.ArgumentList.Add(argument);
            startInfo.Environment["TERM"] = "xterm";
            return new Terminal(Process.Start(startInfo)!);
        }

        public void Type(string keys)
        {
            _process.StandardInput.Write(keys);
            _process.StandardInput.Flush();
        }

        /// <summary>Waits until <paramref name="text"/> appears after what earlier expectations consumed.</summary>
        public void Expect(string text)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                lock (_screen)
                {
                    int at = _screen.ToString().IndexOf(text, _read, StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        _read = at + text.Length;
                        return;
                    }
                }
                Thread.Sleep(10);
            }
            lock (_screen) Assert.Fail($"'{text}' did not appear; the terminal shows:\n{_screen.ToString()[_read..]}");
        }

        public void WaitForExit()
        {
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) Assert.Fail("the REPL did not end at Ctrl-D");
            Assert.AreEqual(0, _process.ExitCode);
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }
}
