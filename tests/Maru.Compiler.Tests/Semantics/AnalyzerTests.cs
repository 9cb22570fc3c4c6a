using Maru.Compiler.Diagnostics;
using Maru.Compiler.Expansion;
using Maru.Compiler.Semantics;
using Maru.Compiler.Syntax;

namespace Maru.Compiler.Tests.Semantics;

/// <summary>
/// The analyser on its own (reader and expander in front of it): name resolution and scopes, calls, arity,
/// constant globals, exports and native and C# names (spec sections 2, 3, 5 and 6).
/// </summary>
[TestClass]
public sealed class AnalyzerTests
{
    private sealed record Analysis(BoundProgram Program, IReadOnlyList<Diagnostic> Diagnostics)
    {
        public FunctionSymbol Function(string name) => Program.Functions.Single(f => f.Name == name);
        public BoundExpression Body(string name) => Function(name).Body;
        public GlobalSymbol Global(string name) => Program.Globals.Single(g => g.Name == name);
        public string Codes => string.Join(" ", Diagnostics.Select(d => d.Code));
    }

    private static Analysis Analyze(string text)
    {
        var (unit, diagnostics) = TestCompiler.Expand(text);
        var program = Analyzer.Analyze(unit, diagnostics);
        return new Analysis(program, diagnostics.Items);
    }

    private static Analysis AnalyzeClean(string text)
    {
        var analysis = Analyze(text);
        Assert.IsEmpty(analysis.Diagnostics, string.Join("\n", analysis.Diagnostics));
        return analysis;
    }

    private static T Is<T>(object? value) where T : class
    {
        Assert.IsInstanceOfType<T>(value, $"expected {typeof(T).Name}, got {value?.GetType().Name ?? "null"}");
        return (T)value!;
    }

    // ---- names and scopes ----

    [TestMethod]
    public void AParameterShadowsAGlobal()
    {
        var a = AnalyzeClean("(define x 5)\n(define-function f (x) x)");
        var local = Is<BoundLocal>(a.Body("f"));
        Assert.AreSame(a.Function("f").Parameters[0], local.Variable);
    }

    [TestMethod]
    public void AGlobalIsVisibleWhereItIsNotShadowed()
    {
        var a = AnalyzeClean("(define-function f () x)\n(define x 5)");
        Assert.AreSame(a.Global("x"), Is<BoundGlobal>(a.Body("f")).Global);
    }

    [TestMethod]
    public void ALetVariableShadowsAParameterAndItsInitialiserSeesTheOuterScope()
    {
        var a = AnalyzeClean("(define-function f (x) (let ((x (+ x 1))) x))");
        var parameter = a.Function("f").Parameters[0];
        var let = Is<BoundLet>(a.Body("f"));
        var (variable, value) = let.Bindings.Single();

        Assert.AreNotSame(parameter, variable);
        Assert.AreSame(parameter, Is<BoundLocal>(Is<BoundOperation>(value).Operands[0]).Variable);
        Assert.AreSame(variable, Is<BoundLocal>(let.Body).Variable);
    }

    [TestMethod]
    public void LetStarInitialisersSeeTheEarlierVariables()
    {
        var a = AnalyzeClean("(define-function f () (let* ((x 1) (y x)) y))");
        var outer = Is<BoundLet>(a.Body("f"));
        var inner = Is<BoundLet>(outer.Body);
        Assert.AreSame(outer.Bindings[0].Variable, Is<BoundLocal>(inner.Bindings[0].Value).Variable);
    }

    [TestMethod]
    public void AParameterNamedLikeAFunctionMakesACallThroughItIndirectWithoutAnArityCheck()
    {
        var a = AnalyzeClean("(define-function g () 1)\n(define-function f (g) (g 1 2 3))");
        var call = Is<BoundCall>(a.Body("f"));

        Assert.AreEqual(CallKind.Indirect, call.Kind);
        Assert.AreSame(a.Function("f").Parameters[0], Is<BoundLocal>(call.Callee).Variable);
        Assert.HasCount(3, call.Arguments);
        Assert.IsNull(call.Target);
    }

    [TestMethod]
    public void ALetVariableNamedLikeTheFunctionItselfMakesAnIndirectCall()
    {
        var a = AnalyzeClean("(define-function f () (let ((f 1)) (f 2)))");
        var call = Is<BoundCall>(Is<BoundLet>(a.Body("f")).Body);
        Assert.AreEqual(CallKind.Indirect, call.Kind);
        Assert.IsInstanceOfType<BoundLocal>(call.Callee);
    }

