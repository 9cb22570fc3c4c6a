using System.Globalization;
using System.Text;

namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// Random loop bodies of stores of doubles, many to neighbouring words, at constant indices or at the loop's counter
/// plus a constant (which unrolling then steps), through two bases that overlap by 0 to 13 words either way or not at all: what straight-line vectorisation pairs, reorders and versions on its overlap test. Each
/// program runs on every target and prints every word of memory as bits, against the same statements run in C#. The
/// values stay finite (sums, products by constants, quotients by 1.5 + x * x), so no NaN's payload shows. The seed is
/// MARU_RANDOM_SEED when set, else a fixed one, printed on failure.
/// </summary>
[TestClass]
public sealed class RandomStorePairsTests
{
    private const int Functions = 24;
    private const int Words = 40;     // the memory, doubles
    private const int BaseA = 8;      // a is at word 8; b at word 8 + d
    private static readonly int[] Distances = [0, 1, 2, 3, 5, 8, -1, -3, -8, 13];
    private static readonly string[] Literals = ["0.5", "1.25", "2.0", "3.0", "0.75"];

    private static int Seed => RandomPrograms.RandomProgramTests.Seed;

    private abstract record Expression;
    private sealed record Load(bool FromB, int Index, bool Counted) : Expression; // Counted: at i + Index
    private sealed record Literal(string Text) : Expression;
    private sealed record Operation(string Operator, Expression Left, Expression Right) : Expression; // fl+ fl- fl*
    private sealed record Quotient(Expression Dividend, Expression Divisor) : Expression;            // x / (1.5 + y * y)
    private sealed record Store(bool ToB, int Index, Expression Value, bool Counted);

    private sealed class Generator(Random random)
    {
        public List<Store> Body()
        {
            var body = new List<Store>();
            int pairs = random.Next(1, 4);
            for (int p = 0; p < pairs; p++)
            {
                bool toB = random.Next(2) == 0, counted = _counted = random.Next(2) == 0;
                int index = random.Next(0, 7);
                // Two lanes of one shape, as an unrolled or component-wise update is: the same tree over neighbouring words.
                var shape = Value(3);
                var first = new Store(toB, index, shape, counted);
                var second = new Store(toB, index + 1, random.Next(3) == 0 ? Value(3) : Shifted(shape), counted);
                if (random.Next(2) == 0) (first, second) = (second, first);
                body.Add(first);
                if (random.Next(3) == 0) body.Add(new Store(random.Next(2) == 0, random.Next(0, 8), Value(2), random.Next(2) == 0));
                body.Add(second);
            }
            return body;
        }

        private Expression Value(int depth) => random.Next(depth <= 0 ? 2 : 6) switch
        {
            0 => NewLoad(),
            1 => random.Next(3) == 0 ? new Literal(Literals[random.Next(Literals.Length)]) : NewLoad(),
            2 => new Operation("fl*", Value(depth - 1), new Literal(Literals[random.Next(Literals.Length)])),
            3 => new Quotient(Value(depth - 1), Value(depth - 1)),
            _ => new Operation(random.Next(2) == 0 ? "fl+" : "fl-", Value(depth - 1), Value(depth - 1)),
        };

        private bool _counted; // the pair's kind of index, which most of its loads share (a mix makes one base's accesses incomparable)

        private Load NewLoad() => new(random.Next(2) == 0, random.Next(0, 8), random.Next(6) == 0 ? !_counted : _counted);

        /// <summary>The same tree, its loads one word on where they can be (the other lane's operands).</summary>
        private Expression Shifted(Expression e) => e switch
        {
            Load load => load with { Index = load.Index + 1 },
            Operation o => o with { Left = Shifted(o.Left), Right = Shifted(o.Right) },
            Quotient q => q with { Dividend = Shifted(q.Dividend), Divisor = Shifted(q.Divisor) },
            _ => e,
        };
    }

    private static string Text(Expression e) => e switch
    {
        Load load => $"(double-at {(load.FromB ? "b" : "a")} {Index(load.Index, load.Counted)})",
        Literal literal => literal.Text,
        Operation o => $"({o.Operator} {Text(o.Left)} {Text(o.Right)})",
        Quotient q => $"(fl/ {Text(q.Dividend)} (fl+ 1.5 (fl* {Text(q.Divisor)} {Text(q.Divisor)})))",
        _ => throw new InvalidOperationException(),
    };

    private static string Index(int index, bool counted) => counted ? $"(+ i {index})" : $"{index}";

