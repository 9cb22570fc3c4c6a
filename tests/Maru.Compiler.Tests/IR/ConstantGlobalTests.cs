using Maru.Compiler.Diagnostics;
using Maru.Compiler.IR;
using Maru.Compiler.Tests.Optimization;

namespace Maru.Compiler.Tests.IR;

/// <summary>A global that no body assigns or takes the address of is read as its initial value, not loaded.</summary>
[TestClass]
public sealed class ConstantGlobalTests
{
    private static int Count(IrFunction function, Opcode opcode) =>
        function.Blocks.SelectMany(b => b.Instructions).Count(i => i.Opcode == opcode);

    [TestMethod]
    public void AGlobalNothingChangesIsItsValueAndFolds()
    {
        // (* 3 fields 8) folds to 168 once fields is 7; the loop bound is the constant.
        var function = IrTests.Lower("""
            (define fields 7)
            (define limit (* fields 10))
            (define-function f (p) (let ((s 0)) (for (i 0 limit) (set s (+ s (oop-at p (* i fields))))) (+ s (* 3 fields 8))))
            """, optimise: true);
        string ir = function.ToString();
        Assert.AreEqual(0, Count(function, Opcode.LoadGlobal), ir);
        Assert.Contains(", 70", ir);
        Assert.Contains(", 168", ir);
    }

    [TestMethod]
    public void AnAddressHeldByAGlobalIsTheAddressItself()
    {
        var function = IrTests.Lower("""
            (define putchar (extern 'putchar))
            (define put putchar)
            (define handler g)
            (define greeting "hi")
            (define-function f () (handler (put greeting)))
            (define-function g (x) x)
            """, optimise: true);
        string ir = function.ToString();
        Assert.AreEqual(0, Count(function, Opcode.LoadGlobal), ir);
        Assert.AreEqual(2, Count(function, Opcode.AddressOf), ir);
        Assert.AreEqual(1, Count(function, Opcode.AddressOfString), ir);
    }

    [TestMethod]
    public void ASetOrAnAddressOfAnywhereKeepsTheLoad()
    {
        // The change may be in any function, called or not, spelled by a macro, or through the address.
        foreach (string change in new[] { "(set g 3)", "(incr g)", "(let ((x 1)) (set g x))", "(set-oop-at (address-of g) 0 3)" })
        {
            var function = IrTests.Lower($"(define g 1) (define-function f () (+ g 1)) (define-function other () {change})", optimise: true);
            Assert.AreEqual(1, Count(function, Opcode.LoadGlobal), change + ": " + function);
        }
    }

    [TestMethod]
    public void AnotherFilesSetKeepsTheLoadAndItsStringsAreItsOwn()
    {
        // g is assigned in b.l only; s holds a string, whose address a.l has but b.l would have to copy.
        var result = TestCompiler.Compile(
            SourceFile.FromText("a.l", "(define g 5) (define s \"text\") (define k 9) (define-function ga () (+ g k)) (define-function sa () s)"),
            SourceFile.FromText("b.l", "(define-function gb () (set g 6)) (define-function sb () (+ s k))"));
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        string a = result.Assembly.Single(f => f.SourcePath == "a.l").Text, b = result.Assembly.Single(f => f.SourcePath == "b.l").Text;
        StringAssert.Contains(InliningTests.FunctionText(a, "ga"), "g(%rip)");
        StringAssert.DoesNotMatch(InliningTests.FunctionText(a, "ga"), new System.Text.RegularExpressions.Regex(@"\bk\(%rip\)"));
        StringAssert.DoesNotMatch(InliningTests.FunctionText(a, "sa"), new System.Text.RegularExpressions.Regex(@"\bs\(%rip\)"));
        StringAssert.Contains(InliningTests.FunctionText(b, "sb"), "s(%rip)");
        StringAssert.DoesNotMatch(InliningTests.FunctionText(b, "sb"), new System.Text.RegularExpressions.Regex(@"\bk\(%rip\)"));
    }

    [TestMethod]
    public void ProgramsPrintTheSameWithConstantAndChangingGlobals()
    {
        // fixed, name, twice and id never change; counter changes by incr, cell through its address, later by set.
        const string source = """
            (define printf (extern 'printf))
            (define fixed 7)
            (define scale (fl* 2.0 1.25))
            (define name "maru")
            (define id twice)
            (define counter 0)
            (define cell 10)
            (define later 1)
            (define-function twice (x) (* 2 x))
            (define-function bump () (incr counter fixed))
            (define-function poke () (set-oop-at (address-of cell) 0 (+ cell fixed)))
            (define-function main ()
              (let ((sum 0))
                (for (i 0 fixed) (bump) (set sum (+ sum (* i fixed))))
                (poke)
                (printf "%lld %lld %lld %s %lld %lld\n" sum counter cell name (id fixed) (double->long (fl* scale 4.0)))
                (set later (+ later fixed))
                (printf "%lld %s\n" later (if (= name name) "same" "differ"))
                0))
            """;
        Assert.AreEqual("147 49 17 maru 14 10\n8 same\n", SsaFormTests.OutputOnEveryTarget(source));
    }
}
