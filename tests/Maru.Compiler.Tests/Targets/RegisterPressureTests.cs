using System.Globalization;
using System.Text;
using Maru.Compiler.Semantics;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// Differential tests of instruction selection and register allocation: random expression trees over many
/// parameters, with calls in between so values must survive calls, compiled and run; the results must equal
/// the language's arithmetic evaluated here in C#.
/// </summary>
[TestClass]
public sealed class RegisterPressureTests
{
    private const int Parameters = 12;

    private abstract record Node;
    private sealed record Parameter(int Index) : Node;
    private sealed record Constant(long Value) : Node;
    private sealed record Binary(string Op, Node Left, Node Right) : Node;
    private sealed record Identity(Node Operand) : Node; // a call of (define-function id (x) x)

    private static readonly string[] Operators = { "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", "<", "=", ">=" };

    private static Node Generate(Random random, int depth)
    {
        if (depth == 0 || random.Next(5) == 0)
        {
            return random.Next(3) == 0
                ? new Constant(random.Next(4) switch { 0 => 0, 1 => -1, 2 => long.MinValue, _ => random.NextInt64(-1000, 1000) })
                : new Parameter(random.Next(Parameters));
        }
        if (random.Next(6) == 0) return new Identity(Generate(random, depth - 1));
        return new Binary(Operators[random.Next(Operators.Length)], Generate(random, depth - 1), Generate(random, depth - 1));
    }

    private static string Source(Node node) => node switch
    {
        Parameter p => $"p{p.Index}",
        Constant c => c.Value == long.MinValue ? "0x8000000000000000" : c.Value.ToString(CultureInfo.InvariantCulture),
        Binary b => $"({b.Op} {Source(b.Left)} {Source(b.Right)})",
        Identity i => $"(id {Source(i.Operand)})",
        _ => throw new InvalidOperationException(),
    };

    private static long Evaluate(Node node, long[] arguments) => node switch
    {
        Parameter p => arguments[p.Index],
        Constant c => c.Value,
        Identity i => Evaluate(i.Operand, arguments),
        Binary b => WordArithmetic.Binary(Builtins.Operators[b.Op].Op, Evaluate(b.Left, arguments), Evaluate(b.Right, arguments)),
        _ => throw new InvalidOperationException(),
    };

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    public void RandomExpressionsComputeWhatTheLanguageDefines(int seed) => CheckRandomExpressions(seed, NativeToolchain.HostRuntimeIdentifier);

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    public void RandomExpressionsComputeWhatTheLanguageDefinesOnLinuxArm64(int seed) => CheckRandomExpressions(seed, "linux-arm64");

    private static void CheckRandomExpressions(int seed, string runtimeIdentifier)
    {
        var random = new Random(seed);
        var arguments = Enumerable.Range(0, Parameters).Select(_ => random.Next(3) == 0 ? random.NextInt64(-5, 5) : random.NextInt64()).ToArray();
        var expressions = Enumerable.Range(0, 40).Select(_ => Generate(random, 6)).ToList();

        var source = new StringBuilder("(define printf (extern 'printf))\n(define-function id (x) x)\n");
        string parameterList = string.Join(" ", Enumerable.Range(0, Parameters).Select(i => $"p{i}"));
        for (int i = 0; i < expressions.Count; i++)
            source.Append($"(define-function e{i} ({parameterList}) {Source(expressions[i])})\n");
        string argumentList = string.Join(" ", arguments.Select(a => a == long.MinValue ? "0x8000000000000000" : a.ToString(CultureInfo.InvariantCulture)));
        source.Append("(define-function main ()\n");
        for (int i = 0; i < expressions.Count; i++) source.Append($"  (printf \"%lld\\n\" (e{i} {argumentList}))\n");
        source.Append("  0)\n");

        var run = TestCompiler.RunOn(runtimeIdentifier, source.ToString());
        var expected = string.Concat(expressions.Select(e => Evaluate(e, arguments).ToString(CultureInfo.InvariantCulture) + "\n"));
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual(expected, run.StandardOutput);
    }

    [TestMethod]
    [DataRow("linux-x64", "(%rsp)")]
    [DataRow("linux-arm64", "sub\tsp, sp, #")] // a frame below the saved registers: only spill slots need one here
    public void ThirtyValuesLiveAcrossCallsAreSpilledAndRestored(string runtimeIdentifier, string slotAccess)
    {
        // More live values than registers: the allocator must spill, and every value must survive the calls.
        var names = Enumerable.Range(0, 30).Select(i => $"v{i}").ToList();
        string bindings = string.Join(" ", names.Select((n, i) => $"({n} (id {i * 7 + 1}))"));
        string sum = string.Join(" ", names.Select((n, i) => $"(* {n} (id {i + 1}))"));
        string source = $"""
            (define-function id (x) x)
            (define-function main () (let* ({bindings}) (% (+ {sum}) 256)))
            """;
        long expected = Enumerable.Range(0, 30).Sum(i => (long)(i * 7 + 1) * (i + 1)) % 256;
        // id stays a call (not inlined), so that the values live across calls.
        Assert.AreEqual((int)expected, TestCompiler.RunOn(new CompileOptions(runtimeIdentifier) { InlineSmallFunctions = false }, source).ExitCode);
        StringAssert.Contains(TestCompiler.Assembly(source, runtimeIdentifier, inlineSmallFunctions: false), slotAccess, "spill slots are used");
    }

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    [DataRow("win-x64")]
    public void AFunctionWithMoreVirtualRegistersThanTheColouringLimitIsSpilledWholeAndStillRight(string runtimeIdentifier)
    {
        // Past RegisterAllocator.SpillEverythingAbove every value lives in a frame slot (colouring 4 000 live values
        // took 20 s and 2.6 GB): the code must compute the same, values live across calls included.
        int locals = Maru.Compiler.Targets.RegisterAllocator.SpillEverythingAbove;
        string bindings = string.Join(" ", Enumerable.Range(0, locals).Select(i => $"(v{i} (id (+ a {i})))"));
        string sum = string.Join(" ", Enumerable.Range(0, locals).Select(i => $"v{i}"));
        string source = $"""
            (define-function id (x) x)
            (define-function f (a) (let ({bindings}) (+ {sum})))
            (define-function main () (% (f 3) 251))
            """;
        long expected = Enumerable.Range(0, locals).Sum(i => 3L + i) % 251;
        Assert.AreEqual((int)expected, RunMain(runtimeIdentifier, source));
        // Windows commits stack pages one guard page at a time (wine does not check it, so the assembly is checked):
        // a frame of over 20 KB touches its pages in order before the prologue allocates it.
        if (runtimeIdentifier == "win-x64")
        {
            string assembly = TestCompiler.Assembly(source, "win-x64");
            int probe = assembly.IndexOf("orq\t$0, -4096(%rsp)", StringComparison.Ordinal);
            Assert.IsTrue(probe >= 0 && probe < assembly.IndexOf("orq\t$0, -8192(%rsp)", StringComparison.Ordinal), "the pages are probed top down");
        }
    }

    private static int RunMain(string runtimeIdentifier, string source)
    {
        if (runtimeIdentifier != "win-x64") return TestCompiler.RunOn(runtimeIdentifier, source).ExitCode;
        using var directory = new TemporaryDirectory();
        string library = TestCompiler.BuildLibrary(directory, "win-x64", SourceFile.FromText("big.l", source));
        return NativeHarness.RunWindowsLibrary(library, []).ExitCode;
    }
}