    private static double Evaluate(Expression e, double[] memory, int a, int b, int i) => e switch
    {
        Load load => memory[(load.FromB ? b : a) + load.Index + (load.Counted ? i : 0)],
        Literal literal => double.Parse(literal.Text, CultureInfo.InvariantCulture),
        Operation { Operator: "fl+" } o => Evaluate(o.Left, memory, a, b, i) + Evaluate(o.Right, memory, a, b, i),
        Operation { Operator: "fl-" } o => Evaluate(o.Left, memory, a, b, i) - Evaluate(o.Right, memory, a, b, i),
        Operation o => Evaluate(o.Left, memory, a, b, i) * Evaluate(o.Right, memory, a, b, i),
        Quotient q => Evaluate(q.Dividend, memory, a, b, i) / (1.5 + Evaluate(q.Divisor, memory, a, b, i) * Evaluate(q.Divisor, memory, a, b, i)),
        _ => throw new InvalidOperationException(),
    };

    private static (string Program, string Expected) Make(int seed)
    {
        var random = new Random(seed);
        var generator = new Generator(random);
        var bodies = Enumerable.Range(0, Functions).Select(_ => generator.Body()).ToList();
        var program = new StringBuilder("""
            (define printf (extern 'printf))
            (define malloc (extern 'malloc))
            (define-function reset (memory)
              (for (k 0 40) (set-double-at memory k (fl/ (long->double (- (* k 37) 300)) 64.0))))
            (define-function show (memory)
              (for (k 0 40) (printf "%llx " (double-at memory k)))
              (printf "\n"))

            """);
        var expected = new StringBuilder();
        var calls = new StringBuilder();
        for (int f = 0; f < Functions; f++)
        {
            program.Append(CultureInfo.InvariantCulture, $"(define-function f{f} (a b n)\n  (for (i 0 n)");
            foreach (var store in bodies[f]) program.Append(CultureInfo.InvariantCulture, $"\n    (set-double-at {(store.ToB ? "b" : "a")} {Index(store.Index, store.Counted)} {Text(store.Value)})");
            program.Append("))\n");
            foreach (int d in new[] { Distances[random.Next(Distances.Length)], Distances[random.Next(Distances.Length)] })
            {
                int n = random.Next(1, 6);
                calls.Append(CultureInfo.InvariantCulture, $"    (reset memory) (f{f} (+ memory {8 * BaseA}) (+ memory {8 * (BaseA + d)}) {n}) (show memory)\n");
                var memory = new double[Words];
                for (int k = 0; k < Words; k++) memory[k] = (double)(k * 37 - 300) / 64.0;
                for (int i = 0; i < n; i++)
                    foreach (var store in bodies[f])
                    {
                        double value = Evaluate(store.Value, memory, BaseA, BaseA + d, i);
                        memory[(store.ToB ? BaseA + d : BaseA) + store.Index + (store.Counted ? i : 0)] = value;
                    }
                foreach (double x in memory) expected.Append(CultureInfo.InvariantCulture, $"{BitConverter.DoubleToInt64Bits(x):x} ");
                expected.Append('\n');
            }
        }
        program.Append("(define-function main (argc argv)\n  (let ((memory (malloc (* 8 40))))\n").Append(calls).Append("    0))\n");
        return (program.ToString(), expected.ToString());
    }

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    [DataRow("win-x64")]
    public void RandomStoresComputeWhatCSharpComputes(string runtimeIdentifier)
    {
        int seed = Seed;
        var (program, expected) = Make(seed);
        var run = TestCompiler.RunOn(runtimeIdentifier, program);
        Assert.AreEqual(0, run.ExitCode, $"seed {seed}: {run.StandardError}");
        if (run.StandardOutput == expected) return;
        var lines = run.StandardOutput.Split('\n');
        var wanted = expected.Split('\n');
        int first = Enumerable.Range(0, Math.Min(lines.Length, wanted.Length)).First(i => lines[i] != wanted[i]);
        Assert.Fail($"seed {seed} (MARU_RANDOM_SEED), call {first} (function f{first / 2}):\nexpected {wanted[first]}\nactual   {lines[first]}\n\n{program}");
    }

    [TestMethod]
    public void SomeOfTheRandomBodiesAreVectorisedAndSomeVersioned()
    {
        string assembly = TestCompiler.Assembly(Make(Seed).Program, "linux-x64", inlineSmallFunctions: false);
        // The generator exercises the pass: seeds 1 to 12 each vectorise 3 or more of the stores (this seed 8), and version a body.
        Assert.IsGreaterThan(2, System.Text.RegularExpressions.Regex.Matches(assembly, @"\tmovupd\t%xmm\d+, ").Count, assembly);
        Assert.IsGreaterThan(0, System.Text.RegularExpressions.Regex.Matches(assembly, @"\tmovabsq\t\$-9223372036854775\d+, ").Count, assembly);
    }
}
