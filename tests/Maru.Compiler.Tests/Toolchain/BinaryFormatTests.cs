using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests.Toolchain;

// What counts as an object file or a library a tool really wrote: real ones from each platform's tools pass; empty,
// foreign, mismatched and truncated ones do not.
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BinaryFormatTests
{
    private const string Source = "(define-function f (x) (+ x 1))\n(define-function g (x) (f (f x)))\n";

    private static TemporaryDirectory _directory = null!;
    private static readonly Dictionary<string, byte[]> Libraries = [];

    [ClassInitialize]
    public static void CreateDirectory(TestContext _) => _directory = new TemporaryDirectory();

    [ClassCleanup]
    public static void DeleteDirectory() => _directory.Dispose();

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    [DataRow("osx-x64")]
    [DataRow("osx-arm64")]
    [DataRow("win-x64")]
    public void ALibraryFromThePlatformsToolsPassesAndTruncatedItFails(string rid)
    {
        byte[] library = Library(rid);
        Assert.IsNull(BinaryFormat.Problem(library, library.Length, rid, library: true));

        foreach (int length in new[] { 8, 40, library.Length / 2, library.Length - 1 })
        {
            string? problem = BinaryFormat.Problem(library.AsSpan(0, length), length, rid, library: true);
            Assert.IsNotNull(problem, $"{length} of {library.Length} bytes");
            Assert.Contains("truncated", problem, $"{length} of {library.Length} bytes");
        }
    }

    [TestMethod]
    [DataRow("linux-x64", "linux-arm64", "another machine")]
    [DataRow("osx-arm64", "osx-x64", "another machine")]
    [DataRow("osx-x64", "linux-x64", "not an ELF file")]
    [DataRow("linux-x64", "osx-x64", "not a 64-bit Mach-O file")]
    [DataRow("linux-x64", "win-x64", "not a PE file")]
    [DataRow("win-x64", "linux-x64", "not an ELF file")]
    public void ALibraryForAnotherPlatformFails(string builtFor, string checkedFor, string expected)
    {
        byte[] library = Library(builtFor);

        string? problem = BinaryFormat.Problem(library, library.Length, checkedFor, library: true);

        Assert.IsNotNull(problem);
        Assert.Contains(expected, problem);
    }

    [TestMethod]
    [DataRow("linux-x64", "a shared library, not a relocatable object")]
    [DataRow("osx-arm64", "not 1")]
    [DataRow("win-x64", "a PE image, not a COFF object")]
    public void ALibraryIsNotAnObjectFile(string rid, string expected)
    {
        byte[] library = Library(rid);

        Assert.Contains(expected, BinaryFormat.Problem(library, library.Length, rid, library: false)!);
    }

    [TestMethod]
    public void EmptyMissingAndForeignFilesFail()
    {
        string empty = _directory.File("empty.o");
        File.WriteAllBytes(empty, []);
        string text = _directory.File("text.o");
        File.WriteAllText(text, "#!/bin/sh\necho hello\n");

        Assert.AreEqual("it is empty", BinaryFormat.Problem(empty, "linux-x64", library: false));
        Assert.AreEqual("it does not exist", BinaryFormat.Problem(_directory.File("none.o"), "linux-x64", library: false));
        Assert.AreEqual("it is not an ELF file", BinaryFormat.Problem(text, "linux-x64", library: false));
        Assert.AreEqual("it is not a 64-bit Mach-O file", BinaryFormat.Problem(text, "osx-arm64", library: false));
        Assert.AreEqual("it is not a COFF object for x86-64", BinaryFormat.Problem(text, "win-x64", library: false));
    }

    [TestMethod]
    public void AHeaderThatPointsBeyondAnyFileFails()
    {
        byte[] library = Library("linux-x64");
        BitConverter.TryWriteBytes(library.AsSpan(40), ulong.MaxValue - 10);  // e_shoff

        Assert.Contains("damaged", BinaryFormat.Problem(library, library.Length, "linux-x64", library: true)!);
    }

    /// <summary>A library built by the platform's tools, once per runtime identifier.</summary>
    private static byte[] Library(string rid)
    {
        lock (Libraries)
        {
            if (Libraries.TryGetValue(rid, out byte[]? cached)) return (byte[])cached.Clone();
            CompileResult result = MaruCompiler.Compile([SourceFile.FromText("f.l", Source)], new CompileOptions(rid));
            Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
            string path = _directory.File(NativeToolchain.LibraryFileName("f-" + rid, rid));
            var diagnostics = NativeToolchain.BuildLibrary(result.Assembly, path, new ToolchainOptions(rid));
            if (diagnostics.Any(d => d.Code == DiagnosticCodes.ToolNotFound)) Assert.Inconclusive(string.Join("\n", diagnostics));
            Assert.IsFalse(diagnostics.Any(d => d.IsError), string.Join("\n", diagnostics));
            Libraries[rid] = File.ReadAllBytes(path);
            return (byte[])Libraries[rid].Clone();
        }
    }
}