    [TestMethod]
    public void AParameterNamedLikeAnExternOrAStructureShadowsIt()
    {
        var a = AnalyzeClean("(define puts (extern 'puts))\n(define-structure <p> (x))\n(define-function f (puts <p>) (puts <p>))");
        var call = Is<BoundCall>(a.Body("f"));
        Assert.AreEqual(CallKind.Indirect, call.Kind);
        Assert.AreEqual("puts", Is<BoundLocal>(call.Callee).Variable.Name);
        Assert.AreEqual("<p>", Is<BoundLocal>(call.Arguments[0]).Variable.Name);
    }

    [TestMethod]
    public void TheScopeOfALetEndsWithTheLet()
    {
        var a = AnalyzeClean("(define y 7)\n(define-function f () (let ((y 1)) y) y)");
        var sequence = Is<BoundSequence>(a.Body("f"));
        Assert.IsInstanceOfType<BoundLocal>(Is<BoundLet>(sequence.Expressions[0]).Body);
        Assert.AreSame(a.Global("y"), Is<BoundGlobal>(sequence.Expressions[1]).Global);
    }

    [TestMethod]
    public void CallsAreDirectToUnitFunctionsExternToExternsAndIndirectOtherwise()
    {
        var a = AnalyzeClean(
            "(define printf (extern 'printf))\n(define handler 0)\n" +
            "(define-function g (x) x)\n" +
            "(define-function f (p) (g 1) (printf) (printf \"%lld %lld\" 1 2 3 4 5 6 7 8) (handler 1) ((oop-at p 0) 2 3) (p))");
        var calls = Is<BoundSequence>(a.Body("f")).Expressions.Select(Is<BoundCall>).ToList();

        Assert.AreEqual(CallKind.Direct, calls[0].Kind);
        Assert.AreSame(a.Function("g"), calls[0].Target);
        Assert.AreEqual(CallKind.Extern, calls[1].Kind);
        Assert.AreEqual("printf", Is<ExternSymbol>(calls[1].Target).NativeName);
        Assert.IsEmpty(calls[1].Arguments);
        Assert.AreEqual(CallKind.Extern, calls[2].Kind);
        Assert.HasCount(9, calls[2].Arguments);
        Assert.AreEqual(CallKind.Indirect, calls[3].Kind);
        Assert.IsInstanceOfType<BoundGlobal>(calls[3].Callee);
        Assert.AreEqual(CallKind.Indirect, calls[4].Kind);
        Assert.AreEqual(Operator.LoadWord, Is<BoundOperation>(calls[4].Callee).Operator);
        Assert.AreEqual(CallKind.Indirect, calls[5].Kind);
        Assert.IsEmpty(calls[5].Arguments);
    }

    [TestMethod]
    public void NamesOfFunctionsExternsAndStructuresAreValues()
    {
        var a = AnalyzeClean(
            "(define put (extern 'puts))\n(define-structure <p> (x y z))\n(define-function g () 0)\n" +
            "(define-function f () g put <p> \"s\" ?a ())");
        var values = Is<BoundSequence>(a.Body("f")).Expressions;

        Assert.AreSame(a.Function("g"), Is<BoundFunctionAddress>(values[0]).Function);
        Assert.AreEqual("puts", Is<BoundExternAddress>(values[1]).Extern.NativeName);
        // A structure's name is a global holding its type number (spec section 10); (sizeof <p>) is its size.
        Assert.AreEqual("<p>", Is<BoundGlobal>(values[2]).Global.Name);
        CollectionAssert.AreEqual("s"u8.ToArray(), Is<BoundString>(values[3]).Bytes);
        Assert.AreEqual(97, Is<BoundConstant>(values[4]).Value);
        Assert.AreEqual(0, Is<BoundConstant>(values[5]).Value);
    }

    [TestMethod]
    public void SetAssignsTheInnermostVariableOfThatName()
    {
        var a = AnalyzeClean("(define x 1)\n(define y 2)\n(define-function f (x) (set x 3) (set y 4) (let ((y 0)) (set y 5)))");
        var e = Is<BoundSequence>(a.Body("f")).Expressions;

        Assert.AreSame(a.Function("f").Parameters[0], Is<BoundAssignLocal>(e[0]).Variable);
        Assert.AreSame(a.Global("y"), Is<BoundAssignGlobal>(e[1]).Global);
        var let = Is<BoundLet>(e[2]);
        Assert.AreSame(let.Bindings[0].Variable, Is<BoundAssignLocal>(let.Body).Variable);
    }

