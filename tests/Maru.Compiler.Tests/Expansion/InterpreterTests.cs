using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Tests.Expansion;

/// <summary>
/// The compile-time interpreter on its own terms: Maru's data, special forms, closures, macros, the primitives of
/// Maru's evaluator and the prelude. Each test runs top-level forms through the compiler's front end and reads what
/// they printed at compile time (dump prints as Maru's dump: strings as literals, nil as nil).
/// </summary>
[TestClass]
public sealed class InterpreterTests
{
    /// <summary>What the forms print at compile time, run before an empty compile region (so nothing of theirs is compiled); they must give no diagnostic.</summary>
    private static string Run(string forms)
    {
        var result = MaruCompiler.Expand([SourceFile.FromText("test.l", forms + "\n(compile-begin)\n(compile-end)\n")], new CompileOptions());
        Assert.IsEmpty(result.Diagnostics, string.Join("\n", result.Diagnostics));
        return result.CompileTimeOutput;
    }

    /// <summary>The dumped value of one expression evaluated at compile time.</summary>
    private static string Value(string expression) => Run($"(dump {expression})");

    // ---- data ----

    [TestMethod]
    [DataRow("(+ 1 2 3)", "6")]
    [DataRow("(- 5)", "-5")]
    [DataRow("(* 0x7fffffffffffffff 2)", "-2")]
    [DataRow("(/ 7 0)", "0")]
    [DataRow("(% -7 2)", "-1")]
    [DataRow("(<< 1 65)", "2")]
    [DataRow("(~ 0)", "-1")]
    [DataRow("(< 1 2)", "t")]
    [DataRow("(> 1 2)", "nil")]
    [DataRow("(= \"ab\" \"ab\")", "t")]
    [DataRow("(= '(1) '(1))", "nil")]
    [DataRow("(!= 'a 'b)", "t")]
    [DataRow("(not ())", "t")]
    public void ArithmeticIsOnWordsAndComparisonsAnswerTOrNil(string expression, string expected) => Assert.AreEqual(expected, Value(expression));

    [TestMethod]
    [DataRow("(type-of ())", "0")]
    [DataRow("(type-of 1)", "2")]
    [DataRow("(type-of \"s\")", "4")]
    [DataRow("(type-of 's)", "5")]
    [DataRow("(type-of '(1))", "6")]
    [DataRow("(type-of (array 1))", "8")]
    [DataRow("(type-of (lambda () 1))", "9")]
    [DataRow("(type-of cond)", "10")]
    [DataRow("(type-of if)", "11")]
    [DataRow("(type-of car)", "12")]
    [DataRow("(type-of (defined? 'car))", "13")]
    [DataRow("(type-of *globals*)", "14")]
    [DataRow("(list <long> <pair> <env> <selector> <generic>)", "(2 6 14 16 17)")]
    public void BuiltInTypesKeepBootLsNumbers(string expression, string expected) => Assert.AreEqual(expected, Value(expression));

    [TestMethod]
    [DataRow("'(a b . c)", "(a b . c)")]
    [DataRow("'[a {b c}]", "(a (b c))")]
    [DataRow("(cons 1)", "(1)")]
    [DataRow("(car 5)", "nil")]
    [DataRow("(cdr '(1))", "nil")]
    [DataRow("(let ((p (cons 1 2))) (set-car p 3) (set-cdr p ()) p)", "(3)")]
    [DataRow("(let ((a (array))) (set-array-at a 3 'x) (list (array-length a) (array-at a 3) (array-at a 9)))", "(4 x nil)")]
    [DataRow("(array 2)", "Array(nil nil)")]
    [DataRow("(let ((s (string 2))) (set-string-at s 0 ?h) (set-string-at s 1 ?i) s)", "\"hi\"")]
    [DataRow("(string-at \"abc\" 5)", "nil")]
    [DataRow("(string->symbol \"hello\")", "hello")]
    [DataRow("(= (string->symbol \"x\") 'x)", "t")]
    [DataRow("(symbol->string 'abc)", "\"abc\"")]
    [DataRow("(long->string -12)", "\"-12\"")]
    [DataRow("(concat-string \"ab\" \"\")", "\"ab\"")]
    [DataRow("(concat-strings \"a\" \"b\" \"c\")", "\"abc\"")]
    [DataRow("(concat-strings \"a\" \"b\" 3 \"c\")", "\"ab\"")]
    [DataRow("(concat-strings 'x)", "x")]
    [DataRow("(format \"%03d|%s|%x\" 7)", "\"007|(null)|0\"")]
    [DataRow("(format \"<%s>\" \"text\")", "\"<text>\"")]
    [DataRow("\"a\\\"b\\\\c\\n\"", "\"a\\\"b\\\\c\\012\"")]
    public void ListsArraysStringsAndSymbolsBehaveAsInMaru(string expression, string expected) => Assert.AreEqual(expected, Value(expression));

