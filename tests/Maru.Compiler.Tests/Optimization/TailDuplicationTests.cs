using System.Text.RegularExpressions;
using Maru.Compiler.IR;
using Maru.Compiler.Optimization;
using Maru.Compiler.Semantics;
using Maru.Compiler.Tests.IR;

namespace Maru.Compiler.Tests.Optimization;

/// <summary>Tail duplication: a small join that ends in a test is copied into the blocks that jump to it.</summary>
[TestClass]
public sealed class TailDuplicationTests
{
    /// <summary>bench/collatz.l's inner loop: the join of the <c>if</c> increments and tests again.</summary>
    private const string ChainLength = """
        (define-function chain-length (n)
          (let ((len 1))
            (while (!= n 1)
              (if (= (% n 2) 0) (set n (/ n 2)) (set n (+ (* 3 n) 1)))
              (incr len))
            len))
        """;

    private static int Count(IrFunction function, Func<BasicBlock, bool> predicate) => function.Blocks.Count(predicate);

    /// <summary>The loop's head: the block that tests n's low bit.</summary>
    private static BasicBlock TestOfLowBit(IrFunction function) =>
        function.Blocks.Single(b => b.Terminator.Kind == TerminatorKind.Branch && b.Terminator.Comparison == Operator.Eq);

    [TestMethod]
    public void TheJoinOfAnIfInALoopIsCopiedIntoBothArms()
    {
        // (> n 1): a test that the arms' arithmetic does not decide.
        string source = ChainLength.Replace("(!= n 1)", "(> n 1)", StringComparison.Ordinal);
        var function = IrTests.Lower(source, optimise: true);
        Assert.AreEqual(0, Count(function, b => b.Terminator.Kind == TerminatorKind.Jump), function.ToString());
        var head = TestOfLowBit(function);
        foreach (var arm in new[] { head.Terminator.True!, head.Terminator.False! })
            Assert.IsTrue(arm.Terminator is { Kind: TerminatorKind.Branch, Comparison: Operator.Gt } && arm.Terminator.True == head, function.ToString());

        foreach (string target in new[] { "linux-x64", "linux-arm64", "win-x64" })
        {
            // Both arms branch back to the loop's head on their own test; nothing jumps there unconditionally.
            string text = FromLabel(TestCompiler.Assembly(source, target), "chain_length");
            var targets = Regex.Matches(text, @"\t(?:jg|b\.gt)\t(\.L[\w.]+)\n").GroupBy(m => m.Groups[1].Value);
            string headLabel = targets.Single(t => t.Count() == 2).Key;
            Assert.IsFalse(Regex.IsMatch(text, $"\t(jmp|b)\t{Regex.Escape(headLabel)}\n"), text);
        }
    }

    [TestMethod]
    public void ThreeTimesAnOddNumberPlusOneIsNotOne()
    {
        // As gcc does for bench/collatz.l: the odd arm's 3n+1 is even, so its copy of (!= n 1) is decided.
        var function = IrTests.Lower(ChainLength, optimise: true);
        var head = TestOfLowBit(function);
        var (even, odd) = (head.Terminator.True!, head.Terminator.False!);
        Assert.IsTrue(even.Terminator is { Kind: TerminatorKind.Branch, Comparison: Operator.Ne } && even.Terminator.True == head, function.ToString());
        Assert.IsTrue(odd.Terminator is { Kind: TerminatorKind.Jump } && odd.Terminator.True == head, function.ToString());

        foreach (string target in new[] { "linux-x64", "linux-arm64", "win-x64" })
        {
            string text = FromLabel(TestCompiler.Assembly(ChainLength, target), "chain_length");
            // The head is the label the odd arm jumps back to.
            string headLabel = Regex.Matches(text, @"\t(?:jmp|b)\t(\.L[\w.]+)\n").Select(m => m.Groups[1].Value)
                .Single(label => text.IndexOf(label + ":", StringComparison.Ordinal) < text.IndexOf("\t" + label + "\n", StringComparison.Ordinal));
            string loop = text[text.IndexOf(headLabel + ":", StringComparison.Ordinal)..];
            Assert.AreEqual(1, Regex.Matches(loop, @"\tcmpq?\t(\$1, %\w+|x\d+, #1)\n").Count, "one test against 1 in the loop: " + loop);
            Assert.AreEqual(1, Regex.Matches(loop, $"\t(jne|b\\.ne)\t{Regex.Escape(headLabel)}\n").Count, loop);
        }
    }

