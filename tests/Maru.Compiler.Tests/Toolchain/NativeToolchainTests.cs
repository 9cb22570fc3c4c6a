using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests.Toolchain;

// Hand-written x86-64 ELF assembly and shell-script tools: these tests are for an x86-64 Linux machine.
[TestClass]
[SupportedOSPlatform("linux")]
public sealed unsafe class NativeToolchainTests
{
    private const string Rid = "linux-x64";
    private static readonly AssemblyFile BadAssembly = new("bad.l", ".text\nnop\nnot_an_instruction %rax\nret\n");

    private TemporaryDirectory _directory = null!;

    [TestInitialize]
    public void CreateDirectory() => _directory = new TemporaryDirectory();

    [TestCleanup]
    public void DeleteDirectory() => _directory.Dispose();

    [TestMethod]
    public void BuildsALibraryThatLoadsAndRuns()
    {
        // Two files, one calling the other's exported function directly: needs -Bsymbolic.
        AssemblyFile answer = HandWrittenAssembly.File("answer.l", HandWrittenAssembly.Answer);
        AssemblyFile twice = HandWrittenAssembly.File("twice.l", ("twice", ["call answer", "addq %rax, %rax", "ret"]));
        string library = HandWrittenAssembly.BuildLibrary(_directory, answer, twice);

        IntPtr handle = NativeLibrary.Load(library);
        try
        {
            Assert.AreEqual(42L, ((delegate* unmanaged<long>)NativeLibrary.GetExport(handle, "answer"))());
            Assert.AreEqual(84L, ((delegate* unmanaged<long>)NativeLibrary.GetExport(handle, "twice"))());
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
        CollectionAssert.AreEquivalent(new[] { library }, Directory.GetFileSystemEntries(_directory.Path));
    }

    [TestMethod]
    public void CreatesTheOutputDirectoryAndReplacesAnEarlierOutput()
    {
        string output = _directory.File("new/sub/libanswer.so");
        AssemblyFile[] assembly = [HandWrittenAssembly.File("answer.l", HandWrittenAssembly.Answer)];

        Assert.IsEmpty(NativeToolchain.BuildLibrary(assembly, output, new ToolchainOptions(Rid)));
        File.WriteAllText(output, "an earlier build");
        Assert.IsEmpty(NativeToolchain.BuildLibrary(assembly, output, new ToolchainOptions(Rid)));

        Assert.AreNotEqual("an earlier build", File.ReadAllText(output));
        CollectionAssert.AreEquivalent(new[] { output }, Directory.GetFileSystemEntries(Path.GetDirectoryName(output)!));
    }

    [TestMethod]
    public void AnAssemblerErrorIsMaru0902WithItsLineAndLeavesNothingBehind()
    {
        string output = _directory.File("libbad.so");

        var diagnostics = NativeToolchain.BuildLibrary([BadAssembly], output, new ToolchainOptions(Rid));

        Diagnostic error = diagnostics.Single(d => d.IsError);
        Assert.AreEqual(DiagnosticCodes.AssemblerError, error.Code);
        Assert.AreEqual(3, error.Line);
        Assert.EndsWith("bad.s", error.Path!);
        Assert.Contains("not_an_instruction", error.Message);
        Assert.IsFalse(Directory.Exists(Path.GetDirectoryName(error.Path)), "the temporary directory is deleted");
        Assert.IsEmpty(Directory.GetFileSystemEntries(_directory.Path));
    }

    [TestMethod]
    public void AFailedBuildLeavesAnEarlierOutputUntouched()
    {
        string output = _directory.File("libbad.so");
        File.WriteAllText(output, "an earlier build");

        var diagnostics = NativeToolchain.BuildLibrary([BadAssembly], output, new ToolchainOptions(Rid));

        Assert.IsTrue(diagnostics.Any(d => d.IsError));
        Assert.AreEqual("an earlier build", File.ReadAllText(output));
        CollectionAssert.AreEquivalent(new[] { output }, Directory.GetFileSystemEntries(_directory.Path));
    }

    [TestMethod]
    public void ALinkerErrorIsMaru0903AboutTheOutput()
    {
        string output = _directory.File("libclash.so");
        AssemblyFile[] assembly =
        [
            HandWrittenAssembly.File("one.l", HandWrittenAssembly.Answer),
            HandWrittenAssembly.File("two.l", HandWrittenAssembly.Answer),
        ];

        var diagnostics = NativeToolchain.BuildLibrary(assembly, output, new ToolchainOptions(Rid));

        Diagnostic error = diagnostics.First(d => d.IsError);
        Assert.AreEqual(DiagnosticCodes.LinkerError, error.Code);
        Assert.AreEqual(output, error.Path);
        Assert.Contains("multiple definition", error.Message);
        Assert.IsEmpty(Directory.GetFileSystemEntries(_directory.Path));
    }

    [TestMethod]
    public void AMissingAssemblerIsOneMaru0901ThatSaysHowToProvideIt()
    {
        var options = new ToolchainOptions(Rid) { AssemblerPath = "/nonexistent/maru-as" };

        var diagnostics = NativeToolchain.BuildLibrary([BadAssembly], _directory.File("libx.so"), options);

        Diagnostic error = diagnostics.Single();
        Assert.AreEqual(DiagnosticCodes.ToolNotFound, error.Code);
        foreach (string part in new[] { "assembler", "/nonexistent/maru-as", "AssemblerPath", "MARU_AS", "binutils" })
            Assert.Contains(part, error.Message);
    }

    [TestMethod]
    public void AMissingLinkerNamedWithoutADirectoryIsLookedUpOnPath()
    {
        var options = new ToolchainOptions(Rid) { LinkerPath = "maru-no-such-linker" };

        var diagnostics = NativeToolchain.BuildLibrary([BadAssembly], _directory.File("libx.so"), options);

        Diagnostic error = diagnostics.Single();
        Assert.AreEqual(DiagnosticCodes.ToolNotFound, error.Code);
        foreach (string part in new[] { "linker", "maru-no-such-linker", "MARU_LD", "binutils" })
            Assert.Contains(part, error.Message);
    }

    [TestMethod]
    public void AToolThatFailsWithoutARecognisedMessageStillGivesOneError()
    {
        var options = new ToolchainOptions(Rid) { AssemblerPath = HandWrittenAssembly.Script(_directory, "as", "echo boom >&2; exit 3") };

        var diagnostics = NativeToolchain.BuildLibrary([BadAssembly], _directory.File("libx.so"), options);

        Diagnostic error = diagnostics.Single();
        Assert.AreEqual(DiagnosticCodes.AssemblerError, error.Code);
        Assert.Contains("exit code 3", error.Message);
        Assert.Contains("boom", error.Message);
    }

    [TestMethod]
    public void AToolThatHangsIsStoppedAndReported()
    {
        var options = new ToolchainOptions(Rid)
        {
            AssemblerPath = HandWrittenAssembly.Script(_directory, "as", "exec sleep 60"),
            ToolTimeout = TimeSpan.FromMilliseconds(300),
        };

        var diagnostics = NativeToolchain.BuildLibrary([BadAssembly], _directory.File("libx.so"), options);

        Assert.AreEqual(DiagnosticCodes.ToolFailed, diagnostics.Single().Code);
    }

    [TestMethod]
    public void AnUnwritableOutputIsMaru0904()
    {
        File.WriteAllText(_directory.File("file"), "");
        string output = _directory.File("file/libanswer.so");

        var diagnostics = NativeToolchain.BuildLibrary([HandWrittenAssembly.File("answer.l", HandWrittenAssembly.Answer)], output,
            new ToolchainOptions(Rid));

        Diagnostic error = diagnostics.Single();
        Assert.AreEqual(DiagnosticCodes.CannotWriteOutput, error.Code);
        Assert.AreEqual(output, error.Path);
    }

    [TestMethod]
    public void KeepsTheAssemblyFilesWithUniqueNamesWhenAsked()
    {
        string kept = _directory.File("asm");
        AssemblyFile first = HandWrittenAssembly.File("x/answer.l", HandWrittenAssembly.Answer);
        AssemblyFile second = HandWrittenAssembly.File("y/answer.l", ("other", ["ret"]));

        var diagnostics = NativeToolchain.BuildLibrary([first, second], _directory.File("libanswer.so"),
            new ToolchainOptions(Rid) { AssemblyOutputDirectory = kept });

        Assert.IsEmpty(diagnostics);
        Assert.AreEqual(first.Text, File.ReadAllText(Path.Combine(kept, "answer.s")));
        Assert.AreEqual(second.Text, File.ReadAllText(Path.Combine(kept, "answer-2.s")));
    }

    [TestMethod]
    public void AnUnknownRuntimeIdentifierIsMaru0905()
    {
        var diagnostics = NativeToolchain.BuildLibrary([BadAssembly], _directory.File("libx.so"), new ToolchainOptions("linux-riscv64"));

        Assert.AreEqual(DiagnosticCodes.UnsupportedRuntime, diagnostics.Single().Code);
        Assert.IsEmpty(Directory.GetFileSystemEntries(_directory.Path));
    }

    [TestMethod]
    [DataRow("linux-x64", "libfib.so")]
    [DataRow("linux-musl-arm64", "libfib.so")]
    [DataRow("osx-arm64", "libfib.dylib")]
    [DataRow("win-x64", "fib.dll")]
    public void LibraryFileNameFollowsThePlatformConvention(string rid, string expected) =>
        Assert.AreEqual(expected, NativeToolchain.LibraryFileName("fib", rid));
}
