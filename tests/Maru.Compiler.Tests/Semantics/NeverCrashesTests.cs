using System.Text;
using System.Text.RegularExpressions;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Syntax;
using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests.Semantics;

/// <summary>
/// Spec section 8: the compiler never crashes on any input, and a unit with any error produces no output.
/// Valid programs are mutated (tokens deleted, duplicated, swapped, replaced, inserted) with a fixed seed; every
/// mutant must compile without an exception to either diagnostics and no output, or output that assembles and links.
/// Inputs big enough to threaten the stack run in a child process, so a stack overflow fails one test instead of the run.
/// </summary>
[TestClass]
public sealed partial class NeverCrashesTests
{
    private static readonly string[] Snippets =
    {
        """
        (define printf (extern 'printf))
        (define-function fib (n) "The n-th Fibonacci number." (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
        (define-function main () (for (i 0 10) (printf "fib(%lld) = %lld\n" i (fib i))) 0)
        """,
        """
        (define malloc (extern 'malloc))
        (define-structure <point> (x y))
        (define-function make-point (x y) (let ((p (malloc <point>))) (set (<point>-x p) x) (set-<point>-y p y) p))
        (define-function move (p d) (incr (<point>-x p) d) (decr (<point>-y p)) p)
        """,
        """
        (define-function sum-array (p n) (let ((s 0)) (for (i 0 n) (incr s (oop-at p i))) s))
        (define-function count-down (n) (let ((k 0)) (while (> n 0) (set n (- n 1)) (incr k)) (until (= k 0) (decr k)) k))
        """,
        """
        (define-function classify (x) (cond ((< x 0) -1) ((= x 0) 0) (else 1)))
        (define-function both (a b) (when (and a b) (let* ((c (+ a b)) (d (* c 2))) d)))
        (define-function neither (a b) (unless (or a b) 7))
        """,
        """
        (define limit (* 4 (+ 2 3)))
        (define mask (~ (<< 1 limit)))
        (define greeting "hello")
        (define handler twice)
        (define-function twice (x) (* 2 x))
        (export twice apply)
        (define-function apply (f x) (f x))
        """,
        """
        (define-function find (p n v) (for (i 0 n) (if (= (oop-at p i) v) (return i))) -1)
        (define-function swap (a b) (let ((t (oop-at a 0))) (set-oop-at a 0 (oop-at b 0)) (set (oop-at b 0) t)))
        (define-function counter () (let ((n 0)) (g (address-of n)) n))
        (define-function g (p) (set (oop-at p 0) 42))
        """,
        """
        (define-function strlen2 (s) (let ((n 0)) (while (string-at s n) (incr n)) n))
        (define-function upcase (s) (for (i 0 (strlen2 s)) (let ((c (byte-at s i))) (if (and (>= c ?a) (<= c ?z)) (set-char-at s i (- c 32))))) s)
        (define-function bits (x) (| (& x 0xff) (^ x -1) (>> x 3) (% x 7) (/ x 2)))
        """,
        """
        (compile-begin)
        (define square (lambda (x) (* x x)))
        (define-function cube (x) "Cube." (* x (square x)))
        (define nothing)
        (compile-end)
        """,
        """
        (define-function even? (n) (if (= n 0) 1 (odd? (- n 1))))
        (define-function odd? (n) (if (= n 0) 0 (even? (- n 1))))
        (define-function main (argc argv) (even? argc))
        """,
        """
        (define-function loops (n) (loop ((i 0 (+ i 1)) (acc 0 (+ acc i))) (< i n) (set acc (+ acc 0))) 0)
        (define-function chars () (+ ?a ?\n ?\t ?\\ ?\x41 ?\101 ?\u00e9 (string-at "a\tb\"c" 0)))
        (define-function not-it (x) (not (!= x 0)))
        """,
        """
        (define puts (extern 'puts))
        (define-function greet (who) (puts "héllo") (puts who) (long-at who 0))
        (define-function nested (a) (if a (if (not a) 1 2) (cond (a) (else (when a 3)))))
        """,
        """
        (define-structure <node> (value next))
        (define-function length (list) (let ((n 0)) (while list (incr n) (set list (<node>-next list))) n))
        (define-function total (list) (if list (+ (<node>-value list) (total (<node>-next list))) 0))
        """,
    };

