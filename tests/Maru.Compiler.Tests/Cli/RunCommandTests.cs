using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Tests.Cli;

// `maru run` end to end, as a process whose stdout is a pipe: exit status, argv, output order, clean-up.
[TestClass]
public sealed class RunCommandTests
{
    private const string PrintArguments = """
        (define printf (extern 'printf))
        (define-function main (argc argv)
          (printf "argc=%lld\n" argc)
          (for (i 0 argc) (printf "[%lld]=%s\n" i (oop-at argv i)))
          (printf "argv[argc] is %s\n" (if (oop-at argv argc) "set" "NULL"))
          300)
        """;

    private const string Adder = """
        (define printf (extern 'printf))
        (define-function add (a b)
          (printf "adding %lld and %lld" a b)
          (printf "\n")
          (+ a b))
        (define-function hidden () 1)
        (define-function eleven (a b c d e f g h i j k) (+ a k))
        (export add eleven)
        """;

    [TestMethod]
    public void MainGetsTheFirstFilesPathAndTheArgumentsAndExitsWithTheLow8BitsOfItsResult()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("prog.l"), PrintArguments);
        File.WriteAllText(directory.File("more.l"), "(define-function unused () 0)\n");

        MaruRun run = MaruTool.Run(directory.Path, "run", "prog.l", "more.l", "--", "x", "y z", "-5", "", "--", "--entry", "é");

        Assert.AreEqual(300 & 0xff, run.ExitCode, run.ToString());
        Assert.AreEqual("""
            argc=8
            [0]=prog.l
            [1]=x
            [2]=y z
            [3]=-5
            [4]=
            [5]=--
            [6]=--entry
            [7]=é
            argv[argc] is NULL

            """.ReplaceLineEndings("\n"), run.Output);
        Assert.AreEqual("", run.Error);
    }

    [TestMethod]
    [DataRow("300", 44)]
    [DataRow("256", 0)]
    [DataRow("-1", 255)]
    [DataRow("0x10000002a", 42)]
    [DataRow("0", 0)]
    public void MainsResultIsTheExitStatus(string result, int status)
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("status.l"), $"(define-function main (argc argv) {result})\n");

        MaruRun run = MaruTool.Run(directory.Path, "run", "status.l");

        Assert.AreEqual(status, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Output);
        Assert.AreEqual("", run.Error);
    }

    [TestMethod]
    public void AMainWithoutParametersIsCalledWithNone()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("hello.l"), """
            (define printf (extern 'printf))
            (define-function main () (printf "hello, no newline") 7)
            """);

        MaruRun run = MaruTool.Run(directory.Path, "run", "hello.l", "--", "ignored", "args");

        Assert.AreEqual(7, run.ExitCode, run.ToString());
        Assert.AreEqual("hello, no newline", run.Output, "the C library's buffer is flushed before the tool exits");
        Assert.AreEqual("", run.Error);
    }

    [TestMethod]
    [DataRow("0x10", "-3", "13")]
    [DataRow("0xffffffffffffffff", "1", "0")]
    [DataRow("9223372036854775807", "1", "-9223372036854775808")]
    [DataRow("-0", "+7", "7")]
    public void AnEntryGetsIntegersAndItsPrintfOutputComesBeforeItsResult(string first, string second, string result)
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("add.l"), Adder);

        MaruRun run = MaruTool.Run(directory.Path, "run", "add.l", "--entry", "add", "--", first, second);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        long a = ParseWord(first), b = ParseWord(second);
        Assert.AreEqual($"adding {a} and {b}\n{result}\n", run.Output);
        Assert.AreEqual("", run.Error);
    }

    [TestMethod]
    [DataRow("hidden", DisplayName = "a function that is not exported")]
    [DataRow("nope", DisplayName = "a function that does not exist")]
    [DataRow("printf", DisplayName = "an extern")]
    public void AnEntryThatIsNotAnExportedFunctionExitsWith1(string entry)
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("add.l"), Adder);

        MaruRun run = MaruTool.Run(directory.Path, "run", "add.l", "--entry", entry);

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Output);
        Assert.AreEqual($"maru run: error: the program exports no function '{entry}'", run.Error.TrimEnd());
    }

    [TestMethod]
    [DataRow("add", new[] { "1" }, "'add' expects 2 arguments but is given 1")]
    [DataRow("add", new[] { "1", "2", "3" }, "'add' expects 2 arguments but is given 3")]
    [DataRow("add", new string[0], "'add' expects 2 arguments but is given 0")]
    [DataRow("eleven", new[] { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11" }, "'eleven' expects 11 arguments; maru run can pass at most 10")]
    public void AWrongNumberOfArgumentsExitsWith1(string entry, string[] arguments, string message)
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("add.l"), Adder);

        MaruRun run = MaruTool.Run(directory.Path, ["run", "add.l", "--entry", entry, "--", .. arguments]);

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Output, "the function is not called");
        Assert.AreEqual($"maru run: error: {message}", run.Error.TrimEnd());
    }

    [TestMethod]
    [DataRow("integrated")]
    [DataRow("external")]
    [DataRow("auto")]
    public void EitherToolchainBuildsTheProgram(string toolchain)
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("add.l"), Adder);

        MaruRun run = MaruTool.Run(directory.Path, "run", "add.l", "--toolchain", toolchain, "--entry", "add", "--", "2", "3");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("adding 2 and 3\n5\n", run.Output);
    }

    [TestMethod]
    public void AnUnknownToolchainIsAUsageError()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("add.l"), Adder);

        MaruRun run = MaruTool.Run(directory.Path, "run", "add.l", "--toolchain", "tcc", "--entry", "add", "--", "2", "3");

        Assert.AreNotEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Output, "nothing runs");
        StringAssert.Contains(run.Error, "tcc");
    }

    [TestMethod]
    public void ANonIntegerArgumentOfAnEntryIsAUsageError()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("add.l"), Adder);

        MaruRun run = MaruTool.Run(directory.Path, "run", "add.l", "--entry", "f", "--", "abc");

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Output);
        Assert.StartsWith("maru run: error: 'abc' is not an integer", run.Error);
    }

    [TestMethod]
    public void AProgramWithoutMainExitsWith1()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("add.l"), Adder);

        MaruRun run = MaruTool.Run(directory.Path, "run", "add.l");

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.AreEqual("maru run: error: the program exports no function 'main'", run.Error.TrimEnd());
    }

    [TestMethod]
    public void ACompileErrorIsReportedAndNothingRuns()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("bad.l"), """
            (define printf (extern 'printf))
            (define-function main (argc) (printf "ran\n") argc)
            """);

        MaruRun run = MaruTool.Run(directory.Path, "run", "bad.l");

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Output);
        MaruTool.AssertOnlyDiagnostics(run.Error);
        CollectionAssert.AreEqual(new[] { DiagnosticCodes.InvalidMain }, MaruTool.Codes(run.Error));
    }

    // The tool's temporary directories are Directory.CreateTempSubdirectory("maru-run-") in RunCommand and ("maru-") in
    // LibraryBuild. The process gets a temporary directory of its own, so other tests or builds on the machine that use
    // the same prefixes cannot disturb the comparison.
    [TestMethod]
    [DataRow("main", DisplayName = "a main")]
    [DataRow("entry", DisplayName = "an entry")]
    [DataRow("compile error", DisplayName = "a compile error")]
    [DataRow("bad entry", DisplayName = "an entry that does not exist")]
    public void RunLeavesNoTemporaryDirectory(string kind)
    {
        using var directory = new TemporaryDirectory();
        string temporary = Directory.CreateDirectory(directory.File("tmp")).FullName;
        File.WriteAllText(directory.File("prog.l"), kind == "compile error" ? "(define-function main () (undefined))" : """
            (define printf (extern 'printf))
            (define-function main (argc argv) (printf "%s\n" (oop-at argv 0)) 300)
            (define-function add (a b) (+ a b))
            """);
        string[] args = kind switch
        {
            "entry" => ["run", "prog.l", "--entry", "add", "--", "1", "2"],
            "bad entry" => ["run", "prog.l", "--entry", "nope"],
            _ => ["run", "prog.l", "--", "a"],
        };

        MaruRun run = MaruTool.Run(directory.Path, args, temporaryDirectory: temporary);

        Assert.AreEqual(kind switch { "main" => 44, "entry" => 0, _ => 1 }, run.ExitCode, run.ToString());
        Assert.IsEmpty(Directory.GetFileSystemEntries(temporary, "maru-*"), $"left behind in {temporary}: {string.Join(", ", Directory.GetFileSystemEntries(temporary))}");
    }

    // BUG: a program that ends the process itself (exit() from C, a crash, or an extern that the dynamic linker cannot
    // resolve on its first call) never returns to RunCommand's finally block, so its maru-run-* directory, with the
    // compiled library in it, is left in the temporary folder on every such run. (On POSIX the library can be deleted as
    // soon as it is loaded, which would make this impossible.)
    [TestMethod]
    [DataRow("(exit 3)", 3, DisplayName = "main calls exit(3)")]
    [DataRow("(oop-at 0 0)", 128 + 11, DisplayName = "main crashes with SIGSEGV")]
    public void RunLeavesNoTemporaryDirectoryWhenTheProgramEndsTheProcess(string body, int status)
    {
        using var directory = new TemporaryDirectory();
        string temporary = Directory.CreateDirectory(directory.File("tmp")).FullName;
        File.WriteAllText(directory.File("ends.l"), $"""
            (define exit (extern 'exit))
            (define printf (extern 'printf))
            (define-function main () (printf "before\n") {body})
            """);

        MaruRun run = MaruTool.Run(directory.Path, ["run", "ends.l"], temporaryDirectory: temporary);

        Assert.AreEqual(status, run.ExitCode, run.ToString());
        if (status == 3) Assert.AreEqual("before\n", run.Output, "exit() flushes the C library's buffers");
        Assert.IsEmpty(Directory.GetFileSystemEntries(temporary, "maru-*"), $"left behind in {temporary}: {string.Join(", ", Directory.GetFileSystemEntries(temporary).Select(Path.GetFileName))}");
    }

    [TestMethod]
    public void AnExternThatNoLibraryDefinesFailsBeforeTheProgramRuns()
    {
        // The C library has no such function: MARU0910 at the extern, before anything is built or run.
        using var directory = new TemporaryDirectory();
        string temporary = Directory.CreateDirectory(directory.File("tmp")).FullName;
        File.WriteAllText(directory.File("missing.l"), """
            (define printf (extern 'printf))
            (define no-such (extern 'maru_test_no_such_function))
            (define-function main () (printf "before\n") (no-such))
            """);

        MaruRun run = MaruTool.Run(directory.Path, ["run", "missing.l"], temporaryDirectory: temporary);

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Output, "main never ran");
        StringAssert.Contains(run.Error, "missing.l(2,1): error MARU0910: the C library of linux-x64 has no 'maru_test_no_such_function'");
        Assert.IsEmpty(Directory.GetFileSystemEntries(temporary, "maru-*"));
    }

    private static long ParseWord(string text) => text.StartsWith("0x", StringComparison.Ordinal)
        ? unchecked((long)Convert.ToUInt64(text[2..], 16))
        : long.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
}
