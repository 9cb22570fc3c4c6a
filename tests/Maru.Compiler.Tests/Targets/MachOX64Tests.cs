using System.Text.RegularExpressions;
using Maru.Compiler.Diagnostics;
using Maru.Tests.Conformance;

namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// osx-x64 code cannot run here: each conformance program's assembly is assembled into a Mach-O object by llvm-mc,
/// and its symbols are checked with llvm-nm: the exported functions external, everything else it defines private,
/// every name with the leading underscore, and only C functions undefined.
/// </summary>
[TestClass]
public sealed partial class MachOX64Tests
{
    public static IEnumerable<object[]> Programs() => ConformanceProgram.Names();

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void ConformanceProgramAssemblesForMacOS(string name)
    {
        var program = ConformanceProgram.Load(name);
        var result = MaruCompiler.Compile([new SourceFile(program.Path, File.ReadAllBytes(program.Path))], new CompileOptions("osx-x64"));
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        using var directory = new TemporaryDirectory();
        string source = directory.File("program.s"), obj = directory.File("program.o");
        File.WriteAllText(source, result.Assembly[0].Text);

        var assemble = NativeHarness.Run("llvm-mc", ["-triple=x86_64-apple-macos10.15", "-filetype=obj", "-o", obj, source], TimeSpan.FromMinutes(1));
        Assert.AreEqual(0, assemble.ExitCode, assemble.StandardError);
        Assert.AreEqual("", assemble.StandardError);
        var symbols = NativeHarness.Run("llvm-nm", ["-m", obj], TimeSpan.FromMinutes(1));
        Assert.AreEqual(0, symbols.ExitCode, symbols.StandardError);

        var entries = SymbolLine().Matches(symbols.StandardOutput)
            .Select(m => (Kind: m.Groups[1].Value == "undefined" ? "undefined" : m.Groups[2].Value, Name: m.Groups[3].Value)).ToList();
        Assert.HasCount(symbols.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, entries, symbols.StandardOutput);
        var exported = result.Exports.Select(e => "_" + e.Symbol).Order().ToArray();
        // Every line is one symbol; exactly the exported functions are external, so everything else defined is private.
        CollectionAssert.AreEqual(exported, entries.Where(e => e.Kind == "external").Select(e => e.Name).Order().ToArray(), symbols.StandardOutput);
        var externs = Extern().Matches(program.Text).Select(m => "_" + m.Groups[1].Value).ToHashSet();
        foreach (var (_, symbol) in entries.Where(e => e.Kind == "undefined"))
            Assert.Contains(symbol, externs, $"only externs are undefined: {symbols.StandardOutput}");
    }

    // "0000000000000030 (__TEXT,__text) external _fib", "(undefined) external _printf"
    [GeneratedRegex(@"^\s*(?:[0-9a-f]+ )?\(([^)]*)\) (external|private external) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex SymbolLine();

    [GeneratedRegex(@"\(extern '([^\s()]+)")]
    private static partial Regex Extern();
}
