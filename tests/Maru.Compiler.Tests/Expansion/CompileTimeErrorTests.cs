using Maru.Compiler.Expansion;
using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Tests.Expansion;

/// <summary>
/// Bad input at compile time (spec section 10): every error of a macro or of compile-time code is one diagnostic with
/// a code, at the macro call in the user's file, naming the macro; a macro that never stops is stopped at the
/// documented limits; a macro that returns what compiled code cannot hold is reported. Never an exception, a hang or
/// a stack overflow, and never any output.
/// </summary>
[TestClass]
public sealed class CompileTimeErrorTests
{
    /// <summary>Compiles and checks: the first diagnostic has the code, position and text; no output is made.</summary>
    private static Diagnostic AssertError(string source, string code, int line, int column, string named)
    {
        var result = TestCompiler.Compile(source);
        string all = string.Join("\n", result.Diagnostics);
        Assert.IsFalse(result.Success, all);
        Assert.IsEmpty(result.Assembly, "a unit with an error produces no output");
        var diagnostic = result.Diagnostics[0];
        Assert.AreEqual(code, diagnostic.Code, all);
        Assert.AreEqual(("test.l", line, column), (diagnostic.Path, diagnostic.Line, diagnostic.Column), all);
        Assert.Contains(named, diagnostic.Message, all);
        return diagnostic;
    }

    private const string Define = "(define-function f () ";

    [TestMethod]
    public void ErrorCalledByAMacroIsADiagnosticWithItsMessageAtTheCall() =>
        AssertError("(define-form must-be-small (n) (if (< n 10) n (error \"too big: \" n)))\n" + Define + "(must-be-small 12))",
            DiagnosticCodes.ErrorCalled, 2, 23, "in macro 'must-be-small': too big: 12");

    [TestMethod]
    [DataRow("(define-form m () (no-such-function 1))", DiagnosticCodes.UndefinedName, "in macro 'm': 'no-such-function' is not defined")]
    [DataRow("(define-function helper (a b) a)\n(define-form m () (helper 1))", DiagnosticCodes.WrongArgumentCount, "'helper' expects 2 arguments but is given 1")]
    [DataRow("(define-form m () (5 1))", DiagnosticCodes.NotAFunction, "in macro 'm': cannot apply 5")]
    [DataRow("(define-form m () (+ 'a 1))", DiagnosticCodes.WrongType, "'+' expects integers, not a")]
    [DataRow("(define-form m () (array-length 3))", DiagnosticCodes.WrongType, "'array-length'")]
    [DataRow("(define-form m () (concat-string \"a\" 'b))", DiagnosticCodes.WrongType, "'concat-string' expects two strings")]
    [DataRow("(define-form m () (concat-strings 'a \"b\"))", DiagnosticCodes.WrongType, "'concat-strings' expects strings")]
    [DataRow("(define printf (extern 'printf))\n(define-form m () (printf \"hi\"))", DiagnosticCodes.MachineAtCompileTime, "'printf' cannot be called at compile time")]
    [DataRow("(define-form m () (open \"/etc/passwd\"))", DiagnosticCodes.MachineAtCompileTime, "'open'")]
    [DataRow("(define-form m () (return 1))", DiagnosticCodes.MachineAtCompileTime, "return")]
    [DataRow("(define-form m () (string 100000000000))", DiagnosticCodes.CompileTimeLimit, "'string'")]
    public void AnErrorInsideAMacroIsReportedAtTheMacroCallNamingTheMacro(string macro, string code, string named)
    {
        int line = macro.Count(c => c == '\n') + 2;
        AssertError(macro + "\n" + Define + "(m))", code, line, 23, named);
    }

    /// <summary>Spec 11's typed externs are read as a signature, not evaluated: the types are no names to look up.</summary>
    [TestMethod]
    [DataRow("(define sin (extern 'sin (double) double))")]
    [DataRow("(define rand (extern 'rand () int))")]
    [DataRow("(define printf-2f (extern 'printf (long ... double double) int))")]
    public void AnExternWithACSignatureCompiles(string source)
    {
        var result = TestCompiler.Compile(source);
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
    }

