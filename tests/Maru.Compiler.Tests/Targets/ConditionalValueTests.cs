using System.Globalization;
using System.Text;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// Differential tests of branches that only choose a value (which a target may turn into conditional selects):
/// every comparison, with returned values, both arms setting a variable, and one arm, run and checked here.
/// </summary>
[TestClass]
public sealed class ConditionalValueTests
{
    private static readonly string[] Comparisons = { "<", "<=", "=", "!=", ">=", ">" };
    private static readonly long[] Values = { 0, 1, -1, 7, long.MinValue, long.MaxValue };

    private static string Literal(long value) =>
        value == long.MinValue ? "0x8000000000000000" : value.ToString(CultureInfo.InvariantCulture);

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    public void BranchesThatChooseAValueChooseTheRightOne(string runtimeIdentifier)
    {
        var source = new StringBuilder("(define printf (extern 'printf))\n");
        var calls = new StringBuilder();
        var expected = new StringBuilder();
        for (int c = 0; c < Comparisons.Length; c++)
        {
            string op = Comparisons[c];
            source.Append($"(define-function pick{c} (a b) (if ({op} a b) a b))\n");
            source.Append($"(define-function both{c} (a b) (let ((s 0)) (if ({op} a b) (set s 10) (set s b)) s))\n");
            source.Append($"(define-function when{c} (a b) (let ((m a)) (when ({op} a b) (set m b)) m))\n");
            source.Append($"(define-function unless{c} (a b) (let ((m a)) (unless ({op} a b) (set m 0)) m))\n");
            source.Append($"(define-function zero{c} (a b) (if ({op} a 0) 0 b))\n");
            var comparison = Builtins.Operators[op].Op;
            foreach (long a in Values)
                foreach (long b in Values)
                {
                    bool holds = WordArithmetic.Binary(comparison, a, b) != 0;
                    calls.Append($"  (printf \"%lld %lld %lld %lld %lld\\n\" (pick{c} {Literal(a)} {Literal(b)}) (both{c} {Literal(a)} {Literal(b)}) "
                        + $"(when{c} {Literal(a)} {Literal(b)}) (unless{c} {Literal(a)} {Literal(b)}) (zero{c} {Literal(a)} {Literal(b)}))\n");
                    long zero = WordArithmetic.Binary(comparison, a, 0) != 0 ? 0 : b;
                    expected.Append($"{(holds ? a : b)} {(holds ? 10 : b)} {(holds ? b : a)} {(holds ? a : 0)} {zero}\n");
                }
        }
        source.Append("(define-function main ()\n").Append(calls).Append("  0)\n");

        var run = TestCompiler.RunOn(runtimeIdentifier, source.ToString());

        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual(expected.ToString(), run.StandardOutput);
    }

    private const string DoubleChoices = """
        (define printf (extern 'printf))
        (define-function when-set (n a) (let ((x (long->double a)) (z 1.5)) (if (> n 0) (set z x)) (fl+ z 1.0)))
        (define-function both-set (n a b) (let ((z 0.0)) (if (> n 0) (set z (long->double a)) (set z (long->double b))) (fl* z 2.0)))
        (define-function pick (n a b) (let ((x (long->double a)) (y (long->double b))) (if (> n 0) x y)))
        (define-function main (argc argv)
          (for (n (- argc 2) (+ argc 1))
            (printf "%llx %llx %llx\n" (when-set n 7) (both-set n 3 -5) (pick n 11 -13)))
          0)
        """;

    /// <summary>
    /// A branch that only chooses a double: AArch64 chooses it in d registers (fcsel; a csel of d registers does not
    /// assemble), and every target computes what C# computes.
    /// </summary>
    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    [DataRow("win-x64")]
    public void BranchesThatChooseADoubleChooseTheRightOne(string runtimeIdentifier)
    {
        var expected = new StringBuilder();
        for (long n = -1; n <= 1; n++)
        {
            static string Bits(double d) => BitConverter.DoubleToInt64Bits(d).ToString("x", CultureInfo.InvariantCulture);
            expected.Append($"{Bits((n > 0 ? 7.0 : 1.5) + 1.0)} {Bits((n > 0 ? 3.0 : -5.0) * 2.0)} {Bits(n > 0 ? 11.0 : -13.0)}\n");
        }
        if (runtimeIdentifier == "linux-arm64")
        {
            string assembly = TestCompiler.Assembly(DoubleChoices, runtimeIdentifier);
            StringAssert.Contains(assembly, "fcsel\td", assembly);
            StringAssert.DoesNotMatch(assembly, new System.Text.RegularExpressions.Regex(@"\bcsel\td"), assembly);
        }

        var run = TestCompiler.RunOn(runtimeIdentifier, DoubleChoices);

        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual(expected.ToString(), run.StandardOutput.Replace("\r\n", "\n"));
    }
}
