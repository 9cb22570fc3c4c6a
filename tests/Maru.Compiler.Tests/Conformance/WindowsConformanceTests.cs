using Maru.Compiler.Diagnostics;
using Maru.Tests.Conformance;

namespace Maru.Compiler.Tests.Conformance;

/// <summary>
/// Every program of the corpus compiled for win-x64, linked into a DLL with the MinGW-w64 binutils and run under wine
/// through the Windows build of the harness, with the same expectations as on linux-x64.
/// </summary>
[TestClass]
public sealed class WindowsConformanceTests
{
    public static IEnumerable<object[]> Programs() => ConformanceProgram.Names();

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void ProgramRunsAsSpecifiedUnderWine(string name)
    {
        var program = ConformanceProgram.Load(name);

        using var directory = new TemporaryDirectory();
        string library = TestCompiler.BuildLibrary(directory, "win-x64", new SourceFile(program.Path, File.ReadAllBytes(program.Path)));
        var run = NativeHarness.RunWindowsLibrary(library, program.Arguments);

        Assert.AreEqual(program.ExpectedOutput, run.StandardOutput, $"standard output of {name}; stderr: {run.StandardError}");
        Assert.AreEqual(program.ExpectedExit, run.ExitCode, $"exit status of {name}; stderr: {run.StandardError}");
    }
}
