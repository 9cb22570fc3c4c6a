using System.Globalization;
using System.Text;
using Maru.Compiler.Semantics;
using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// Differential tests of the encodings a target chooses for constants (immediates of every width and shape, powers of
/// two for division) and of frames too large for immediate stack offsets, run and checked against the language's arithmetic.
/// </summary>
[TestClass]
public sealed class ImmediateAndFrameTests
{
    private static readonly long[] Constants =
    {
        0, 1, -1, 2, -2, 3, -3, 5, 6, -7, 7, 8, -8, 10, 16, 63, 64, 100, 641, -1000, 6700417, 4095, 4096, -4095, -4096, 4097, 0xfff000, 0x1000000, 0xffff, 0x10000,
        -0x10000, 0x12345678, 0xff00, 0xff00ff00ff00ff, 0x5555555555555555, 0x7ffffffffffffff0, 1L << 62, -(1L << 62),
        0x123456789abcdef0, -0x123456789abcdef1, long.MinValue, long.MaxValue, unchecked((long)0xffff0000ffff0000),
    };

    private static readonly string[] Operators = { "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", "<", "<=", "=", "!=", ">=", ">" };

    private static readonly long[] Arguments = { 0, 1, -1, 1000, -1000, 123456789, long.MinValue, long.MaxValue, 0x5555555555555555 };

    private static string Literal(long value) =>
        value == long.MinValue ? "0x8000000000000000" : value.ToString(CultureInfo.InvariantCulture);

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    public void EveryOperatorWithEveryShapeOfConstantComputesWhatTheLanguageDefines(string runtimeIdentifier)
    {
        var source = new StringBuilder("(define printf (extern 'printf))\n");
        var expected = new StringBuilder();
        var functions = new List<string>();
        foreach (string op in Operators)
            foreach (long c in Constants)
            {
                // The constant on the right, where instructions take immediates, and on the left.
                string right = $"f{functions.Count}";
                source.Append($"(define-function {right} (x) ({op} x {Literal(c)}))\n");
                functions.Add(right);
                string left = $"f{functions.Count}";
                source.Append($"(define-function {left} (x) ({op} {Literal(c)} x))\n");
                functions.Add(left);
                var operation = Builtins.Operators[op].Op;
                foreach (long x in Arguments)
                    expected.Append($"{WordArithmetic.Binary(operation, x, c)} {WordArithmetic.Binary(operation, c, x)}\n");
            }
        source.Append("(define-function main ()\n");
        for (int f = 0; f < functions.Count; f += 2)
            foreach (long x in Arguments)
                source.Append($"  (printf \"%lld %lld\\n\" ({functions[f]} {Literal(x)}) ({functions[f + 1]} {Literal(x)}))\n");
        source.Append("  (printf \"%lld\\n\" (constants))\n  0)\n");
        // Every constant loaded on its own, summed with wrapping.
        source.Append($"(define-function constants () (+ {string.Join(" ", Constants.Select(c => $"(id {Literal(c)})"))}))\n");
        source.Append("(define-function id (x) x)\n");
        expected.Append(Constants.Aggregate(0L, (sum, c) => unchecked(sum + c))).Append('\n');

        var run = TestCompiler.RunOn(runtimeIdentifier, source.ToString());

        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual(expected.ToString(), run.StandardOutput);
    }

    [TestMethod]
    public void FramesBeyondTheImmediateOffsetsAreAddressedThroughTheScratchRegisterOnArm64()
    {
        // 4200 variables whose address is taken: 33 KiB of slots, beyond ldr's 32 KiB scaled offsets and add's 4 KiB.
        const int count = 4200;
        var source = new StringBuilder("(define-function many (j)\n  (let ((s 0) ");
        source.AppendJoin(" ", Enumerable.Range(0, count).Select(i => $"(v{i} {i})")).Append(")\n");
        source.Append($"    (set v{count - 1} (+ v{count - 1} j))\n");
        for (int i = 0; i < count; i++) source.Append($"    (set s (+ s (oop-at (address-of v{i}) 0)))\n");
        source.Append($"    (+ s v{count - 1})))\n(define-function main () (% (many 10) 256))\n");
        long expected = (Enumerable.Range(0, count).Sum(i => (long)i) + 10 + (count - 1 + 10)) % 256;

        string assembly = TestCompiler.Assembly(source.ToString(), "linux-arm64");
        StringAssert.Contains(assembly, ", [sp, x16]", "a slot beyond 32 KiB");
        // (its size depends on the allocator: with more than RegisterAllocator.SpillEverythingAbove registers every value has a slot)
        Assert.MatchesRegex(@"\tsub\tsp, sp, #\d+, lsl #12", assembly, "a frame beyond 4 KiB");
        Assert.AreEqual((int)expected, TestCompiler.RunOn("linux-arm64", source.ToString()).ExitCode);
    }
}
