using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Tests.Semantics;

/// <summary>
/// One table of minimal programs per meaning diagnostic (MARU0100-MARU0118, spec section 8 and docs/language.md):
/// each row gives the exact code, line and column, and a text the message must contain (the offending name).
/// Positions follow one rule: the start of the offending form, its <c>(</c> for a list or its first character for a name.
/// Every row must fail to compile and produce no output at all.
/// </summary>
[TestClass]
public sealed class DiagnosticCodeTests
{
    /// <summary>Compiles the source and checks: exactly one diagnostic, the given code and position, a message naming <paramref name="named"/>, no output.</summary>
    private static void AssertSingleError(string source, string code, int line, int column, string named)
    {
        var result = TestCompiler.Compile(source);
        string all = string.Join("\n", result.Diagnostics);

        Assert.HasCount(1, result.Diagnostics, all);
        var diagnostic = result.Diagnostics[0];
        Assert.AreEqual(code, diagnostic.Code, all);
        Assert.AreEqual(Severity.Error, diagnostic.Severity, all);
        Assert.AreEqual("test.l", diagnostic.Path, all);
        Assert.AreEqual((line, column), (diagnostic.Line, diagnostic.Column), $"position of {all}");
        Assert.Contains(named, diagnostic.Message, all);
        AssertNoOutput(result);
    }

    private static void AssertNoOutput(CompileResult result)
    {
        Assert.IsFalse(result.Success);
        Assert.IsEmpty(result.Assembly, "a unit with an error produces no output");
        Assert.IsEmpty(result.Exports);
        Assert.IsNull(result.MainParameterCount);
    }

    // ---- MARU0100 MalformedForm ----

    [TestMethod]
    [DataRow("(define-function 5 ())", 1, 1, "define-function")]
    [DataRow("(define-function f () (let x))", 1, 23, "let")]
    [DataRow("(define-function f () (let))", 1, 23, "let")]
    [DataRow("(define-function f () (let (1) 0))", 1, 29, "let binding")]
    [DataRow("(define-function f () (let ((1 2)) 0))", 1, 29, "let binding")]
    [DataRow("(define-function f () (let* x))", 1, 23, "let*")]
    [DataRow("(define)", 1, 1, "define")]
    [DataRow("(define 5 1)", 1, 1, "define")]
    [DataRow("(define x 1 2)", 1, 1, "define")]
    [DataRow("(define f (lambda))", 1, 11, "lambda")]
    [DataRow("(define f (extern \"puts\"))", 1, 11, "extern")]
    [DataRow("(define f (extern 'puts 1 2))", 1, 11, "extern")]
    [DataRow("(define f (extern))", 1, 11, "extern")]
    [DataRow("(define-function f () (extern 'puts))", 1, 23, "extern")]
    // A macro's error is at the macro call (spec section 10).
    [DataRow("(define-structure (x y) ())", 1, 1, "define-structure")]
    [DataRow("(define-structure <p> (x 1))", 1, 1, "field")]
    [DataRow("(define-function f () (for (i 0) i))", 1, 23, "for")]
    [DataRow("(define-function f () (for i 10))", 1, 23, "for")]
    [DataRow("(define-function f () (for (1 0 10) 0))", 1, 23, "for")]
    [DataRow("(define-function f () (loop ((i 0)) 0))", 1, 23, "loop")]
    [DataRow("(define-function f () (cond 5))", 1, 23, "cond")]
    [DataRow("(define-function f () (cond ()))", 1, 23, "cond")]
    [DataRow("(export 5)", 1, 9, "export")]
    [DataRow("(define-function f ((x)) 0)", 1, 21, "parameter")]
    [DataRow("(define-function f (1) 0)", 1, 21, "parameter")]
    public void MalformedFormIsMaru0100(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.MalformedForm, line, column, named);

    // ---- top-level expressions: compile-time Maru (MARU0101 is no longer reported) ----

    [TestMethod]
    [DataRow("(+ 1 2)")]
    [DataRow("42")]
    [DataRow("\"text\"")]
    [DataRow("()")]
    [DataRow("(define x 1)\n(set x (+ x 1))")]
    public void AnExpressionAtTopLevelIsEvaluatedAtCompileTimeAndCompilesNothing(string source)
    {
        var result = TestCompiler.Compile(source + "\n(define-function f () 0)");
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        CollectionAssert.AreEqual(new[] { "f" }, result.Exports.Select(e => e.MaruName).ToList());
    }