    [TestMethod]
    [DataRow("(define f (extern 'f (long string) void))", "parameter type string")]
    [DataRow("(define f (extern 'f (long ... double ... int) void))", "more than one ...")]
    [DataRow("(define f (extern 'f (long ... float) int))", "promotes to double")]
    [DataRow("(define f (extern 'f (double) real))", "result type real")]
    [DataRow("(define f (extern 'f (double) (int)))", "result type (int)")]
    [DataRow("(define f (extern 'f double double))", "must list its parameter types")]
    [DataRow("(define f (extern 'f (long . int) int))", "dotted parameter list")]
    public void AMalformedCSignatureIsMaru0119(string source, string named) =>
        AssertError(source, DiagnosticCodes.InvalidCSignature, 1, source.IndexOf("(extern", StringComparison.Ordinal) + 1, named);

    [TestMethod]
    [DataRow("(define-form two (a b) a)\n" + Define + "(two 1))", 2, "'two' expects 2 operands but is given 1")]
    [DataRow("(define-form two (a b) a)\n" + Define + "(two 1 2 3))", 2, "'two' expects 2 operands but is given 3")]
    [DataRow("(define-form some (a . rest) a)\n" + Define + "(some))", 2, "'some' expects at least 1 operand but is given 0")]
    public void AMacroCalledWithTheWrongNumberOfOperandsIsMaru0104(string source, int line, string named) =>
        AssertError(source, DiagnosticCodes.WrongOperandCount, line, 23, named);

    [TestMethod]
    public void AnErrorInANestedMacroNamesTheInnermostMacroAtTheOutermostCall()
    {
        // outer's expansion calls inner, made by outer: the place is the call the user wrote.
        AssertError("(define-form inner (x) (error \"inner fails on \" x))\n(define-form outer () '(inner 7))\n" + Define + "(outer))",
            DiagnosticCodes.ErrorCalled, 3, 23, "in macro 'inner': inner fails on 7");
    }

    // ---- runaway expansion and computation: stopped at the limits, never a hang or a stack overflow ----

    [TestMethod]
    [DataRow("(define-form forever () '(forever))")]
    [DataRow("(define-form grow (x) `(grow (,x)))\n(define-form forever () '(grow 1))")]
    [DataRow("(define-form forever () `(+ 1 (forever)))")]
    public void AMacroThatExpandsWithoutEndIsStopped(string macro)
    {
        var diagnostic = AssertError(macro + "\n" + Define + "(forever))", DiagnosticCodes.CompileTimeLimit, macro.Count(c => c == '\n') + 2, 23, "nest more than 20,000 deep");
        Assert.Contains("in macro", diagnostic.Message);
    }

    [TestMethod]
    public void ARecursionWithoutEndAtCompileTimeIsStopped() =>
        AssertError("(define-function down (n) (+ 1 (down n)))\n(define-form m () (down 1))\n" + Define + "(m))",
            DiagnosticCodes.CompileTimeLimit, 3, 23, "nest more than 20,000 deep");

    [TestMethod]
    public void AMacroThatCallsItselfWithAGrowingListIsStopped()
    {
        // Found by the fuzzer (a mutant of s10-macro-recursive.l): each expansion places the cells it makes by their
        // names in the call's operands, which hold the growing list. Every cell looked through it for a name that is
        // not there, 20 000 times over: 8 s to reach the depth limit in a Release build, over 90 s in a loaded Debug one.
        var compile = Task.Run(() => AssertError("(define-form grow (done . todo) (if todo `(grow ,(cons 1 done) x) 0))\n" + Define + "(grow () x))",
            DiagnosticCodes.CompileTimeLimit, 2, 23, "nest more than 20,000 deep"));
        Assert.IsTrue(compile.Wait(TimeSpan.FromSeconds(60)), "the compile did not stop within a minute");
    }

