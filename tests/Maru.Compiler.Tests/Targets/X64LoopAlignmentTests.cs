using System.Text.RegularExpressions;

namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// x86-64 loop heads, the blocks a later block jumps back to, start on a 16-byte boundary when that takes at most 10
/// bytes of padding, else on an 8-byte one (the integrated assembler's padding is compared with GNU as's in
/// <c>IntegratedAssemblerTests</c>); other labels are not padded; nested loops run right on every target.
/// </summary>
[TestClass]
public sealed class X64LoopAlignmentTests
{
    private const string Program = """
        (define printf (extern 'printf))
        (define-function count-pairs (n)
          (let ((count 0))
            (for (i 0 n)
              (for (j 0 i)
                (when (= 0 (% (+ (* i 7) j) 3)) (set count (+ count 1)))))
            count))
        (define-function main (argc argv)
          (printf "%lld\n" (count-pairs (+ 40 argc)))
          0)
        """;

    [TestMethod]
    public void EveryLoopHeadAndNothingElseIsPadded()
    {
        string assembly = TestCompiler.Assembly(Program, inlineSmallFunctions: false);
        var padded = Regex.Matches(assembly, @"\t\.p2align 4,,10\n\t\.p2align 3\n(\.L[\w.]+):").Select(m => m.Groups[1].Value).ToList();
        Assert.IsTrue(padded.Count >= 2, $"both loops' heads are padded\n{assembly}");
        foreach (string head in padded)
        {
            int at = assembly.IndexOf($"\n{head}:", StringComparison.Ordinal);
            Assert.IsTrue(assembly.IndexOf($"\t{head}\n", at, StringComparison.Ordinal) > at, $"a later jump goes back to {head}\n{assembly}");
        }
        Assert.AreEqual(padded.Count, Regex.Matches(assembly, @"\.p2align 4,,10").Count, "only loop heads are padded");
    }

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    [DataRow("win-x64")]
    public void NestedLoopsCountWhatCSharpCounts(string runtimeIdentifier)
    {
        long count = 0;
        for (long i = 0; i < 41; i++)
            for (long j = 0; j < i; j++)
                if ((i * 7 + j) % 3 == 0) count++;
        var run = TestCompiler.RunOn(runtimeIdentifier, Program);
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual($"{count}\n", run.StandardOutput);
    }
}
