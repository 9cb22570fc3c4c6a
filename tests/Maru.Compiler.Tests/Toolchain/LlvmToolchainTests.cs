using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;
using Maru.Tests.Conformance;

namespace Maru.Compiler.Tests.Toolchain;

/// <summary>The LLVM alternative for linux-x64 (llvm-mc and ld.lld) builds the whole corpus into libraries that run as specified.</summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LlvmToolchainTests
{
    public static IEnumerable<object[]> Programs() => ConformanceProgram.Names();

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void ProgramBuiltWithLlvmRunsAsSpecified(string name)
    {
        var program = ConformanceProgram.Load(name);
        var result = TestCompiler.Compile(new SourceFile(program.Path, File.ReadAllBytes(program.Path)));
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));

        using var directory = new TemporaryDirectory();
        string library = directory.File("libprogram.so");
        // Bare names: found on PATH or in /usr/lib/llvm-*/bin, and known by their names to take LLVM's arguments.
        var options = new ToolchainOptions("linux-x64") { AssemblerPath = "llvm-mc", LinkerPath = "ld.lld" };
        var diagnostics = NativeToolchain.BuildLibrary(result.Assembly, library, options);
        Assert.IsFalse(diagnostics.Any(d => d.IsError), string.Join("\n", diagnostics));

        var run = NativeHarness.RunLibrary(library, program.Arguments);
        Assert.AreEqual(program.ExpectedOutput, run.StandardOutput, $"standard output of {name}");
        Assert.AreEqual(program.ExpectedExit, run.ExitCode, $"exit status of {name}; stderr: {run.StandardError}");
    }

    [TestMethod]
    public void AnLlvmAssemblerErrorHasItsLineAndColumn()
    {
        using var directory = new TemporaryDirectory();
        var options = new ToolchainOptions("linux-x64") { AssemblerPath = "llvm-mc", LinkerPath = "ld.lld" };

        var diagnostics = NativeToolchain.BuildLibrary([new AssemblyFile("bad.l", ".text\nnop\n  not_an_instruction %rax\n")],
            directory.File("libbad.so"), options);

        var error = diagnostics.Single(d => d.IsError);
        Assert.AreEqual(DiagnosticCodes.AssemblerError, error.Code);
        Assert.AreEqual(3, error.Line);
        Assert.AreEqual(3, error.Column);
        Assert.Contains("not_an_instruction", error.Message);
    }

    [TestMethod]
    public void AnLldErrorIsOneMaru0903WithItsDetails()
    {
        using var directory = new TemporaryDirectory();
        var options = new ToolchainOptions("linux-x64") { AssemblerPath = "llvm-mc", LinkerPath = "ld.lld" };
        AssemblyFile[] twice = [HandWrittenAssembly.File("one.l", HandWrittenAssembly.Answer), HandWrittenAssembly.File("two.l", HandWrittenAssembly.Answer)];

        var diagnostics = NativeToolchain.BuildLibrary(twice, directory.File("libclash.so"), options);

        var error = diagnostics.Single(d => d.IsError);
        Assert.AreEqual(DiagnosticCodes.LinkerError, error.Code);
        Assert.StartsWith("duplicate symbol: answer", error.Message);
        Assert.Contains("defined at", error.Message);
    }
}