    /// <summary>
    /// A cell a macro made that holds a name of the call's operands takes that name's place: the n-th such cell the
    /// n-th occurrence, the first once there are no more.
    /// </summary>
    [TestMethod]
    public void ANameAMacroPassesOnIsReportedAtItsOccurrenceInTheCall()
    {
        var result = TestCompiler.Compile("(define-form m (a b) `(+ ,a ,b ,a))\n(define-function f () (m nope\n   nope))\n");
        CollectionAssert.AreEqual(new[] { (2, 26), (3, 4), (2, 26) },
            result.Diagnostics.Select(d => (d.Line, d.Column)).ToArray(), string.Join("\n", result.Diagnostics));
        Assert.IsTrue(result.Diagnostics.All(d => d.Code == DiagnosticCodes.UndefinedName), string.Join("\n", result.Diagnostics));
    }

    [TestMethod]
    public void AMacroThatPassesOnManyOccurrencesOfANameExpandsInLinearTime()
    {
        // Each of 150 expansions copies 20 000 occurrences of v, and every copied cell looked through the operands for
        // its own occurrence from the first: quadratic (29 s in a Release build for 10 000 occurrences); now 2 s.
        string occurrences = string.Join(" ", Enumerable.Repeat("v", 20_000));
        var compile = Task.Run(() => TestCompiler.Compile("(define-form rep (n . xs) (if (> n 0) `(rep ,(- n 1) ,@xs 0) 0))\n"
            + $"(define-function f (v) (rep 150 {occurrences}))"));
        Assert.IsTrue(compile.Wait(TimeSpan.FromSeconds(60)), "the expansion did not end within a minute");
        Assert.IsTrue(compile.Result.Success, string.Join("\n", compile.Result.Diagnostics));
    }

    [TestMethod]
    public void SplicingALongListIsNotANestedCall()
    {
        // ,@ calls concat-list, which as a Maru function nested a call per cell: 25 000 reached the depth limit.
        string operands = string.Join(" ", Enumerable.Repeat("1", 25_000));
        Assert.Contains("$25001", TestCompiler.Assembly($"(define-form m xs (list-length `(,@xs 0)))\n(define-function f () (m {operands}))"));
    }

    [TestMethod]
    public void ALoopWithoutEndAtCompileTimeIsStopped() =>
        AssertError("(define-form m () (while 1) 0)\n" + Define + "(m))", DiagnosticCodes.CompileTimeLimit, 2, 23, "steps");

    /// <summary>
    /// The step limit is one budget for the unit: once it is spent, every later form would fail with the same error,
    /// and the region's (compile-end) with it, leaving the region open. The first error is the only one.
    /// </summary>
    [TestMethod]
    public void TheStepLimitIsReportedOnceAndEndsTheUnitsCompileTime()
    {
        var result = TestCompiler.Compile("(compile-begin)\n(define x (let ((i 0)) (while 1 (set i (+ i 1))) i))\n(compile-end)\n(define-function main () 0)\n");
        var diagnostic = result.Diagnostics.Single();
        Assert.AreEqual((DiagnosticCodes.CompileTimeLimit, 2, 40), (diagnostic.Code, diagnostic.Line, diagnostic.Column), diagnostic.ToString());
        Assert.Contains("steps", diagnostic.Message);
    }

