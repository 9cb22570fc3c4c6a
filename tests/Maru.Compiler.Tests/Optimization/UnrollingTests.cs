using System.Globalization;
using System.Text;
using Maru.Compiler.IR;
using Maru.Compiler.Semantics;
using Maru.Compiler.Tests.IR;

namespace Maru.Compiler.Tests.Optimization;

/// <summary>Unrolling: a small counted loop runs 4 (or 2) iterations per test, the rest in the original loop.</summary>
[TestClass]
public sealed class UnrollingTests
{
    private static List<BasicBlock> SelfLoops(IrFunction function) =>
        function.Blocks.Where(b => b.Terminator.True == b || b.Terminator.False == b).ToList();

    private static int Count(BasicBlock block, Operator op) => block.Instructions.Count(i => i.Operator == op && i.Opcode is Opcode.Binary or Opcode.Store);

    [TestMethod]
    public void AxpysLoopRunsFourCopiesOfItsBodyAndTheOriginalLoopTakesTheRest()
    {
        var function = IrTests.Lower("""
            (define-function axpy (n a x y)
              (for (i 0 n)
                (set-double-at y i (fl+ (double-at y i) (fl* a (double-at x i))))))
            """, optimise: true);
        var loops = SelfLoops(function);
        Assert.HasCount(2, loops, function.ToString());
        var (unrolled, remainder) = (loops[0], loops[1]);
        Assert.AreEqual(4, Count(unrolled, Operator.StoreWord), function.ToString());
        Assert.AreEqual(4, Count(unrolled, Operator.FMul), function.ToString());
        Assert.AreEqual(1, Count(remainder, Operator.StoreWord), function.ToString());
        // The unrolled loop tests its counter against n - 3, the remainder against n.
        var n = Value.Reg(function.Parameters[0]);
        Assert.AreEqual(n, remainder.Terminator.B, function.ToString());
        var limit = unrolled.Terminator.B;
        Assert.IsTrue(function.Blocks.SelectMany(b => b.Instructions).Any(i => i is { Opcode: Opcode.Binary, Operator: Operator.Sub } && i.Dest == limit.Register
            && i.Args[0] == n && i.Args[1] == Value.Const(3)), function.ToString());
        Assert.AreEqual(remainder.Terminator.A, unrolled.Terminator.A, "one counter");
    }

    [TestMethod]
    public void ALargerBodyIsUnrolledTwice()
    {
        // Ten instructions: two copies fit the budget, four do not.
        var function = IrTests.Lower("""
            (define-function f (n x y)
              (for (i 0 n)
                (set-oop-at y i (+ (^ (oop-at y i) (>> (oop-at x i) 3)) (& (oop-at x i) 255) (<< i 2)))))
            """, optimise: true);
        var loops = SelfLoops(function);
        Assert.HasCount(2, loops, function.ToString());
        Assert.AreEqual(2, Count(loops[0], Operator.StoreWord), function.ToString());
    }

    [TestMethod]
    public void ASumOfQuotientsRunsTwoCopiesWhoseDivisionsAreIndependent()
    {
        var function = IrTests.Lower("(define-function f (n) (let ((sum 0.0)) (for (i 0 n) (set sum (fl+ sum (fl/ 1.0 (long->double (+ i 1)))))) sum))", optimise: true);
        var loops = SelfLoops(function);
        Assert.HasCount(2, loops, function.ToString());
        Assert.AreEqual(2, Count(loops[0], Operator.FDiv), function.ToString());
        Assert.AreEqual(2, Count(loops[0], Operator.FAdd), function.ToString());
        Assert.AreEqual(1, Count(loops[1], Operator.FDiv), function.ToString());
    }

    [TestMethod]
    [DataRow("(define-function dot (n x y) (let ((sum 0.0)) (for (i 0 n) (set sum (fl+ sum (fl* (double-at x i) (double-at y i))))) sum))", DisplayName = "a sum of doubles: latency-bound")]
    [DataRow("(define-function f (n) (let ((sum 1.0)) (for (i 0 n) (set sum (fl+ sum (fl/ 1.0 sum)))) sum))", DisplayName = "a sum of quotients of the sum: latency-bound")]
    [DataRow("(define-function fnv (n p) (let ((h 0xcbf29ce484222325)) (for (i 0 n) (set h (* (^ h (byte-at p i)) 0x100000001b3))) h))", DisplayName = "a hash: latency-bound")]
    [DataRow("(define-function f (n p s) (for (i 0 n s) (set-byte-at p i 1)))", DisplayName = "a step that is not a constant")]
    [DataRow("(define g (extern 'g)) (define-function f (n) (for (i 0 n) (g i)))", DisplayName = "a call")]
    [DataRow("(define-function f (n p) (let ((i 0)) (while (< i n) (set-oop-at p i 1) (set n (- n 1)) (set i (+ i 1)))))", DisplayName = "a bound that changes")]
    [DataRow("(define-function f (n p) (let ((i 0)) (while (!= i n) (set-oop-at p i 1) (set i (+ i 1)))))", DisplayName = "a test for inequality")]
    [DataRow("""
        (define-function f (n x y)
          (for (i 0 n)
            (set-oop-at y i (+ (^ (oop-at y i) (>> (oop-at x i) 3)) (& (oop-at x i) 255) (<< i 2) (* i 7) (% (oop-at x i) 9) (oop-at y (+ i 1))))))
        """, DisplayName = "a body too large")]
    public void LoopsWhereUnrollingDoesNotPayStay(string source)
    {
        var function = IrTests.Lower(source, optimise: true);
        Assert.HasCount(1, SelfLoops(function), function.ToString());
    }

