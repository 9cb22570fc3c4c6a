using System.Globalization;
using System.Text;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// The fl operators and conversions of spec section 11 compiled for each target and run on operand bit patterns (random
/// ones and the special values: zeros, infinities, NaNs, subnormals, ties, the bounds of the conversions), checked
/// against C#'s IEEE doubles. Only what the spec fixes is compared: a NaN result must be a NaN, any NaN.
/// </summary>
[TestClass]
public sealed class FloatDifferentialTests
{
    /// <summary>Each operation the program applies to a pair (a, b), in the order it prints them.</summary>
    private static readonly (string Form, bool IsDouble, Func<long, long, long> Expected)[] Operations =
    [
        ("(fl+ a b)", true, (a, b) => Bits(D(a) + D(b))),
        ("(fl- a b)", true, (a, b) => Bits(D(a) - D(b))),
        ("(fl* a b)", true, (a, b) => Bits(D(a) * D(b))),
        ("(fl/ a b)", true, (a, b) => Bits(D(a) / D(b))),
        ("(fl- a)", false, (a, _) => a ^ long.MinValue),
        ("(flabs a)", false, (a, _) => a & long.MaxValue),
        ("(fl< a b)", false, (a, b) => D(a) < D(b) ? 1 : 0),
        ("(fl<= a b)", false, (a, b) => D(a) <= D(b) ? 1 : 0),
        ("(fl= a b)", false, (a, b) => D(a) == D(b) ? 1 : 0),
        ("(fl!= a b)", false, (a, b) => D(a) != D(b) ? 1 : 0),
        ("(fl>= a b)", false, (a, b) => D(a) >= D(b) ? 1 : 0),
        ("(fl> a b)", false, (a, b) => D(a) > D(b) ? 1 : 0),
        ("(flmin a b)", true, (a, b) => MinOrMax(a, b, true)),
        ("(flmax a b)", true, (a, b) => MinOrMax(a, b, false)),
        ("(flsqrt a)", true, (a, _) => Bits(Math.Sqrt(D(a)))),
        ("(flfloor a)", true, (a, _) => Bits(Math.Floor(D(a)))),
        ("(flceiling a)", true, (a, _) => Bits(Math.Ceiling(D(a)))),
        ("(flround a)", true, (a, _) => Bits(Math.Round(D(a), MidpointRounding.ToEven))),
        ("(fltruncate a)", true, (a, _) => Bits(Math.Truncate(D(a)))),
        ("(long->double a)", true, (a, _) => Bits((double)a)),
        ("(double->long a)", false, (a, _) => double.IsNaN(D(a)) ? 0 : D(a) >= TwoTo63 ? long.MaxValue : D(a) <= -TwoTo63 ? long.MinValue : (long)D(a)),
        ("(progn-float a)", true, (a, _) => Bits((double)(float)D(a))),
    ];

    private const double TwoTo52 = 4503599627370496.0, TwoTo63 = 9223372036854775808.0;

