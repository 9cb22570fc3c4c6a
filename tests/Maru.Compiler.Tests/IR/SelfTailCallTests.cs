using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Maru.Compiler.Tests.IR;

/// <summary>A function that calls itself in tail position, alone or under an accumulating operator, becomes a loop.</summary>
[TestClass]
public sealed class SelfTailCallTests
{
    private static string Ir(string source) => IrTests.Lower(source, optimise: true).ToString();

    /// <summary>The blocks that a jump or branch goes back to: to itself or to a block before it.</summary>
    internal static List<int> BackEdgeTargets(string ir)
    {
        var targets = new List<int>();
        int block = -1;
        foreach (string line in ir.Split('\n'))
        {
            if (Regex.Match(line, @"^b(\d+):") is { Success: true } label) block = int.Parse(label.Groups[1].Value, CultureInfo.InvariantCulture);
            else if (Regex.IsMatch(line, @"^\s+(jump|branch) "))
                targets.AddRange(Regex.Matches(line, @"\bb(\d+)\b").Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Where(t => t <= block));
        }
        return targets;
    }

    private static string Output(string source)
    {
        var run = TestCompiler.Run(source);
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        return run.StandardOutput;
    }

    [TestMethod]
    public void ASelfTailCallIsAParallelAssignmentAndAJumpAfterTheEntry()
    {
        // (f b a ...) swaps the parameters: every argument is read before any parameter changes.
        const string function = "(define-function f (a b n) (if (= n 0) (- (* a 10) b) (f b a (- n 1))))";
        string ir = Ir(function);
        StringAssert.DoesNotMatch(ir, new Regex("tailcall|call f"));
        var backEdges = BackEdgeTargets(ir);
        Assert.IsNotEmpty(backEdges, ir);
        Assert.DoesNotContain(0, backEdges, "the loop goes back after the entry block, not to it: " + ir);
        Assert.AreEqual("8 19 8\n", Output(function + """
            (define printf (extern 'printf))
            (define-function main () (printf "%ld %ld %ld\n" (f 1 2 0) (f 1 2 1) (f 1 2 2)) 0)
            """));
    }

    [TestMethod]
    public void ASelfTailCallInEitherArmOfAnIfLoopsAndANonTailOneStaysACall()
    {
        string ir = Ir("(define-function collatz (n steps) (if (= n 1) steps (if (= (% n 2) 0) (collatz (/ n 2) (+ steps 1)) (collatz (+ (* 3 n) 1) (+ steps 1)))))");
        StringAssert.DoesNotMatch(ir, new Regex("tailcall|call collatz"));
        // Subtraction does not accumulate: that call is kept.
        string kept = Ir("(define-function down (n) (if (= n 0) 0 (- (down (- n 1)) 1)))");
        StringAssert.Contains(kept, "call down");
        Assert.AreEqual("111 -5\n", Output("""
            (define printf (extern 'printf))
            (define-function collatz (n steps) (if (= n 1) steps (if (= (% n 2) 0) (collatz (/ n 2) (+ steps 1)) (collatz (+ (* 3 n) 1) (+ steps 1)))))
            (define-function down (n) (if (= n 0) 0 (- (down (- n 1)) 1)))
            (define-function main () (printf "%ld %ld\n" (collatz 27 0) (down 5)) 0)
            """));
    }