    [TestMethod]
    [DataRow("foo", 1, 1, DiagnosticCodes.UndefinedName, "'foo' is not defined")]
    [DataRow("(define x 1)\n  (printf \"hi\")", 2, 4, DiagnosticCodes.UndefinedName, "'printf'")]
    [DataRow("(define printf (extern 'printf))\n  (printf \"hi\")", 2, 3, DiagnosticCodes.MachineAtCompileTime, "'printf'")]
    [DataRow("((define x 1))", 1, 1, DiagnosticCodes.NotAFunction, "1")]
    // A misspelt definition form: the message says which name it did not know.
    [DataRow("(define-fuction f () 0)", 1, 2, DiagnosticCodes.UndefinedName, "'define-fuction'")]
    [DataRow("(+ 1 \"a\")", 1, 1, DiagnosticCodes.WrongType, "'+'")]
    public void AnErrorInATopLevelExpressionIsACompileTimeDiagnostic(string source, int line, int column, string code, string named) =>
        AssertSingleError(source, code, line, column, named);

    // ---- MARU0102 DuplicateDefinition ----

    [TestMethod]
    [DataRow("(define x 1)\n(define x 2)", 2, 9, "'x' is already defined at test.l(1,9)")]
    [DataRow("(define-function fib (n) n)\n(define fib 3)", 2, 9, "'fib' is already defined at test.l(1,18)")]
    [DataRow("(define-function fib (n) n)\n(define-function fib (n) n)", 2, 18, "'fib'")]
    [DataRow("(define fib (lambda (n) n))\n(define-function fib (n) n)", 2, 18, "'fib'")]
    [DataRow("(define p (extern 'puts))\n(define-function p () 0)", 2, 18, "'p'")]
    [DataRow("(define x)\n(define p (extern 'puts))\n(define x (extern 'printf))", 3, 9, "'x'")]
    [DataRow("(define-structure <p> (x))\n(define-structure <p> (y))", 2, 19, "'<p>'")]
    public void ADefinitionTwiceIsMaru0102(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.DuplicateDefinition, line, column, named);

    [TestMethod]
    public void ADefinitionTwiceAcrossFilesIsMaru0102InTheSecondFileNamingTheFirst()
    {
        var result = TestCompiler.Compile(
            SourceFile.FromText("dir/a.l", "; a\n(define-function helper (x) x)\n"),
            SourceFile.FromText("dir/b.l", "(define-function main () 0)\n\n  (define helper 3)\n"));

        Assert.HasCount(1, result.Diagnostics, string.Join("\n", result.Diagnostics));
        var d = result.Diagnostics[0];
        Assert.AreEqual(DiagnosticCodes.DuplicateDefinition, d.Code);
        Assert.AreEqual(("dir/b.l", 3, 11), (d.Path, d.Line, d.Column));
        Assert.Contains("'helper'", d.Message);
        Assert.Contains("dir/a.l(2,18)", d.Message);
        Assert.AreEqual($"dir/b.l(3,11): error MARU0102: {d.Message}", d.ToString());
        AssertNoOutput(result);
    }

    [TestMethod]
    public void ACompileTimeDefinitionMayBeRedefinedAsInMaru()
    {
        // Structure accessors are macros; a later definition of the same name replaces the macro (spec section 10).
        var result = TestCompiler.Compile("(define-structure <p> (x y))\n(define-function <p>-x (p) 7)\n(define-function f (p) (<p>-x p))");
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        CollectionAssert.AreEquivalent(new[] { "<p>-x", "f" }, result.Exports.Select(e => e.MaruName).ToList());
    }

    // ---- MARU0103 WrongArgumentCount ----

    [TestMethod]
    [DataRow("(define-function fib (n) n)\n(define-function g () (fib 1 2))", 2, 23, "'fib' expects 1 argument but is given 2")]
    [DataRow("(define-function fib (n) n)\n(define-function g () (fib))", 2, 23, "'fib' expects 1 argument but is given 0")]
    [DataRow("(define-function g () (h 1))\n(define-function h () 0)", 1, 23, "'h' expects 0 arguments but is given 1")]
    [DataRow("(define f (lambda (a b) a))\n(define-function g () (f 1))", 2, 23, "'f' expects 2 arguments but is given 1")]
    [DataRow("(define-function f (n)\n  (if n (f) 0))", 2, 9, "'f'")]
    [DataRow("(define-function f (n) n)\n(define-function g (x) (+ 1 (f x x)))", 2, 29, "'f'")]
    [DataRow("(define-function main () (main 1 2))", 1, 26, "'main'")]
    public void AUnitFunctionCalledWithTheWrongArgumentCountIsMaru0103(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.WrongArgumentCount, line, column, named);

