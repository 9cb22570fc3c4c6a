using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;
using Maru.Tests.Conformance;

namespace Maru.Compiler.Tests.Toolchain.Integrated;

/// <summary>
/// The integrated assembler and linker end to end: every conformance program linked in process and run through the
/// native harness, the shape of the library as binutils' readelf sees it, and the diagnostics for what it refuses.
/// </summary>
[TestClass]
public sealed class IntegratedLinkerTests
{
    private static readonly ToolchainOptions Integrated = new(NativeToolchain.HostRuntimeIdentifier) { Integrated = true };

    public static IEnumerable<object[]> Programs() => ConformanceProgram.Names();

    private static string Build(TemporaryDirectory directory, params SourceFile[] files) => Build(directory, Integrated, files);

    private static string Build(TemporaryDirectory directory, ToolchainOptions options, params SourceFile[] files)
    {
        // Calls stay calls: the tests count frames and their unwind entries.
        var result = MaruCompiler.Compile(files, new CompileOptions { InlineSmallFunctions = false });
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        string library = directory.File(options.Integrated ? "libprogram.so" : "libexternal.so");
        var diagnostics = NativeToolchain.BuildLibrary(result.Assembly, library, options);
        Assert.IsEmpty(diagnostics, string.Join("\n", diagnostics));
        return library;
    }

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void ConformanceProgramRunsAsSpecified(string name)
    {
        var program = ConformanceProgram.Load(name);
        using var directory = new TemporaryDirectory();
        string library = Build(directory, new SourceFile(program.Path, File.ReadAllBytes(program.Path)));
        var run = NativeHarness.RunLibrary(library, program.Arguments);

        Assert.AreEqual(program.ExpectedOutput, run.StandardOutput, $"standard output of {name}");
        Assert.AreEqual(program.ExpectedExit, run.ExitCode, $"exit status of {name}; stderr: {run.StandardError}");
    }

    [TestMethod]
    public void UnitsCallEachOtherAndShareGlobals()
    {
        using var directory = new TemporaryDirectory();
        string library = Build(directory,
            SourceFile.FromText("a.l", "(define printf (extern 'printf))\n(define total 40)\n(define-function main (argc argv) (printf \"%ld\\n\" (add-two total)) 3)\n"),
            SourceFile.FromText("b.l", "(define-function add-two (x) (+ x 2))\n"));
        var run = NativeHarness.RunLibrary(library, []);
        Assert.AreEqual("42\n", run.StandardOutput, run.StandardError);
        Assert.AreEqual(3, run.ExitCode);
    }

    [TestMethod]
    public void LibraryExportsExactlyTheExportedFunctionsAndHasNoExecutableStack()
    {
        using var directory = new TemporaryDirectory();
        string library = Build(directory, SourceFile.FromText("test.l", """
            (define printf (extern 'printf))
            (define handler printf)
            (define counter 1)
            (define greeting "hi")
            (define-function helper (x) (+ x counter))
            (define-function main (argc argv) (printf greeting) (handler "%ld" (helper argc)))
            (define-function twice (x) (* 2 (helper x)))
            (export main twice)
            """));

        var symbols = ReadElf("--dyn-syms", library).Split('\n')
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 8 && f[0].EndsWith(':') && f[6] != "UND" && f[6] != "Ndx").Select(f => f[7]).Order().ToList();
        CollectionAssert.AreEqual(new[] { "main", "twice" }, symbols, "defined dynamic symbols");
        StringAssert.Contains(ReadElf("--dyn-syms", library), "UND printf");

        string segments = ReadElf("--program-headers", library);
        StringAssert.Matches(segments, new System.Text.RegularExpressions.Regex(@"GNU_STACK(\s+0x0+){5}\s+RW "));
        Assert.IsFalse(segments.Contains(" RWE "), "no writable and executable segment\n" + segments);
        StringAssert.Matches(segments, new System.Text.RegularExpressions.Regex(@"GNU_RELRO .* R  "), "the GOT is read-only after loading");

        string dynamic = ReadElf("--dynamic", library);
        Assert.IsFalse(dynamic.Contains("TEXTREL"), dynamic);
        StringAssert.Contains(dynamic, "Library soname: [libprogram.so]");
        StringAssert.Contains(dynamic, "BIND_NOW");
        string relocations = ReadElf("--relocs", library);
        StringAssert.Contains(relocations, "R_X86_64_GLOB_DAT");
        StringAssert.Contains(relocations, "R_X86_64_64");
        StringAssert.Contains(relocations, "R_X86_64_RELATIVE");

