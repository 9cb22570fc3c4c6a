using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Tests.Cli;

// `maru asm` end to end, as a process.
[TestClass]
public sealed class AsmCommandTests
{
    private const string A = "(define-function from-a (x) (+ (from-b x 1) 1000))\n";
    private const string B = "(define-function from-b (x y) (+ x y 100))\n";

    [TestMethod]
    public void AsmPrintsEachFilesAssemblyInCommandLineOrder()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("a.l"), A);
        File.WriteAllText(directory.File("b.l"), B);

        MaruRun run = MaruTool.Run(directory.Path, "asm", "a.l", "b.l");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Error);
        // Exactly the compiler's text for a.l and then for b.l.
        CompileResult expected = TestCompiler.Compile(SourceFile.FromText("a.l", A), SourceFile.FromText("b.l", B));
        Assert.IsTrue(expected.Success);
        Assert.AreEqual(string.Concat(expected.Assembly.Select(f => f.Text.EndsWith('\n') ? f.Text : f.Text + "\n")), run.Output);
        string[] lines = MaruTool.Lines(run.Output);
        int a = Array.IndexOf(lines, "from_a:");
        int b = Array.IndexOf(lines, "from_b:");
        Assert.IsTrue(a >= 0 && b > a, $"from_a: (line {a}) comes before from_b: (line {b})");

        MaruRun reversed = MaruTool.Run(directory.Path, "asm", "b.l", "a.l");
        Assert.AreEqual(0, reversed.ExitCode, reversed.ToString());
        string[] reversedLines = MaruTool.Lines(reversed.Output);
        Assert.IsTrue(Array.IndexOf(reversedLines, "from_b:") < Array.IndexOf(reversedLines, "from_a:"), "the order follows the command line");
    }

    [TestMethod]
    [DataRow("win-x64", "\t.seh_proc from_a")]
    [DataRow("osx-x64", "_from_a:")]
    public void AsmPrintsTheAssemblyOfOtherX64Platforms(string rid, string line)
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("a.l"), A);
        File.WriteAllText(directory.File("b.l"), B);

        MaruRun run = MaruTool.Run(directory.Path, "asm", "--rid", rid, "a.l", "b.l");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Error);
        var expected = MaruCompiler.Compile([SourceFile.FromText("a.l", A), SourceFile.FromText("b.l", B)], new CompileOptions(rid));
        Assert.IsTrue(expected.Success);
        Assert.AreEqual(string.Concat(expected.Assembly.Select(f => f.Text.EndsWith('\n') ? f.Text : f.Text + "\n")), run.Output);
        Assert.Contains(line, MaruTool.Lines(run.Output), $"the {rid} flavour");
    }

    [TestMethod]
    public void AFunctionOfOneFileCallsAFunctionOfAnother()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("a.l"), A);
        File.WriteAllText(directory.File("b.l"), B);

        MaruRun run = MaruTool.Run(directory.Path, "run", "a.l", "b.l", "--entry", "from-a", "--", "5");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("1106\n", run.Output);
        Assert.AreEqual("", run.Error);
    }

    [TestMethod]
    public void AnUnknownRuntimeIdentifierIsMaru0905()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("f.l"), A + B);

        MaruRun run = MaruTool.Run(directory.Path, "asm", "--rid", "linux-sparc", "f.l");

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Output);
        MaruTool.AssertOnlyDiagnostics(run.Error);
        CollectionAssert.AreEqual(new[] { DiagnosticCodes.UnsupportedRuntime }, MaruTool.Codes(run.Error));
        Assert.Contains("linux-sparc", run.Error);
    }

    [TestMethod]
    [DataRow("linux-arm64", "from_a:", "\tbl\tfrom_b")]
    [DataRow("osx-arm64", "_from_a:", "\tbl\t_from_b")]
    public void AsmForAnArm64RuntimePrintsThatTargetsAssembly(string runtimeIdentifier, string label, string call)
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("a.l"), A);
        File.WriteAllText(directory.File("b.l"), B);

        MaruRun run = MaruTool.Run(directory.Path, "asm", "--rid", runtimeIdentifier, "a.l", "b.l");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Error);
        CompileResult expected = MaruCompiler.Compile(new[] { SourceFile.FromText("a.l", A), SourceFile.FromText("b.l", B) }, new CompileOptions(runtimeIdentifier));
        Assert.AreEqual(string.Concat(expected.Assembly.Select(f => f.Text.EndsWith('\n') ? f.Text : f.Text + "\n")), run.Output);
        string[] lines = MaruTool.Lines(run.Output);
        CollectionAssert.Contains(lines, label);
        CollectionAssert.Contains(lines, call);
    }

    [TestMethod]
    public void ACompileErrorPrintsNoAssembly()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("a.l"), A);
        File.WriteAllText(directory.File("b.l"), "(define-function from-b (x) x)\n");

        MaruRun run = MaruTool.Run(directory.Path, "asm", "a.l", "b.l");

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Output, "no partial assembly");
        Assert.AreEqual("a.l(1,32): error MARU0103: 'from-b' expects 1 argument but is given 2", run.Error.TrimEnd());
    }
}