    /// <summary>(start, bound) pairs: trip counts 0 to 9 and 1000, none when start is past the bound, negative bounds, and bounds at the ends of the words.</summary>
    private static readonly (long Start, long Bound)[] s_cases =
    [
        (0, 0), (0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 7), (0, 8), (0, 9), (0, 1000), (5, 0), (9, -3), (-5, -1), (-60, 3), (-3, -10),
        (long.MinValue, long.MinValue + 1), (long.MinValue, long.MinValue + 3), (long.MinValue, long.MinValue + 9),
        (long.MaxValue - 5, long.MaxValue), (long.MaxValue - 1000, long.MaxValue), (long.MaxValue, long.MinValue),
    ];

    [TestMethod]
    public void UnrolledLoopsRunEveryTripCountAsTheOriginalOnEveryTarget()
    {
        // Each loop shape counts (a cheap chain) and, where its indices stay small, writes memory; the bounds come from
        // memory so that they are unknown when compiling. The bound-changing loop is not unrolled: its result is the check.
        var source = new StringBuilder("""
            (define printf (extern 'printf))
            (define malloc (extern 'malloc))
            (define-function up (start n)
              (let ((c 0)) (for (i start n) (set c (+ c (^ i 5) 1))) c))
            (define-function down (start n)
              (let ((c 0) (i start)) (while (> i n) (set c (- c i)) (set i (- i 1))) c))
            (define-function up-memory (start n p)
              (for (i start n) (set-oop-at p i (+ (oop-at p i) i 1)))
              0)
            (define-function up3 (start n p)
              (let ((c 0) (i start))
                (while (<= i n) (set c (+ c i)) (set-byte-at p i (+ (byte-at p i) 1)) (set i (+ i 3)))
                c))
            (define-function down2 (start n)
              (let ((c 0) (i start)) (while (> i n) (set c (+ (<< c 1) (& i 7))) (set i (- i 2))) c))
            (define-function down-to (start n)
              (let ((c 0) (i start)) (while (>= i n) (set c (- c i)) (set i (- i 1))) c))
            (define-function shrinking (start n)
              (let ((c 0) (i start)) (while (< i n) (set c (+ c 1)) (set n (- n 1)) (set i (+ i 1))) c))
            (define-function checksum (p)
              (let ((s 0)) (for (j -100 1100) (set s (+ (* s 31) (oop-at p j)))) s))
            (define-function main ()
              (let* ((cases (malloc 1024)) (memory (malloc 9800)) (p (+ memory 800)))
                (for (j -100 1100) (set-oop-at p j 0))

            """);
        for (int k = 0; k < s_cases.Length; k++)
            source.Append(CultureInfo.InvariantCulture, $"    (set-oop-at cases {2 * k} {s_cases[k].Start}) (set-oop-at cases {2 * k + 1} {s_cases[k].Bound})\n");
        // Loops that step by more than one, or test with <= or >=, would wrap and go on for ever at the ends of the
        // words, in the original as unrolled: those run on the small cases only.
        source.Append(CultureInfo.InvariantCulture, $$"""
                (for (k 0 {{s_cases.Length}})
                  (let* ((start (oop-at cases (* 2 k))) (n (oop-at cases (+ (* 2 k) 1))))
                    (printf "%lld %lld %lld " (up start n) (down n start) (shrinking start n))
                    (if (and (> start -101) (< n 1100))
                        (printf "%lld %lld %lld %lld " (up-memory start n p) (up3 start n p) (down2 n start) (down-to n start))
                        (printf "- "))
                    (printf "%lld\n" (checksum p))))
                0))
            """);

        var expected = new StringBuilder();
        var memory = new long[1200];
        foreach (var (start, n) in s_cases)
        {
            long up = 0;
            for (long i = start; i < n; i++) up = unchecked(up + (i ^ 5) + 1);
            long down = 0;
            for (long i = n; i > start; i--) down = unchecked(down - i);
            long shrinking = 0;
            for (long i = start, bound = n; i < bound; i++, bound--) shrinking++;
            expected.Append(CultureInfo.InvariantCulture, $"{up} {down} {shrinking} ");
            if (start > -101 && n < 1100)
            {
                for (long i = start; i < n; i++) memory[i + 100] += i + 1;
                long up3 = 0;
                for (long i = start; i <= n; i += 3)
                {
                    up3 += i;
                    AddToByte(memory, i);
                }
                long down2 = 0;
                for (long i = n; i > start; i -= 2) down2 = unchecked((down2 << 1) + (i & 7));
                long downTo = 0;
                for (long i = n; i >= start; i--) downTo -= i;
                expected.Append(CultureInfo.InvariantCulture, $"0 {up3} {down2} {downTo} ");
            }
            else expected.Append("- ");
            long checksum = 0;
            foreach (long word in memory) checksum = unchecked(checksum * 31 + word);
            expected.Append(CultureInfo.InvariantCulture, $"{checksum}\n");
        }
        Assert.AreEqual(expected.ToString(), SsaFormTests.OutputOnEveryTarget(source.ToString()));
    }

    /// <summary>Adds one to byte <paramref name="index"/> of the words from p (little-endian, wrapping within the byte).</summary>
    private static void AddToByte(long[] memory, long index)
    {
        long offset = (index + 800), word = offset / 8;
        int shift = (int)(offset % 8) * 8;
        long current = (memory[word] >> shift) & 255;
        memory[word] = (memory[word] & ~(255L << shift)) | (((current + 1) & 255) << shift);
    }
}