    /// <summary>
    /// Loops whose primitives make, copy or compare ever more bytes stop at the step limit within seconds, not after
    /// hours (a string joined to itself copies all of it every time); a list that comes back to itself never ends.
    /// </summary>
    [TestMethod]
    [DataRow("(let ((s \"ab\")) (while 1 (set s (concat-string s \"xyz\"))))", "steps")]
    [DataRow("(let ((s \"ab\")) (while 1 (set s (concat-strings s \" \" \"xyz\"))))", "steps")]
    [DataRow("(while 1 (string 60000000))", "steps")]
    [DataRow("(while 1 (array 6000000))", "steps")]
    [DataRow("(let ((a (array 0)) (i 0)) (while 1 (set-array-at a i i) (set i (+ i 1))))", "steps")]
    [DataRow("(let ((s (string 60000000)) (t (string 60000000))) (while 1 (= s t)))", "steps")]
    [DataRow("(let ((l ()) (i 0)) (while (< i 1000000) (set l (cons i l)) (set i (+ i 1))) (while 1 (expand l)))", "steps")]
    [DataRow("(let ((l ()) (i 0)) (while (< i 1000000) (set l (cons 'x l)) (set i (+ i 1))) (while 1 (apply list l)))", "steps")]
    [DataRow("(let ((l (cons 1 ()))) (set-cdr l l) (apply + l))", "a list that contains itself has no end")]
    [DataRow("(let ((l (cons 1 ()))) (set-cdr l l) (apply (lambda (a b c) a) l))", "a list that contains itself has no end")]
    public void AMacroWhosePrimitivesWorkWithoutEndIsStopped(string body, string named)
    {
        var compile = Task.Run(() => AssertError($"(define-form m () {body} 0)\n" + Define + "(m))", DiagnosticCodes.CompileTimeLimit, 2, 23, named));
        Assert.IsTrue(compile.Wait(TimeSpan.FromSeconds(60)), "the compile did not stop within a minute");
    }

    [TestMethod]
    public void ACyclicListPrintedAtCompileTimeDoesNotHang()
    {
        var result = TestCompiler.Compile("(let ((x (cons 1 2))) (set-cdr x x) (print x))\n(define-function f () 0)");
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        Assert.StartsWith("(1 1 1 1", result.CompileTimeOutput);
    }

    // ---- macros that return what compiled code cannot hold ----

    [TestMethod]
    [DataRow("(define-form m () (lambda () 1))", "a function", 2)]
    [DataRow("(define-form m () (array 2))", "an array", 2)]
    [DataRow("(define-form m () (list 'car *env*))", "an environment", 2)]
    // Code a macro takes from a quoted template in its definition is reported where the template is.
    [DataRow("(define-form m () '(+ 1 . 2))", "dotted list", 1)]
    public void AMacroThatReturnsGarbageIsReported(string macro, string named, int line)
    {
        var result = TestCompiler.Compile(macro + "\n" + Define + "(m))");
        string all = string.Join("\n", result.Diagnostics);
        Assert.IsFalse(result.Success, all);
        Assert.IsTrue(result.Diagnostics.All(d => d.Code is DiagnosticCodes.NotSupported), all);
        Assert.Contains(named, all);
        Assert.AreEqual(line, result.Diagnostics[0].Line, all);
    }

    [TestMethod]
    public void AMacroThatReturnsACyclicListIsStopped() =>
        AssertError("(define-form m () (let ((x (list '+ 1 2))) (set-cdr (cddr x) x) x))\n" + Define + "(m))",
            DiagnosticCodes.CompileTimeLimit, 2, 23, "a list that contains itself");

    // ---- compile regions and definitions ----

    [TestMethod]
    [DataRow("(compile-end)", 1, 1, "without a (compile-begin)")]
    // A stray compile-end in a file without compile-begin would end its implicit region, and compile nothing after it.
    [DataRow("(define x 1)\n(compile-end)\n(define-function main () 0)", 2, 1, "without a (compile-begin)")]
    [DataRow("(define-function g () 0)\n(compile-begin)\n(define-function f () 0)", 2, 1, "has no (compile-end)")]
    public void ACompileRegionMustBeOpenedAndClosed(string source, int line, int column, string named) =>
        AssertError(source, DiagnosticCodes.RegionMismatch, line, column, named);

    [TestMethod]
    [DataRow("(define x '(1 2))", 1, 9, "a list")]
    [DataRow("(define x 'y)", 1, 9, "a symbol")]
    [DataRow("(define x (array 3))", 1, 9, "an array")]
    [DataRow("(define x car)", 1, 9, "built-in function")]
    [DataRow("(define-function helper () 0)\n(compile-begin)\n(define x helper)\n(compile-end)", 3, 9, "compile-time function 'helper'")]
    public void ARegionDefinitionWhoseValueCannotBeCompiledIsMaru0203(string source, int line, int column, string named) =>
        AssertError(source, DiagnosticCodes.NotCompilable, line, column, named);