    [TestMethod]
    public void LowBitsDecideOnlyWhatTheyProve()
    {
        // Decided: (<< n 1) is even. Not decided: (<< n 64) is n (the count is taken modulo 64), n - 1 of an even n is odd
        // like -1, (* n k) and (| n k) depend on k.
        string[] undecided =
        [
            "(define-function f (n) (if (= (& n 1) 0) 0 (if (= (<< n 64) 1) 1 2)))",
            "(define-function f (n) (if (= (& n 1) 0) (if (= (- n 1) -1) 1 2) 0))",
            "(define-function f (n k) (if (= (& n 1) 0) 0 (if (= (* n k) 1) 1 2)))",
            "(define-function f (n k) (if (= (& n 1) 0) (if (= (| n k) 1) 1 2) 0))",
        ];
        foreach (string source in undecided)
        {
            var function = IrTests.Lower(source, optimise: true);
            Assert.AreEqual(2, Count(function, b => b.Terminator.Kind == TerminatorKind.Branch), source + "\n" + function);
        }
        var decided = IrTests.Lower("(define-function f (n) (if (!= (& n 1) 0) (if (= (<< n 1) 1) 1 2) 0))", optimise: true);
        Assert.AreEqual(1, Count(decided, b => b.Terminator.Kind == TerminatorKind.Branch), decided.ToString());
    }

    [TestMethod]
    public void AJoinOverTheLimitIsNotCopied()
    {
        // The join updates four variables: eight instructions, over TailDuplication.MaxInstructions.
        var function = IrTests.Lower("""
            (define-function f (n a b c)
              (let ((len 1))
                (while (!= n 1)
                  (if (= (% n 2) 0) (set n (/ n 2)) (set n (+ (* 3 n) 1)))
                  (set a (+ a n)) (set b (^ b n)) (set c (- c n)) (incr len))
                (+ len a b c)))
            """, optimise: true);
        var join = function.Blocks.Single(b => b.Instructions.Any(i => i.Operator == Operator.Xor));
        Assert.IsGreaterThan(TailDuplication.MaxInstructions, join.Instructions.Count, function.ToString());
        Assert.AreEqual(2, Count(function, b => b.Terminator.Kind == TerminatorKind.Jump && b.Terminator.True == join), function.ToString());
    }

    [TestMethod]
    public void AJoinThatCallsIsNotCopied()
    {
        var function = IrTests.Lower("""
            (define-function f (n)
              (let ((len 1))
                (while (!= n 1)
                  (if (= (% n 2) 0) (set n (/ n 2)) (set n (+ (* 3 n) 1)))
                  (set len (f len)))
                len))
            """, optimise: true);
        Assert.AreEqual(1, function.Blocks.SelectMany(b => b.Instructions).Count(i => i.Opcode == Opcode.Call), function.ToString());
        var join = function.Blocks.Single(b => b.Instructions.Any(i => i.Opcode == Opcode.Call));
        Assert.AreEqual(2, Count(function, b => b.Terminator.Kind == TerminatorKind.Jump && b.Terminator.True == join), function.ToString());
    }

    private const string TailLoop = """
        (define-function g (n acc)
          (let ((m (- n 1)) (k (* n 3)) (j (^ n acc)))
            (if (= n 0) acc (g m (+ acc k j)))))
        """;

    [TestMethod]
    public void ASelfTailCallWhoseBodyIsNotAnIfTestsOnceAtTheBottom()
    {
        var function = IrTests.Lower(TailLoop, optimise: true);
        Assert.AreEqual(0, Count(function, b => b.Terminator.Kind == TerminatorKind.Jump), function.ToString());
        var loop = function.Blocks.Single(b => b.Terminator.True == b || b.Terminator.False == b);
        var exit = loop.Terminator.True == loop ? loop.Terminator.False! : loop.Terminator.True!;
        Assert.AreEqual(TerminatorKind.Return, exit.Terminator.Kind, function.ToString());
        Assert.AreEqual(loop.Id + 1, exit.Id, "the return follows the loop, which falls into it: " + function);

        foreach (string target in new[] { "linux-x64", "linux-arm64", "win-x64" })
        {
            string text = FromLabel(TestCompiler.Assembly(TailLoop, target), "g");
            Assert.IsFalse(Regex.IsMatch(text, "\t(jmp|b)\t"), text);
            Assert.AreEqual(1, Regex.Matches(text, "\t(jne|b\\.ne|cbnz)\t").Count, text);
        }
    }

    [TestMethod]
    public void AWhileWhoseTestIsNotSmallTestsAtTheBottom()
    {
        // Lowering enters this loop through its test (the condition is too big to write twice); the latch gets a copy
        // of the test's first block instead of a jump back to it.
        const string source = """
            (define-function f (a b c d)
              (let ((i 0))
                (while (and (< i a) (< i b) (or (< i c) (< i d)) (!= (+ i (* a b)) (- c d))) (set i (+ i 1)))
                i))
            """;
        var function = IrTests.Lower(source, optimise: true);
        Assert.AreEqual(0, Count(function, b => b.Terminator.Kind == TerminatorKind.Jump), function.ToString());
        foreach (string target in new[] { "linux-x64", "linux-arm64", "win-x64" })
        {
            string text = FromLabel(TestCompiler.Assembly(source, target), "f");
            Assert.IsFalse(Regex.IsMatch(text, "\t(jmp|b)\t"), text);
        }
    }