    /// <summary>An extern with a C signature takes exactly the arguments it declares, variable ones included (spec 11).</summary>
    [TestMethod]
    [DataRow("(define sin (extern 'sin (double) double))\n(define-function g () (sin))", 2, 23, "'sin' is the C function sin declared (double) double with 1 argument but is given 0")]
    [DataRow("(define pow (extern 'pow (double double) double))\n(define-function g () (pow 1.0 2.0 3.0))", 2, 23, "with 2 arguments but is given 3")]
    [DataRow("(define p (extern 'printf (long ... double) int))\n(define-function g () (p \"%f\"))", 2, 23, "declared (long ... double) int with 2 arguments but is given 1")]
    [DataRow("(define p (extern 'printf (long ... double) int))\n(define-function g () (p \"%f\" 1.0 2.0))", 2, 23, "'p'")]
    [DataRow("(define rand (extern 'rand () int))\n(define-function g () (rand 1))", 2, 23, "with 0 arguments but is given 1")]
    public void AnExternWithACSignatureCalledWithAnotherArgumentCountIsMaru0103(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.WrongArgumentCount, line, column, named);

    // ---- MARU0104 WrongOperandCount ----

    [TestMethod]
    [DataRow("(define-function f () (+))", 1, 23, "'+'")]
    [DataRow("(define-function f () (*))", 1, 23, "'*'")]
    [DataRow("(define-function f () (-))", 1, 23, "'-'")]
    [DataRow("(define-function f () (&))", 1, 23, "'&'")]
    [DataRow("(define-function f () (/ 1))", 1, 23, "'/' expects 2 operands but is given 1")]
    [DataRow("(define-function f (a b) (/ a b 2))", 1, 26, "'/' expects 2 operands but is given 3")]
    [DataRow("(define-function f (a b) (% a))", 1, 26, "'%'")]
    [DataRow("(define-function f (a b) (<< a))", 1, 26, "'<<'")]
    [DataRow("(define-function f (a b) (= a b a))", 1, 26, "'='")]
    [DataRow("(define-function f (a b) (not a b))", 1, 26, "'not' expects 1 operand but is given 2")]
    [DataRow("(define-function f (a) (~))", 1, 24, "'~'")]
    [DataRow("(define-function f (p) (oop-at p))", 1, 24, "'oop-at' expects 2 operands but is given 1")]
    [DataRow("(define-function f (p) (string-at p 1 2))", 1, 24, "'string-at'")]
    [DataRow("(define-function f (p) (set-oop-at p 1))", 1, 24, "'set-oop-at' expects 3 operands but is given 2")]
    [DataRow("(define-function f (p) (set-byte-at p))", 1, 24, "'set-byte-at'")]
    [DataRow("(define-function f () (return 1 2))", 1, 23, "'return' expects at most 1 operand but is given 2")]
    [DataRow("(define-structure <p> (x y))\n(define-function f (p) (<p>-x p 1))", 2, 24, "'<p>-x' expects 1 operand but is given 2")]
    [DataRow("(define-structure <p> (x y))\n(define-function f (p) (<p>-y))", 2, 24, "'<p>-y' expects 1 operand but is given 0")]
    [DataRow("(define-structure <p> (x y))\n(define-function f (p) (set-<p>-y p))", 2, 24, "'<p>-y' expects 1 operand but is given 0")]
    [DataRow("(define-function f () (set x))", 1, 23, "set")]
    [DataRow("(define-function f (x) (set x 1 2))", 1, 24, "set")]
    [DataRow("(define-function f () (incr))", 1, 23, "incr")]
    [DataRow("(define-function f (x) (incr x 1 2))", 1, 24, "incr")]
    [DataRow("(define-function f () (decr))", 1, 23, "decr")]
    [DataRow("(define-function f () (when))", 1, 23, "when")]
    [DataRow("(define-function f () (unless))", 1, 23, "unless")]
    [DataRow("(define-function f () (while))", 1, 23, "while")]
    [DataRow("(define-function f () (until))", 1, 23, "until")]
    [DataRow("(define-function f (x) (address-of))", 1, 24, "address-of")]
    [DataRow("(define-function f (x) (address-of x x))", 1, 24, "address-of")]
    [DataRow("(define x (/ 1))", 1, 11, "'/'")]
    [DataRow("(define x (+ 1 (not)))", 1, 16, "'not'")]
    // An operator inside an expansion: the error is still at the operator the user wrote.
    [DataRow("(define-function f (a) (cond ((+) 1)))", 1, 31, "'+'")]
    [DataRow("(define-function f (a) (for (i 0 (-)) a))", 1, 34, "'-'")]
    public void AnOperatorOrSpecialFormWithTheWrongOperandCountIsMaru0104(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.WrongOperandCount, line, column, named);

