using System.Text.RegularExpressions;

namespace Maru.Runtime.Tests;

/// <summary>
/// Every program of the conformance corpus (tests/Maru.Compiler.Tests/Conformance) compiled with
/// <see cref="MaruModule.Compile(IReadOnlyList{MaruSource}, MaruCompileOptions?)"/> in a process that uses Maru.Runtime,
/// its main called through the module's function pointer, and its output and exit status checked.
/// </summary>
[TestClass]
public sealed partial class ConformanceTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Conformance");

    public static IEnumerable<object[]> Programs() =>
        Directory.GetFiles(Folder, "*.l").Order(StringComparer.Ordinal).Select(p => new object[] { Path.GetFileNameWithoutExtension(p) });

    [TestMethod]
    public void TheWholeCorpusIsHere() => Assert.IsGreaterThanOrEqualTo(80, Programs().Count());

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void ProgramRunsThroughTheRuntimeAsSpecified(string name)
    {
        string path = Path.Combine(Folder, name + ".l");
        string text = File.ReadAllText(path);
        int expectedExit = int.Parse(ExitDirective().Match(text) is { Success: true } m ? m.Groups[1].Value : "0");
        string[] arguments = ArgsDirective().Match(text) is { Success: true } a
            ? a.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            : [];
        string stdoutPath = Path.Combine(Folder, name + ".stdout");
        string expectedOutput = File.Exists(stdoutPath) ? File.ReadAllText(stdoutPath) : "";

        var run = TestHost.Run(["main", "-", path, .. arguments]);

        Assert.AreEqual(expectedOutput, run.StandardOutput, $"standard output of {name}");
        Assert.AreEqual(expectedExit, run.ExitCode, $"exit status of {name}; stderr: {run.StandardError}");
    }

    [GeneratedRegex(@"^;!\s*exit\s+(\d+)", RegexOptions.Multiline)]
    private static partial Regex ExitDirective();

    [GeneratedRegex(@"^;!\s*args\s+(.*?)\s*$", RegexOptions.Multiline)]
    private static partial Regex ArgsDirective();
}