        var run = NativeHarness.RunLibrary(library, ["a", "b"]);
        Assert.AreEqual("hi4", run.StandardOutput, run.StandardError);
    }

    [TestMethod]
    public void TheLibraryRecordsTheCAndMathsLibrariesUnlessTold()
    {
        using var directory = new TemporaryDirectory();
        var source = SourceFile.FromText("test.l", """
            (define printf (extern 'printf (long ... double) int))
            (define cos (extern 'cos (double) double))
            (define-function main (argc argv) (printf "%.3f\n" (cos 0.5)) 0)
            """);
        string library = Build(directory, source);
        string dynamic = ReadElf("--dynamic", library);
        StringAssert.Contains(dynamic, "Shared library: [libc.so.6]");
        StringAssert.Contains(dynamic, "Shared library: [libm.so.6]");
        var run = NativeHarness.RunLibrary(library, []);
        Assert.AreEqual("0.878\n", run.StandardOutput, run.StandardError);

        string musl = Build(directory, Integrated with { RecordsCLibrary = false }, source);
        Assert.IsFalse(ReadElf("--dynamic", musl).Contains("NEEDED"), "a library for a musl target records no glibc");
    }

    [TestMethod]
    public void TheUnwinderWalksThroughMaruFrames()
    {
        // glibc's backtrace() unwinds with the libraries' .eh_frame, found through PT_GNU_EH_FRAME. Without unwind tables
        // for the Maru frames it stops at the first of them; with them it walks on through the harness to _start.
        using var directory = new TemporaryDirectory();
        var source = SourceFile.FromText("test.l", """
            (define backtrace (extern 'backtrace))
            (define malloc (extern 'malloc))
            (define printf (extern 'printf))
            (define-function depth () (backtrace (malloc 1024) 128))
            (define-function inner (n) (+ n (depth)))
            (define-function main (argc argv) (printf "%ld\n" (inner 0)) 0)
            """);
        string library = Build(directory, source);
        StringAssert.Contains(ReadElf("--program-headers", library), "GNU_EH_FRAME");
        Assert.AreEqual(3, System.Text.RegularExpressions.Regex.Count(ReadElf("--debug-dump=frames", library), @" FDE cie="), "one FDE per function");
        var run = NativeHarness.RunLibrary(library, []);
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        // depth, inner, main, the harness's main, __libc_start_call_main, __libc_start_main, _start: as many as through
        // the library GNU as and ld make of the same program.
        Assert.AreEqual("7\n", run.StandardOutput);
        string external = Build(directory, new ToolchainOptions(NativeToolchain.HostRuntimeIdentifier), source);
        Assert.AreEqual(run.StandardOutput, NativeHarness.RunLibrary(external, []).StandardOutput);
    }

    // readelf checks the file as it reads it: any complaint on stderr fails the test.
    private static string ReadElf(string option, string library)
    {
        var run = NativeHarness.Run("readelf", ["-W", option, library], TimeSpan.FromMinutes(1));
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual("", run.StandardError);
        return run.StandardOutput;
    }

    [TestMethod]
    public void UnsupportedAssemblyIsADiagnosticAndLeavesNoFile()
    {
        using var directory = new TemporaryDirectory();
        string library = directory.File("libbad.so");
        var diagnostics = NativeToolchain.BuildLibrary([new AssemblyFile("bad.l", "\t.text\nf:\n\tmovq %rax\n")], library, Integrated);
        var error = diagnostics.Single();
        Assert.AreEqual(DiagnosticCodes.AssemblerError, error.Code);
        Assert.AreEqual(3, error.Line);
        Assert.IsEmpty(Directory.GetFileSystemEntries(directory.Path));
    }

    [TestMethod]
    public void KeptAssemblyIsWrittenAndItsDiagnosticsNameIt()
    {
        using var directory = new TemporaryDirectory();
        string kept = directory.File("asm");
        const string text = "\t.text\nf:\n\tud2\n";
        var diagnostics = NativeToolchain.BuildLibrary([new AssemblyFile("src/bad.l", text)], directory.File("libx.so"),
            Integrated with { AssemblyOutputDirectory = kept });
        var error = diagnostics.Single();
        Assert.AreEqual(Path.Combine(kept, "bad.s"), error.Path);
        Assert.AreEqual(3, error.Line);
        Assert.AreEqual(text, File.ReadAllText(Path.Combine(kept, "bad.s")));
        Assert.IsFalse(File.Exists(directory.File("libx.so")));
    }

    [TestMethod]
    public void ASymbolDefinedByTwoUnitsIsALinkerDiagnostic()
    {
        using var directory = new TemporaryDirectory();
        var diagnostics = NativeToolchain.BuildLibrary(
            [HandWrittenAssembly.File("a.l", HandWrittenAssembly.Answer), HandWrittenAssembly.File("b.l", HandWrittenAssembly.Answer)],
            directory.File("libdup.so"), Integrated);
        var error = diagnostics.Single();
        Assert.AreEqual(DiagnosticCodes.LinkerError, error.Code);
        StringAssert.Contains(error.Message, "'answer' is defined in both a.s and b.s");
        Assert.IsEmpty(Directory.GetFileSystemEntries(directory.Path));
    }

    [TestMethod]
    public void AnImportAddressedWithoutTheGotIsALinkerDiagnostic()
    {
        using var directory = new TemporaryDirectory();
        var diagnostics = NativeToolchain.BuildLibrary([new AssemblyFile("a.l", "\t.text\nf:\n\tmovq elsewhere(%rip), %rax\n\tret\n")],
            directory.File("libpc.so"), Integrated);
        Assert.AreEqual(DiagnosticCodes.LinkerError, diagnostics.Single().Code);
        Assert.IsEmpty(Directory.GetFileSystemEntries(directory.Path));
    }

    [TestMethod]
    public void AnUnwritableOutputIsMaru0904()
    {
        using var directory = new TemporaryDirectory();
        string blocker = directory.File("file");
        File.WriteAllText(blocker, "");
        var diagnostics = NativeToolchain.BuildLibrary([HandWrittenAssembly.File("a.l", HandWrittenAssembly.Answer)],
            Path.Combine(blocker, "libx.so"), Integrated);
        Assert.AreEqual(DiagnosticCodes.CannotWriteOutput, diagnostics.Single().Code);
    }

    [TestMethod]
    public void OtherPlatformsHaveNoIntegratedToolchain()
    {
        using var directory = new TemporaryDirectory();
        var diagnostics = NativeToolchain.BuildLibrary([HandWrittenAssembly.File("a.l", HandWrittenAssembly.Answer)],
            directory.File("x.dll"), new ToolchainOptions("win-x64") { Integrated = true });
        Assert.AreEqual(DiagnosticCodes.UnsupportedRuntime, diagnostics.Single().Code);
    }
}