    // ---- MARU0105 UndefinedName ----

    [TestMethod]
    [DataRow("(define-function f (x) (+ x y))", 1, 29, "'y' is not defined")]
    [DataRow("(define-function f () (g 1))", 1, 24, "'g' is not defined")]
    [DataRow("(define-function f () if)", 1, 23, "'if'")]
    [DataRow("(define-function f () (+ 1 +))", 1, 28, "'+'")]
    [DataRow("(define-function f () (set y 1))", 1, 28, "'y' is not defined")]
    [DataRow("(define-function f () (address-of y))", 1, 35, "'y' is not defined")]
    [DataRow("(define-function f (x) (let ((y 1)) y) y)", 1, 40, "'y' is not defined")]
    // let initialisers are evaluated in the outer scope, so b cannot see a.
    [DataRow("(define-function f () (let ((a 1) (b a)) b))", 1, 38, "'a' is not defined")]
    // for: the limit does not see the loop variable.
    [DataRow("(define-function f () (for (i 0 i) 0))", 1, 33, "'i' is not defined")]
    // A parameter is not visible in another function.
    [DataRow("(define-function f (secret) 0)\n(define-function g () secret)", 2, 23, "'secret' is not defined")]
    // An undefined name in a global's initial value is undefined, not "not constant" (compiler bug: today MARU0108 without the name).
    [DataRow("(define x y)", 1, 11, "'y'")]
    [DataRow("(define x (+ y 1))", 1, 14, "'y'")]
    public void AnUndefinedNameIsMaru0105(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.UndefinedName, line, column, named);

    // ---- MARU0106 ReservedName ----

    [TestMethod]
    [DataRow("(define-function + (a b) a)", 1, 18, "'+'")]
    [DataRow("(define-function oop-at (p i) 0)", 1, 18, "'oop-at'")]
    [DataRow("(define-function if () 0)", 1, 18, "'if'")]
    [DataRow("(define let* (lambda () 0))", 1, 9, "'let*'")]
    [DataRow("(define if 1)", 1, 9, "'if'")]
    [DataRow("(define char-at)", 1, 9, "'char-at'")]
    [DataRow("(define return (extern 'puts))", 1, 9, "'return'")]
    [DataRow("(define-structure set (x))", 1, 19, "'set'")]
    [DataRow("(define-function f (if) if)", 1, 21, "'if'")]
    [DataRow("(define-function f (a not) a)", 1, 23, "'not'")]
    [DataRow("(define f (lambda (while) 0))", 1, 20, "'while'")]
    [DataRow("(define-function f () (let ((oop-at 1)) oop-at))", 1, 30, "'oop-at'")]
    [DataRow("(define-function f () (let (quote) 0))", 1, 29, "'quote'")]
    [DataRow("(define-function f () (let* ((a 1) (while 1)) 0))", 1, 37, "'while'")]
    [DataRow("(define-function f () (for (if 0 10) 0))", 1, 29, "'if'")]
    [DataRow("(define-function f () (loop ((+ 0 1)) 0 0))", 1, 31, "'+'")]
    public void BindingOrDefiningABuiltInNameIsMaru0106(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.ReservedName, line, column, named);

    // ---- MARU0107 DuplicateBinding ----

    [TestMethod]
    [DataRow("(define-function f (a a) a)", 1, 23, "'a'")] // compiler bug: today an internal compiler error (exception)
    [DataRow("(define-function f (a b a) b)", 1, 25, "'a'")] // compiler bug: as above
    [DataRow("(define f (lambda (x x) 0))", 1, 22, "'x'")] // compiler bug: as above
    [DataRow("(define-function f () (let ((x 1) (x 2)) x))", 1, 36, "'x'")]
    [DataRow("(define-function f () (let (x (x)) x))", 1, 32, "'x'")]
    [DataRow("(define-function f () (let ((x 1)) (let ((y 2) (y 3)) y)))", 1, 49, "'y'")]
    [DataRow("(define-function f () (loop ((i 0 1) (i 0 1)) 0))", 1, 39, "'i'")]
    [DataRow("(define-structure <p> (x x))", 1, 1, "'x'")]
    public void OneNameBoundTwiceIsMaru0107(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.DuplicateBinding, line, column, named);

    // ---- MARU0108 NotConstant ----

    [TestMethod]
    [DataRow("(define s \"a\")\n(define x (+ s 1))", 2, 14, "'s'")]
    [DataRow("(define p (extern 'puts))\n(define q p)\n(define x (- q 1))", 3, 14, "'q'")]
    [DataRow("(define y (oop-at 0 0))", 1, 11, "oop-at")]
    [DataRow("(define-function g () 0)\n(define x (+ g 1))", 2, 14, "'g'")]
    public void ANonConstantGlobalInitialiserIsMaru0108(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.NotConstant, line, column, named);

