using System.Text.RegularExpressions;
using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Tests.Conformance;

/// <summary>
/// Every program in this folder is compiled, linked, run in its own process and checked against its expectations:
/// the <c>;! exit N</c> and <c>;! args ...</c> directives and the sibling <c>.stdout</c> file (see README.md here).
/// </summary>
[TestClass]
public sealed partial class ConformanceTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Conformance");

    public static IEnumerable<object[]> Programs() =>
        Directory.GetFiles(Folder, "*.l").Order(StringComparer.Ordinal).Select(p => new object[] { Path.GetFileNameWithoutExtension(p) });

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
        string path = Path.Combine(Folder, name + ".l");
        string text = File.ReadAllText(path);
        int expectedExit = int.Parse(ExitDirective().Match(text) is { Success: true } m ? m.Groups[1].Value : "0");
        var arguments = ArgsDirective().Match(text) is { Success: true } a
            ? a.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            : Array.Empty<string>();
        string stdoutPath = Path.Combine(Folder, name + ".stdout");
        string expectedOutput = File.Exists(stdoutPath) ? File.ReadAllText(stdoutPath) : "";

        using var directory = new TemporaryDirectory();
        string library = TestCompiler.BuildLibrary(directory, new SourceFile(path, File.ReadAllBytes(path)));
        var run = NativeHarness.RunLibrary(library, arguments);

        Assert.AreEqual(expectedOutput, run.StandardOutput, $"standard output of {name}");
        Assert.AreEqual(expectedExit, run.ExitCode, $"exit status of {name}; stderr: {run.StandardError}");
    }

    [GeneratedRegex(@"^;!\s*exit\s+(\d+)", RegexOptions.Multiline)]
    private static partial Regex ExitDirective();

    [GeneratedRegex(@"^;!\s*args\s+(.*?)\s*$", RegexOptions.Multiline)]
    private static partial Regex ArgsDirective();
}
