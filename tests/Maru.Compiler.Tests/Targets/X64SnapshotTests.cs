using System.Runtime.CompilerServices;

namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// The x86-64 assembly of representative programs for each platform (System V and ELF on linux-x64, Microsoft x64 and
/// COFF with SEH on win-x64, System V and Mach-O on osx-x64), reviewed like code (see Snapshots/).
/// </summary>
[TestClass]
public sealed class X64SnapshotTests
{
    // The linux-x64 snapshots keep the test's own name; the others add the runtime identifier.
    // Calls stay calls: these snapshots show calling conventions and frames (inlining has its own tests).
    private static void Verify(string runtimeIdentifier, string program, [CallerMemberName] string member = "") =>
        Snapshot.Verify(TestCompiler.Assembly(program, runtimeIdentifier, inlineSmallFunctions: false), runtimeIdentifier == "linux-x64" ? member : $"{member}.{runtimeIdentifier}");

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("win-x64")]
    [DataRow("osx-x64")]
    public void RecursiveFibonacci(string rid) => Verify(rid, """
        (define-function fib (n)
          (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
        """);

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("win-x64")]
    [DataRow("osx-x64")]
    public void EarlyReturnWithoutAFrame(string rid) => Verify(rid, """
        (define-function depth (tree)
          (if (= tree 0) 0 (+ 1 (max2 (depth (oop-at tree 0)) (depth (oop-at tree 1))))))
        (define-function max2 (a b) (if (> a b) a b))
        """);

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("win-x64")]
    [DataRow("osx-x64")]
    public void LoopOverAnArray(string rid) => Verify(rid, """
        (define-function sum-array (p n)
          (let ((sum 0))
            (for (i 0 n) (set sum (+ sum (oop-at p i))))
            sum))
        """);

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("win-x64")]
    [DataRow("osx-x64")]
    public void DivisionByVariablesAndConstants(string rid) => Verify(rid, """
        (define-function quotient (a b) (/ a b))
        (define-function remainder (a b) (% a b))
        (define-function halve (a) (/ a 2))
        (define-function is-even (a) (= (% a 2) 0))
        (define-function by-seven (a) (/ a 7))
        """);

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("win-x64")]
    [DataRow("osx-x64")]
    public void GlobalsStringsAndExterns(string rid) => Verify(rid, """
        (define printf (extern 'printf))
        (define counter 40)
        (define greeting "hello\n")
        (define handler printf)
        (define-function bump () (incr counter 2) (printf greeting) counter)
        (define-function address () (address-of counter))
        """);

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("win-x64")]
    [DataRow("osx-x64")]
    public void MutualTailCalls(string rid) => Verify(rid, """
        (define-function even? (n) (if (= n 0) 1 (odd? (- n 1))))
        (define-function odd? (n) (if (= n 0) 0 (even? (- n 1))))
        """);

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("win-x64")]
    [DataRow("osx-x64")]
    public void StackArgumentsAndIndirectCalls(string rid) => Verify(rid, """
        (define-function ten (a b c d e f g h i j) (+ a b c d e f g h i j))
        (define-function call-ten () (ten 1 2 3 4 5 6 7 8 9 10))
        (define-function apply2 (f x y) (f x y))
        """);

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("win-x64")]
    [DataRow("osx-x64")]
    public void StructuresAndAddressOfLocals(string rid) => Verify(rid, """
        (define-structure point (x y))
        (define-function swap (p) (let ((t (point-x p))) (set (point-x p) (point-y p)) (set-point-y p t) p))
        (define-function through-pointer (v) (let ((q (address-of v))) (set (oop-at q 0) (+ (oop-at q 0) 1)) v))
        """);

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("win-x64")]
    [DataRow("osx-x64")]
    public void ValuesLiveAcrossCallsUseCalleeSavedRegisters(string rid) => Verify(rid, """
        (define-function f (x) x)
        (define-function keep (a b c) (+ (f a) b c (f b) a))
        """);

    /// <summary>Spec 11: doubles are words moved through scratch floating-point registers per operation; narrow memory widths.</summary>
    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("win-x64")]
    [DataRow("osx-x64")]
    public void DoublesAndNarrowWidths(string rid) => Verify(rid, SectionElevenPrograms.DoublesAndNarrowWidths);

    /// <summary>
    /// Externs with C signatures (spec 11): doubles in floating-point registers, floats rounded to binary32, int results
    /// sign-extended, void results 0, variable doubles as each ABI passes them, and more arguments than registers (which Apple arm64 packs).
    /// </summary>
    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("win-x64")]
    [DataRow("osx-x64")]
    public void ExternsWithCSignatures(string rid) => Verify(rid, SectionElevenPrograms.ExternsWithCSignatures);
}