    // ---- MARU0109 ConstantCycle ----

    [TestMethod]
    [DataRow("(define a (+ b 1))\n(define b (* a 2))", 2, 14, "'a'")]
    [DataRow("(define a a)", 1, 11, "'a'")]
    [DataRow("(define a (+ a 1))", 1, 14, "'a'")]
    [DataRow("(define a b)\n(define b c)\n(define c a)", 3, 11, "'a'")]
    [DataRow("(define n 1)\n(define a (+ n b))\n(define b (- a n))", 3, 14, "'a'")]
    public void ConstantGlobalsThatDependOnEachOtherAreMaru0109(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.ConstantCycle, line, column, named);

    // ---- MARU0110 ExportNotFunction ----

    [TestMethod]
    [DataRow("(define limit 10)\n(export limit)", 2, 9, "'limit'")]
    [DataRow("(export nope)", 1, 9, "'nope'")]
    [DataRow("(define p (extern 'puts))\n(export p)", 2, 9, "'p'")]
    [DataRow("(define-structure <p> (x))\n(export <p>-x)", 2, 9, "'<p>-x'")]
    [DataRow("(define-structure <p> (x))\n(export <p>)", 2, 9, "'<p>'")]
    [DataRow("(define-function f () 0)\n(export f g)", 2, 11, "'g'")]
    [DataRow("(define-function f () 0)\n(export f)\n(export if)", 3, 9, "'if'")]
    public void ExportingSomethingThatIsNotAFunctionIsMaru0110(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.ExportNotFunction, line, column, named);

    // ---- MARU0111 SymbolClash ----

    [TestMethod]
    [DataRow("(define-function a? () 1)\n(define-function a_3f () 2)", 2, 18, "'a_3f' and 'a?' both give the native symbol 'a_3f'")]
    [DataRow("(define-function x->y () 1)\n(define-function x__3ey () 2)", 2, 18, "'x__3ey' and 'x->y'")]
    // Position: the function-function clash is reported at the second name, but a global-function clash at the global (bad position, see report).
    [DataRow("(define a-b 1)\n(define-function a_b () 2)", 1, 9, "'a-b' and 'a_b'")]
    [DataRow("(define *n* 1)\n(define _2an_2a 2)", 2, 9, "'_2an_2a' and '*n*'")]
    // A unit name equal to an extern's C name.
    [DataRow("(define-function strlen (s) 0)\n(define len (extern 'strlen))", 2, 9, "'strlen'")]
    [DataRow("(define len (extern 'strlen))\n(define-function strlen (s) 0)", 1, 9, "'strlen'")]
    [DataRow("(define strlen 5)\n(define len (extern 'strlen))", 2, 9, "'strlen'")]
    [DataRow("(define-function str-len (s) 0)\n(define len (extern 'str_len))", 2, 9, "'str-len'")]
    public void TwoNamesWithOneNativeSymbolAreMaru0111(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.SymbolClash, line, column, named);

    [TestMethod]
    public void AnExternWhoseNameIsItsOwnCNameIsNoClash()
    {
        var result = TestCompiler.Compile("(define strlen (extern 'strlen))\n(define puts (extern 'puts))\n(define-function f (s) (strlen s))");
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
    }

    [TestMethod]
    [DataRow("(define f (extern 'set-oop-at))\n(define-function main () (f))")]
    [DataRow("(define f (extern '-))\n(define-function main () (f 1))")]
    [DataRow("(define f (extern '<node>-next))\n(define-function main () (f 1))")]
    [DataRow("(define f (extern 'a%b))\n(define-function g () f)")]
    public void AnExternWhoseCNameIsNoCIdentifierIsAnErrorNotBadAssembly(string source)
    {
        // Compiler bug: the C name goes into the assembly as written ("call set-oop-at@PLT"), so the unit "compiles"
        // and the assembler then fails (MARU0902, documented as a compiler bug). Found by mutating the conformance corpus.
        var result = TestCompiler.Compile(source);

        Assert.IsFalse(result.Success, "a C name that is not an identifier must be a compile error");
        Assert.StartsWith("MARU01", result.Diagnostics[0].Code, string.Join("\n", result.Diagnostics));
        Assert.AreEqual(1, result.Diagnostics[0].Line);
        AssertNoOutput(result);
    }