    [TestMethod]
    public void EveryAccumulatingOperatorWrapsAsTheCallsWould()
    {
        // Products and sums overflow: the loop's accumulator wraps exactly like the calls' results.
        static long Reference(Func<long, long, long> op, long identity, Func<long, long> term, long n)
        {
            long result = identity;
            for (long i = n; i > 0; i--) result = unchecked(op(result, term(i)));
            return result;
        }
        var expected = string.Join(" ", new[]
        {
            Reference((a, b) => a * b, 1, i => i + 1000000007, 60),
            Reference((a, b) => a + b, 0, i => i * 4611686018427387904L, 60),
            Reference((a, b) => a & b, -1, i => ~(1L << (int)(i % 64)), 60),
            Reference((a, b) => a | b, 0, i => 1L << (int)(i % 64), 60),
            Reference((a, b) => a ^ b, 0, i => i * 2654435761L, 60),
        }.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "\n";
        const string functions = """
            (define-function product (n) (if (= n 0) 1 (* (+ n 1000000007) (product (- n 1)))))
            (define-function total (n) (if (= n 0) 0 (+ (total (- n 1)) (* n 4611686018427387904))))
            (define-function meet (n) (if (= n 0) -1 (& (~ (<< 1 (% n 64))) (meet (- n 1)))))
            (define-function join (n) (if (= n 0) 0 (| (join (- n 1)) (<< 1 (% n 64)))))
            (define-function mix (n) (if (= n 0) 0 (^ (* n 2654435761) (mix (- n 1)))))
            """;
        foreach (string name in new[] { "product", "total", "meet", "join", "mix" })
            StringAssert.DoesNotMatch(Ir(functions[functions.IndexOf($"(define-function {name} ", StringComparison.Ordinal)..]), new Regex($"call {name}\\b"), name);
        Assert.AreEqual(expected, Output(functions + """
            (define printf (extern 'printf))
            (define-function main () (printf "%ld %ld %ld %ld %ld\n" (product 60) (total 60) (meet 60) (join 60) (mix 60)) 0)
            """));
    }

    [TestMethod]
    public void TheAccumulatorKeepsTheOrderOfEffects()
    {
        // (+ (tick n) (f ...)): the tick before the call's body. (+ (g ...) (tick n)): the tick may not move before the
        // call, so that call stays one; (+ (h ...) n) reads a local only and loops.
        const string source = """
            (define printf (extern 'printf))
            (define-function tick (n) (printf "t%ld " n) n)
            (define-function f (n) (printf "f%ld " n) (if (= n 0) 0 (+ (tick n) (f (- n 1)))))
            (define-function g (n) (printf "g%ld " n) (if (= n 0) 0 (+ (g (- n 1)) (tick n))))
            (define-function h (n) (printf "h%ld " n) (if (= n 0) 0 (+ (h (- n 1)) n)))
            (define-function main () (printf "= %ld\n" (+ (f 2) (g 2) (h 2))) 0)
            """;
        Assert.AreEqual("f2 t2 f1 t1 f0 g2 g1 g0 t1 t2 h2 h1 h0 = 9\n", Output(source));
        var program = TestCompiler.Assembly(source, inlineSmallFunctions: false);
        StringAssert.Contains(InliningTests.FunctionText(program, "g"), "call\tg\n", "an operand with effects after the call keeps the call");
        StringAssert.DoesNotMatch(InliningTests.FunctionText(program, "f") + InliningTests.FunctionText(program, "h"), new Regex("call\t(f|h)\n"));
    }

    [TestMethod]
    public void RecursionTooDeepForTheStackRunsAsALoop()
    {
        // 100 million frames would need gigabytes of stack.
        var expected = new StringBuilder();
        long xor = 0, sum = 0;
        for (long i = 1; i <= 100_000_000; i++) { xor ^= i * 3; sum += i; }
        expected.Append(CultureInfo.InvariantCulture, $"{xor} {sum} 7\n");
        Assert.AreEqual(expected.ToString(), Output("""
            (define printf (extern 'printf))
            (define-function xor-down (n) (if (= n 0) 0 (^ (xor-down (- n 1)) (* n 3))))
            (define-function sum-down (n total) (if (= n 0) total (sum-down (- n 1) (+ total n))))
            (define-function last (a b n) (if (= n 0) a (last b a (- n 1))))
            (define-function main () (printf "%ld %ld %ld\n" (xor-down 100000000) (sum-down 100000000 0) (last 7 8 100000000)) 0)
            """));
    }
}
