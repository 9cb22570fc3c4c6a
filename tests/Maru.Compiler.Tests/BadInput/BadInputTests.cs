using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Tests.Cli;

namespace Maru.Compiler.Tests.BadInput;

// Hostile and huge input through `maru build`, as a process. Language spec section 8: the compiler never crashes; a unit
// with any error gives diagnostics with codes and no output file at all.
[TestClass]
public sealed partial class BadInputTests
{
    public TestContext TestContext { get; set; } = null!;

    private const string Output = "out/libbad.so";

    /// <summary>Builds <paramref name="file"/> (relative to the directory) to out/libbad.so and checks the outcome of a bad input.</summary>
    private static MaruRun BuildExpectingErrors(TemporaryDirectory directory, string file, TimeSpan? timeout = null)
    {
        MaruRun run = MaruTool.Run(directory.Path, ["build", file, "-o", Output], timeout ?? TimeSpan.FromSeconds(60));

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Output, run.ToString());
        string[] lines = MaruTool.AssertOnlyDiagnostics(run.Error);
        Assert.IsLessThanOrEqualTo(DiagnosticBag.MaxErrors + 1, lines.Length, "at most 100 errors and MARU0099");
        AssertNoOutput(directory);
        return run;
    }

    private static void AssertNoOutput(TemporaryDirectory directory)
    {
        string output = directory.File("out");
        Assert.IsFalse(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any(),
            $"no output file: found {(Directory.Exists(output) ? string.Join(", ", Directory.GetFileSystemEntries(output)) : "")}");
    }

    [TestMethod]
    [DataRow(1, 2)]
    [DataRow(2, 100)]
    [DataRow(3, 4096)]
    [DataRow(4, 65536)]
    [DataRow(5, 1 << 20)]
    public void RandomBytes(int seed, int size)
    {
        using var directory = new TemporaryDirectory();
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(directory.File("random.l"), bytes);

        MaruRun run = BuildExpectingErrors(directory, "random.l");

        TestContext.WriteLine($"{size} random bytes: {run.Elapsed.TotalSeconds:F2} s, {MaruTool.Lines(run.Error).Length} diagnostics");
    }

    private static readonly string[] Atoms =
    [
        "(", "(", "(", ")", ")", ")", "define-function", "define", "let", "let*", "if", "cond", "else", "while", "for", "loop", "and",
        "or", "not", "set", "incr", "return", "address-of", "oop-at", "set-oop-at", "string-at", "+", "-", "*", "/", "%", "<<", ">>",
        "&", "|", "^", "~", "<", "=", "f", "x", "main", "argv", "0", "-1", "0x10", "0xffffffffffffffff", "\"s\\n\"", "?a", "?\\n", "()",
        "'x", "extern", "export", "define-structure", "<p>", "<p>-a", "when", "unless", "lambda", "define-form", "99999999999999999999",
        "\"\\u0041\"", ";c\n", "\n", "\"unterminated", "[", ",", "`", "1.5", "car", "08", "?", "\\", "#!", "\t", "\u00e9",
    ];

    [TestMethod]
    [DataRow("printable ASCII", 6, 1 << 20)]
    [DataRow("UTF-8 text", 7, 1 << 20)]
    [DataRow("Maru tokens", 8, 1 << 20)]
    [DataRow("Maru tokens", 9, 4096)]
    public void RandomText(string kind, int seed, int size)
    {
        using var directory = new TemporaryDirectory();
        var random = new Random(seed);
        var text = new StringBuilder(size + 64);
        while (text.Length < size)
        {
            switch (kind)
            {
                case "printable ASCII": text.Append(random.Next(10) == 0 ? '\n' : (char)random.Next(0x20, 0x7f)); break;
                case "UTF-8 text":
                    int codePoint = random.Next(0x20, 0x3000);
                    if (codePoint is >= 0xD800 and <= 0xDFFF) continue;
                    text.Append(char.ConvertFromUtf32(codePoint));
                    break;
                default: text.Append(Atoms[random.Next(Atoms.Length)]).Append(' '); break;
            }
        }
        File.WriteAllText(directory.File("random.l"), text.ToString(), new UTF8Encoding(false));

        MaruRun run = BuildExpectingErrors(directory, "random.l");

        TestContext.WriteLine($"{size} bytes of random {kind}: {run.Elapsed.TotalSeconds:F2} s, {MaruTool.Lines(run.Error).Length} diagnostics");
    }

    [TestMethod]
    public void AHundredThousandOpenParenthesesAreMaru0009AndFinishQuickly()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("deep.l"), new string('(', 100_000));

        MaruRun run = BuildExpectingErrors(directory, "deep.l", TimeSpan.FromSeconds(30));

        string[] codes = MaruTool.Codes(run.Error);
        Assert.Contains(DiagnosticCodes.NestingTooDeep, codes);
        Assert.Contains(DiagnosticCodes.UnterminatedList, codes);
        Assert.IsLessThan(10.0, run.Elapsed.TotalSeconds, $"took {run.Elapsed}");
        TestContext.WriteLine($"100 000 '(': {run.Elapsed.TotalSeconds:F2} s");
    }

    [TestMethod]
    public void AHundredThousandBalancedParenthesesAreMaru0009()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("deep.l"), "(define-function f () " + new string('(', 100_000) + new string(')', 100_001));

        MaruRun run = BuildExpectingErrors(directory, "deep.l", TimeSpan.FromSeconds(30));

        Assert.Contains(DiagnosticCodes.NestingTooDeep, MaruTool.Codes(run.Error));
        Assert.IsLessThan(10.0, run.Elapsed.TotalSeconds, $"took {run.Elapsed}");
    }

    [TestMethod]
    public void OnlyACloseParenthesisIsMaru0004()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("close.l"), ")");

        MaruRun run = BuildExpectingErrors(directory, "close.l");

        Assert.AreEqual("close.l(1,1): error MARU0004: ')' has no matching '('", run.Error.TrimEnd());
    }

    // An empty unit is not an error: it builds a library that exports nothing (what the code does; the spec does not say).
    [TestMethod]
    [DataRow("", DisplayName = "an empty file")]
    [DataRow("; only a comment\n\n   \t\n", DisplayName = "only a comment and white space")]
    [DataRow("(compile-begin)\n(compile-end)\n", DisplayName = "only compile-begin and compile-end")]
    public void AnEmptyUnitBuildsAnEmptyLibrary(string text)
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("empty.l"), text);

        MaruRun run = MaruTool.Run(directory.Path, "build", "empty.l", "-o", Output);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Output);
        Assert.AreEqual("", run.Error);
        IntPtr handle = NativeLibrary.Load(directory.File(Output));
        try
        {
            Assert.IsFalse(NativeLibrary.TryGetExport(handle, "main", out _));
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    [TestMethod]
    public void ANonexistentFileIsMaru0900()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("good.l"), "(define-function f () 1)");

        MaruRun run = MaruTool.Run(directory.Path, "build", "good.l", "missing.l", "-o", Output);

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        MaruTool.AssertOnlyDiagnostics(run.Error);
        Assert.StartsWith("missing.l: error MARU0900: cannot read the source file: ", run.Error);
        Assert.HasCount(1, MaruTool.Lines(run.Error));
        AssertNoOutput(directory);
    }

    [TestMethod]
    public void ADirectoryGivenAsAFileIsMaru0900()
    {
        using var directory = new TemporaryDirectory();
        Directory.CreateDirectory(directory.File("folder.l"));

        MaruRun run = BuildExpectingErrors(directory, "folder.l");

        Assert.StartsWith("folder.l: error MARU0900: cannot read the source file: ", run.Error);
        Assert.HasCount(1, MaruTool.Lines(run.Error));
    }

    // docs/language.md, Diagnostics: "At most 100 errors are reported. The 101st is replaced by MARU0099 and nothing more
    // is reported." The reader does this. BUG: the expander and the analyser stop at 100 errors (DiagnosticBag.IsFull)
    // before adding the 101st, so MARU0099 is never printed and 100 errors look like all of them.
    [TestMethod]
    [DataRow("reader", DisplayName = "150 stray ')' (reader)")]
    [DataRow("analyser", DisplayName = "150 calls with a wrong argument count (analyser)")]
    [DataRow("expander", DisplayName = "150 malformed forms (expander)")]
    public void MoreThanAHundredErrorsEndWithMaru0099(string stage)
    {
        using var directory = new TemporaryDirectory();
        var text = new StringBuilder("(define-function f (a) a)\n");
        for (int i = 0; i < 150; i++)
        {
            text.Append(stage switch
            {
                "reader" => ")\n",
                "analyser" => $"(define-function g{i} () (f 1 2))\n",
                _ => $"(define-function h{i} x)\n",
            });
        }
        File.WriteAllText(directory.File("many.l"), text.ToString());

        MaruRun run = BuildExpectingErrors(directory, "many.l");

        string[] codes = MaruTool.Codes(run.Error);
        string last = string.Join("\n", MaruTool.Lines(run.Error).TakeLast(2));
        Assert.HasCount(DiagnosticBag.MaxErrors + 1, codes, $"100 errors and MARU0099; the last lines are:\n{last}");
        Assert.AreEqual(DiagnosticCodes.TooManyErrors, codes[^1], $"the last lines are:\n{last}");
    }

    [GeneratedRegex(@"^big\.l\((?<line>\d+),(?<column>\d+)\): error (?<code>MARU\d{4}): ")]
    private static partial Regex BigFileDiagnostic();

    // 50 MB of ordinary-looking functions with 20 errors spread over it, the last in the last function: all of them are
    // found, so the whole file was read and analysed, and nothing is written.
    [TestMethod]
    public void FiftyMegabytesOfErroneousCode()
    {
        using var directory = new TemporaryDirectory();
        LargeSource.Written written = LargeSource.Write(directory.File("big.l"), 50L << 20, errors: 20);

        MaruRun run = BuildExpectingErrors(directory, "big.l", TimeSpan.FromMinutes(3));

        var reported = MaruTool.Lines(run.Error).Select(l => BigFileDiagnostic().Match(l))
            .Select(m => new LargeSource.PlantedError(int.Parse(m.Groups["line"].Value), m.Groups["code"].Value))
            .OrderBy(e => e.Line).ToList();
        CollectionAssert.AreEqual(written.Errors.ToList(), reported, run.ToString());
        TestContext.WriteLine($"erroneous: {written.Bytes / 1e6:F1} MB, {written.Functions} functions: maru build {run.Elapsed.TotalSeconds:F1} s");
    }

    // The valid file is 10 MB, not 50: a 50 MB one took about 75 s to build on the 2-core machine (45 s of it compiling,
    // 11 s assembling a 197 MB .s file, with a 4 GB peak working set); 10 MB takes about 11 s. MARU_TEST_VALID_MB=50 runs
    // the 50 MB one.
    [TestMethod]
    public void TenMegabytesOfValidCodeBuild()
    {
        using var directory = new TemporaryDirectory();
        long megabytes = int.TryParse(Environment.GetEnvironmentVariable("MARU_TEST_VALID_MB"), out int size) && size > 0 ? size : 10;
        LargeSource.Written written = LargeSource.Write(directory.File("big.l"), megabytes << 20);

        MaruRun run = MaruTool.Run(directory.Path, ["build", "big.l", "-o", Output], TimeSpan.FromMinutes(10));

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Error);
        TestContext.WriteLine($"valid: {written.Bytes / 1e6:F1} MB, {written.Functions} functions: maru build {run.Elapsed.TotalSeconds:F1} s, library {new FileInfo(directory.File(Output)).Length / 1e6:F1} MB");
        IntPtr handle = NativeLibrary.Load(directory.File(Output));
        try
        {
            // fn-n(100, 1, 0): x = 100 + n, y = 3, so x >= y and the result is x - y.
            foreach (int n in new[] { 0, written.Functions / 2, written.Functions - 1 })
            {
                unsafe
                {
                    var function = (delegate* unmanaged<long, long, long, long>)NativeLibrary.GetExport(handle, $"fn_{n}");
                    Assert.AreEqual(100L + n - 3, function(100, 1, 0), $"fn-{n}");
                }
            }
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }
}
