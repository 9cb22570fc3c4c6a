using Maru.Compiler.Diagnostics;
using Maru.Tests.Conformance;

namespace Maru.Compiler.Tests.Conformance;

/// <summary>
/// The corpus on AArch64. linux-arm64: every program is compiled, linked with the cross binutils and run under
/// qemu-aarch64 with the same expectations as on linux-x64. osx-arm64 code cannot run here: its assembly must be
/// accepted by llvm-mc for arm64-apple-macos11 and the object must define exactly the expected external symbols.
/// </summary>
[TestClass]
public sealed class Arm64ConformanceTests
{
    public static IEnumerable<object[]> Programs() => ConformanceProgram.Names();

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void ProgramRunsAsSpecifiedOnLinuxArm64(string name)
    {
        var program = ConformanceProgram.Load(name);

        using var directory = new TemporaryDirectory();
        string library = TestCompiler.BuildLibrary(directory, "linux-arm64", new SourceFile(program.Path, File.ReadAllBytes(program.Path)));
        var run = NativeHarness.RunLibraryOn("linux-arm64", library, program.Arguments);

        Assert.AreEqual(program.ExpectedOutput, run.StandardOutput, $"standard output of {name}");
        Assert.AreEqual(program.ExpectedExit, run.ExitCode, $"exit status of {name}; stderr: {run.StandardError}");
    }

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void ProgramAssemblesForOsxArm64WithTheRightSymbols(string name)
    {
        var program = ConformanceProgram.Load(name);
        var result = MaruCompiler.Compile(new[] { new SourceFile(program.Path, File.ReadAllBytes(program.Path)) }, new CompileOptions("osx-arm64"));
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));

        using var directory = new TemporaryDirectory();
        string source = directory.File("program.s"), obj = directory.File("program.o");
        File.WriteAllText(source, result.Assembly[0].Text);
        var assemble = NativeHarness.Run("llvm-mc", ["-triple=arm64-apple-macos11", "-filetype=obj", "-o", obj, source], TimeSpan.FromMinutes(1));
        Assert.AreEqual(0, assemble.ExitCode, assemble.StandardError);
        Assert.AreEqual("", assemble.StandardError, "llvm-mc warnings");

        // llvm-nm -m: "(__TEXT,__text) external _main", "private external _helper", "(undefined) external _printf".
        var symbols = NativeHarness.Run("llvm-nm", ["-m", obj], TimeSpan.FromMinutes(1));
        Assert.AreEqual(0, symbols.ExitCode, symbols.StandardError);
        var lines = symbols.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var exported = lines.Where(l => l.Contains("(__TEXT,__text) external ")).Select(l => l.Split(' ')[^1]).Order().ToList();
        Assert.AreEqual(string.Join(" ", result.Exports.Select(e => "_" + e.Symbol).Order()), string.Join(" ", exported), "exported functions");
        Assert.IsFalse(lines.Any(l => l.Contains("(__DATA,__data) external ") || l.Contains("(__TEXT,__const) external ")),
            "globals and strings are not exported");
        foreach (var line in lines.Where(l => l.Contains("(undefined)")))
            StringAssert.StartsWith(line.Split(' ')[^1], "_", "an imported C symbol has the leading underscore");
    }
}
