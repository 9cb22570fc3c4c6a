using System.Diagnostics;
using System.Runtime.Versioning;
using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests.Toolchain;

// Outputs that are not a plain file: a device, a FIFO, a symbolic link. Each must be written, never replaced by a regular file.
// Hand-written x86-64 assembly: these tests are for an x86-64 Linux machine.
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class OutputPathTests
{
    private const string Rid = "linux-x64";
    private static readonly AssemblyFile[] Answer = [HandWrittenAssembly.File("answer.l", HandWrittenAssembly.Answer)];

    private TemporaryDirectory _directory = null!;

    [TestInitialize]
    public void CreateDirectory() => _directory = new TemporaryDirectory();

    [TestCleanup]
    public void DeleteDirectory() => _directory.Dispose();

    public static IEnumerable<object[]> Toolchains => [[true], [false]];

    [TestMethod]
    [DynamicData(nameof(Toolchains))]
    public void ADeviceIsWrittenInPlaceAndStaysADevice(bool integrated)
    {
        // A null device of our own (as /dev/null is: character device 1,3), so that a regression cannot replace the machine's.
        string device = _directory.File("null");
        if (Command("mknod", device, "c", "1", "3").ExitCode != 0) Assert.Inconclusive("mknod needs root (CAP_MKNOD)");

        var diagnostics = NativeToolchain.BuildLibrary(Answer, device, new ToolchainOptions(Rid) { Integrated = integrated });

        Assert.IsEmpty(diagnostics, string.Join("\n", diagnostics));
        Assert.AreEqual("character special file", FileType(device));
        CollectionAssert.AreEquivalent(new[] { device }, Directory.GetFileSystemEntries(_directory.Path), "no temporary file is left beside it");
    }

    [TestMethod]
    [DynamicData(nameof(Toolchains))]
    public void AFifoReceivesTheLibraryAndStaysAFifo(bool integrated)
    {
        string fifo = _directory.File("libanswer.so");
        Assert.AreEqual(0, Command("mkfifo", fifo).ExitCode);
        byte[]? received = null;
        // Opening a FIFO for reading blocks until a writer opens it: the reader is a thread of its own.
        var reader = new Thread(() => received = File.ReadAllBytes(fifo)) { IsBackground = true };
        reader.Start();

        var diagnostics = NativeToolchain.BuildLibrary(Answer, fifo, new ToolchainOptions(Rid) { Integrated = integrated });

        Assert.IsEmpty(diagnostics, string.Join("\n", diagnostics));
        Assert.IsTrue(reader.Join(TimeSpan.FromSeconds(10)), "the library was written into the FIFO");
        CollectionAssert.AreEqual("\u007fELF"u8.ToArray(), received![..4], "what came through the FIFO is the library");
        CollectionAssert.AreEqual(BuildToFile(integrated), received, "the same bytes as a build to a regular file");
        Assert.AreEqual("fifo", FileType(fifo));
        CollectionAssert.AreEquivalent(new[] { fifo }, Directory.GetFileSystemEntries(_directory.Path));
    }

    [TestMethod]
    [DynamicData(nameof(Toolchains))]
    public void ASymbolicLinksTargetIsReplacedAndTheLinkKept(bool integrated)
    {
        Directory.CreateDirectory(_directory.File("real"));
        Directory.CreateDirectory(_directory.File("links"));
        string target = _directory.File("real/libanswer.so");
        File.WriteAllText(target, "an earlier build");
        string link = _directory.File("links/libanswer.so");
        File.CreateSymbolicLink(link, "../real/libanswer.so");

        var diagnostics = NativeToolchain.BuildLibrary(Answer, link, new ToolchainOptions(Rid) { Integrated = integrated });

        Assert.IsEmpty(diagnostics, string.Join("\n", diagnostics));
        Assert.AreEqual("symbolic link", FileType(link));
        Assert.AreEqual("../real/libanswer.so", new FileInfo(link).LinkTarget);
        CollectionAssert.AreEqual(BuildToFile(integrated), File.ReadAllBytes(target), "the target holds the library");
        CollectionAssert.AreEquivalent(new[] { target }, Directory.GetFileSystemEntries(_directory.File("real")), "nothing left beside the target");
        CollectionAssert.AreEquivalent(new[] { link }, Directory.GetFileSystemEntries(_directory.File("links")), "nothing left beside the link");
    }

    [TestMethod]
    public void ALinkToADeviceWritesTheDevice()
    {
        string device = _directory.File("null");
        if (Command("mknod", device, "c", "1", "3").ExitCode != 0) Assert.Inconclusive("mknod needs root (CAP_MKNOD)");
        string link = _directory.File("libanswer.so");
        File.CreateSymbolicLink(link, device);

        var diagnostics = NativeToolchain.BuildLibrary(Answer, link, new ToolchainOptions(Rid));

        Assert.IsEmpty(diagnostics, string.Join("\n", diagnostics));
        Assert.AreEqual("symbolic link", FileType(link));
        Assert.AreEqual("character special file", FileType(device));
    }

    private byte[] BuildToFile(bool integrated)
    {
        Directory.CreateDirectory(_directory.File("reference"));
        // The same file name: the library records it (its soname).
        string path = _directory.File("reference/libanswer.so");
        var diagnostics = NativeToolchain.BuildLibrary(Answer, path, new ToolchainOptions(Rid) { Integrated = integrated });
        Assert.IsEmpty(diagnostics, string.Join("\n", diagnostics));
        byte[] bytes = File.ReadAllBytes(path);
        Directory.Delete(_directory.File("reference"), recursive: true);
        return bytes;
    }

    /// <summary>What <c>stat</c> calls the file, without following a link: "regular file", "fifo", "symbolic link" ...</summary>
    internal static string FileType(string path)
    {
        var (exitCode, output) = Command("stat", "-c", "%F", path);
        Assert.AreEqual(0, exitCode, output);
        return output.Trim();
    }

    internal static (int ExitCode, string Output) Command(string command, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) startInfo.ArgumentList.Add(argument);
        using Process process = Process.Start(startInfo)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }
}