    [TestMethod]
    public void AddressOfMarksALocalAsLivingInMemory()
    {
        var a = AnalyzeClean("(define g 0)\n(define-function f (x y) (address-of x) (address-of g))");
        var e = Is<BoundSequence>(a.Body("f")).Expressions;
        var parameters = a.Function("f").Parameters;

        Assert.AreSame(parameters[0], Is<BoundAddressOfLocal>(e[0]).Variable);
        Assert.IsTrue(parameters[0].AddressTaken);
        Assert.IsFalse(parameters[1].AddressTaken);
        Assert.AreSame(a.Global("g"), Is<BoundAddressOfGlobal>(e[1]).Global);
    }

    // ---- operators and special forms ----

    [TestMethod]
    public void VariadicOperatorsFoldLeft()
    {
        // One flat operation, so long operand lists stay shallow; lowering folds it left: (- (- a b) c).
        var a = AnalyzeClean("(define-function f (a b c) (- a b c))");
        var operation = Is<BoundOperation>(a.Body("f"));
        Assert.AreEqual(Operator.Sub, operation.Operator);
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, operation.Operands.Select(o => Is<BoundLocal>(o).Variable.Name).ToList());
    }

    [TestMethod]
    public void OneOperandArithmeticIsTheOperandOrItsNegation()
    {
        var a = AnalyzeClean("(define-function f (a) (+ a) (* a) (| a) (- a) (~ a) (not a))");
        var e = Is<BoundSequence>(a.Body("f")).Expressions;
        Assert.IsInstanceOfType<BoundLocal>(e[0]);
        Assert.IsInstanceOfType<BoundLocal>(e[1]);
        Assert.IsInstanceOfType<BoundLocal>(e[2]);
        Assert.AreEqual(Operator.Neg, Is<BoundOperation>(e[3]).Operator);
        Assert.AreEqual(Operator.BitNot, Is<BoundOperation>(e[4]).Operator);
        Assert.AreEqual(Operator.Not, Is<BoundOperation>(e[5]).Operator);
    }

    [TestMethod]
    [DataRow("long-at", Operator.LoadWord)]
    [DataRow("oop-at", Operator.LoadWord)]
    [DataRow("byte-at", Operator.LoadByte)]
    [DataRow("char-at", Operator.LoadByte)]
    [DataRow("string-at", Operator.LoadByte)]
    [DataRow("uint8-at", Operator.LoadByte)]
    [DataRow("int64-at", Operator.LoadWord)]
    [DataRow("double-at", Operator.LoadWord)]
    public void AccessorAliasesAreTheSameOperator(string name, Operator expected)
    {
        var a = AnalyzeClean($"(define-function f (p) ({name} p 1) (set-{name} p 1 2))");
        var e = Is<BoundSequence>(a.Body("f")).Expressions;
        Assert.AreEqual(expected, Is<BoundOperation>(e[0]).Operator);
        Assert.AreEqual(expected == Operator.LoadWord ? Operator.StoreWord : Operator.StoreByte, Is<BoundOperation>(e[1]).Operator);
    }

    [TestMethod]
    [DataRow("int8-at", Operator.LoadInt8, Operator.StoreByte)]
    [DataRow("int16-at", Operator.LoadInt16, Operator.StoreInt16)]
    [DataRow("uint16-at", Operator.LoadUInt16, Operator.StoreInt16)]
    [DataRow("int32-at", Operator.LoadInt32, Operator.StoreInt32)]
    [DataRow("uint32-at", Operator.LoadUInt32, Operator.StoreInt32)]
    [DataRow("float-at", Operator.LoadFloat, Operator.StoreFloat)]
    public void EveryWidthHasItsLoadAndItsStore(string name, Operator load, Operator store)
    {
        var a = AnalyzeClean($"(define-function f (p) ({name} p 1) (set-{name} p 1 2) (set ({name} p 3) 4))");
        var e = Is<BoundSequence>(a.Body("f")).Expressions;
        Assert.AreEqual(load, Is<BoundOperation>(e[0]).Operator);
        Assert.AreEqual(store, Is<BoundOperation>(e[1]).Operator);
        Assert.AreEqual(store, Is<BoundOperation>(e[2]).Operator);
    }

    [TestMethod]
    public void EmptyFormsAreConstants()
    {
        var a = AnalyzeClean("(define-function f () (and) (or) (let ()) (return) (if))");
        var e = Is<BoundSequence>(a.Body("f")).Expressions;
        Assert.AreEqual(1, Is<BoundConstant>(e[0]).Value);
        Assert.AreEqual(0, Is<BoundConstant>(e[1]).Value);
        Assert.IsEmpty(Is<BoundSequence>(e[2]).Expressions);
        Assert.AreEqual(0, Is<BoundConstant>(Is<BoundReturn>(e[3]).Value).Value);
        Assert.IsInstanceOfType<BoundIf>(e[4]);
    }

    [TestMethod]
    public void AnEmptyFunctionBodyIsAnEmptySequence()
    {
        var a = AnalyzeClean("(define-function f ())");
        Assert.IsEmpty(Is<BoundSequence>(a.Body("f")).Expressions);
    }

    // ---- arity ----

    [TestMethod]
    [DataRow("(define-function g (a b) 0)\n(define-function f () (g 1 2))", "")]
    [DataRow("(define-function g (a b) 0)\n(define-function f () (g 1))", "MARU0103")]
    [DataRow("(define-function f () (g 1 2 3))\n(define-function g (a b) 0)", "MARU0103")]
    [DataRow("(define g (lambda (a) a))\n(define-function f () (g) (g 1) (g 1 2))", "MARU0103 MARU0103")]
    [DataRow("(define-function f (n) (if n (f (- n 1)) 0))", "")]
    [DataRow("(define-function f (n) (f))", "MARU0103")]
    [DataRow("(define g (extern 'g))\n(define-function f () (g) (g 1 2 3 4 5 6 7 8 9 10))", "")]
    public void DirectCallsAreCheckedAgainstTheParameterCount(string source, string codes) =>
        Assert.AreEqual(codes, Analyze(source).Codes);

    // ---- constant globals ----

    private static long ConstantOf(string source, string name) =>
        Is<ConstantValue>(AnalyzeClean(source).Global(name).InitialValue).Value;

    [TestMethod]
    [DataRow("(define x 42)", 42L)]
    [DataRow("(define x)", 0L)]
    [DataRow("(define x ())", 0L)]
    [DataRow("(define x ?a)", 97L)]
    [DataRow("(define x -0x10)", -16L)]
    [DataRow("(define x (+ 1 2 3))", 6L)]
    [DataRow("(define x (- 10 1 2))", 7L)]
    [DataRow("(define x (- 5))", -5L)]
    [DataRow("(define x (+ 5))", 5L)]
    [DataRow("(define x (* 3))", 3L)]
    [DataRow("(define x (~ 0))", -1L)]
    [DataRow("(define x (not 7))", 0L)]
    [DataRow("(define x (not 0))", 1L)]
    [DataRow("(define x (& 12 10 8))", 8L)]
    [DataRow("(define x (| 1 2 4))", 7L)]
    [DataRow("(define x (^ 5 1))", 4L)]
    [DataRow("(define x (< 1 2))", 1L)]
    [DataRow("(define x (>= 1 2))", 0L)]
    [DataRow("(define x (!= 1 2))", 1L)]
    [DataRow("(define x (+ 0x7fffffffffffffff 1))", long.MinValue)]
    [DataRow("(define x (* 0x4000000000000000 4))", 0L)]
    [DataRow("(define x (/ -7 2))", -3L)]
    [DataRow("(define x (% -7 2))", -1L)]
    [DataRow("(define x (/ 5 0))", 0L)]
    [DataRow("(define x (% 5 0))", 5L)]
    [DataRow("(define x (/ 0x8000000000000000 -1))", long.MinValue)]
    [DataRow("(define x (% 0x8000000000000000 -1))", 0L)]
    [DataRow("(define x (<< 1 65))", 2L)]
    [DataRow("(define x (>> -8 1))", -4L)]
    [DataRow("(define x (>> -8 64))", -8L)]
    public void ConstantGlobalsAreEvaluatedWithWordArithmetic(string source, long expected) =>
        Assert.AreEqual(expected, ConstantOf(source, "x"));

    /// <summary>Spec 11: the fl operators and conversions fold with IEEE binary64 rules on the words' bits.</summary>
    [TestMethod]
    [DataRow("(define x (fl+ 0.1 0.2))", 0x3FD3333333333334)]
    [DataRow("(define x (fl+ 1.0 2.0 4.0))", 0x401C000000000000)]
    [DataRow("(define x (fl+ 0x7ff0000000000001))", 0x7FF0000000000001)] // one operand is itself, bits unchanged
    [DataRow("(define x (fl- 0.0))", long.MinValue)]
    [DataRow("(define x (fl- 0x7ff8000000000000))", unchecked((long)0xFFF8000000000000))]
    [DataRow("(define x (fl- 1.0 0.25 0.5))", 0x3FD0000000000000)]
    [DataRow("(define x (fl* 1e308 10.0))", 0x7FF0000000000000)]
    [DataRow("(define x (fl/ -1.0 0.0))", unchecked((long)0xFFF0000000000000))]
    [DataRow("(define x (fl/ 1.0 -0.0))", unchecked((long)0xFFF0000000000000))]
    [DataRow("(define x (fl< 1.0 2.0))", 1L)]
    [DataRow("(define x (fl= 0.0 -0.0))", 1L)]
    [DataRow("(define x (fl= 0x7ff8000000000000 0x7ff8000000000000))", 0L)]
    [DataRow("(define x (fl!= 0x7ff8000000000000 0x7ff8000000000000))", 1L)]
    [DataRow("(define x (fl>= 0x7ff8000000000000 1.0))", 0L)]
    [DataRow("(define x (flabs -0.0))", 0L)]
    [DataRow("(define x (flabs 0xfff8000000000000))", 0x7FF8000000000000)]
    [DataRow("(define x (flsqrt 4.0))", 0x4000000000000000)]
    [DataRow("(define x (flmin 0.0 -0.0))", long.MinValue)]
    [DataRow("(define x (flmax -0.0 0.0))", 0L)]
    [DataRow("(define x (flmin 0x7ff8000000000000 3.0))", 0x4008000000000000)]
    [DataRow("(define x (flmax 3.0 0x7ff8000000000000))", 0x4008000000000000)]
    [DataRow("(define x (flmin 0x7ff8000000000001 0x7ff8000000000002))", 0x7FF8000000000001)]
    [DataRow("(define x (flmax 0x7ff8000000000002 0x7ff8000000000001))", 0x7FF8000000000002)]
    [DataRow("(define x (flfloor -0.5))", unchecked((long)0xBFF0000000000000))]
    [DataRow("(define x (flceiling -0.5))", long.MinValue)]
    [DataRow("(define x (flround 2.5))", 0x4000000000000000)]
    [DataRow("(define x (flround -0.5))", long.MinValue)]
    [DataRow("(define x (fltruncate -2.7))", unchecked((long)0xC000000000000000))]
    [DataRow("(define x (long->double 9007199254740993))", 0x4340000000000000)]
    [DataRow("(define x (long->double -1))", unchecked((long)0xBFF0000000000000))]
    [DataRow("(define x (double->long -2.9))", -2L)]
    [DataRow("(define x (double->long 0x7ff8000000000000))", 0L)]
    [DataRow("(define x (double->long 1e19))", long.MaxValue)]
    [DataRow("(define x (double->long -1e19))", long.MinValue)]
    [DataRow("(define x (double->long (fl* y 4.0)))\n(define y 2.5)", 10L)]
    public void ConstantGlobalsFoldTheFlOperators(string source, long expected) =>
        Assert.AreEqual(expected, ConstantOf(source, "x"));

    [TestMethod]
    [DataRow("(define x (int32-at 0 0))")]
    [DataRow("(define x (set-float-at 0 0 1.0))")]
    [DataRow("(define x (double-at 0 1))")]
    public void ConstantGlobalsCannotUseTheMemoryOfAnyWidth(string source) =>
        Assert.AreEqual("MARU0108", Analyze(source).Codes);

    [TestMethod]
    [DataRow("(fl+)", "MARU0104")]
    [DataRow("(fl/ 1.0)", "MARU0104")]
    [DataRow("(fl< 1.0)", "MARU0104")]
    [DataRow("(flsqrt 1.0 2.0)", "MARU0104")]
    [DataRow("(int16-at p)", "MARU0104")]
    [DataRow("(set-uint32-at p 1)", "MARU0104")]
    [DataRow("(fl+ 1.0)", "")]
    [DataRow("(set (float-at p 1) 2.0)", "")]
    [DataRow("(incr (uint16-at p 1) 3)", "")]
    public void FlOperatorsAndAccessorsAreCheckedForTheirOperandCount(string body, string codes) =>
        Assert.AreEqual(codes, Analyze($"(define-function f (p) {body})").Codes);

    [TestMethod]
    public void OneOperandFlMinusIsNegation()
    {
        var a = AnalyzeClean("(define-function f (x) (fl- x) (fl* x))");
        var e = Is<BoundSequence>(a.Body("f")).Expressions;
        Assert.AreEqual(Operator.FNeg, Is<BoundOperation>(e[0]).Operator);
        Assert.IsInstanceOfType<BoundLocal>(e[1]);
    }

    [TestMethod]
    [DataRow("flsqrt")]
    [DataRow("int32-at")]
    [DataRow("set-double-at")]
    [DataRow("long->double")]
    public void FlOperatorsAndAccessorsAreReservedNames(string name) =>
        Assert.AreEqual("MARU0106", Analyze($"(define-function {name} (x) x)").Codes);

    [TestMethod]
    public void ConstantGlobalsMayReferToLaterGlobalsAndStructures()
    {
        var a = AnalyzeClean(
            "(define a (* b c))\n(define b (- c 1))\n(define c 7)\n" +
            "(define size (* 2 <p>))\n(define-structure <p> (x y))\n(define alias c)");
        Assert.AreEqual(new ConstantValue(42), a.Global("a").InitialValue);
        Assert.AreEqual(new ConstantValue(6), a.Global("b").InitialValue);
        Assert.AreEqual(new ConstantValue(2 * 18), a.Global("size").InitialValue, "twice <p>'s type number, the first after boot.l's");
        Assert.AreEqual(new ConstantValue(7), a.Global("alias").InitialValue);
    }

    [TestMethod]
    public void ConstantGlobalsAcrossFilesReferToEachOther()
    {
        var (unit, diagnostics) = TestCompiler.Expand(SourceFile.FromText("a.l", "(define a (+ b 1))"), SourceFile.FromText("b.l", "(define b 41)"));
        var program = Analyzer.Analyze(unit, diagnostics);

        Assert.IsEmpty(diagnostics.Items);
        Assert.AreEqual(new ConstantValue(42), program.Globals.Single(g => g.Name == "a").InitialValue);
        Assert.AreEqual("a.l", program.Globals.Single(g => g.Name == "a").File.Path);
    }

    [TestMethod]
    public void AddressInitialisersHoldTheAddressOfAFunctionAnExternOrAString()
    {
        var a = AnalyzeClean(
            "(define-function f (x) x)\n(define put (extern 'puts))\n" +
            "(define to-f f)\n(define to-put put)\n(define text \"héllo\")\n(define also-text text)\n(define also-f to-f)");

        Assert.AreSame(a.Function("f"), Is<AddressOfFunction>(a.Global("to-f").InitialValue).Function);
        Assert.AreEqual("puts", Is<AddressOfExtern>(a.Global("to-put").InitialValue).Extern.NativeName);
        CollectionAssert.AreEqual("h\u00e9llo"u8.ToArray(), Is<AddressOfString>(a.Global("text").InitialValue).Bytes);
        Assert.AreEqual(a.Global("text").InitialValue, a.Global("also-text").InitialValue);
        Assert.AreSame(a.Function("f"), Is<AddressOfFunction>(a.Global("also-f").InitialValue).Function);
    }

    [TestMethod]
    [DataRow("(define a (+ b 1))\n(define b (* a 2))", 1)]
    [DataRow("(define a a)", 1)]
    [DataRow("(define a b)\n(define b c)\n(define c a)", 1)]
    [DataRow("(define a (+ b b))\n(define b a)", 1)]
    [DataRow("(define a b)\n(define b a)\n(define c a)\n(define d (+ c 1))", 1)]
    public void ACycleOfConstantGlobalsIsOneMaru0109(string source, int errors)
    {
        var a = Analyze(source);
        Assert.AreEqual(string.Join(" ", Enumerable.Repeat(DiagnosticCodes.ConstantCycle, errors)), a.Codes, string.Join("\n", a.Diagnostics));
    }

    [TestMethod]
    public void ADiamondOfConstantGlobalsIsNoCycle()
    {
        var a = AnalyzeClean("(define top (+ left right))\n(define left (+ base 1))\n(define right (+ base 2))\n(define base 10)");
        Assert.AreEqual(new ConstantValue(23), a.Global("top").InitialValue);
    }

    [TestMethod]
    public void AGlobalNamedLikeAFunctionsParameterIsStillAGlobal()
    {
        var a = AnalyzeClean("(define n 3)\n(define-function f (n) n)\n(define m (+ n 1))");
        Assert.AreEqual(new ConstantValue(4), a.Global("m").InitialValue);
    }

    // ---- exports ----

    [TestMethod]
    public void WithoutAnExportFormEveryFunctionIsExported()
    {
        var a = AnalyzeClean("(define-function f () 0)\n(define g (lambda () 0))\n(define h 1)");
        Assert.IsTrue(a.Program.Functions.All(f => f.IsExported));
        Assert.HasCount(2, a.Program.Functions);
    }

    [TestMethod]
    public void WithExportFormsExactlyTheListedFunctionsAndMainAreExported()
    {
        var a = AnalyzeClean(
            "(define-function main () 0)\n(define-function f () 0)\n(define-function g () 0)\n(define-function h () 0)\n" +
            "(export f)\n(export h f)");
        CollectionAssert.AreEquivalent(new[] { "main", "f", "h" }, a.Program.Functions.Where(f => f.IsExported).Select(f => f.Name).ToList());
    }

    [TestMethod]
    public void AnEmptyExportFormExportsOnlyMain()
    {
        var a = AnalyzeClean("(define-function main () 0)\n(define-function f () 0)\n(export)");
        CollectionAssert.AreEqual(new[] { "main" }, a.Program.Functions.Where(f => f.IsExported).Select(f => f.Name).ToList());
    }

    [TestMethod]
    public void TheCompileResultListsTheExportsWithSymbolArityAndDocumentation()
    {
        var result = TestCompiler.Compile(
            "(define-function empty? (xs) \"Is it empty?\" (= xs 0))\n(define-function sum-array (p n) 0)\n(define-function hidden () 0)\n(export empty? sum-array)",
            "lib/list.l");
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));

        CollectionAssert.AreEquivalent(
            new[]
            {
                "empty? empty_3f 1 Is it empty? lib/list.l (xs)",
                "sum-array sum_array 2  lib/list.l (p n)",
            },
            result.Exports.Select(e => $"{e.MaruName} {e.Symbol} {e.ParameterCount} {e.Documentation} {e.SourcePath} ({string.Join(" ", e.ParameterNames)})").ToList());
        Assert.IsNull(result.MainParameterCount);
    }

    [TestMethod]
    public void OnlyExportedFunctionsAreVisibleOutsideTheLibrary()
    {
        string assembly = TestCompiler.Assembly("(define-function shown () 1)\n(define-function hidden-one () 2)\n(define counter 0)\n(export shown)");
        Assert.Contains(".globl shown", assembly);
        Assert.DoesNotContain(".hidden shown", assembly);
        Assert.Contains(".hidden hidden_one", assembly);
        Assert.Contains(".hidden counter", assembly);
    }

    // ---- native symbols and C# names ----

    [TestMethod]
    [DataRow("fib", "fib", "Fib")]
    [DataRow("sum-array", "sum_array", "SumArray")]
    [DataRow("empty?", "empty_3f", "Empty")]
    [DataRow("set-x!", "set_x_21", "SetX")]
    [DataRow("string->int", "string__3eint", "StringInt")]
    [DataRow("*count*", "_2acount_2a", "Count")]
    [DataRow("a-b", "a_b", "AB")]
    [DataRow("a_b", "a_b", "AB")]
    [DataRow("a.b/c", "a_2eb_2fc", "ABC")]
    [DataRow("<point>-x", "_3cpoint_3e_x", "PointX")]
    [DataRow("x2y", "x2y", "X2y")]
    [DataRow("+5", "_2b5", "_5")]
    [DataRow("2nd", "2nd", "_2nd")]
    [DataRow("camelCase", "camelCase", "CamelCase")]
    [DataRow("caf\u00e9", "caf_c3_a9", "Caf")]
    [DataRow("**", "_2a_2a", "")]
    public void NamesGiveNativeSymbolsAndCSharpMethodNames(string name, string symbol, string method)
    {
        Assert.AreEqual(symbol, SymbolNames.Mangle(name));
        Assert.AreEqual(method, SymbolNames.CSharpMethodName(name));
    }

    [TestMethod]
    public void ExternsOfTheCLibrarysVariadicFunctionsAreVariadicByDefaultAndOthersByDeclaration()
    {
        var a = AnalyzeClean("""
            (define printf (extern 'printf))
            (define say (extern 'snprintf))
            (define puts (extern 'puts))
            (define my-log (extern 'my_log 2))
            (define plain-printf (extern 'printf 0))
            (define-function f () (printf "%lld" 1) (say 0 0 "" 1 2) (my-log 1 2 3) (plain-printf 1) (puts ""))
            """);
        int? FixedParameters(string name) => a.Program.Externs.Single(e => e.Name == name).FixedParameters;

        Assert.AreEqual(1, FixedParameters("printf"), "from the built-in table");
        Assert.AreEqual(3, FixedParameters("say"), "the table is keyed by the C name");
        Assert.IsNull(FixedParameters("puts"), "not variadic");
        Assert.AreEqual(2, FixedParameters("my-log"), "declared");
        Assert.AreEqual(0, FixedParameters("plain-printf"), "a declaration overrides the table");
    }

    [TestMethod]
    [DataRow("(define log (extern 'my_log 2))\n(define-function f () (log 1))", "MARU0118")]
    [DataRow("(define s (extern 'snprintf 3))\n(define-function f (b) (s b 10))", "MARU0118")]
    // Calls of C externs are not checked otherwise (spec section 5), even those of the built-in table.
    [DataRow("(define printf (extern 'printf))\n(define-function f () (printf))", "")]
    [DataRow("(define log (extern 'my_log 2))\n(define-function f () (log 1 2))", "")]
    [DataRow("(define puts (extern 'puts))\n(define-function f () (puts))", "")]
    public void ADeclaredVariadicExternNeedsItsFixedArguments(string source, string codes) =>
        Assert.AreEqual(codes, Analyze(source).Codes);

    [TestMethod]
    public void FunctionsAndGlobalsGetMangledSymbolsAndExternsTheirCName()
    {
        var a = AnalyzeClean("(define-function empty? (x) x)\n(define *count* 0)\n(define c-strlen (extern 'strlen))");
        Assert.AreEqual("empty_3f", a.Function("empty?").NativeName);
        Assert.AreEqual("_2acount_2a", a.Global("*count*").NativeName);
        Assert.AreEqual("strlen", a.Program.Externs.Single().NativeName);
        Assert.AreEqual("c-strlen", a.Program.Externs.Single().Name);
    }

    [TestMethod]
    // Two C# method names that clash are reported only where bindings are made (CSharpBindings, the SDK).
    [DataRow("(define-function a-b () 1)\n(define-function a_b () 2)", "MARU0111")]
    [DataRow("(define-function a-b () 1)\n(define-function a_b () 2)\n(export)", "MARU0111")] // local symbols still share one object file
    [DataRow("(define-function strlen (s) 0)\n(define len (extern 'strlen))", "MARU0111")]
    [DataRow("(define-function foo? () 1)\n(define-function foo! () 2)", "")]
    [DataRow("(define-function foo? () 1)\n(define-function foo! () 2)\n(export foo!)", "")]
    [DataRow("(define foo? 1)\n(define-function foo! () 2)", "")] // a global has no C# method
    [DataRow("(define-function Fib () 1)\n(define-function fib () 2)", "")]
    [DataRow("(define-function x () 1)\n(define y (extern 'x_))", "")]
    public void ClashesOfNativeSymbolsAndCSharpNames(string source, string codes)
    {
        var a = Analyze(source);
        Assert.AreEqual(codes, a.Codes, string.Join("\n", a.Diagnostics));
    }

    [TestMethod]
    public void FunctionsKeepTheirSourceFileAndDocumentation()
    {
        var a = AnalyzeClean("(define-function f (a b c) \"Adds.\" (+ a b c))");
        var f = a.Function("f");
        Assert.AreEqual("Adds.", f.Documentation);
        Assert.AreEqual("test.l", f.File.Path);
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, f.Parameters.Select(p => p.Name).ToList());
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, f.Parameters.Select(p => p.Id).ToList());
        Assert.IsGreaterThanOrEqualTo(3, f.LocalCount);
    }

    [TestMethod]
    public void EveryLocalOfAFunctionHasItsOwnId()
    {
        var a = AnalyzeClean("(define-function f (p) (let ((x 1) (y 2)) (let ((x 3)) x)) (for (i 0 10) i))");
        var ids = new List<int>();
        void Walk(BoundExpression e)
        {
            switch (e)
            {
                case BoundLet let:
                    foreach (var (variable, value) in let.Bindings) { ids.Add(variable.Id); Walk(value); }
                    Walk(let.Body);
                    break;
                case BoundSequence s: foreach (var x in s.Expressions) Walk(x); break;
                case BoundWhile w: Walk(w.Condition); Walk(w.Body); break;
            }
        }
        Walk(a.Body("f"));

        Assert.HasCount(5, ids); // x y x i limit
        CollectionAssert.AllItemsAreUnique(ids.Append(0).ToList());
        Assert.IsTrue(ids.All(id => id < a.Function("f").LocalCount));
    }
}