    /// <summary>Tokens a mutation may insert: syntax, special forms and operators, and lexical trouble.</summary>
    private static readonly string[] Pool =
    {
        "(", ")", "(", ")", "'", "\"", "?", "?a", "?\\q", "()", ";", "[", ",", "`", "\\", "\u00e9", "\u0001",
        "if", "let", "let*", "set", "incr", "decr", "for", "loop", "cond", "else", "=>", "when", "while", "return", "address-of",
        "define", "define-function", "define-structure", "define-form", "export", "extern", "lambda", "quote", "car",
        "oop-at", "set-oop-at", "string-at", "+", "-", "/", "not", "<point>", "<point>-x", "set-<point>-y",
        "0", "-1", "0x", "08", "12abc", "99999999999999999999", "0xffffffffffffffff", "\"s\"", "\"\\x4\"", "main", "f", "x", "n",
    };

    [GeneratedRegex("""\"(?:[^"\\]|\\.)*\"?|\?(?:\\[^\s()]*|[^\s()])?|[()']|[^\s()'"]+""")]
    private static partial Regex Token();

    private static List<string> Tokenize(string text) => Token().Matches(text).Select(m => m.Value).ToList();

    private static string Mutate(string text, Random random)
    {
        var tokens = Tokenize(text);
        int mutations = random.Next(1, 4);
        for (int m = 0; m < mutations && tokens.Count > 1; m++)
        {
            int at = random.Next(tokens.Count);
            switch (random.Next(5))
            {
                case 0: tokens.RemoveAt(at); break;
                case 1: tokens.Insert(at, tokens[at]); break;
                case 2:
                    int other = random.Next(tokens.Count);
                    (tokens[at], tokens[other]) = (tokens[other], tokens[at]);
                    break;
                case 3: tokens[at] = Pool[random.Next(Pool.Length)]; break;
                default: tokens.Insert(at, Pool[random.Next(Pool.Length)]); break;
            }
        }
        var result = new StringBuilder();
        foreach (string token in tokens)
        {
            if (result.Length > 0) result.Append(token == "(" && result[^1] == ')' ? '\n' : ' ');
            result.Append(token);
        }
        return result.ToString();
    }

    private static string CorpusFolder => Path.Combine(AppContext.BaseDirectory, "Conformance");

    /// <summary>240 mutants of the snippets and one of each conformance program: deterministic, so a failure names a stable row.</summary>
    public static IEnumerable<object[]> MutatedPrograms()
    {
        var random = new Random(20240601);
        for (int n = 0; n < 240; n++)
            yield return new object[] { $"snippet-{n}", Mutate(Snippets[n % Snippets.Length], random) };
        foreach (string path in Directory.GetFiles(CorpusFolder, "*.l").Order(StringComparer.Ordinal))
        {
            string text = File.ReadAllText(path);
            // Keep the corpus's comments out of the token stream: a mutant is one line per top-level form.
            text = Regex.Replace(text, ";[^\n]*", "");
            yield return new object[] { Path.GetFileNameWithoutExtension(path), Mutate(text, random) };
        }
    }

    [TestMethod]
    public void EverySnippetIsAValidProgram()
    {
        foreach (string snippet in Snippets)
        {
            var result = TestCompiler.Compile(snippet);
            Assert.IsTrue(result.Success, $"{snippet}\n{string.Join("\n", result.Diagnostics)}");
            // The tokenizer the mutations use keeps every token whole: re-joining the tokens changes nothing.
            Assert.IsTrue(TestCompiler.Compile(string.Join(" ", Tokenize(snippet))).Success, snippet);
        }
    }

    [TestMethod]
    public void ThereAreAtLeast200MutantsAndTheyDiffer()
    {
        var programs = MutatedPrograms().Select(p => (string)p[1]).ToList();
        Assert.IsGreaterThanOrEqualTo(200, programs.Count);
        Assert.IsGreaterThanOrEqualTo(200, programs.Distinct().Count());
        // Both outcomes are exercised.
        var outcomes = programs.Take(60).Select(p =>
        {
            try { return TestCompiler.Compile(p).Success; }
            catch (InvalidOperationException) { return (bool?)null; } // reported by the test of that row
        }).ToList();
        Assert.Contains((bool?)true, outcomes);
        Assert.Contains((bool?)false, outcomes);
    }

