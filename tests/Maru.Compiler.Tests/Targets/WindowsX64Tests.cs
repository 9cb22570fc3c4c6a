using System.Text.RegularExpressions;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Tests.Cli;

namespace Maru.Compiler.Tests.Targets;

/// <summary>win-x64 DLLs as Windows sees them: their export table, their unwind data, and a stack walk under wine.</summary>
[TestClass]
public sealed partial class WindowsX64Tests
{
    // Frames with pushes and stack allocation, a leaf, a shrink-wrapped early return, tail calls, a callback, and
    // doubles kept across a call in callee-saved xmm registers.
    private const string Program = """
        (export inner outer fib depth keep)
        (define-function inner (f k) (let ((r (f 0))) (+ r k)))
        (define-function outer (f) (let ((r (inner f 2))) (+ r 1)))
        (define-function fib (n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
        (define-function depth (tree)
          (if (= tree 0) 0 (+ 1 (max2 (depth (oop-at tree 0)) (depth (oop-at tree 1))))))
        (define-function max2 (a b) (if (> a b) a b))
        (define-function even? (n) (if (= n 0) 1 (odd? (- n 1))))
        (define-function odd? (n) (if (= n 0) 0 (even? (- n 1))))
        (define-function keep (f)
          (let ((a (long->double f)) (b (fl* (long->double f) 0.5)))
            (let ((r (f 0))) (+ r (double->long (fl- a b))))))
        """;

    // Calls stay calls (no inlining): the frames are what is tested.
    private static string BuildDll(TemporaryDirectory directory) =>
        TestCompiler.BuildLibrary(directory, new CompileOptions("win-x64") { InlineSmallFunctions = false }, SourceFile.FromText("program.l", Program));

    private static string ReadObj(string option, string file)
    {
        var run = NativeHarness.Run("llvm-readobj", [option, file], TimeSpan.FromMinutes(1));
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        return run.StandardOutput;
    }

    [TestMethod]
    public void TheDllExportsExactlyTheExportedFunctions()
    {
        using var directory = new TemporaryDirectory();
        string dll = BuildDll(directory);

        var names = ExportName().Matches(ReadObj("--coff-exports", dll)).Select(m => m.Groups[1].Value).Order().ToArray();

        CollectionAssert.AreEqual(new[] { "depth", "fib", "inner", "keep", "outer" }, names);
    }

    [TestMethod]
    public void EveryFunctionOfTheDllHasUnwindData()
    {
        using var directory = new TemporaryDirectory();
        string dll = BuildDll(directory);

        string unwind = ReadObj("--unwind", dll);
        var functions = UnwindStart().Matches(unwind).Select(m => m.Groups[1].Value).Order().ToArray();

        CollectionAssert.AreEqual(new[] { "depth", "even_3f", "fib", "inner", "keep", "max2", "odd_3f", "outer" }, functions, unwind);
        Assert.Contains("PUSH_NONVOL reg=RBX", unwind, "saved registers are described");
        Assert.Contains("ALLOC_SMALL", unwind, "stack allocations are described");
        Assert.Contains("SAVE_XMM128 reg=XMM6", unwind, "saved xmm registers are described");
    }

    [TestMethod]
    public void AnEarlyReturnWithoutAFrameComesBeforeEveryUnwindCode()
    {
        using var directory = new TemporaryDirectory();
        string dll = BuildDll(directory);

        // depth returns early for a null tree before its prologue: at that ret no saved register or allocation may be
        // undone, so every unwind code's offset (the end of its prologue instruction) must lie beyond the ret.
        var disassembly = NativeHarness.Run("llvm-objdump", ["-d", "--disassemble-symbols=depth", dll], TimeSpan.FromMinutes(1));
        Assert.AreEqual(0, disassembly.ExitCode, disassembly.StandardError);
        var instructions = Instruction().Matches(disassembly.StandardOutput).Select(m => (Address: Convert.ToInt64(m.Groups[1].Value, 16), Text: m.Groups[2].Value)).ToList();
        long ret = instructions.First(i => i.Text.StartsWith("ret")).Address - instructions[0].Address;
        string unwind = ReadObj("--unwind", dll);
        string depth = unwind[unwind.IndexOf("StartAddress: depth ", StringComparison.Ordinal)..];
        depth = depth[..depth.IndexOf("RuntimeFunction", StringComparison.Ordinal)];
        var codeOffsets = UnwindCode().Matches(depth).Select(m => Convert.ToInt64(m.Groups[1].Value, 16)).ToList();

        Assert.IsNotEmpty(codeOffsets, depth);
        Assert.IsTrue(codeOffsets.All(offset => offset > ret), $"ret at {ret}, unwind codes at {string.Join(", ", codeOffsets)}\n{disassembly.StandardOutput}");
    }

