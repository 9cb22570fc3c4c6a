namespace Maru.Compiler.Tests.Targets;

/// <summary>The AArch64 assembly of representative programs for linux-arm64 (ELF) and osx-arm64 (Mach-O), reviewed like code (see Snapshots/).</summary>
[TestClass]
public sealed class Arm64SnapshotTests
{
    // Calls stay calls: these snapshots show calling conventions and frames (inlining has its own tests).
    private static void Verify(string runtimeIdentifier, string source, [System.Runtime.CompilerServices.CallerMemberName] string member = "") =>
        Snapshot.Verify(TestCompiler.Assembly(source, runtimeIdentifier, inlineSmallFunctions: false), $"{member}.{runtimeIdentifier}");

    [TestMethod]
    [DataRow("linux-arm64")]
    [DataRow("osx-arm64")]
    public void RecursiveFibonacci(string rid) => Verify(rid, """
        (define-function fib (n)
          (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
        """);

    [TestMethod]
    [DataRow("linux-arm64")]
    [DataRow("osx-arm64")]
    public void EarlyReturnWithoutAFrame(string rid) => Verify(rid, """
        (define-function depth (tree)
          (if (= tree 0) 0 (+ 1 (max2 (depth (oop-at tree 0)) (depth (oop-at tree 1))))))
        (define-function max2 (a b) (if (> a b) a b))
        """);

    /// <summary>Branches that only choose a value become cmp and csel: returned values, both arms setting one variable, or one arm.</summary>
    [TestMethod]
    [DataRow("linux-arm64")]
    [DataRow("osx-arm64")]
    public void ConditionalSelects(string rid) => Verify(rid, """
        (define-function max2 (a b) (if (> a b) a b))
        (define-function sign (a) (let ((s 0)) (if (< a 0) (set s -1) (set s 1)) s))
        (define-function max-of (p n)
          (let ((m 0)) (for (i 0 n) (let ((v (oop-at p i))) (when (> v m) (set m v)))) m))
        """);

    [TestMethod]
    [DataRow("linux-arm64")]
    [DataRow("osx-arm64")]
    public void LoopOverAnArray(string rid) => Verify(rid, """
        (define-function sum-array (p n)
          (let ((sum 0))
            (for (i 0 n) (set sum (+ sum (oop-at p i))))
            sum))
        (define-function count-bytes (s c)
          (let ((n 0) (i 0))
            (while (string-at s i) (when (= (string-at s i) c) (incr n)) (incr i))
            n))
        """);

    [TestMethod]
    [DataRow("linux-arm64")]
    [DataRow("osx-arm64")]
    public void DivisionShiftsAndLargeConstants(string rid) => Verify(rid, """
        (define-function quotient (a b) (/ a b))
        (define-function remainder (a b) (% a b))
        (define-function halve (a) (/ a 2))
        (define-function by-minus-eight (a) (/ a -8))
        (define-function mod-sixteen (a) (% a 16))
        (define-function is-even (a) (= (% a 2) 0))
        (define-function by-seven (a) (/ a 7))
        (define-function shifts (a n) (+ (<< a n) (>> a 3)))
        (define-function mul-add (a b c) (+ c (* a b)))
        (define-function mul-sub (a b c) (- c (* a b)))
        (define-function scaled (a b) (+ a (<< b 4)))
        (define-function big () (+ 0x123456789abcdef0 -2 0xffff0000 0x5555555555555555))
        (define-function masks (a) (& (| a 0xff00) -16))
        """);

    [TestMethod]
    [DataRow("linux-arm64")]
    [DataRow("osx-arm64")]
    public void GlobalsStringsAndExterns(string rid) => Verify(rid, """
        (define printf (extern 'printf))
        (define counter 40)
        (define greeting "hello\n")
        (define handler printf)
        (define-function bump () (incr counter 2) (printf greeting) counter)
        (define-function address () (address-of counter))
        (define-function reset () (set counter 0))
        (define-function libc-printf () printf)
        """);

    [TestMethod]
    [DataRow("linux-arm64")]
    [DataRow("osx-arm64")]
    public void MutualTailCalls(string rid) => Verify(rid, """
        (define-function even? (n) (if (= n 0) 1 (odd? (- n 1))))
        (define-function odd? (n) (if (= n 0) 0 (even? (- n 1))))
        """);

    [TestMethod]
    [DataRow("linux-arm64")]
    [DataRow("osx-arm64")]
    public void StackArgumentsAndIndirectCalls(string rid) => Verify(rid, """
        (define-function ten (a b c d e f g h i j) (+ a b c d e f g h i j))
        (define-function call-ten () (ten 1 2 3 4 5 6 7 8 9 10))
        (define-function apply2 (f x y) (f x y))
        """);

    [TestMethod]
    [DataRow("linux-arm64")]
    [DataRow("osx-arm64")]
    public void StructuresAndAddressOfLocals(string rid) => Verify(rid, """
        (define-structure point (x y))
        (define-function swap (p) (let ((t (point-x p))) (set (point-x p) (point-y p)) (set-point-y p t) p))
        (define-function through-pointer (v) (let ((q (address-of v))) (set (oop-at q 0) (+ (oop-at q 0) 1)) v))
        (define-function bytes (s) (set-string-at s 1 0) (set-string-at s 2 (string-at s 0)) (oop-at s -1))
        """);

    /// <summary>
    /// On Apple the variadic arguments go in 8-byte stack slots, from sp up; the fixed ones in x0… as usual.
    /// On Linux all of them take x0–x7 first, as for any other call.
    /// </summary>
    [TestMethod]
    [DataRow("linux-arm64")]
    [DataRow("osx-arm64")]
    public void VariadicCallsWithTenWordArguments(string rid) => Verify(rid, """
        (define printf (extern 'printf))
        (define snprintf (extern 'snprintf))
        (define my-log (extern 'my_log 2))
        (define-function print-ten (a)
          (printf "%lld %lld %lld %lld %lld %lld %lld %lld %lld\n" a 2 3 4 5 6 7 8 9))
        (define-function format-ten (buffer a)
          (snprintf buffer 100 "%lld %lld %lld %lld %lld %lld %lld" a 2 3 4 5 6 7))
        (define-function log-three (a) (my-log 1 a 3))
        """);

    [TestMethod]
    [DataRow("linux-arm64")]
    [DataRow("osx-arm64")]
    public void ValuesLiveAcrossCallsUseCalleeSavedRegisters(string rid) => Verify(rid, """
        (define-function f (x) x)
        (define-function keep (a b c) (+ (f a) b c (f b) a))
        """);

    /// <summary>Spec 11: doubles are words moved through scratch floating-point registers per operation; narrow memory widths.</summary>
    [TestMethod]
    [DataRow("linux-arm64")]
    [DataRow("osx-arm64")]
    public void DoublesAndNarrowWidths(string rid) => Verify(rid, SectionElevenPrograms.DoublesAndNarrowWidths);

    /// <summary>
    /// Externs with C signatures (spec 11): doubles in floating-point registers, floats rounded to binary32, int results
    /// sign-extended, void results 0, variable doubles as each ABI passes them, and more arguments than registers (which Apple arm64 packs).
    /// </summary>
    [TestMethod]
    [DataRow("linux-arm64")]
    [DataRow("osx-arm64")]
    public void ExternsWithCSignatures(string rid) => Verify(rid, SectionElevenPrograms.ExternsWithCSignatures);
}
