using Maru.Compiler.Diagnostics;
using Maru.Compiler.Expansion;
using Maru.Compiler.Syntax;

namespace Maru.Compiler.Tests.Semantics;

/// <summary>
/// The macros of the language are ordinary macros of the prelude, expanded by Maru's expander into what boot.l's
/// macros give (checked against Maru's own expander, see docs), then made core forms for the analyser: let, if with
/// exactly three operands, while, and, or, set of a name, return, address-of, operator applications and calls.
/// Bodies are compared as text; temporaries (names holding a space, which no program can write) are renamed #1, #2
/// ... in order of appearance.
/// </summary>
[TestClass]
public sealed class ExpanderTests
{
    /// <summary>The core forms of <paramref name="body"/> as the body of <c>f</c> (parameters a b p i) after <paramref name="prelude"/>.</summary>
    private static string ExpandBody(string body, string prelude = "")
    {
        var (unit, diagnostics) = TestCompiler.Expand(prelude + "\n(define-function f (a b p i) " + body + ")");
        Assert.IsEmpty(diagnostics.Items, string.Join("\n", diagnostics.Items));
        var function = unit.Definitions.OfType<FunctionDefinition>().Single(d => d.Name.Name == "f");
        return string.Join(" ", function.ExpandedBody().Select(Normalise));
    }

