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
        (define-function copy-bytes (to from byte-count) (+ to from byte-count))
        (define-function odd-names (x_y x-y) (+ x_y x-y))
        """);
    private static readonly SourceFile Util = SourceFile.FromText("/src/util.l", """
        (define-function twice (x) "Twice x." (* 2 (fib x)))
        (define-function helper (x) x)
        (export twice fib sum-array answer empty? copy-bytes odd-names)
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
    public void ParametersKeepTheirMaruNamesInCamelCase()
    {
        string text = Generate("A", new("/src/math.l", "N"), new("/src/util.l", "N"));
        StringAssert.Contains(text, "public static extern long CopyBytes(long to, long from, long byteCount);");
        StringAssert.Contains(text, "public static extern long SumArray(long p, long n);");
        // x_y and x-y are both xY in C#: positional names instead.
        StringAssert.Contains(text, "public static extern long OddNames(long a, long b);");
    }

    [TestMethod]
    public void KeywordParametersAreEscapedAndUnknownNamesArePositional()
    {
        ExportedFunction[] exports =
        [
            new("k", "k", 2, null, "/src/k.l") { ParameterNames = ["int", "class"] },
            new("u", "u", 2, null, "/src/k.l"),
        ];
        string text = CSharpBindings.Generate(exports, new BindingOptions("A", "Lib", [new("/src/k.l", "Kw")]));
        StringAssert.Contains(text, "public static extern long K(long @int, long @class);");
        StringAssert.Contains(text, "public static extern long U(long a, long b);");
    }

    [TestMethod]
    public void MethodsNamedLikeTheirClassOrTheLibraryConstantAreConflicts()
    {
        ExportedFunction[] exports = [new("fib", "fib", 1, null, "/src/fib.l"), new("library", "library", 0, null, "/src/fib.l"), new("ok", "ok", 0, null, "/src/fib.l")];
        var conflicts = CSharpBindings.Conflicts(exports, new BindingOptions("A", "Lib", [new("/src/fib.l", "Fib")]));
        CollectionAssert.AreEqual(new[] { "fib", "library" }, conflicts.Select(c => c.Function.MaruName).ToArray());
    }

    [TestMethod]
    public void IsDeterministic() =>
        Assert.AreEqual(Generate("A", new("/src/math.l", "N"), new("/src/util.l", "U")), Generate("A", new("/src/math.l", "N"), new("/src/util.l", "U")));
}
