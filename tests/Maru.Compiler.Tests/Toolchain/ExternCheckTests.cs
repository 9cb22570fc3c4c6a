using System.Diagnostics;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests.Toolchain;

/// <summary>
/// Externs are checked when the library is built, on every target and toolchain: a name the target's C library lacks is
/// MARU0910 at the extern, unless the process is said to provide it; a link error naming an extern is reported at it; ELF
/// libraries record the C library they take their externs from.
/// </summary>
[TestClass]
public sealed class ExternCheckTests
{
    private const string Misspelt = """
        (define printf (extern 'printf))
        (define strlen (extern 'strlenn))
        (define-function main () (printf "%d\n" (strlen "abc")))
        """;

    private TemporaryDirectory _directory = null!;

    [TestInitialize]
    public void CreateDirectory() => _directory = new TemporaryDirectory();

    [TestCleanup]
    public void DeleteDirectory() => _directory.Dispose();

    private IReadOnlyList<AssemblyFile> Compile(string rid, string source, string name = "a.l")
    {
        CompileResult result = MaruCompiler.Compile([SourceFile.FromText(_directory.File(name), source)], new CompileOptions(rid));
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        return result.Assembly;
    }

    private IReadOnlyList<Diagnostic> Build(string rid, string source, ToolchainOptions? options = null) =>
        NativeToolchain.BuildLibrary(Compile(rid, source), _directory.File(NativeToolchain.LibraryFileName("a", rid)), options ?? new ToolchainOptions(rid));

    [TestMethod]
    [DataRow("linux-x64", false)]
    [DataRow("linux-x64", true)]
    [DataRow("linux-arm64", false)]
    [DataRow("osx-x64", false)]
    [DataRow("osx-arm64", false)]
    [DataRow("win-x64", false)]
    public void AMisspeltExternIsMaru0910AtItsLineOnEveryTargetAndToolchain(string rid, bool integrated)
    {
        var diagnostics = Build(rid, Misspelt, new ToolchainOptions(rid) { Integrated = integrated });

        Diagnostic error = diagnostics.Single();
        Assert.AreEqual((DiagnosticCodes.UnknownExtern, _directory.File("a.l"), 2, 1), (error.Code, error.Path, error.Line, error.Column));
        Assert.AreEqual($"the C library of {rid} has no 'strlenn' (did you mean 'strlen'?); if the process that loads the library provides it, " +
            "list it as a process extern (MaruProcessExterns in a project, --process-extern for maru build)", error.Message);
        Assert.IsEmpty(Directory.GetFileSystemEntries(_directory.Path, "liba*"), "nothing is built");
    }