    [TestMethod]
    public void LlvmMcAssemblesTheSameTextWithTheSameUnwindData()
    {
        using var directory = new TemporaryDirectory();
        string source = directory.File("program.s"), obj = directory.File("program.obj");
        File.WriteAllText(source, TestCompiler.Assembly(Program, "win-x64"));

        var assemble = NativeHarness.Run("llvm-mc", ["-triple=x86_64-pc-windows-msvc", "-filetype=obj", "-o", obj, source], TimeSpan.FromMinutes(1));

        Assert.AreEqual(0, assemble.ExitCode, assemble.StandardError);
        Assert.AreEqual("", assemble.StandardError);
        Assert.HasCount(8, UnwindStart().Matches(ReadObj("--unwind", obj)), "one runtime function per Maru function");
    }

    [TestMethod]
    public void AWindowsStackWalkPassesThroughMaruFrames()
    {
        using var directory = new TemporaryDirectory();
        string dll = BuildDll(directory);

        // outer calls inner, which calls the harness's callback; the walk must reach the harness's main beyond them.
        var run = NativeHarness.RunWindowsStackWalk(dll, "outer");

        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        string[] frames = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        CollectionAssert.AreEqual(new[] { "harness", "maru", "maru", "harness" }, frames.Take(4).ToArray(), run.StandardOutput);
    }

    [TestMethod]
    public void AWindowsStackWalkPassesThroughAFrameThatSavesXmmRegisters()
    {
        using var directory = new TemporaryDirectory();
        string dll = BuildDll(directory);

        var run = NativeHarness.RunWindowsStackWalk(dll, "keep");

        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        string[] frames = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        CollectionAssert.AreEqual(new[] { "harness", "maru", "harness" }, frames.Take(3).ToArray(), run.StandardOutput);
    }

    [TestMethod]
    public void MaruBuildWritesAWindowsDllThatRunsUnderWine()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("hello.l"), """
            (define printf (extern 'printf))
            (define-function main (argc argv) (printf "%s from %lld arguments\n" (oop-at argv 1) argc) 9)
            """);

        MaruRun build = MaruTool.Run(directory.Path, ["build", "--rid", "win-x64", "hello.l", "-o", "hello.dll"]);

        Assert.AreEqual(0, build.ExitCode, build.ToString());
        Assert.AreEqual("MZ", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(directory.File("hello.dll")), 0, 2), "a PE image");
        var run = NativeHarness.RunWindowsLibrary(directory.File("hello.dll"), ["hi"]);
        Assert.AreEqual("hi from 2 arguments\n", run.StandardOutput, run.StandardError);
        Assert.AreEqual(9, run.ExitCode);
    }

    [TestMethod]
    public void AMissingMinGwLinkerIsMaru0901NamingItsPackage()
    {
        using var directory = new TemporaryDirectory();
        var options = new Maru.Compiler.Toolchain.ToolchainOptions("win-x64") { LinkerPath = "/nonexistent/x86_64-w64-mingw32-ld" };

        var diagnostics = Maru.Compiler.Toolchain.NativeToolchain.BuildLibrary([new AssemblyFile("a.l", "\t.text\n")], directory.File("a.dll"), options);

        Diagnostic error = diagnostics.Single();
        Assert.AreEqual(DiagnosticCodes.ToolNotFound, error.Code);
        foreach (string part in new[] { "linker", "/nonexistent/x86_64-w64-mingw32-ld", "MARU_LD", "binutils-mingw-w64-x86-64" })
            Assert.Contains(part, error.Message);
        Assert.IsEmpty(Directory.GetFileSystemEntries(directory.Path));
    }

    [GeneratedRegex(@"^\s*Name: (\S+)$", RegexOptions.Multiline)]
    private static partial Regex ExportName();

    [GeneratedRegex(@"^\s*StartAddress: (\S+) \(", RegexOptions.Multiline)]
    private static partial Regex UnwindStart();

    // "        0x0C: PUSH_NONVOL reg=RBX"
    [GeneratedRegex(@"^\s*0x([0-9A-Fa-f]+): [A-Z_]+", RegexOptions.Multiline)]
    private static partial Regex UnwindCode();

    // "180001005: b8 00 00 00 00   movl $0, %eax"
    [GeneratedRegex(@"^\s*([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*(\S.*)$", RegexOptions.Multiline)]
    private static partial Regex Instruction();
}
