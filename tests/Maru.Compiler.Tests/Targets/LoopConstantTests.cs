using System.Globalization;
using System.Text.RegularExpressions;

namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// Constants a loop reads from a register that take instructions of their own to put there (x86-64's movabsq and
/// doubles from the pool, AArch64's movz/movk sequences) are set once before the loop, not on every iteration: each
/// appears once in the code although the loop reads it twice. The program computes what C# computes on every target.
/// </summary>
[TestClass]
public sealed class LoopConstantTests
{
    private const string Program = """
        (define printf (extern 'printf))
        (define-function lcg (n seed)
          (let ((x seed) (sum 0))
            (for (i 0 n)
              (set x (+ (* x 6364136223846793005) 1442695040888963407))
              (set sum (^ sum (>> x 40)))
              (set x (+ (* x 6364136223846793005) 1442695040888963407))
              (set sum (+ sum (>> x 33))))
            sum))
        (define-function clamp-sum (n)
          (let ((s 0.0))
            (for (i 0 n)
              (set s (fl+ s (flmin (long->double i) 123.456) (flmax (long->double (- 0 i)) 123.456))))
            s))
        (define-function main (argc argv)
          (printf "%lld %llx\n" (lcg 1000 (+ argc 41)) (clamp-sum (+ 500 argc)))
          0)
        """;

    private static string Expected()
    {
        const long argc = 1; // the harness passes one argument
        long x = 41 + argc, sum = 0;
        for (int i = 0; i < 1000; i++)
        {
            x = unchecked(x * 6364136223846793005 + 1442695040888963407);
            sum ^= x >> 40;
            x = unchecked(x * 6364136223846793005 + 1442695040888963407);
            sum = unchecked(sum + (x >> 33));
        }
        double s = 0.0;
        for (long i = 0; i < 500 + argc; i++) s = s + Math.Min(i, 123.456) + Math.Max(-i, 123.456);
        return string.Create(CultureInfo.InvariantCulture, $"{sum} {BitConverter.DoubleToInt64Bits(s):x}\n");
    }

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    [DataRow("win-x64")]
    public void TheLoopsComputeWhatCSharpComputes(string runtimeIdentifier)
    {
        var run = TestCompiler.RunOn(runtimeIdentifier, Program);
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual(Expected(), run.StandardOutput);
    }

    private static int Count(string text, string pattern) => Regex.Matches(text, pattern).Count;

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("win-x64")]
    public void X64SetsEachConstantOnce(string runtimeIdentifier)
    {
        string assembly = TestCompiler.Assembly(Program, runtimeIdentifier, inlineSmallFunctions: false);
        Assert.AreEqual(1, Count(assembly, @"movabsq\t\$6364136223846793005, "), assembly);
        Assert.AreEqual(1, Count(assembly, @"movabsq\t\$1442695040888963407, "), assembly);
        // 123.456 is the pool's second constant, after 0.0.
        Assert.AreEqual(1, Count(assembly, @"movsd\t\.Lclamp_sum\.k1\(%rip\), %xmm\d+"), assembly);
    }

    [TestMethod]
    public void AArch64SetsEachConstantOnce()
    {
        string assembly = TestCompiler.Assembly(Program, "linux-arm64", inlineSmallFunctions: false);
        Assert.AreEqual(1, Count(assembly, @"movk\tx\d+, #0x5851, lsl #48"), "6364136223846793005 = 0x5851f42d4c957f2d\n" + assembly);
        Assert.AreEqual(1, Count(assembly, @"movk\tx\d+, #0x1405, lsl #48"), "1442695040888963407 = 0x14057b7ef767814f\n" + assembly);
        Assert.AreEqual(1, Count(assembly, @"movk\tx\d+, #0x405e, lsl #48"), "123.456 = 0x405edd2f1a9fbe77\n" + assembly);
    }
}
