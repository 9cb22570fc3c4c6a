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
    public void MethodsNamedLikeTheirClassOrTheLibraryConstantAreMaru0908()
    {
        ExportedFunction[] exports = [new("fib", "fib", 1, null, "/src/fib.l"), new("library", "library", 0, null, "/src/fib.l"), new("ok", "ok", 0, null, "/src/fib.l")];
        var conflicts = CSharpBindings.Conflicts(exports, new BindingOptions("A", "Lib", [new("/src/fib.l", "Fib")]));
        CollectionAssert.AreEqual(new[] { "fib", "library" }, conflicts.Select(c => c.Function.MaruName).ToArray());
        Assert.IsTrue(conflicts.All(c => c.Code == DiagnosticCodes.InvalidBindingName));
    }

    // ---- MARU0112: the compiler accepts these names; only the bindings cannot take them ----

    /// <summary>The binding conflicts of one compiled source, as "line,column: code: message" (the source compiles).</summary>
    private static string[] ConflictsOf(string source, params BindingSource[] classes)
    {
        CompileResult result = MaruCompiler.Compile([SourceFile.FromText("/src/a.l", source)], new CompileOptions());
        Assert.IsTrue(result.Success, "the compiler accepts any such names: " + string.Join("\n", result.Diagnostics));
        var options = new BindingOptions("A", "Lib", classes.Length > 0 ? classes : [new("/src/a.l", "Native")]);
        return CSharpBindings.Conflicts(result.Exports, options)
            .Select(c => $"{c.Function.Line},{c.Function.Column}: {c.Code}: {c.Message}").ToArray();
    }

    [TestMethod]
    [DataRow("(define-function set-x (v) v)\n(define-function set-x! (v) v)",
        "2,18: MARU0112: 'set-x!' and 'set-x' both give the C# method name 'SetX'; rename one")]
    [DataRow("(define-function foo? () 1)\n(define-function foo! () 2)",
        "2,18: MARU0112: 'foo!' and 'foo?' both give the C# method name 'Foo'; rename one")]
    [DataRow("(define-function a-b () 1)\n\n  (define-function a.b () 2)",
        "3,20: MARU0112: 'a.b' and 'a-b' both give the C# method name 'AB'; rename one")]
    [DataRow("(define-function f1 () 1)\n(define-function f->1 () 2)\n(export f1 f->1)",
        "2,18: MARU0112: 'f->1' and 'f1' both give the C# method name 'F1'; rename one")]
    [DataRow("(define-function ok () 0)\n(define-function ** () 1)",
        "2,18: MARU0112: '**' has no letters or digits to make a C# method name from")]
    public void TwoExportedFunctionsWithOneCSharpNameOrANameWithoutLettersAreMaru0112(string source, string expected) =>
        CollectionAssert.AreEqual(new[] { expected }, ConflictsOf(source));

    [TestMethod]
    [DataRow("(define-function foo? () 1)\n(define-function foo! () 2)\n(export foo?)")]
    [DataRow("(define-function foo? () 1)\n(define-function foo! () 2)\n(define-function main () 0)\n(export main)")]
    [DataRow("(define-function ** () 1)\n(export)")]
    public void FunctionsThatAreNotExportedNeedNoCSharpName(string source) =>
        Assert.AreEqual(0, ConflictsOf(source).Length);

    [TestMethod]
    public void OneMethodNameInTwoClassesIsNoConflict()
    {
        SourceFile a = SourceFile.FromText("/src/a.l", "(define-function set-x (v) v)");
        SourceFile b = SourceFile.FromText("/src/b.l", "(define-function set-x! (v) v)");
        CompileResult result = MaruCompiler.Compile([a, b], new CompileOptions());
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        Assert.AreEqual(0, CSharpBindings.Conflicts(result.Exports, new BindingOptions("A", "Lib", [new("/src/a.l", "A"), new("/src/b.l", "B")])).Count);

        // In one class (two sources sharing a ClassName, or a source not listed, which goes into the first class) they clash.
        var shared = CSharpBindings.Conflicts(result.Exports, new BindingOptions("A", "Lib", [new("/src/a.l", "N"), new("/src/b.l", "N")]));
        Assert.AreEqual("'set-x!' and 'set-x' both give the C# method name 'SetX'; rename one", shared.Single().Message);
        var unlisted = CSharpBindings.Conflicts(result.Exports, new BindingOptions("A", "Lib", [new("/src/a.l", "N")]));
        Assert.AreEqual(DiagnosticCodes.BindingNameClash, unlisted.Single().Code);
    }

    [TestMethod]
    public void AConflictInALoadedFileIsAtItsDefinitionThere()
    {
        SourceFile main = SourceFile.FromText("/src/main.l", "(define-function get-x () 1)\n(load \"more.l\")\n");
        byte[] more = "; more\n(define-function get-x! () 2)\n"u8.ToArray();
        var options = new CompileOptions { ReadFile = path => Path.GetFileName(path) == "more.l" ? more : null };
        CompileResult result = MaruCompiler.Compile([main], options);
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));

        BindingConflict conflict = CSharpBindings.Conflicts(result.Exports, new BindingOptions("A", "Lib", [new("/src/main.l", "N")])).Single();
        Assert.AreEqual("more.l", Path.GetFileName(conflict.Function.DefinitionPath));
        Assert.AreEqual((2, 18), (conflict.Function.Line, conflict.Function.Column));
        StringAssert.Contains(conflict.Message, "'get-x!' and 'get-x'");
    }

    /// <summary>maru build has no bindings: the same clash builds a library that exports both functions.</summary>
    [TestMethod]
    public void MaruBuildAcceptsNamesThatClashInCSharp()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("clash.l"), "(define-function a-b () 1)\n(define-function a.b () 2)\n(define-function ** () 3)\n");
        Cli.MaruRun run = Cli.MaruTool.Run(directory.Path, "build", "clash.l", "-o", "libclash.so");
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Error);
        Assert.IsTrue(File.Exists(directory.File("libclash.so")));
    }

    [TestMethod]
    public void IsDeterministic() =>
        Assert.AreEqual(Generate("A", new("/src/math.l", "N"), new("/src/util.l", "U")), Generate("A", new("/src/math.l", "N"), new("/src/util.l", "U")));
}
