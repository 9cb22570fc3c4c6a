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
}
