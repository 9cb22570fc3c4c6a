using System.Diagnostics;
using System.Runtime.Versioning;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests.Toolchain;

// Tools that claim success without doing their job, and tools that never finish. Shell scripts stand in for them, run
// directly (not through a shell) as the real tools are. Hand-written x86-64 assembly: for an x86-64 Linux machine.
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class MisbehavingToolTests
{
    private const string Rid = "linux-x64";
    private static readonly AssemblyFile[] Answer = [HandWrittenAssembly.File("answer.l", HandWrittenAssembly.Answer)];

    private TemporaryDirectory _directory = null!;

    [TestInitialize]
    public void CreateDirectory() => _directory = new TemporaryDirectory();

    [TestCleanup]
    public void DeleteDirectory()
    {
        // Whatever a script left running (a test that failed) is stopped, so that it does not outlive the test run.
        foreach (int pid in RecordedProcesses()) KillQuietly(pid);
        _directory.Dispose();
    }

    [TestMethod]
    public void ALinkerThatWritesNothingIsAnErrorNamingTheLinker()
    {
        string output = _directory.File("libanswer.so");

        var diagnostics = NativeToolchain.BuildLibrary(Answer, output, new ToolchainOptions(Rid) { LinkerPath = "/bin/true" });

        Diagnostic error = diagnostics.Single();
        Assert.AreEqual(DiagnosticCodes.LinkerError, error.Code, error.ToString());
        Assert.Contains("linker '/bin/true'", error.Message);
        Assert.AreEqual(output, error.Path);
        Assert.IsEmpty(Directory.GetFileSystemEntries(_directory.Path), "no library, not even an empty one");
    }

    [TestMethod]
    public void ALinkerThatWritesNothingLeavesAnEarlierLibraryAsItWas()
    {
        string output = _directory.File("libanswer.so");
        File.WriteAllText(output, "an earlier build");

        var diagnostics = NativeToolchain.BuildLibrary(Answer, output, new ToolchainOptions(Rid) { LinkerPath = "/bin/true" });

        Assert.AreEqual(DiagnosticCodes.LinkerError, diagnostics.Single().Code);
        Assert.AreEqual("an earlier build", File.ReadAllText(output));
    }

    [TestMethod]
    public void AnAssemblerThatWritesNothingIsAnErrorNamingTheAssemblerNotTheLinker()
    {
        var diagnostics = NativeToolchain.BuildLibrary(Answer, _directory.File("libanswer.so"), new ToolchainOptions(Rid) { AssemblerPath = "/bin/true" });

        Diagnostic error = diagnostics.Single();
        Assert.AreEqual(DiagnosticCodes.AssemblerError, error.Code, error.ToString());
        Assert.Contains("assembler '/bin/true'", error.Message);
        Assert.Contains("answer.o", error.Message);
        Assert.IsEmpty(Directory.GetFileSystemEntries(_directory.Path));
    }

    [TestMethod]
    public void AnAssemblerThatWritesSomethingElseIsAnError()
    {
        // GNU as's arguments are --64 -o OBJECT SOURCE.
        string assembler = HandWrittenAssembly.Script(_directory, "as", "echo 'not an object' > \"$3\"");

        var diagnostics = NativeToolchain.BuildLibrary(Answer, _directory.File("libanswer.so"), new ToolchainOptions(Rid) { AssemblerPath = assembler });

        Diagnostic error = diagnostics.Single();
        Assert.AreEqual(DiagnosticCodes.AssemblerError, error.Code, error.ToString());
        Assert.Contains($"assembler '{assembler}'", error.Message);
        Assert.Contains("not an ELF file", error.Message);
    }

    [TestMethod]
    public void ALinkerThatWritesAnObjectInsteadOfALibraryIsAnError()
    {
        // The linker's arguments have -o OUTPUT OBJECT ...: copying the object is "success" with the wrong kind of file.
        string linker = HandWrittenAssembly.Script(_directory, "ld", "while [ \"$1\" != -o ]; do shift; done; cp \"$3\" \"$2\"");

        var diagnostics = NativeToolchain.BuildLibrary(Answer, _directory.File("libanswer.so"), new ToolchainOptions(Rid) { LinkerPath = linker });

        Diagnostic error = diagnostics.Single();
        Assert.AreEqual(DiagnosticCodes.LinkerError, error.Code, error.ToString());
        Assert.Contains($"linker '{linker}'", error.Message);
        Assert.Contains("not a shared library", error.Message);
    }

    [TestMethod]
    public void AnAssemblerWhoseBackgroundChildHoldsItsPipesFailsFast()
    {
        // The child inherits the assembler's standard output and error and keeps them open for a minute after it exits.
        string assembler = HandWrittenAssembly.Script(_directory, "as", $"sleep 60 & echo $! >> '{PidFile}'; exit 0");
        var options = new ToolchainOptions(Rid) { AssemblerPath = assembler, ToolTimeout = TimeSpan.FromSeconds(10) };

        var clock = Stopwatch.StartNew();
        var diagnostics = NativeToolchain.BuildLibrary(Answer, _directory.File("libanswer.so"), options);
        clock.Stop();

        Diagnostic error = diagnostics.Single();
        Assert.AreEqual(DiagnosticCodes.AssemblerError, error.Code, error.ToString());
        Assert.Contains($"assembler '{assembler}'", error.Message);
        Assert.IsLessThan(TimeSpan.FromSeconds(3), clock.Elapsed, "it does not wait for the pipes to close");
    }

    [TestMethod]
    public void AHangingToolIsKilledWithItsWholeProcessTreeWithinTheTimeout()
    {
        // The script and a child of its own, both holding the pipes, both to be killed.
        string assembler = HandWrittenAssembly.Script(_directory, "as", $"echo $$ >> '{PidFile}'; sleep 60 & echo $! >> '{PidFile}'; wait");
        var options = new ToolchainOptions(Rid) { AssemblerPath = assembler, ToolTimeout = TimeSpan.FromSeconds(2) };

        var clock = Stopwatch.StartNew();
        var diagnostics = NativeToolchain.BuildLibrary(Answer, _directory.File("libanswer.so"), options);
        clock.Stop();

        Diagnostic error = diagnostics.Single();
        Assert.AreEqual(DiagnosticCodes.ToolFailed, error.Code, error.ToString());
        Assert.Contains($"assembler '{assembler}'", error.Message);
        Assert.Contains("2 s", error.Message);
        Assert.IsLessThan(TimeSpan.FromSeconds(4), clock.Elapsed);
        AssertAllGone(RecordedProcesses(expected: 2));
    }

    [TestMethod]
    public void ACancelledBuildKillsTheToolsProcessTreeAndThrows()
    {
        string linker = HandWrittenAssembly.Script(_directory, "ld", $"echo $$ >> '{PidFile}'; sleep 60 & echo $! >> '{PidFile}'; wait");
        var options = new ToolchainOptions(Rid) { LinkerPath = linker };
        using var cancellation = new CancellationTokenSource();
        Task.Run(() =>
        {
            // Cancelled once the linker and its child run.
            while (RecordedProcesses().Count < 2) Thread.Sleep(20);
            cancellation.Cancel();
        });

        var clock = Stopwatch.StartNew();
        Assert.ThrowsExactly<OperationCanceledException>(() =>
            NativeToolchain.BuildLibrary(Answer, _directory.File("libanswer.so"), options, cancellation.Token));
        clock.Stop();

        Assert.IsLessThan(TimeSpan.FromSeconds(10), clock.Elapsed);
        AssertAllGone(RecordedProcesses(expected: 2));
        Assert.IsEmpty(Directory.GetFileSystemEntries(_directory.Path).Where(p => p != PidFile && !p.EndsWith("ld", StringComparison.Ordinal)),
            "no output and no temporary file");
    }

    private string PidFile => _directory.File("pids");

    private List<int> RecordedProcesses(int? expected = null)
    {
        List<int> pids = File.Exists(PidFile) ? File.ReadAllLines(PidFile).Where(l => l.Length > 0).Select(int.Parse).ToList() : [];
        if (expected is { } count) Assert.HasCount(count, pids, "the script recorded its processes");
        return pids;
    }

    /// <summary>Each process has ended: it no longer exists, or is a zombie its new parent has yet to reap.</summary>
    private static void AssertAllGone(IEnumerable<int> pids)
    {
        foreach (int pid in pids)
        {
            // The kill is asynchronous: give the kernel a moment to deliver it.
            var deadline = Stopwatch.StartNew();
            while (IsAlive(pid) && deadline.Elapsed < TimeSpan.FromSeconds(2)) Thread.Sleep(20);
            Assert.IsFalse(IsAlive(pid), $"process {pid} still runs");
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            // /proc/PID/stat: "PID (name) STATE ...".
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void KillQuietly(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }
}