    private static double D(long bits) => BitConverter.Int64BitsToDouble(bits);
    private static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);

    /// <summary>The spec's rule, written out here rather than taken from the compiler's constant folder.</summary>
    private static long MinOrMax(long a, long b, bool isMin)
    {
        if (double.IsNaN(D(a))) return b;
        if (double.IsNaN(D(b))) return a;
        if (D(a) == 0 && D(b) == 0) return Bits(isMin ? (a < 0 || b < 0 ? -0.0 : 0.0) : (a >= 0 || b >= 0 ? 0.0 : -0.0));
        return isMin ? Bits(Math.Min(D(a), D(b))) : Bits(Math.Max(D(a), D(b)));
    }

    private static readonly long[] Specials =
    [
        0, long.MinValue, Bits(double.PositiveInfinity), Bits(double.NegativeInfinity),
        0x7ff8000000000000, unchecked((long)0xfff8000000000000), 0x7ff0000000000001, 0x7ff4000000000000, // quiet and signalling NaNs
        1, unchecked((long)0x8000000000000001), 0x000fffffffffffff, 0x0010000000000000, // subnormals, the smallest normal
        Bits(double.MaxValue), Bits(double.MinValue), Bits(0.5), Bits(-0.5), Bits(1.5), Bits(2.5), Bits(-2.5), Bits(3.5),
        Bits(0.49999999999999994), Bits(-0.49999999999999994), Bits(4503599627370495.5), Bits(-4503599627370495.5),
        Bits(TwoTo52), Bits(TwoTo52 + 1), Bits(-TwoTo52), Bits(TwoTo63), Bits(-TwoTo63), Bits(TwoTo63 - 1024), Bits(-TwoTo63 - 2048),
        Bits(1e300), Bits(-1e-300), Bits(1.0), Bits(-1.0), Bits(2.0), Bits(-7.25), long.MaxValue, long.MinValue + 1, 3, -3,
    ];

    private static List<(long A, long B)> Operands()
    {
        var random = new Random(12);
        long RandomOperand() => random.Next(4) switch
        {
            0 => Specials[random.Next(Specials.Length)],
            1 => Bits((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-60, 70))),
            2 => Bits(Math.Round((random.NextDouble() - 0.5) * 64) / 2), // halves: the ties of round
            _ => random.NextInt64(long.MinValue, long.MaxValue),
        };
        var pairs = Specials.Select((s, i) => (s, Specials[(i * 7 + 3) % Specials.Length])).ToList();
        for (int i = 0; i < 160; i++) pairs.Add((RandomOperand(), RandomOperand()));
        return pairs;
    }

    /// <summary>The first mismatches: one broken operation fails hundreds of pairs.</summary>
    private static string FirstLines(StringBuilder mismatches) =>
        string.Join("\n", mismatches.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(20));

    private static string Program() =>
        $$"""
        (define printf (extern 'printf))
        (define malloc (extern 'malloc))
        (define-function hex (text)
          (let ((value 0) (i 0))
            (while (string-at text i)
              (let ((c (string-at text i)))
                (set value (+ (<< value 4) (if (<= c ?9) (- c ?0) (+ 10 (- c ?a))))))
              (incr i))
            value))
        (define-function progn-float (x)
          (let ((cell (malloc 8)))
            (set (float-at cell 1) x)
            (float-at cell 1)))
        (define-function main (argc argv)
          (let ((i 1))
            (while (< i argc)
              (let ((a (hex (oop-at argv i))) (b (hex (oop-at argv (+ i 1)))))
                {{string.Join("\n        ", Operations.Select(o => $"(printf \"%llx \" {o.Form})"))}}
                (printf "\n"))
              (set i (+ i 2)))
            0))
        """;

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    [DataRow("win-x64")]
    public void OperatorsAgreeWithCSharpOnEveryTarget(string runtimeIdentifier)
    {
        var pairs = Operands();
        var arguments = pairs.SelectMany(p => new[] { ((ulong)p.A).ToString("x", CultureInfo.InvariantCulture), ((ulong)p.B).ToString("x", CultureInfo.InvariantCulture) }).ToArray();
        ProgramRun run;
        if (runtimeIdentifier == "win-x64")
        {
            using var directory = new TemporaryDirectory();
            string library = TestCompiler.BuildLibrary(directory, "win-x64", SourceFile.FromText("differential.l", Program()));
            run = NativeHarness.RunWindowsLibrary(library, arguments);
        }
        else
        {
            run = TestCompiler.RunOn(runtimeIdentifier, Program(), arguments);
        }
        Assert.AreEqual(0, run.ExitCode, run.StandardError);

        var lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(pairs.Count, lines.Length, run.StandardOutput);
        var mismatches = new StringBuilder();
        for (int i = 0; i < pairs.Count; i++)
        {
            var (a, b) = pairs[i];
            var results = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (int k = 0; k < Operations.Length; k++)
            {
                var (form, isDouble, expected) = Operations[k];
                long want = expected(a, b), got = (long)ulong.Parse(results[k], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                bool agrees = isDouble && double.IsNaN(D(want)) ? double.IsNaN(D(got)) : want == got;
                if (!agrees) mismatches.AppendLine($"{form} with a = {a:x16}, b = {b:x16}: {got:x16}, expected {want:x16}");
            }
        }
        Assert.AreEqual("", FirstLines(mismatches));
    }

    [TestMethod]
    public void ConstantFoldingAgreesWithCSharp()
    {
        // The same operations folded by the compiler: each result is a constant global, printed by the program.
        var pairs = Operands().Take(60).ToList();
        var program = new StringBuilder("(define printf (extern 'printf))\n");
        var expected = new StringBuilder();
        for (int i = 0; i < pairs.Count; i++)
        {
            var (a, b) = pairs[i];
            for (int k = 0; k < Operations.Length - 1; k++) // progn-float is a function, not a constant expression
            {
                string form = Operations[k].Form.Replace(" a", $" {a}").Replace(" b", $" {b}");
                program.Append(CultureInfo.InvariantCulture, $"(define g{i}x{k} {form})\n");
            }
        }
        program.Append("(define-function main ()\n");
        for (int i = 0; i < pairs.Count; i++)
            for (int k = 0; k < Operations.Length - 1; k++)
                program.Append(CultureInfo.InvariantCulture, $"  (printf \"%llx\\n\" g{i}x{k})\n");
        program.Append("  0)\n");
        var run = TestCompiler.Run(program.ToString());
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        var lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int line = 0;
        var mismatches = new StringBuilder();
        foreach (var (a, b) in pairs)
        {
            for (int k = 0; k < Operations.Length - 1; k++)
            {
                var (form, isDouble, compute) = Operations[k];
                long want = compute(a, b), got = (long)ulong.Parse(lines[line++], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                bool agrees = isDouble && double.IsNaN(D(want)) ? double.IsNaN(D(got)) : want == got;
                if (!agrees) mismatches.AppendLine($"folded {form} with a = {a:x16}, b = {b:x16}: {got:x16}, expected {want:x16}");
            }
        }
        Assert.AreEqual("", FirstLines(mismatches));
    }
}