    [TestMethod]
    public void AnExternOfALoadedFileIsReportedThere()
    {
        byte[] more = "; the externs\n\n  (define nope (extern 'no_such_c_function))\n"u8.ToArray();
        var options = new CompileOptions { ReadFile = path => Path.GetFileName(path) == "more.l" ? more : null };
        CompileResult result = MaruCompiler.Compile([SourceFile.FromText(_directory.File("a.l"), "(load \"more.l\")\n(define-function f () 0)\n")], options);
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));

        Diagnostic error = ToolchainCommands.UnknownExterns("linux-x64", result.Assembly, []).Single();

        Assert.AreEqual(("more.l", 3, 3), (Path.GetFileName(error.Path), error.Line, error.Column));
        StringAssert.Contains(error.Message, "has no 'no_such_c_function'; if the process");
    }

    [TestMethod]
    [DataRow("linux-x64", "strlen;printf;sin;pow;malloc;qsort;backtrace;environ", "GetTickCount;strlenn")]
    [DataRow("linux-arm64", "strlen;printf;sin;pow;malloc;qsort;backtrace", "GetTickCount;strlenn")]
    [DataRow("osx-x64", "strlen;printf;sin;pow;malloc;qsort;getline;pthread_create;backtrace", "GetTickCount;strlenn;__errno_location")]
    [DataRow("osx-arm64", "strlen;printf;sin;pow;malloc;qsort;getline;pthread_create", "GetTickCount;strlenn")]
    [DataRow("win-x64", "strlen;printf;sin;pow;malloc;qsort;snprintf;strtoll;GetTickCount", "getline;strlenn;backtrace")]
    public void EachTargetHasItsCLibrarysNames(string rid, string provided, string missing)
    {
        var externs = provided.Split(';').Concat(missing.Split(';')).Select(name => new ExternReference(name, "a.l", 1, 1)).ToList();
        var diagnostics = new DiagnosticBag();

        CLibrary.Check(rid, externs, [], diagnostics);

        CollectionAssert.AreEqual(missing.Split(';'), diagnostics.Items.Select(d => d.Message.Split('\'')[1]).ToArray());
    }

    [TestMethod]
    public void AProcessExternIsAcceptedAndLeftForTheLoader()
    {
        const string source = "(define host-log (extern 'maru_host_log))\n(define-function f (x) (host-log x))\n";
        var options = new ToolchainOptions("linux-x64") { ProcessExterns = ["maru_host_log"] };

        Assert.IsEmpty(Build("linux-x64", source, options));
        Assert.AreEqual(DiagnosticCodes.UnknownExtern, Build("linux-x64", source).Single().Code, "only when listed");
        StringAssert.Contains(Tool("nm", "-D", "--undefined-only", _directory.File("liba.so")), "maru_host_log");
    }

    [TestMethod]
    public void ALinkErrorNamingAnExternIsReportedAtTheExtern()
    {
        // A DLL must resolve every import when it is linked: a process extern cannot be linked on win-x64.
        const string source = "(define-function f (x) (host-log x))\n\n(define host-log\n  (extern 'maru_host_log))\n";
        var options = new ToolchainOptions("win-x64") { ProcessExterns = ["maru_host_log"] };

        Diagnostic error = Build("win-x64", source, options).First(d => d.IsError);

        Assert.AreEqual((DiagnosticCodes.LinkerError, _directory.File("a.l"), 3, 1), (error.Code, error.Path, error.Line, error.Column));
        StringAssert.Contains(error.Message, "maru_host_log");
    }

    [TestMethod]
    [DataRow("ld.lld: error: undefined symbol: maru_host_log\n>>> referenced by a.o", "/usr/bin/ld.lld")]
    [DataRow("ld64.lld: error: undefined symbol: _maru_host_log\n>>> referenced by a.o", "/usr/bin/ld64.lld")]
    [DataRow("x86_64-w64-mingw32-ld: a.obj:fake:(.text+0x5): undefined reference to `maru_host_log'", "/usr/bin/x86_64-w64-mingw32-ld")]
    public void LinkerMessagesAreMappedToTheExternTheyName(string output, string linker)
    {
        ExternReference[] externs = [new("printf", "/src/a.l", 1, 1), new("maru_host_log", "/src/b.l", 7, 3)];

        Diagnostic error = ToolchainCommands.LinkerMessages(1, output, linker, "/out/liba.so", externs).Single();

        Assert.AreEqual(("/src/b.l", 7, 3), (error.Path, error.Line, error.Column));
        Assert.AreEqual("/out/liba.so", ToolchainCommands.LinkerMessages(1, output, linker, "/out/liba.so").Single().Path, "without externs, at the library");
    }

    [TestMethod]
    public void ExternsSurviveTheirTextForm()
    {
        ExternReference[] externs = [new("printf", "/src/a b.l", 1, 2), new("sin", null, 0, 0)];

        CollectionAssert.AreEqual(externs, ToolchainCommands.ParseExterns(ToolchainCommands.FormatExterns(externs)).ToArray());
    }

    [TestMethod]
    [DataRow("linux-x64", null, null)]
    [DataRow("linux-x64", "llvm-mc", "ld.lld")]
    [DataRow("linux-arm64", null, null)]
    [DataRow("linux-arm64", "llvm-mc", "ld.lld")]
    public void ElfLibrariesNeedTheCLibraryAndTheMathsLibraryWithoutSymbolVersions(string rid, string? assembler, string? linker)
    {
        const string source = "(define printf (extern 'printf))\n(define sin (extern 'sin))\n(define-function f (x) (printf \"%d\" (sin x)))\n";
        Assert.IsEmpty(Build(rid, source, new ToolchainOptions(rid) { AssemblerPath = assembler, LinkerPath = linker }));

        string dynamic = Tool("readelf", "-d", "-V", _directory.File("liba.so"));
        StringAssert.Contains(dynamic, "(NEEDED)             Shared library: [libc.so.6]");
        StringAssert.Contains(dynamic, "(NEEDED)             Shared library: [libm.so.6]");
        Assert.DoesNotContain("GLIBC_", dynamic, "bound to no glibc version: the library loads with any glibc");
        Assert.IsEmpty(Directory.GetFileSystemEntries(_directory.Path, "*.so.6"), "the stubs stay in the build's own folder");
    }

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    public void AMuslLibraryRecordsNoGlibc(string rid)
    {
        const string source = "(define printf (extern 'printf))\n(define-function f (x) (printf \"%d\" x))\n";
        Assert.IsEmpty(Build(rid, source, new ToolchainOptions(rid) { Integrated = false, RecordsCLibrary = false }));

        Assert.DoesNotContain("(NEEDED)", Tool("readelf", "-d", _directory.File("liba.so")), "musl's C library is not libc.so.6");
    }

    private static string Tool(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        using Process process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, output);
        return output;
    }
}
