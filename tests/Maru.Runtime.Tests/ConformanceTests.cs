using Maru.Tests.Conformance;

namespace Maru.Runtime.Tests;

/// <summary>
/// Every program of the conformance corpus (tests/Maru.Compiler.Tests/Conformance) compiled with
/// <see cref="MaruModule.Compile(IReadOnlyList{MaruSource}, MaruCompileOptions?)"/> in a process that uses Maru.Runtime,
/// its main called through the module's function pointer, and its output and exit status checked.
/// </summary>
[TestClass]
public sealed class ConformanceTests
{
    public static IEnumerable<object[]> Programs() => ConformanceProgram.Names();

    [TestMethod]
    public void TheWholeCorpusIsHere() => Assert.IsGreaterThanOrEqualTo(80, Programs().Count());

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void ProgramRunsThroughTheRuntimeAsSpecified(string name)
    {
        var program = ConformanceProgram.Load(name);

        var run = TestHost.Run(["main", "-", program.Path, .. program.Arguments]);

        Assert.AreEqual(program.ExpectedOutput, run.StandardOutput, $"standard output of {name}");
        Assert.AreEqual(program.ExpectedExit, run.ExitCode, $"exit status of {name}; stderr: {run.StandardError}");
    }
}
