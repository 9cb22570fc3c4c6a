using System.Text.RegularExpressions;
using Maru.Compiler.IR;
using Maru.Compiler.Semantics;
using Maru.Compiler.Tests.IR;

namespace Maru.Compiler.Tests.Optimization;

/// <summary>Loop-invariant code motion: what a loop computes the same way every time is computed before it.</summary>
[TestClass]
public sealed class LoopInvariantCodeMotionTests
{
    internal const string Multiply = """
        (define-function multiply (n a b c)
          (for (i 0 n)
            (for (k 0 n)
              (let ((aik (oop-at a (+ (* i n) k))))
                (for (j 0 n)
                  (set-oop-at c (+ (* i n) j)
                              (+ (oop-at c (+ (* i n) j)) (* aik (oop-at b (+ (* k n) j))))))))))
        """;

    /// <summary>The innermost loop as written: the last of its blocks (an unrolled copy of it comes before it).</summary>
    internal static IEnumerable<Instruction> InnermostLoop(IrFunction function)
    {
        int depth = function.Blocks.Max(b => b.LoopDepth);
        return function.Blocks.Last(b => b.LoopDepth == depth).Instructions;
    }

    [TestMethod]
    public void MatrixMultiplysInnerLoopMultipliesOnce()
    {
        var function = IrTests.Lower(Multiply, optimise: true);
        var inner = InnermostLoop(function).ToList();
        Assert.AreEqual(1, inner.Count(i => i.Operator == Operator.Mul && i.Opcode == Opcode.Binary), function.ToString());
        Assert.AreEqual(2, function.Blocks.Where(b => b.LoopDepth < 3).SelectMany(b => b.Instructions).Count(i => i.Operator == Operator.Mul && i.Opcode == Opcode.Binary),
            "i*n before the k loop, k*n before the j loop");
        Assert.AreEqual(2, inner.Count(i => i.Opcode == Opcode.Load), "loads stay in the loop");

        string assembly = TestCompiler.Assembly(Multiply + "(define-function main () 0)");
        string innerLoop = InnermostLoopText(assembly, "multiply");
        Assert.AreEqual(1, Regex.Matches(innerLoop, "\timulq\t").Count, innerLoop);
        string arm = InnermostLoopText(TestCompiler.Assembly(Multiply + "(define-function main () 0)", "linux-arm64"), "multiply");
        Assert.AreEqual(1, Regex.Matches(arm, "\tmul\t|\tmadd\t").Count, arm);
    }

    /// <summary>The instructions from the last loop label of a function to the branch back to it.</summary>
    internal static string InnermostLoopText(string assembly, string name)
    {
        int start = assembly.IndexOf($"\n{name}:", StringComparison.Ordinal);
        int end = assembly.IndexOf($".size {name},", start, StringComparison.Ordinal);
        string text = assembly[start..end];
        // The innermost loop is the shortest label-to-backward-branch span.
        string? best = null;
        foreach (Match label in Regex.Matches(text, @"\n(\.L[\w.]+):"))
        {
            string name2 = label.Groups[1].Value;
            int from = label.Index, back = text.IndexOf("\t" + name2 + "\n", from + label.Length, StringComparison.Ordinal);
            if (back < 0) back = text.IndexOf(", " + name2 + "\n", from + label.Length, StringComparison.Ordinal);
            if (back < 0) continue;
            string span = text[from..back];
            if (best is null || span.Length < best.Length) best = span;
        }
        Assert.IsNotNull(best, text);
        return best;
    }

    [TestMethod]
    public void HoistedArithmeticKeepsTheLanguagesResults()
    {
        // Invariant divisions by zero and of the minimum by -1 (defined, never a trap), in a loop that runs and in one
        // that does not; an invariant assigned to a variable that also has a value before the loop and is read after it.
        const string source = """
            (define printf (extern 'printf))
            (define-function f (n d m)
              (let ((s 0) (i 0) (t 7))
                (while (< i n)
                  (set t (+ (/ m d) (% m d) (* d 3)))
                  (set s (+ s t (/ i (- d d))))
                  (set i (+ i 1)))
                (printf "%lld %lld %lld\n" s t i)))
            (define-function main ()
              (f 3 0 -9223372036854775808)
              (f 0 0 5)
              (f 2 -1 -9223372036854775808)
              0)
            """;
        long min = long.MinValue;
        long t1 = 0 + min + 0; // m/0 = 0, m%0 = m
        long t3 = unchecked(min + 0 + -3); // min/-1 = min, min%-1 = 0
        Assert.AreEqual($"{unchecked(3 * t1)} {t1} 3\n0 7 0\n{unchecked(2 * t3)} {t3} 2\n", SsaFormTests.OutputOnEveryTarget(source));

        var function = IrTests.Lower("(define-function f (n d m) (let ((s 0) (i 0)) (while (< i n) (set s (+ s (/ m d))) (set i (+ i 1))) s))", optimise: true);
        Assert.IsFalse(InnermostLoop(function).Any(i => i.Operator == Operator.Div), function.ToString());
    }

    [TestMethod]
    public void LoadsAndValuesThatChangeInTheLoopStay()
    {
        const string source = """
            (define printf (extern 'printf))
            (define malloc (extern 'malloc))
            (define-function f (p n)
              (let ((s 0) (i 0))
                (while (< i n)
                  (set s (+ s (oop-at p 0) (* i n)))
                  (set-oop-at p 0 (+ (oop-at p 0) 1))
                  (set i (+ i 1)))
                s))
            (define-function main ()
              (let ((p (malloc 8)))
                (set-oop-at p 0 10)
                (printf "%lld %lld\n" (f p 4) (oop-at p 0))
                0))
            """;
        var function = IrTests.Lower(source[source.IndexOf("(define-function f", StringComparison.Ordinal)..source.IndexOf("(define-function main", StringComparison.Ordinal)], optimise: true);
        var inner = InnermostLoop(function).ToList();
        Assert.AreEqual(2, inner.Count(i => i.Opcode == Opcode.Load), function.ToString());
        Assert.AreEqual(1, inner.Count(i => i is { Opcode: Opcode.Binary, Operator: Operator.Mul }), "i*n changes with i: " + function);
        // s = (10+11+12+13) + 4*(0+1+2+3)
        Assert.AreEqual($"{46 + 4 * 6} 14\n", SsaFormTests.OutputOnEveryTarget(source));
    }
}
