using Maru.Compiler.Diagnostics;
using Maru.Compiler.Expansion;
using Maru.Compiler.Syntax;

namespace Maru.Compiler.Tests.Expansion;

/// <summary>
/// A define-function that no Maru code saw while it was expanded and evaluated keeps its body as the forms read and
/// lets the cells go (they would otherwise live until the region ends); the cells are made again, equal, when Maru
/// code needs them, and from then on changes to them are what is compiled.
/// </summary>
[TestClass]
public sealed class BodyCellsTests
{
    [TestMethod]
    public void APlainFunction_GivesTheAnalyserTheFormsRead()
    {
        var (read, function) = ExpandOne("(define-function f (a) a)");
        Assert.AreSame(((ListForm)read[0])[3], function.Body[0]);
    }

    [TestMethod]
    public void AFunctionWhoseBodyAMacroOfTheUsersExpanded_IsMadeFromItsCells()
    {
        var (read, function) = ExpandOne("(define-form same (x) x)\n(define-function f (a) (same a))");
        Assert.AreNotSame(((ListForm)read[1])[3], function.Body[0]);
        Assert.AreEqual("a", function.Body[0].ToString());
    }

    [TestMethod]
    public void AFunctionCalledAtCompileTime_IsCompiledAsWritten()
    {
        var run = TestCompiler.Run("""
            (define printf (extern 'printf))
            (define-function square (x) (* x x))
            (define square-12 (square 12))
            (define-function main () (printf "%lld %lld\n" square-12 (square 5)) 0)
            """);
        Assert.AreEqual("144 25\n", run.StandardOutput, run.StandardError);
    }

    [TestMethod]
    public void ABodyChangedAtCompileTimeAfterItsCellsWereLetGo_IsCompiledAsChanged()
    {
        // (oop-at f 1) is (nil . (parameters . body)): the body's cells are made again, and the change is compiled.
        var run = TestCompiler.Run("""
            (define printf (extern 'printf))
            (define-function answer () (+ 40 1))
            (let ((sum (car (cdr (cdr (oop-at answer 1))))))
              (set-car (cdr (cdr sum)) 2))
            (define-function main () (printf "%lld\n" (answer)) 0)
            """);
        Assert.AreEqual("42\n", run.StandardOutput, run.StandardError);
    }

    private static (IReadOnlyList<Form> Read, FunctionDefinition Function) ExpandOne(string text)
    {
        var file = SourceFile.FromText("test.l", text);
        var diagnostics = new DiagnosticBag();
        var read = Reader.Read(file, diagnostics);
        var unit = CompileTime.Run([(file, read)], diagnostics).Unit;
        Assert.IsFalse(diagnostics.HasErrors, string.Join("\n", diagnostics.Items));
        return (read, unit.Definitions.OfType<FunctionDefinition>().Single());
    }
}