    [TestMethod]
    [DataRow("strlen")]
    [DataRow("__errno_location")]
    [DataRow("_exit")]
    [DataRow("printf2")]
    public void AnExternWhoseCNameIsACIdentifierCompiles(string cname)
    {
        var result = TestCompiler.Compile($"(define f (extern '{cname}))\n(define-function g () (f))");
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains($"{cname}@PLT", result.Assembly[0].Text);
    }

    // ---- MARU0112 BindingNameClash: reported only where C# bindings are generated (the SDK; see the bindings tests) ----

    [TestMethod]
    [DataRow("(define-function set-x (v) v)\n(define-function set-x! (v) v)")]
    [DataRow("(define-function ** () 1)")]
    public void NamesWithoutOneCSharpNameCompileWhereNoBindingsAreMade(string source)
    {
        var result = TestCompiler.Compile(source);
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
    }

    [TestMethod]
    [DataRow("(define-function foo? () 1)\n(define-function foo! () 2)\n(export foo?)")]
    [DataRow("(define-function foo? () 1)\n(define-function foo! () 2)\n(define-function main () 0)\n(export main)")]
    [DataRow("(define-function ** () 1)\n(export)")]
    public void FunctionsThatAreNotExportedNeedNoCSharpName(string source)
    {
        var result = TestCompiler.Compile(source);
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
    }

    // ---- MARU0113 InvalidMain ----

    [TestMethod]
    [DataRow("(define-function main (argc) argc)", 1, 18, "not 1")]
    [DataRow("(define-function main (a b c) a)", 1, 18, "not 3")]
    [DataRow("(define main (lambda (a) a))", 1, 9, "'main'")]
    [DataRow("(define-function main (a b c d e f g) a)\n(export main)", 1, 18, "'main'")]
    public void AMainWithAParameterCountOtherThanZeroOrTwoIsMaru0113(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.InvalidMain, line, column, named);

    [TestMethod]
    [DataRow("(define-function main () 0)", 0)]
    [DataRow("(define-function main (argc argv) 0)", 2)]
    public void AMainWithZeroOrTwoParametersIsAccepted(string source, int parameters)
    {
        var result = TestCompiler.Compile(source);
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        Assert.AreEqual(parameters, result.MainParameterCount);
    }

    // ---- MARU0114 NotSupported ----

    [TestMethod]
    [DataRow("(define-function f () (lambda (x) x))", 1, 23, "lambda")]
    [DataRow("(define-function f () (+ 1 (lambda () 0)))", 1, 28, "lambda")]
    [DataRow("(define-function f () (let ((g (lambda (x) x))) g))", 1, 32, "lambda")]
    [DataRow("(define f (lambda x 1))", 1, 9, "variable number of arguments")]
    [DataRow("(define-function f (a . rest) a)", 1, 18, "variable number of arguments")]
    [DataRow("(let ((n 1)) (define-function f () 0))", 1, 31, "closure")]
    [DataRow("(define-function f (p) (car p))", 1, 25, "'car'")]
    [DataRow("(define-function f (p) (cdr p))", 1, 25, "'cdr'")]
    [DataRow("(define-function f (p) (let ((x (cons p p))) x))", 1, 34, "'cons'")]
    [DataRow("(define-function f (p) car)", 1, 24, "'car'")]
    public void AnUnsupportedFeatureIsMaru0114ByName(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.NotSupported, line, column, named);

    // ---- MARU0115 NotAssignable ----

    [TestMethod]
    [DataRow("(define-function f () 0)\n(define-function g () (set f 1))", 2, 28, "'f' is a function")]
    [DataRow("(define p (extern 'puts))\n(define-function g () (set p 1))", 2, 28, "'p'")]
    [DataRow("(define-function g () (set 5 1))", 1, 28, "set")]
    [DataRow("(define-function g () (set \"s\" 1))", 1, 28, "set")]
    [DataRow("(define-function g () (set () 1))", 1, 28, "set")]
    [DataRow("(define-function g (p) (set ((p) 1) 1))", 1, 29, "set")]
    [DataRow("(define-function f () (incr 5))", 1, 23, "incr")]
    [DataRow("(define-function f () (decr \"s\" 2))", 1, 23, "decr")]
    [DataRow("(define-function f () 0)\n(define-function g () (incr f))", 2, 29, "'f'")]
    [DataRow("(define-function f () 0)\n(define-function g () (address-of f))", 2, 35, "'f'")]
    [DataRow("(define p (extern 'puts))\n(define-function g () (address-of p))", 2, 35, "'p'")]
    // Bad diagnostic: the operand count is right, the operand is not a variable (today MARU0104 at the whole form).
    [DataRow("(define-function g () (address-of 5))", 1, 35, "address-of")]
    public void AssigningSomethingThatIsNotAVariableIsMaru0115(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.NotAssignable, line, column, named);

