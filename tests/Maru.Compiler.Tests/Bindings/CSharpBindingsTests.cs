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

    [TestMethod]
    public void ClassesArePublicUnlessInternalIsAsked()
    {
        ExportedFunction[] exports = [new("f", "f", 0, null, "/src/f.l")];
        var options = new BindingOptions("A", "Lib", [new("/src/f.l", "F")]);
        StringAssert.Contains(CSharpBindings.Generate(exports, options), "    public static partial class F\n");
        string text = CSharpBindings.Generate(exports, options with { Access = BindingAccess.Internal });
        StringAssert.Contains(text, "    internal static partial class F\n");
        Assert.DoesNotContain("public static partial", text);
    }

    [TestMethod]
    [DataRow("internal", BindingAccess.Internal)]
    [DataRow("Public", BindingAccess.Public)]
    [DataRow(" PUBLIC ", BindingAccess.Public)]
    [DataRow("private", null)]
    [DataRow("", null)]
    [DataRow(null, null)]
    public void AccessIsParsedFromTheProperty(string? text, BindingAccess? expected) =>
        Assert.AreEqual(expected, CSharpBindings.ParseAccess(text));

    [TestMethod]
    public void MethodsThatHideObjectMembersAreNewAndOverloadsAreNot()
    {
        ExportedFunction[] exports =
        [
            new("to-string", "to_string", 0, null, "/src/o.l"), new("get-type", "get_type", 0, null, "/src/o.l"),
            new("get-hash-code", "get_hash_code", 0, null, "/src/o.l"), new("memberwise-clone", "memberwise_clone", 0, null, "/src/o.l"),
            new("finalize", "finalize", 0, null, "/src/o.l"), new("equals", "equals", 1, null, "/src/o.l"),
            new("reference-equals", "reference_equals", 2, null, "/src/o.l"), new("get-type-of", "get_type_of", 0, null, "/src/o.l"),
        ];
        string[] declarations = CSharpBindings.Generate(exports, new BindingOptions("A", "Lib", [new("/src/o.l", "O")]))
            .Split('\n').Where(line => line.Contains(" extern ", StringComparison.Ordinal)).Select(line => line.Trim()).ToArray();
        CollectionAssert.AreEqual(new[]
        {
            "public static new extern long ToString();", "public static new extern long GetType();",
            "public static new extern long GetHashCode();", "public static new extern long MemberwiseClone();",
            "public static extern long Finalize();", "public static extern long Equals(long a);",
            "public static extern long ReferenceEquals(long a, long b);", "public static extern long GetTypeOf();",
        }, declarations);
    }

    [TestMethod]
    public void EveryImportSearchesTheAssemblyFolderAndSystem32()
    {
        string text = Generate("A", new("/src/math.l", "N"), new("/src/util.l", "N"));
        int imports = text.Split("[global::System.Runtime.InteropServices.DllImport(").Length - 1;
        Assert.AreEqual(7, imports);
        Assert.AreEqual(imports, text.Split("[global::System.Runtime.InteropServices.DefaultDllImportSearchPaths(global::System.Runtime.InteropServices.DllImportSearchPath.AssemblyDirectory | global::System.Runtime.InteropServices.DllImportSearchPath.System32)]").Length - 1);
        StringAssert.Contains(text, "#pragma warning disable CA5393\n");
    }

    [TestMethod]
    public void ParametersAndResultAreDocumented()
    {
        ExportedFunction[] exports =
        [
            new("k", "k", 2, null, "/src/k.l") { ParameterNames = ["int", "byte-count"] },
            new("u", "u", 1, null, "/src/k.l"),
        ];
        string text = CSharpBindings.Generate(exports, new BindingOptions("A", "Lib", [new("/src/k.l", "Kw")]));
        StringAssert.Contains(text, """
                    /// <param name="int">The Maru parameter <c>int</c>.</param>
                    /// <param name="byteCount">The Maru parameter <c>byte-count</c>.</param>
                    /// <returns>The value <c>k</c> returns.</returns>
            """.ReplaceLineEndings("\n"));
        StringAssert.Contains(text, """
                    /// <param name="a">Argument 1.</param>
                    /// <returns>The value <c>u</c> returns.</returns>
            """.ReplaceLineEndings("\n"));
    }

    [TestMethod]
    [DataRow("class", "the ClassName 'class' of this MaruSource is a C# keyword")]
    [DataRow("my-class", "the ClassName 'my-class' of this MaruSource is not a C# identifier")]
    [DataRow("1st", "the ClassName '1st' of this MaruSource is not a C# identifier")]
    [DataRow("@Native", "the ClassName '@Native' of this MaruSource is not a C# identifier")]
    [DataRow("native", "the ClassName 'native' of this MaruSource has only lower-case letters, which C# reserves for keywords (CS8981); capitalise it")]
    public void AClassNameCSharpCannotTakeIsMaru0908(string className, string message)
    {
        var problem = CSharpBindings.NameProblems(new BindingOptions("A", "Lib", [new("/src/ok.l", "Ok"), new("/src/x.l", className)])).Single();
        Assert.AreEqual(("/src/x.l", message), (problem.SourcePath, problem.Message));
    }

    [TestMethod]
    [DataRow("My.class", "MaruBindingsNamespace 'My.class' is not a C# namespace: 'class' is a C# keyword")]
    [DataRow("My..App", "MaruBindingsNamespace 'My..App' is not a C# namespace: it has an empty part")]
    [DataRow("My.App-2", "MaruBindingsNamespace 'My.App-2' is not a C# namespace: 'App-2' is not an identifier")]
    [DataRow("namespace", "MaruBindingsNamespace 'namespace' is not a C# namespace: 'namespace' is a C# keyword")]
    public void ANamespaceCSharpCannotTakeIsMaru0908(string ns, string message)
    {
        var problem = CSharpBindings.NameProblems(new BindingOptions(ns, "Lib", [new("/src/ok.l", "Ok")])).Single();
        Assert.AreEqual((null, message), (problem.SourcePath, problem.Message));
    }

    [TestMethod]
    [DataRow("My.App", "Native")]
    [DataRow("global.Tools", "_native")]
    [DataRow(null, "Ünïcode")]
    [DataRow("", "Native2")]
    [DataRow("A", "var2")]
    public void NamesCSharpTakesHaveNoProblem(string? ns, string className) =>
        Assert.IsEmpty(CSharpBindings.NameProblems(new BindingOptions(ns, "Lib", [new("/src/a.l", className)])));

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