    // ---- special forms, closures ----

    [TestMethod]
    [DataRow("(if () 1 2 3)", "3")]
    [DataRow("(if 1 2)", "2")]
    [DataRow("(if () 2)", "nil")]
    [DataRow("(and)", "t")]
    [DataRow("(and 1 2)", "2")]
    [DataRow("(and 1 () 2)", "nil")]
    [DataRow("(or)", "nil")]
    [DataRow("(or () 3)", "3")]
    [DataRow("(let ((i 0) (s 0)) (while (< i 5) (set s (+ s i)) (set i (+ i 1))) s)", "10")]
    [DataRow("(while ())", "nil")]
    // A let's value forms see the bindings before theirs, as Maru's do; not their own.
    [DataRow("(let ((a 1) (b (+ a 1))) b)", "2")]
    [DataRow("(let ((x 5)) (let ((x (+ x 1))) x))", "6")]
    [DataRow("(let (x) x)", "nil")]
    [DataRow("(quote (1 2))", "(1 2)")]
    public void SpecialFormsAnswerAsMarusDo(string expression, string expected) => Assert.AreEqual(expected, Value(expression));

    [TestMethod]
    public void ClosuresCaptureAndShareTheirVariables()
    {
        Assert.AreEqual("(1 2 3 1)", Run("""
            (define make-counter (lambda () (let ((n 0)) (lambda () (set n (+ n 1))))))
            (define a (make-counter))
            (define b (make-counter))
            (dump (list (a) (a) (a) (b)))
            """));
    }

    [TestMethod]
    [DataRow("((lambda args args) 1 2 3)", "(1 2 3)")]
    [DataRow("((lambda (a . rest) (list a rest)) 1 2 3)", "(1 (2 3))")]
    [DataRow("((lambda (a . rest) rest) 1)", "nil")]
    [DataRow("(apply (lambda (a b) (- a b)) '(10 3))", "7")]
    [DataRow("(apply + '(1 2 3))", "6")]
    public void ParametersMayBeFixedVariadicOrDotted(string expression, string expected) => Assert.AreEqual(expected, Value(expression));

    [TestMethod]
    public void GlobalsMayBeUsedBeforeTheyAreDefinedAndRedefinedLater()
    {
        Assert.AreEqual("3 4", Run("""
            (define-function f () (g))
            (define-function g () 3)
            (dump (f))
            (print " ")
            (define-function g () 4)
            (dump (f))
            """));
    }

    // ---- macros ----

    [TestMethod]
    public void MacrosGetTheirOperandsUnevaluatedAndTheEnvironment()
    {
        Assert.AreEqual("(1 (+ 1 2) t)", Run("""
            (define-form show (x) `(list 1 ',x ',(= (type-of *env*) <env>)))
            (dump (show (+ 1 2)))
            """));
    }

    [TestMethod]
    public void SymbolMacrosExpandWhereverTheSymbolIsRead()
    {
        Assert.AreEqual("(8 42 (quote k))", Run("""
            (define-constant k 42)
            (define seven-plus (form () (lambda (env symbol) '(+ 7 1))))
            (dump (list seven-plus k ''k))
            """));
    }