    // ---- MARU0116 QuoteOutsideExtern ----

    [TestMethod]
    [DataRow("(define-function f () 'x)", 1, 23)]
    [DataRow("(define-function f ()\n  (quote x))", 2, 3)]
    [DataRow("(define-function f () '(1 2))", 1, 23)]
    [DataRow("(define-function f () (let ((a 'x)) a))", 1, 32)]
    [DataRow("(define-function f () (if 1 'a 0))", 1, 29)]
    public void AQuoteOutsideExternIsMaru0116(string source, int line, int column) =>
        AssertSingleError(source, DiagnosticCodes.QuoteOutsideExtern, line, column, "quote");

    // ---- MARU0117 InvalidFixedParameterCount ----

    [TestMethod]
    [DataRow("(define f (extern 'my_log -1))", 1, 11, "my_log")]
    [DataRow("(define f (extern 'my_log 128))", 1, 11, "127")]
    [DataRow("(define f (extern 'puts 'printf))", 1, 11, "puts")]
    [DataRow("(define f\n  (extern 'my_log \"2\"))", 2, 3, "my_log")]
    public void AnInvalidFixedParameterCountIsMaru0117(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.InvalidFixedParameterCount, line, column, named);

    // ---- MARU0118 TooFewFixedArguments ----

    [TestMethod]
    [DataRow("(define printf (extern 'printf 1))\n(define-function f () (printf))", 2, 23, "'printf'")]
    [DataRow("(define format (extern 'snprintf 3))\n(define-function f (b) (format b 8))", 2, 24, "snprintf")]
    [DataRow("(define log (extern 'my_log 3))\n(define-function f ()\n  (log 1 2))", 3, 3, "3 fixed parameters")]
    public void TooFewArgumentsForAVariadicExternIsMaru0118(string source, int line, int column, string named) =>
        AssertSingleError(source, DiagnosticCodes.TooFewFixedArguments, line, column, named);

    // ---- MARU0099 TooManyErrors ----

    private static void AssertStoppedAfter100Errors(CompileResult result, int line, int column)
    {
        var codes = result.Diagnostics.GroupBy(d => d.Code).Select(g => $"{g.Count()} x {g.Key}");
        string all = $"{string.Join(", ", codes)}; last: {result.Diagnostics.LastOrDefault()}";
        Assert.HasCount(101, result.Diagnostics, all);
        Assert.IsTrue(result.Diagnostics.Take(100).All(d => d.Code != DiagnosticCodes.TooManyErrors), all);
        var last = result.Diagnostics[100];
        Assert.AreEqual(DiagnosticCodes.TooManyErrors, last.Code, all);
        Assert.AreEqual(("test.l", line, column), (last.Path, last.Line, last.Column), "MARU0099 is at the 101st error");
        Assert.Contains("100", last.Message);
        AssertNoOutput(result);
    }

    [TestMethod]
    public void MoreThan100ReadingErrorsStopWithMaru0099()
    {
        var result = TestCompiler.Compile(string.Concat(Enumerable.Repeat(")\n", 150)));
        AssertStoppedAfter100Errors(result, 101, 1);
    }

    [TestMethod]
    public void MoreThan100ErrorsInOneFunctionStopWithMaru0099()
    {
        string body = string.Join("\n", Enumerable.Range(0, 150).Select(i => $"  (+ undefined{i} 1)"));
        var result = TestCompiler.Compile("(define-function f ()\n" + body + ")");
        AssertStoppedAfter100Errors(result, 102, 6);
    }

    [TestMethod]
    public void MoreThan100AnalysisErrorsAcrossFunctionsStopWithMaru0099()
    {
        // Compiler bug: the analyser stops at 100 errors without ever reporting MARU0099 when they are in different functions.
        string source = string.Join("\n", Enumerable.Range(0, 150).Select(i => $"(define-function f{i} () (+))"));
        var result = TestCompiler.Compile(source);
        AssertStoppedAfter100Errors(result, 101, 26);
    }

    [TestMethod]
    public void MoreThan100ExpansionErrorsAcrossFunctionsStopWithMaru0099()
    {
        // Compiler bug: the expander stops at 100 errors without ever reporting MARU0099 when they are in different forms.
        string source = string.Join("\n", Enumerable.Range(0, 150).Select(i => $"(define-function f{i} () (let x))"));
        var result = TestCompiler.Compile(source);
        AssertStoppedAfter100Errors(result, 101, 26);
    }

