using Maru.Compiler.Bindings;
using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Tests.Bindings;

[TestClass]
public sealed class CSharpBindingsTests
{
    private static readonly SourceFile Math = SourceFile.FromText("/src/math.l", """
        (define-function fib (n)
          "The nth Fibonacci number: fib(0) = 0 & fib(1) = 1, so <fib 2> is 1."
          (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
        (define-function sum-array (p n)
          "Sums n words.
        The words are at p."
          (let ((total 0)) (for (i 0 n) (incr total (oop-at p i))) total))
        (define-function answer () 42)
        (define-function empty? (x) (= x 0))
        """);
    private static readonly SourceFile Util = SourceFile.FromText("/src/util.l", """
        (define-function twice (x) "Twice x." (* 2 (fib x)))
        (define-function helper (x) x)
        (export twice fib sum-array answer empty?)
        """);

    private static string Generate(string? ns, params BindingSource[] sources)
    {
        CompileResult result = MaruCompiler.Compile([Math, Util], new CompileOptions());
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        return CSharpBindings.Generate(result.Exports, new BindingOptions(ns, "App.Native", sources));
    }

    [TestMethod]
    public void OneClassPerSourceInANamespace() =>
        Snapshot.Verify(Generate("My.App", new("/src/math.l", "MathFunctions"), new("/src/util.l", "Util")));

    [TestMethod]
    public void SourcesSharingAClassNameShareOneDeclaration() =>
        Snapshot.Verify(Generate(null, new("/src/math.l", "Native"), new("/src/util.l", "Native")));

    [TestMethod]
    public void DocumentationIsXmlEscaped()
    {
        string text = Generate("A", new("/src/math.l", "N"), new("/src/util.l", "N"));
        StringAssert.Contains(text, "fib(0) = 0 &amp; fib(1) = 1, so &lt;fib 2&gt; is 1.");
        Assert.IsFalse(text.Contains("<fib 2>"), text);
    }

    [TestMethod]
    public void IsDeterministic() =>
        Assert.AreEqual(Generate("A", new("/src/math.l", "N"), new("/src/util.l", "U")), Generate("A", new("/src/math.l", "N"), new("/src/util.l", "U")));
}
