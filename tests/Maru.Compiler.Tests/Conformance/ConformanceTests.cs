using Maru.Compiler.Diagnostics;
using Maru.Tests.Conformance;

namespace Maru.Compiler.Tests.Conformance;

/// <summary>Every program of the corpus is compiled, linked, run in its own process and checked against its expectations.</summary>
[TestClass]
public sealed class ConformanceTests
{
    public static IEnumerable<object[]> Programs() => ConformanceProgram.Names();

    [TestMethod]
    public void TheCorpusCoversEverySection()
    {
        var names = Programs().Select(p => (string)p[0]).ToList();
        Assert.IsGreaterThanOrEqualTo(80, names.Count);
        for (int section = 1; section <= 7; section++)
            Assert.IsTrue(names.Any(n => n.StartsWith($"s{section}-", StringComparison.Ordinal)), $"no program for spec section {section}");
    }

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void ProgramRunsAsSpecified(string name)
    {
        var program = ConformanceProgram.Load(name);

        using var directory = new TemporaryDirectory();
        string library = TestCompiler.BuildLibrary(directory, new SourceFile(program.Path, File.ReadAllBytes(program.Path)));
        var run = NativeHarness.RunLibrary(library, program.Arguments);

        Assert.AreEqual(program.ExpectedOutput, run.StandardOutput, $"standard output of {name}");
        Assert.AreEqual(program.ExpectedExit, run.ExitCode, $"exit status of {name}; stderr: {run.StandardError}");
    }
}