    [TestMethod]
    [DynamicData(nameof(MutatedPrograms))]
    public void AMutatedProgramGivesDiagnosticsOrWorkingOutputNeverAnException(string name, string program)
    {
        CompileResult result;
        try
        {
            result = TestCompiler.Compile(program);
        }
        catch (Exception e)
        {
            Assert.Fail($"{name}: the compiler threw on\n{program}\n{e}");
            return;
        }

        int lines = program.Count(c => c == '\n') + 1;
        string all = $"{name}:\n{program}\n{string.Join("\n", result.Diagnostics)}";
        if (!result.Success)
        {
            Assert.IsEmpty(result.Assembly, all);
            Assert.IsEmpty(result.Exports, all);
            Assert.IsLessThanOrEqualTo(101, result.Diagnostics.Count, all);
            foreach (var d in result.Diagnostics)
            {
                Assert.MatchesRegex("^MARU0[012]\\d\\d$", d.Code, all);
                Assert.AreEqual("test.l", d.Path, all);
                Assert.IsTrue(d.Line >= 1 && d.Line <= lines && d.Column >= 1, $"position out of the file: {d}\n{all}");
                Assert.IsFalse(string.IsNullOrWhiteSpace(d.Message), all);
            }
            return;
        }

        Assert.HasCount(1, result.Assembly, all);
        Assert.AreEqual(result.Assembly[0].Text, TestCompiler.Compile(program).Assembly[0].Text, $"the output is deterministic\n{all}");
        using var directory = new TemporaryDirectory();
        // A mutant may name any C function: taken as the process's, its extern links (an unknown one is MARU0910, tested elsewhere).
        var build = NativeToolchain.BuildLibrary(result.Assembly, directory.File(NativeToolchain.LibraryFileName("mutant", NativeToolchain.HostRuntimeIdentifier)),
            new ToolchainOptions(NativeToolchain.HostRuntimeIdentifier) { ProcessExterns = result.Assembly.SelectMany(a => a.Externs).Select(e => e.CName).ToList() });
        Assert.IsFalse(build.Any(d => d.IsError), $"the generated code does not assemble and link: {string.Join("\n", build)}\n{all}");
    }

    [TestMethod]
    [DataRow(1, 42)]
    [DataRow(4096, 7)]
    [DataRow(65536, 1234)]
    public void RandomBytesGiveDiagnostics(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        var result = MaruCompiler.Compile(new[] { new SourceFile("test.l", bytes) }, new CompileOptions());
        if (!result.Success) Assert.IsEmpty(result.Assembly);
        Assert.IsTrue(result.Diagnostics.All(d => d.Line >= 1 && d.Column >= 1), string.Join("\n", result.Diagnostics.Take(5)));
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("\n\n  ; only a comment")]
    [DataRow("#!/usr/bin/env maru")]
    [DataRow("\uFEFF")]
    public void AnEmptyUnitCompilesToAnEmptyLibrary(string text)
    {
        var result = TestCompiler.Compile(text);
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        Assert.HasCount(1, result.Assembly);
        Assert.IsEmpty(result.Exports);
    }

    [TestMethod]
    public void NestingAtTheReadersLimitCompiles()
    {
        // 999 nested expressions, each expanding to more levels (when becomes and + let).
        string nested = string.Concat(Enumerable.Repeat("(when a ", 997)) + "1" + new string(')', 997);
        var result = TestCompiler.Compile($"(define-function f (a) {nested})");
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
    }

    // ---- big inputs, in a child process ----

    private static ProgramRun CompileInChildProcess(byte[] content)
    {
        using var directory = new TemporaryDirectory();
        string path = directory.File("input.l");
        File.WriteAllBytes(path, content);
        string maru = typeof(Maru.Cli.MaruCommandLine).Assembly.Location;
        return NativeHarness.Run("dotnet", new[] { maru, "asm", path }, TimeSpan.FromMinutes(5));
    }

    private static void AssertNoCrash(string text) => AssertNoCrash(Encoding.UTF8.GetBytes(text));

    private static void AssertNoCrash(byte[] content)
    {
        var run = CompileInChildProcess(content);
        string error = run.StandardError.Length > 2000 ? run.StandardError[..2000] : run.StandardError;
        Assert.DoesNotContain("Stack overflow", error, error);
        Assert.DoesNotContain("internal compiler error", error, error);
        Assert.DoesNotContain("Unhandled exception", error, error);
        Assert.IsTrue(run.ExitCode is 0 or 1, $"maru asm exited with {run.ExitCode}:\n{error}");
        if (run.ExitCode == 1) Assert.Contains(": error MARU", error);
    }

    private static string Function(string body) => $"(define-function f (a) {body})";