    [TestMethod]
    public void ADefinitionMadeTwiceInARegionIsMaru0102EvenWhenAMacroMakesIt() =>
        AssertError("(define-form def (name) `(define ,name 1))\n(def x)\n(def x)", DiagnosticCodes.DuplicateDefinition, 3, 6, "'x' is already defined at test.l(2,6)");

    [TestMethod]
    public void AnIntegerIsCompiledAsItsValueAtTheEndOfTheRegion()
    {
        var (unit, diagnostics) = TestCompiler.Expand("(define kb 1024)\n(define mb (* kb kb))\n(set kb 2)\n(define big? (> mb 1000))");
        Assert.IsEmpty(diagnostics.Items, string.Join("\n", diagnostics.Items));
        var globals = unit.Definitions.OfType<GlobalDefinition>().ToDictionary(d => d.Name.Name, d => d.Initializer!.ToString());
        Assert.AreEqual("2", globals["kb"]);
        Assert.AreEqual("1048576", globals["mb"]);
        // A comparison is t at compile time: the compiler folds it, with the compiled language's 1.
        Assert.AreEqual("(> mb 1000)", globals["big?"]);
    }

    [TestMethod]
    public void AMacroMayExportWhatItDefines()
    {
        var result = TestCompiler.Compile(
            "(define-form define-exported (name . rest) `(let () (define-function ,name ,@rest) (export ,name)))\n" +
            "(define-exported visible () 1)\n(define-function hidden () 2)");
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        CollectionAssert.AreEqual(new[] { "visible" }, result.Exports.Select(e => e.MaruName).ToList());
    }

    [TestMethod]
    public void AForwardDeclarationSetToALambdaIsAFunction()
    {
        var result = TestCompiler.Compile("(define later)\n(define-function main () (later 2))\n(set later (lambda (n) (* n 21)))");
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        CollectionAssert.AreEquivalent(new[] { "later", "main" }, result.Exports.Select(e => e.MaruName).ToList());
    }

    // ---- load ----

    [TestMethod]
    public void LoadingAFileThatDoesNotExistIsMaru0204() =>
        AssertError("(load \"no-such-file-anywhere.l\")", DiagnosticCodes.LoadFailed, 1, 1, "no-such-file-anywhere.l");

    [TestMethod]
    public void AFileThatLoadsItselfIsStopped()
    {
        using var directory = new TemporaryDirectory();
        string path = directory.File("self.l");
        File.WriteAllText(path, "(load \"self.l\")\n");
        var result = MaruCompiler.Compile([new SourceFile(Path.Combine(directory.Path, "main.l"), "(load \"self.l\")"u8.ToArray())], new CompileOptions());
        Assert.IsFalse(result.Success);
        Assert.AreEqual(DiagnosticCodes.LoadFailed, result.Diagnostics[0].Code, string.Join("\n", result.Diagnostics));
        Assert.Contains("load nests more than 64 files deep", result.Diagnostics[0].Message);
    }

    [TestMethod]
    public void ErrorsInALoadedFileAreReportedInThatFile()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("macros.l"), "(define-form twice (x) `(+ ,x ,x))\n\n(define-function broken () (undefined-thing))\n");
        var result = MaruCompiler.Compile([new SourceFile(Path.Combine(directory.Path, "main.l"), "(load \"macros.l\")\n(define-function f () (twice 2))"u8.ToArray())], new CompileOptions());
        var diagnostic = result.Diagnostics.Single();
        Assert.AreEqual((Path.Combine(directory.Path, "macros.l"), 3, 29, DiagnosticCodes.UndefinedName), (diagnostic.Path, diagnostic.Line, diagnostic.Column, diagnostic.Code));
        CollectionAssert.AreEqual(new[] { Path.Combine(directory.Path, "macros.l") }, result.LoadedFiles.ToList());
    }
}
