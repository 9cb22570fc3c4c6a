using System.Runtime.InteropServices;
using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Tests.Cli;

// `maru build` end to end, as a process: the library it writes is loaded here and called.
[TestClass]
public sealed unsafe class BuildCommandTests
{
    private const string Library = """
        ; A small library: a direct call, a tail call, a name with a dash, and a documented function.
        (define-function add (a b) (+ a b))
        (define-function twice (x) (add x x))
        (define-function sum-three (a b c)
          "The sum of three words."
          (+ (add a b) c))
        """;

    private const string ArityError = """
        (define-function f (a) a)
        (define-function g () (f 1 2))
        """;

    [TestMethod]
    [DataRow("integrated")]
    [DataRow("external")]
    public void EitherToolchainWritesALoadableLibrary(string toolchain)
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("f.l"), Library);

        MaruRun run = MaruTool.Run(directory.Path, "build", "f.l", "-o", "libf.so", "--toolchain", toolchain);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        IntPtr handle = NativeLibrary.Load(directory.File("libf.so"));
        try
        {
            var sumThree = (delegate* unmanaged<long, long, long, long>)NativeLibrary.GetExport(handle, "sum_three");
            Assert.AreEqual(6L, sumThree(1, 2, 3));
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    [TestMethod]
    public void AnExternTheCLibraryLacksIsAnErrorUnlessItIsAProcessExtern()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("host.l"), "(define host (extern 'my_host_function))\n(define-function f (x) (host x))\n");

        MaruRun refused = MaruTool.Run(directory.Path, "build", "host.l", "-o", "libhost.so");
        Assert.AreEqual(1, refused.ExitCode, refused.ToString());
        StringAssert.StartsWith(MaruTool.AssertOnlyDiagnostics(refused.Error).Single(), "host.l(1,1): error MARU0910:");
        Assert.IsFalse(File.Exists(directory.File("libhost.so")));

        MaruRun built = MaruTool.Run(directory.Path, "build", "host.l", "-o", "libhost.so", "--process-extern", "my_host_function");
        Assert.AreEqual(0, built.ExitCode, built.ToString());
        Assert.IsTrue(File.Exists(directory.File("libhost.so")));
    }

    [TestMethod]
    public void BuildForLinuxArm64WritesAnAArch64SharedObjectExportingTheFunctions()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("f.l"), Library);

        MaruRun run = MaruTool.Run(directory.Path, "build", "f.l", "--rid", "linux-arm64", "-o", "libf.so");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Error, run.ToString());
        byte[] header = File.ReadAllBytes(directory.File("libf.so"))[..20];
        CollectionAssert.AreEqual(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }, header[..4], "an ELF file");
        Assert.AreEqual(3, BitConverter.ToUInt16(header, 16), "e_type: a shared object");
        Assert.AreEqual(183, BitConverter.ToUInt16(header, 18), "e_machine: EM_AARCH64");
        var symbols = NativeHarness.Run("aarch64-linux-gnu-nm", ["-D", "--defined-only", directory.File("libf.so")], TimeSpan.FromMinutes(1));
        var exported = symbols.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[^1]).Order().ToList();
        CollectionAssert.AreEqual(new[] { "add", "sum_three", "twice" }, exported);
    }

    [TestMethod]
    [DataRow("osx-x64", new byte[] { 0xCF, 0xFA, 0xED, 0xFE, 0x07, 0x00, 0x00, 0x01 })] // MH_MAGIC_64, CPU_TYPE_X86_64
    [DataRow("osx-arm64", new byte[] { 0xCF, 0xFA, 0xED, 0xFE, 0x0C, 0x00, 0x00, 0x01 })] // MH_MAGIC_64, CPU_TYPE_ARM64
    [DataRow("win-x64", new byte[] { (byte)'M', (byte)'Z' })]
    public void BuildForAnotherOperatingSystemWritesItsLibraryWithTheFunctionsExported(string rid, byte[] magic)
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("f.l"), Library);
        string output = directory.File(Maru.Compiler.Toolchain.NativeToolchain.LibraryFileName("f", rid));

        MaruRun run = MaruTool.Run(directory.Path, "build", "f.l", "--rid", rid, "-o", output);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        CollectionAssert.AreEqual(magic, File.ReadAllBytes(output)[..magic.Length], "the platform's library format and architecture");
        // The export trie of a dylib (with Mach-O's underscore), the export table of a DLL.
        var exports = rid == "win-x64"
            ? NativeHarness.Run("llvm-readobj", ["--coff-exports", output], TimeSpan.FromMinutes(1)).StandardOutput
                .Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("Name: ", StringComparison.Ordinal)).Select(l => l[6..])
            : NativeHarness.Run("llvm-objdump", ["--macho", "--exports-trie", output], TimeSpan.FromMinutes(1)).StandardOutput
                .Split('\n').Select(l => l.Trim().Split(' ')[^1]).Where(l => l.StartsWith('_')).Select(l => l[1..]);
        CollectionAssert.AreEqual(new[] { "add", "sum_three", "twice" }, exports.Order(StringComparer.Ordinal).ToList());
    }

    [TestMethod]
    public void BuildWritesALoadableLibraryInANewDirectoryAndKeepsTheAssemblyOnRequest()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("f.l"), Library);
        string output = Path.Combine("out", "sub", "libf.so");

        MaruRun run = MaruTool.Run(directory.Path, "build", "f.l", "-o", output, "--emit-asm", "asm");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Output, run.ToString());
        Assert.AreEqual("", run.Error, run.ToString());
        string library = directory.File(output);
        Assert.IsTrue(File.Exists(library), "the library and its directory are created");
        // The library is moved into place atomically: nothing else is left beside it.
        CollectionAssert.AreEqual(new[] { "libf.so" }, Directory.GetFileSystemEntries(directory.File(Path.Combine("out", "sub"))).Select(Path.GetFileName).ToArray());

        IntPtr handle = NativeLibrary.Load(library);
        try
        {
            var add = (delegate* unmanaged<long, long, long>)NativeLibrary.GetExport(handle, "add");
            var twice = (delegate* unmanaged<long, long>)NativeLibrary.GetExport(handle, "twice");
            var sumThree = (delegate* unmanaged<long, long, long, long>)NativeLibrary.GetExport(handle, "sum_three");
            Assert.AreEqual(42L, add(40, 2));
            Assert.AreEqual(long.MinValue, add(long.MaxValue, 1), "addition wraps");
            Assert.AreEqual(-84L, twice(-42));
            Assert.AreEqual(6L, sumThree(1, 2, 3));
        }
        finally
        {
            NativeLibrary.Free(handle);
        }

        string assemblyFile = directory.File(Path.Combine("asm", "f.s"));
        Assert.IsTrue(File.Exists(assemblyFile), "--emit-asm keeps f.s");
        string[] lines = File.ReadAllLines(assemblyFile);
        foreach (string label in new[] { "add:", "twice:", "sum_three:" }) Assert.Contains(label, lines, $"f.s has the label {label}");
        CollectionAssert.AreEqual(new[] { "f.s" }, Directory.GetFileSystemEntries(directory.File("asm")).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void ACompileErrorExitsWith1AndLeavesThePreviousLibraryAsItWas()
    {
        using var directory = new TemporaryDirectory();
        string output = Path.Combine("out", "libf.so");
        File.WriteAllText(directory.File("f.l"), Library);
        MaruRun good = MaruTool.Run(directory.Path, "build", "f.l", "-o", output);
        Assert.AreEqual(0, good.ExitCode, good.ToString());
        byte[] before = File.ReadAllBytes(directory.File(output));
        DateTime writtenAt = File.GetLastWriteTimeUtc(directory.File(output));

        File.WriteAllText(directory.File("f.l"), ArityError);
        MaruRun bad = MaruTool.Run(directory.Path, "build", "f.l", "-o", output, "--emit-asm", "asm");

        Assert.AreEqual(1, bad.ExitCode, bad.ToString());
        Assert.AreEqual("", bad.Output);
        Assert.AreEqual("f.l(2,23): error MARU0103: 'f' expects 1 argument but is given 2", bad.Error.TrimEnd());
        CollectionAssert.AreEqual(before, File.ReadAllBytes(directory.File(output)), "the library from the good build is unchanged");
        Assert.AreEqual(writtenAt, File.GetLastWriteTimeUtc(directory.File(output)));
        CollectionAssert.AreEqual(new[] { "libf.so" }, Directory.GetFileSystemEntries(directory.File("out")).Select(Path.GetFileName).ToArray(),
            "no temporary file is left beside the library");
        Assert.IsFalse(Directory.Exists(directory.File("asm")), "a unit with errors writes no assembly either");
    }

    [TestMethod]
    public void ACompileErrorWritesNoLibraryWhereThereWasNone()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("f.l"), ArityError);

        MaruRun run = MaruTool.Run(directory.Path, "build", "f.l", "-o", Path.Combine("out", "libf.so"));

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        CollectionAssert.AreEqual(new[] { DiagnosticCodes.WrongArgumentCount }, MaruTool.Codes(run.Error));
        Assert.IsFalse(Directory.Exists(directory.File("out")) && Directory.EnumerateFileSystemEntries(directory.File("out")).Any(),
            "no output file at all");
    }

    [TestMethod]
    public void SourcesWithTheSameFileNameKeepOneAssemblyFileEach()
    {
        using var directory = new TemporaryDirectory();
        Directory.CreateDirectory(directory.File("one"));
        Directory.CreateDirectory(directory.File("two"));
        File.WriteAllText(directory.File(Path.Combine("one", "x.l")), "(define-function from-one () (from-two))");
        File.WriteAllText(directory.File(Path.Combine("two", "x.l")), "(define-function from-two () 12)");

        MaruRun run = MaruTool.Run(directory.Path, "build", Path.Combine("one", "x.l"), Path.Combine("two", "x.l"), "-o", "libx.so", "--emit-asm", "asm");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.Contains("from_one:", File.ReadAllLines(directory.File(Path.Combine("asm", "x.s"))));
        Assert.Contains("from_two:", File.ReadAllLines(directory.File(Path.Combine("asm", "x-2.s"))));
        IntPtr handle = NativeLibrary.Load(directory.File("libx.so"));
        try
        {
            Assert.AreEqual(12L, ((delegate* unmanaged<long>)NativeLibrary.GetExport(handle, "from_one"))());
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    [TestMethod]
    public void AnUnwritableOutputIsMaru0904()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("f.l"), Library);
        File.WriteAllText(directory.File("a-file"), "not a directory");

        MaruRun run = MaruTool.Run(directory.Path, "build", "f.l", "-o", Path.Combine("a-file", "libf.so"));

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        MaruTool.AssertOnlyDiagnostics(run.Error);
        CollectionAssert.AreEqual(new[] { DiagnosticCodes.CannotWriteOutput }, MaruTool.Codes(run.Error));
        Assert.AreEqual("not a directory", File.ReadAllText(directory.File("a-file")));
    }
}