    [TestMethod]
    [DataRow("(+ 1 ", "1", ")")]
    [DataRow("(let ((x 1)) ", "x", ")")]
    [DataRow("(when a ", "a", ")")]
    public void AValidProgramNested10000DeepCompiles(string open, string inner, string close)
    {
        // The reader's limit is 10 000 open lists (MARU0009 beyond): everything after it must take that depth, a
        // macro nested that deep included.
        int depth = Reader.MaxNestingDepth - 10;
        var run = CompileInChildProcess(Encoding.UTF8.GetBytes(Function(string.Concat(Enumerable.Repeat(open, depth)) + inner + string.Concat(Enumerable.Repeat(close, depth)))));
        Assert.AreEqual(0, run.ExitCode, run.StandardError.Length > 2000 ? run.StandardError[..2000] : run.StandardError);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void TwoHundredThousandUndefinedNamesOnOneLineStopAfter100Errors(bool inAFunction)
    {
        // Compiler bug: an error past the limit still had its column computed, by scanning its line: quadratic in the
        // line's length (200 000 names took two minutes).
        string names = string.Join(" ", Enumerable.Range(0, 200_000).Select(i => $"u{i}"));
        var result = TestCompiler.Compile(inAFunction ? Function(names) : names);
        Assert.HasCount(DiagnosticBag.MaxErrors + 1, result.Diagnostics);
        Assert.AreEqual(DiagnosticCodes.TooManyErrors, result.Diagnostics[^1].Code);
    }

    [TestMethod]
    public void AFileGivenTwiceIsOneDiagnostic()
    {
        // Compiler bug: every definition of the file was "already defined" at its own position.
        var file = SourceFile.FromText("twice.l", "(define-function f () 1)\n(define-function g () 2)");
        var result = TestCompiler.Compile(file, file);
        Assert.AreEqual("MARU0907 twice.l", string.Join("|", result.Diagnostics.Select(d => $"{d.Code} {d.Path}")));
    }

    [TestMethod]
    public void AnEndlessDeviceIsTooLargeToReadNotUnboundedMemory()
    {
        Assert.IsNull(SourceFile.ReadFromDisk("/dev/zero", out string? error));
        Assert.Contains("larger than 256 MB", error!);
        Assert.IsNull(SourceFile.ReadFromDisk("/", out error));
        Assert.Contains("directory", error!);
    }

    [TestMethod]
    public void NullArgumentsToTheCompilerAreArgumentErrors()
    {
        Assert.ThrowsExactly<ArgumentNullException>(() => MaruCompiler.Compile(null!, new CompileOptions()));
        Assert.ThrowsExactly<ArgumentNullException>(() => MaruCompiler.Compile([], null!));
        Assert.ThrowsExactly<ArgumentException>(() => MaruCompiler.Compile([null!], new CompileOptions()));
        Assert.ThrowsExactly<ArgumentNullException>(() => MaruCompiler.Expand(null!, new CompileOptions()));
    }

    [TestMethod]
    public void ALetStarWith100000BindingsDoesNotOverflowTheStack() =>
        // Compiler bug: Expander.ExpandLet recurses once per binding; from about 30 000 bindings the process dies.
        AssertNoCrash(Function("(let* (" + string.Concat(Enumerable.Range(0, 100_000).Select(i => $"(v{i} {i}) ")) + ") v0)"));

    [TestMethod]
    public void ACondWith100000ClausesDoesNotOverflowTheStack() =>
        // Compiler bug: the nested ifs of a long cond are bound recursively (Analyzer.Bind); from about 50 000 clauses the process dies.
        AssertNoCrash(Function("(cond " + string.Concat(Enumerable.Range(0, 100_000).Select(i => $"((= a {i}) {i}) ")) + ")"));

    [TestMethod]
    public void AnOperatorWith100000OperandsDoesNotOverflowTheStack() =>
        // Compiler bug: the left fold is lowered recursively (Lowering.LowerOperation); from about 50 000 operands the process dies.
        AssertNoCrash(Function("(+ " + string.Concat(Enumerable.Repeat("a ", 100_000)) + ")"));

    [TestMethod]
    public void LongFlatFormsDoNotOverflowTheStack() =>
        // Sizes are kept where the back end stays fast: it is quadratic in a function's length (20 000 statements take
        // about 12 s, 100 000 about 7.5 min) and in simultaneously live variables (a loop of 10 000 variables: 5 min, 15 GB).
        AssertNoCrash(
            Function("(if a 1 " + string.Concat(Enumerable.Repeat("a ", 100_000)) + ")") + "\n" +
            "(define x (- " + string.Concat(Enumerable.Repeat("1 ", 100_000)) + "))\n" +
            "(define-function g (a) (and " + string.Concat(Enumerable.Repeat("a ", 20_000)) + "))\n" +
            "(define-function h (a) " + string.Concat(Enumerable.Repeat("(set a (+ a 1)) ", 5_000)) + ")\n" +
            "(define-function k (a) (loop (" + string.Concat(Enumerable.Range(0, 300).Select(i => $"(v{i} 0 (+ v{i} 1)) ")) + ") a))");

    [TestMethod]
    public void OneHundredThousandOpenParenthesesGiveDiagnostics() => AssertNoCrash(new string('(', 100_000));

    [TestMethod]
    public void AMegabyteOfRandomBytesGivesDiagnostics()
    {
        var bytes = new byte[1 << 20];
        new Random(99).NextBytes(bytes);
        AssertNoCrash(bytes);
    }
}