    [TestMethod]
    public void MoreThan100TopLevelErrorsStopWithMaru0099()
    {
        string source = string.Join("\n", Enumerable.Range(0, 150).Select(i => $"(+ {i} undefined)"));
        var result = TestCompiler.Compile(source);
        AssertStoppedAfter100Errors(result, 101, 8);
    }

    [TestMethod]
    public void Exactly100ErrorsAreAllReportedWithoutMaru0099()
    {
        var result = TestCompiler.Compile(string.Concat(Enumerable.Repeat(")\n", 100)));
        Assert.HasCount(100, result.Diagnostics);
        Assert.IsTrue(result.Diagnostics.All(d => d.Code == DiagnosticCodes.UnexpectedCloseParen));
        AssertNoOutput(result);
    }

    // ---- MARU0905 UnsupportedRuntime ----

    [TestMethod]
    [DataRow("linux-sparc")]
    [DataRow("browser-wasm")]
    [DataRow("")]
    public void AnUnknownRuntimeIsMaru0905NamingIt(string runtime)
    {
        var result = MaruCompiler.Compile(new[] { SourceFile.FromText("test.l", "(define-function main () 0)") }, new CompileOptions(runtime));

        Assert.HasCount(1, result.Diagnostics, string.Join("\n", result.Diagnostics));
        var d = result.Diagnostics[0];
        Assert.AreEqual(DiagnosticCodes.UnsupportedRuntime, d.Code);
        Assert.AreEqual(Severity.Error, d.Severity);
        Assert.AreEqual((0, 0), (d.Line, d.Column));
        Assert.Contains($"'{runtime}'", d.Message);
        Assert.Contains("linux-x64", d.Message, "the message lists the supported runtimes");
        AssertNoOutput(result);
    }

    [TestMethod]
    public void AnUnknownRuntimeIsReportedBeforeAnyErrorInTheSource()
    {
        var result = MaruCompiler.Compile(new[] { SourceFile.FromText("test.l", "(+ 1") }, new CompileOptions("linux-sparc"));
        Assert.AreEqual(DiagnosticCodes.UnsupportedRuntime, result.Diagnostics[0].Code);
        AssertNoOutput(result);
    }

    // ---- positions and form ----

    [TestMethod]
    public void ColumnsCountCharactersNotBytes()
    {
        // "é" and "→" are two and three bytes in UTF-8; the column counts each as one.
        var result = TestCompiler.Compile("(define-function f () (+ \"é→\" y))");
        Assert.HasCount(1, result.Diagnostics);
        Assert.AreEqual((1, 31), (result.Diagnostics[0].Line, result.Diagnostics[0].Column));
    }

    [TestMethod]
    public void PositionsCountLinesAfterCommentsAndCarriageReturns()
    {
        var result = TestCompiler.Compile("; comment\r\n\r\n(define-function f ()\r\n\t(g))");
        Assert.HasCount(1, result.Diagnostics);
        Assert.AreEqual((4, 3), (result.Diagnostics[0].Line, result.Diagnostics[0].Column));
    }

    [TestMethod]
    public void EveryIndependentErrorOfAUnitIsReported()
    {
        var result = TestCompiler.Compile(
            "(define-function f (x) (+ x y))\n" +
            "(define-function g () (f))\n" +
            "(define-function h () (/ 1))\n" +
            "(define-function main (a) 0)\n");
        CollectionAssert.AreEquivalent(
            new[] { "MARU0105@1,29", "MARU0103@2,23", "MARU0104@3,23", "MARU0113@4,18" },
            result.Diagnostics.Select(d => $"{d.Code}@{d.Line},{d.Column}").ToList(),
            string.Join("\n", result.Diagnostics));
        AssertNoOutput(result);
    }

    [TestMethod]
    public void DiagnosticsPrintInTheMSBuildForm()
    {
        var result = TestCompiler.Compile("(define-function fib (n) n)\n(define-function g () (fib 1 2))", "src/fib.l");
        Assert.AreEqual("src/fib.l(2,23): error MARU0103: 'fib' expects 1 argument but is given 2", result.Diagnostics.Single().ToString());
    }

    [TestMethod]
    public void EveryMeaningCodeIsDistinctAndNumberedInItsRange()
    {
        var codes = typeof(DiagnosticCodes).GetFields().Select(f => (string)f.GetValue(null)!).ToList();
        CollectionAssert.AllItemsAreUnique(codes);
        foreach (string code in codes) Assert.MatchesRegex(@"^MARU0(0\d\d|1\d\d|2\d\d|9\d\d)$", code);
        for (int n = 100; n <= 116; n++) Assert.Contains($"MARU0{n}", codes);
        for (int n = 200; n <= 208; n++) Assert.Contains($"MARU0{n}", codes);
    }
}