    [TestMethod]
    public void ATestOfAValueTheCopyJustSetIsDecided()
    {
        // r is 0 on the first path: its copy of (= r 0) goes straight to the first arm.
        var function = IrTests.Lower("(define-function f (a b) (let ((r (if (< a b) 0 (% a 7)))) (if (= r 0) (* b 10) (* a 20))))", optimise: true);
        Assert.AreEqual(1, Count(function, b => b.Terminator is { Kind: TerminatorKind.Branch, Comparison: Operator.Eq }), function.ToString());
        Assert.AreEqual(0, Count(function, b => b.Terminator.Kind == TerminatorKind.Jump), function.ToString());
    }

    [TestMethod]
    public void CopiedJoinsComputeWhatTheJoinsDid()
    {
        const string source = """
            (define printf (extern 'printf))
            (define-function chain-length (n)
              (let ((len 1))
                (while (!= n 1)
                  (if (= (% n 2) 0) (set n (/ n 2)) (set n (+ (* 3 n) 1)))
                  (incr len))
                len))
            (define-function g (n acc)
              (let ((m (- n 1)) (k (* n 3)) (j (^ n acc)))
                (if (= n 0) acc (g m (+ acc k j)))))
            (define-function decided (a b) (let ((r (if (< a b) 0 (% a 7)))) (if (= r 0) (* b 10) (* a 20))))
            (define-function sign (a) (let ((s 0)) (if (< a 0) (set s -1) (set s 1)) s))
            (define-function w (a b c d)
              (let ((i 0))
                (while (and (< i a) (< i b) (or (< i c) (< i d)) (!= (+ i (* a b)) (- c d))) (set i (+ i 1)))
                i))
            (define-function p1 (n) (if (= (& n 1) 0) 0 (if (= (<< n 64) 1) 1 2)))
            (define-function p2 (n) (if (= (& n 1) 0) (if (= (- n 1) -1) 1 2) 0))
            (define-function p3 (n) (if (!= (& n 1) 0) (if (= (^ (<< n 1) (~ n)) -3) 1 2) 0))
            (define-function main ()
              (printf "%lld %lld %lld %lld " (chain-length 1) (chain-length 27) (chain-length 837799) (chain-length 97))
              (printf "%lld %lld %lld " (g 0 5) (g 10 1) (g 3 -9223372036854775807))
              (printf "%lld %lld %lld %lld " (decided 1 2) (decided 14 3) (decided 15 3) (decided -9223372036854775808 0))
              (printf "%lld %lld %lld " (sign -3) (sign 0) (sign 9223372036854775807))
              (printf "%lld %lld %lld %lld " (w 10 20 5 3) (w 10 20 30 3) (w 3 4 100 50) (w 40 30 100 19))
              (printf "%lld %lld %lld %lld %lld %lld\n" (p1 1) (p1 3) (p2 0) (p2 2) (p3 1) (p3 -1))
              0)
            """;
        var expected = $"{ChainLengthOf(1)} {ChainLengthOf(27)} {ChainLengthOf(837799)} {ChainLengthOf(97)} "
            + $"{G(0, 5)} {G(10, 1)} {G(3, -9223372036854775807)} "
            + $"{Decided(1, 2)} {Decided(14, 3)} {Decided(15, 3)} {Decided(long.MinValue, 0)} -1 1 1 {W(10, 20, 5, 3)} {W(10, 20, 30, 3)} {W(3, 4, 100, 50)} {W(40, 30, 100, 19)} 1 2 1 2 {P3(1)} {P3(-1)}\n";
        Assert.AreEqual(expected, SsaFormTests.OutputOnEveryTarget(source));
    }

    private static long ChainLengthOf(long n)
    {
        long len = 1;
        while (n != 1)
        {
            n = n % 2 == 0 ? n / 2 : unchecked(3 * n + 1);
            len++;
        }
        return len;
    }

    private static long G(long n, long acc) => unchecked(n == 0 ? acc : G(n - 1, acc + n * 3 + (n ^ acc)));

    private static long W(long a, long b, long c, long d)
    {
        long i = 0;
        while (i < a && i < b && (i < c || i < d) && i + a * b != c - d) i++;
        return i;
    }

    private static long P3(long n) => (n & 1) != 0 ? ((n << 1) ^ ~n) == -3 ? 1 : 2 : 0;

    private static long Decided(long a, long b) => unchecked((a < b ? 0 : a % 7) == 0 ? b * 10 : a * 20);

    /// <summary>An assembly listing from a function's label on (the sources here define one function).</summary>
    private static string FromLabel(string assembly, string name)
    {
        int start = assembly.IndexOf($"\n{name}:", StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, assembly);
        return assembly[start..];
    }
}