    /// <summary>The form's text with every temporary renamed #1, #2 ... in order of first appearance.</summary>
    private static string Normalise(Form form)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        string Walk(Form f) => f switch
        {
            SymbolForm s when s.Name.Contains(' ') => names.TryGetValue(s.Name, out var n) ? n : names[s.Name] = $"#{names.Count + 1}",
            ListForm l => "(" + string.Join(" ", l.Items.Select(Walk)) + ")",
            _ => f.ToString()!,
        };
        return Walk(form);
    }

    // ---- cond, when, unless, until, if ----

    [TestMethod]
    [DataRow("(cond ((< a b) 1) ((= a b) 2) (else 3))", "(if (< a b) 1 (if (= a b) 2 3))")]
    [DataRow("(cond (a 1 2))", "(if a (let () 1 2) ())")]
    [DataRow("(cond (a) (b 1))", "(if a () (if b 1 ()))")]
    [DataRow("(cond)", "()")]
    [DataRow("(cond (else))", "()")]
    [DataRow("(cond (else 1) (a 2))", "1")]
    [DataRow("(cond ((when a b) (unless a b)))", "(if (and a (let () b)) (or a (let () b)) ())")]
    public void CondBecomesNestedIfs(string source, string expected) => Assert.AreEqual(expected, ExpandBody(source));

    [TestMethod]
    [DataRow("(when a b 1)", "(and a (let () b 1))")]
    [DataRow("(when a)", "(and a (let ()))")]
    [DataRow("(unless a b)", "(or a (let () b))")]
    [DataRow("(unless (= a 0) (set b 1) b)", "(or (= a 0) (let () (set b 1) b))")]
    [DataRow("(until a (set a 1))", "(while (not a) (set a 1))")]
    [DataRow("(until (< a b))", "(while (not (< a b)))")]
    [DataRow("(while (< a b) (incr a))", "(while (< a b) (set a (+ a 1)))")]
    public void WhenUnlessAndUntilBecomeAndOrAndWhile(string source, string expected) => Assert.AreEqual(expected, ExpandBody(source));

    [TestMethod]
    [DataRow("(if a 1)", "(if a 1 0)")]
    [DataRow("(if a)", "(if a 0 0)")]
    [DataRow("(if)", "(if 0 0 0)")]
    [DataRow("(if a 1 2)", "(if a 1 2)")]
    [DataRow("(if a 1 2 3)", "(if a 1 (let () 2 3))")]
    [DataRow("(if (when a b) (unless a b) (until a))", "(if (and a (let () b)) (or a (let () b)) (while (not a)))")]
    public void IfAlwaysHasThreeOperands(string source, string expected) => Assert.AreEqual(expected, ExpandBody(source));

    // ---- let, let* ----

    [TestMethod]
    [DataRow("(let ((x 1 2) y (z)) x)", "(let ((x 1 2) (y) (z)) x)")]
    [DataRow("(let () 5)", "(let () 5)")]
    [DataRow("(let ((x (when a b))) (cond (x 1)))", "(let ((x (and a (let () b)))) (if x 1 ()))")]
    public void LetKeepsItsShapeWithBareNamesBecomingBindings(string source, string expected) => Assert.AreEqual(expected, ExpandBody(source));

    [TestMethod]
    [DataRow("(let* ((x 1) (y x)) y)", "(let ((x 1)) (let ((y x)) y))")]
    [DataRow("(let* () 5)", "(let () 5)")]
    [DataRow("(let* (x (y 2)) x y)", "(let ((x)) (let ((y 2)) x y))")]
    [DataRow("(let* ((x (incr a))) x)", "(let ((x (set a (+ a 1)))) x)")]
    public void LetStarBecomesNestedLets(string source, string expected) => Assert.AreEqual(expected, ExpandBody(source));

    [TestMethod]
    public void ALongLetStarBecomesAsManyNestedLets()
    {
        // The expansion recurses once per binding, so run it as the compiler does, on a thread with a large stack.
        string bindings = string.Concat(Enumerable.Range(0, 2000).Select(n => $"(v{n} {n}) "));
        string expansion = "";
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { expansion = ExpandBody($"(let* ({bindings}) v1999)"); }
            catch (Exception e) { failure = e; }
        }, 256 * 1024 * 1024);
        thread.Start();
        thread.Join();
        if (failure is not null) throw new AssertFailedException("expanding failed", failure);

        Assert.StartsWith("(let ((v0 0)) (let ((v1 1)) ", expansion);
        Assert.EndsWith("(let ((v1999 1999)) v1999)" + new string(')', 1999), expansion);
    }

    // ---- for, loop ----

    [TestMethod]
    [DataRow("(for (i 0 10) (g i))", "(let ((i 0) (_limit_ 10)) (while (< i _limit_) (g i) (set i (+ i 1))))")]
    [DataRow("(for (i 0 10 2) (g i) (h i))", "(let ((i 0) (_limit_ 10)) (while (< i _limit_) (g i) (h i) (set i (+ i 2))))")]
    [DataRow("(for (x a (+ a b) (* 2 b)))", "(let ((x a) (_limit_ (+ a b))) (while (< x _limit_) (set x (+ x (* 2 b)))))")]
    [DataRow("(for (i 0 10) (for (j 0 i) (g i j)))",
        "(let ((i 0) (_limit_ 10)) (while (< i _limit_) (let ((j 0) (_limit_ i)) (while (< j _limit_) (g i j) (set j (+ j 1)))) (set i (+ i 1))))")]
    public void ForBecomesALetAndAWhileWithTheLimitEvaluatedOnce(string source, string expected) => Assert.AreEqual(expected, ExpandBody(source));

    [TestMethod]
    [DataRow("(loop ((i 0 (+ i 1)) (j 10 (- j 1))) (< i j) (g i j))",
        "(let ((i 0) (j 10)) (while (< i j) (g i j) (set i (+ i 1)) (set j (- j 1))))")]
    [DataRow("(loop () a)", "(let () (while a))")]
    [DataRow("(loop ((i 0 (+ i 1))) (< i 10))", "(let ((i 0)) (while (< i 10) (set i (+ i 1))))")]
    [DataRow("(loop ((i (when a 1) (incr b))) (unless i 0) (cond (i 1)))",
        "(let ((i (and a (let () 1)))) (while (or i (let () 0)) (if i 1 ()) (set i (set b (+ b 1)))))")]
    public void LoopBecomesALetAndAWhileWithTheStepsLast(string source, string expected) => Assert.AreEqual(expected, ExpandBody(source));

    // ---- incr, decr, set ----

    [TestMethod]
    [DataRow("(incr a)", "(set a (+ a 1))")]
    [DataRow("(incr a 5)", "(set a (+ a 5))")]
    [DataRow("(decr a)", "(set a (- a 1))")]
    [DataRow("(decr a (when b 2))", "(set a (- a (and b (let () 2))))")]
    public void IncrAndDecrOfAVariableBecomeSet(string source, string expected) => Assert.AreEqual(expected, ExpandBody(source));

    [TestMethod]
    // Operands that are names or constants are used as they are (as boot.l's incr does); others are evaluated once.
    [DataRow("(incr (oop-at p i))", "(set-oop-at p i (+ (oop-at p i) 1))")]
    [DataRow("(decr (string-at p (+ i 1)) 3)", "(let ((#1 (+ i 1))) (set-string-at p #1 (- (string-at p #1) 3)))")]
    [DataRow("(incr (oop-at (g p) i) (when a b))", "(let ((#1 (g p))) (set-oop-at #1 i (+ (oop-at #1 i) (and a (let () b)))))")]
    public void IncrOfAnAccessorEvaluatesItsOperandsOnce(string source, string expected) => Assert.AreEqual(expected, ExpandBody(source));

    [TestMethod]
    [DataRow("(set a 1)", "(set a 1)")]
    [DataRow("(set a (when b 1))", "(set a (and b (let () 1)))")]
    [DataRow("(set (oop-at p i) 7)", "(set-oop-at p i 7)")]
    [DataRow("(set (long-at p i) 7)", "(set-long-at p i 7)")]
    [DataRow("(set (string-at p i) ?a)", "(set-string-at p i 97)")]
    [DataRow("(set (byte-at p i) 1)", "(set-byte-at p i 1)")]
    [DataRow("(set (char-at p i) 1)", "(set-char-at p i 1)")]
    [DataRow("(set (oop-at p (incr i)) (cond (a 1)))", "(set-oop-at p (set i (+ i 1)) (if a 1 ()))")]
    // Maru's generic setter convention: (set (acc a...) v) is (set-acc a... v) for any acc.
    [DataRow("(set (thing p) 1)", "(set-thing p 1)")]
    public void SetOfAnAccessorCallsItsSetter(string source, string expected) => Assert.AreEqual(expected, ExpandBody(source));

    // ---- structures ----

    private const string Point = "(define-structure <point> (x y z))";

    [TestMethod]
    [DataRow("(<point>-x p)", "(oop-at p 0)")]
    [DataRow("(<point>-z p)", "(oop-at p 2)")]
    [DataRow("(set-<point>-y p 3)", "(set-oop-at p 1 3)")]
    [DataRow("(set (<point>-x p) 3)", "(set-oop-at p 0 3)")]
    [DataRow("(incr (<point>-y p))", "(set-oop-at p 1 (+ (oop-at p 1) 1))")]
    [DataRow("(decr (<point>-z (<point>-x p)) 2)", "(let ((#1 (oop-at p 0))) (set-oop-at #1 2 (- (oop-at #1 2) 2)))")]
    [DataRow("(<point>-x (<point>-y p))", "(oop-at (oop-at p 1) 0)")]
    [DataRow("(g <point>)", "(g <point>)")]
    [DataRow("(sizeof <point>)", "24")]
    public void StructureAccessorsBecomeWordAccess(string source, string expected) => Assert.AreEqual(expected, ExpandBody(source, Point));

    [TestMethod]
    public void AStructureIsItsTypeNumberAndRecordsItsLayoutInTheRegistry()
    {
        var (unit, diagnostics) = TestCompiler.Expand(Point + "\n(define-structure <segment> (from to))\n(define fields (array-at %structure-fields <segment>))");
        var globals = unit.Definitions.OfType<GlobalDefinition>().ToDictionary(d => d.Name.Name);

        // boot.l's built-in types are 0..15, <selector> 16 and <generic> 17: a program's first structure is 18.
        Assert.AreEqual("18", globals["<point>"].Initializer!.ToString());
        Assert.AreEqual("19", globals["<segment>"].Initializer!.ToString());
        // The registry holds (from to), a list, which compiled code cannot hold.
        Assert.AreEqual(DiagnosticCodes.NotCompilable, diagnostics.Items.Single().Code);
    }

    // ---- top level ----

    [TestMethod]
    public void TopLevelFormsBecomeDefinitions()
    {
        var (unit, diagnostics) = TestCompiler.Expand(
            "(compile-begin)\n" +
            "(define-function f (x y) \"doc\" (+ x y))\n" +
            "(define g (lambda (n) (when n 1)))\n" +
            "(define h (lambda ()))\n" +
            "(define n 5)\n" +
            "(define z)\n" +
            "(define s \"text\")\n" +
            "(define put (extern 'puts))\n" +
            "(compile-end)\n");
        Assert.IsEmpty(diagnostics.Items);
        var definitions = unit.Definitions.ToDictionary(d => d.Name.Name);

        Assert.HasCount(7, definitions);
        var f = (FunctionDefinition)definitions["f"];
        CollectionAssert.AreEqual(new[] { "x", "y" }, f.Parameters.Select(p => p.Name).ToList());
        Assert.AreEqual("doc", f.Documentation);
        Assert.AreEqual("(+ x y)", f.Body.Single().ToString());

        var g = (FunctionDefinition)definitions["g"];
        Assert.AreEqual("n", g.Parameters.Single().Name);
        Assert.IsNull(g.Documentation);
        Assert.AreEqual("(and n (let () 1))", g.Body.Single().ToString());

        Assert.IsEmpty(((FunctionDefinition)definitions["h"]).Body);
        Assert.AreEqual("5", ((GlobalDefinition)definitions["n"]).Initializer!.ToString());
        Assert.IsNull(((GlobalDefinition)definitions["z"]).Initializer);
        Assert.AreEqual("\"text\"", ((GlobalDefinition)definitions["s"]).Initializer!.ToString());
        Assert.AreEqual("puts", ((ExternDefinition)definitions["put"]).CName);
        Assert.IsFalse(unit.HasExportForm);
    }

    [TestMethod]
    [DataRow("(define-function f () \"only a string\")", null, "\"only a string\"")]
    [DataRow("(define-function f () \"doc\" 1)", "doc", "1")]
    [DataRow("(define-function f () \"doc\" \"value\")", "doc", "\"value\"")]
    [DataRow("(define-function f () 1 \"not doc\")", null, "1 \"not doc\"")]
    [DataRow("(define f (lambda () \"doc\" 2))", "doc", "2")]
    public void ALeadingStringIsDocumentationOnlyWhenMoreFollows(string source, string? documentation, string body)
    {
        var f = TestCompiler.Expand(source).Unit.Definitions.OfType<FunctionDefinition>().Single();
        Assert.AreEqual(documentation, f.Documentation);
        Assert.AreEqual(body, string.Join(" ", f.Body));
    }

    [TestMethod]
    public void ExportFormsAreCollectedInOrder()
    {
        var unit = TestCompiler.Expand("(export a)\n(define-function a () 0)\n(export b c)\n(export)").Unit;
        Assert.IsTrue(unit.HasExportForm);
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, unit.Exports.Select(e => e.Name).ToList());
    }

    [TestMethod]
    public void AnEmptyExportFormStillMeansExportOnlyWhatIsListed()
    {
        var unit = TestCompiler.Expand("(define-function a () 0)\n(export)").Unit;
        Assert.IsTrue(unit.HasExportForm);
        Assert.IsEmpty(unit.Exports);
    }

    [TestMethod]
    public void ExpansionKeepsTheSourcePositionsOfWhatTheUserWrote()
    {
        // The if that a cond becomes is at the cond (the macro call); the test inside it is where the user wrote it.
        const string text = "(define-function f (a)\n  (cond ((< a 1) 2)))";
        var file = SourceFile.FromText("test.l", text);
        var (unit, diagnostics) = TestCompiler.Expand(file);
        Assert.IsEmpty(diagnostics.Items);
        var expansion = (ListForm)unit.Definitions.OfType<FunctionDefinition>().Single().ExpandedBody().Single();

        Assert.AreEqual("if", expansion.Head);
        Assert.AreEqual((2, 3), file.LineColumn(expansion.Span.Start));
        Assert.AreEqual((2, 10), file.LineColumn(expansion[1].Span.Start));
    }

    [TestMethod]
    public void ExpandedFormsUseOnlyTheCoreForms()
    {
        string[] sugar = { "cond", "when", "unless", "until", "for", "loop", "let*", "incr", "decr", "<point>-x", "set-<point>-y" };
        string body = ExpandBody(
            "(cond ((when a (unless b (until a (for (i 0 10) (loop ((j 0 (+ j 1))) (< j i) (let* ((k j)) (incr k) (decr (<point>-x p)) (set-<point>-y p k))))))) 1))",
            Point);
        foreach (string name in sugar) Assert.DoesNotContain($"({name} ", body);
    }
}