    [TestMethod]
    [DataRow("`(a ,b ,@c d . e)", "(cons (quote a) (cons b (concat-list c (cons (quote d) (quote e)))))")]
    [DataRow("`(1 . ,x)", "(cons (quote 1) x)")]
    [DataRow("`(,@x)", "x")]
    [DataRow("`,x", "x")]
    [DataRow("`(a ,@b)", "(cons (quote a) b)")]
    [DataRow("`(a ,@b . c)", "(cons (quote a) (concat-list b (quote c)))")]
    [DataRow("`(a `(b ,(c ,d)))", "(cons (quote a) (cons (cons (quote quasiquote) (cons (cons (quote b) (cons (c (unquote d)) (quote nil))) (quote nil))) (quote nil)))")]
    [DataRow("(cond (a 1) (b) (else 2 3))", "(if a 1 (if b nil (let nil 2 3)))")]
    [DataRow("(let* ((a 1) (b 2)) a)", "(let ((a 1)) (let ((b 2)) a))")]
    [DataRow("(for (i 0 10) (foo i))", "(let ((i 0) (_limit_ 10)) (while (< i _limit_) (foo i) (set i (+ i 1))))")]
    [DataRow("(define-form foo (a . b) `(x ,a ,@b))", "(define foo (form (lambda (*env* a . b) (cons (quote x) (cons a b)))))")]
    [DataRow("(set (<pair>-head x) 1)", "(set-oop-at x 0 1)")]
    [DataRow("(<long>-_bits x)", "(long-at x 0)")]
    public void ExpansionsAreWhatMarusExpanderGives(string form, string expected) =>
        // Each expected text is what Maru's own expander (boot.l, -O) prints for the form (tools/expand-check).
        Assert.AreEqual(expected, Value($"(expand '{form})"));

    [TestMethod]
    public void MacrosMayDefineMacrosAndUseHelperFunctions()
    {
        Assert.AreEqual("(10 20)", Run("""
            (define-function scaled (n) (* n 10))
            (define-form define-scaler (name factor)
              `(define-form ,name (x) (list '* ,factor x)))
            (define-scaler by-ten 10)
            (define-scaler by-twenty 20)
            (dump (list (by-ten 1) (by-twenty 1)))
            """));
    }

    [TestMethod]
    public void DefineStructureRecordsTheTypeInTheRegistry()
    {
        Assert.AreEqual("(18 2 (x y) <point> 16 (oop-at p 1))", Run("""
            (define-structure <point> (x y))
            (dump (list <point> (array-at %structure-sizes <point>) (array-at %structure-fields <point>)
                        (array-at %type-names <point>) (sizeof <point>) (expand '(<point>-y p))))
            """));
    }

    [TestMethod]
    [DataRow("(map (lambda (x) (* x x)) '(1 2 3))", "(1 4 9)")]
    [DataRow("(map + '(1 2) '(10 20))", "(11 22)")]
    [DataRow("(concat-symbol 'foo '-bar)", "foo-bar")]
    [DataRow("(concat-strings \"a\" \"b\" \"c\")", "\"abc\"")]
    [DataRow("(list-length '(1 2 3))", "3")]
    [DataRow("(assq 'b '((a . 1) (b . 2)))", "(b . 2)")]
    [DataRow("(memq 'c '(a b c d))", "(c d)")]
    [DataRow("(equal '(1 (2 \"x\")) '(1 (2 \"x\")))", "t")]
    [DataRow("(array->list (array-sort (list->array '(3 1 2))))", "(1 2 3)")]
    [DataRow("(string->number \"-42\")", "-42")]
    [DataRow("(let ((l ())) (push l 1) (push l 2) (list (pop l) l))", "(2 (1))")]
    [DataRow("(let ((s 0)) (list-do x '(1 2 3) (set s (+ s x))) s)", "6")]
    [DataRow("(eval '(+ 1 2))", "3")]
    [DataRow("(defined? 'no-such-name)", "nil")]
    public void ThePreludeGivesWhatBootLGivesMacros(string expression, string expected) => Assert.AreEqual(expected, Value(expression));

    [TestMethod]
    public void PrintShowsStringsAsTextAndDumpAsLiterals()
    {
        Assert.AreEqual("text \"text\" nil (1 . 2) Form(nil,nil)", Run("""(print "text" " ") (dump "text") (print " " () " " '(1 . 2) " " (form))"""));
    }

    [TestMethod]
    public void EachCompilationHasItsOwnPrelude()
    {
        // Redefining a prelude function or filling the structure registry in one unit changes nothing for the next.
        Assert.AreEqual("5 18", Run("(define-function list-length (l) 5) (define-structure <a> ()) (dump (list-length '(1))) (print \" \") (dump <a>)"));
        Assert.AreEqual("1 18", Run("(define-structure <b> ()) (dump (list-length '(1))) (print \" \") (dump <b>)"));
    }
}
