using System.Diagnostics;
using System.Runtime.Versioning;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Tests.Toolchain;

namespace Maru.Compiler.Tests.Cli;

// `maru build` and `maru run` with outputs that are not plain files, tools that misbehave, --tool-timeout, and the
// temporary folder of a build that was killed.
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class ToolAndOutputCommandTests
{
    private const string Program = "(define-function main () 0)\n(define-function f (x) (+ x 1))\n";

    private TemporaryDirectory _directory = null!;

    [TestInitialize]
    public void CreateDirectory()
    {
        _directory = new TemporaryDirectory();
        File.WriteAllText(_directory.File("ok.l"), Program);
    }

    [TestCleanup]
    public void DeleteDirectory() => _directory.Dispose();

    [TestMethod]
    [DataRow("integrated")]
    [DataRow("external")]
    public void BuildingToALinkToDevNullLeavesTheDeviceADevice(string toolchain)
    {
        // The link rather than /dev/null itself: a regression then replaces the link, not the machine's /dev/null.
        File.CreateSymbolicLink(_directory.File("out.so"), "/dev/null");

        MaruRun run = MaruTool.Run(_directory.Path, "build", "ok.l", "-o", "out.so", "--toolchain", toolchain);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Error, run.ToString());
        Assert.AreEqual("symbolic link", OutputPathTests.FileType(_directory.File("out.so")));
        Assert.AreEqual("character special file", OutputPathTests.FileType("/dev/null"));
    }

    [TestMethod]
    public void ALinkerThatWritesNothingFailsTheBuild()
    {
        MaruRun run = MaruTool.Run(_directory.Path, ["build", "ok.l", "-o", "libok.so"], environment: Tools(linker: "/bin/true"));

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        string line = MaruTool.AssertOnlyDiagnostics(run.Error).Single();
        Assert.AreEqual(DiagnosticCodes.LinkerError, MaruTool.Codes(run.Error).Single());
        Assert.Contains("linker '/bin/true'", line);
        Assert.IsFalse(File.Exists(_directory.File("libok.so")), "no empty library");
    }

    [TestMethod]
    public void AnAssemblerThatWritesNothingFailsTheBuildNamingTheAssembler()
    {
        MaruRun run = MaruTool.Run(_directory.Path, ["build", "ok.l", "-o", "libok.so"], environment: Tools(assembler: "/bin/true"));

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        string line = MaruTool.AssertOnlyDiagnostics(run.Error).Single();
        Assert.AreEqual(DiagnosticCodes.AssemblerError, MaruTool.Codes(run.Error).Single());
        Assert.Contains("assembler '/bin/true'", line);
    }

    [TestMethod]
    public void AnAssemblerWhoseBackgroundChildHoldsThePipesFailsFast()
    {
        string assembler = HandWrittenAssembly.Script(_directory, "as", $"sleep 60 & echo $! > '{_directory.File("pid")}'; exit 0");
        try
        {
            MaruRun run = MaruTool.Run(_directory.Path, ["build", "ok.l", "-o", "libok.so", "--tool-timeout", "20"],
                environment: Tools(assembler: assembler));

            Assert.AreEqual(1, run.ExitCode, run.ToString());
            Assert.Contains($"assembler '{assembler}'", MaruTool.AssertOnlyDiagnostics(run.Error).Single());
            Assert.IsLessThan(TimeSpan.FromSeconds(10), run.Elapsed, "maru does not wait for the pipes to close");
        }
        finally
        {
            KillRecorded(_directory.File("pid"));
        }
    }

    [TestMethod]
    [DataRow("build ok.l -o libok.so")]
    [DataRow("run ok.l")]
    public void ToolTimeoutStopsAHangingTool(string commandLine)
    {
        string[] command = commandLine.Split(' ');
        string assembler = HandWrittenAssembly.Script(_directory, "as", "exec sleep 60");

        MaruRun run = MaruTool.Run(_directory.Path, [.. command, "--tool-timeout", "2"], environment: Tools(assembler: assembler));

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.AreEqual(DiagnosticCodes.ToolFailed, MaruTool.Codes(run.Error).Single(), run.ToString());
        Assert.Contains("within 2 s", run.Error);
        // maru itself takes about a second to start and compile.
        Assert.IsLessThan(TimeSpan.FromSeconds(5), run.Elapsed, run.ToString());
    }

    [TestMethod]
    [DataRow("0")]
    [DataRow("-1")]
    [DataRow("soon")]
    public void AToolTimeoutThatIsNotAPositiveNumberIsAUsageError(string value)
    {
        MaruRun run = MaruTool.Run(_directory.Path, "build", "ok.l", "-o", "libok.so", "--tool-timeout", value);

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        Assert.Contains("--tool-timeout", run.Error);
        Assert.IsFalse(File.Exists(_directory.File("libok.so")));
    }

    [TestMethod]
    public void TheTemporaryFolderOfAKilledBuildIsDeletedByTheNextBuild()
    {
        string temporary = Directory.CreateDirectory(_directory.File("tmp")).FullName;
        string started = _directory.File("assembler-started");
        string assembler = HandWrittenAssembly.Script(_directory, "as", $"touch '{started}'; exec sleep 60");

        // A build killed (SIGKILL, nothing runs after it) while its assembler runs: its folder stays behind.
        using (Process killed = MaruTool.Start(_directory.Path, ["build", "ok.l", "-o", "libok.so"], temporary, Tools(assembler: assembler)))
        {
            var clock = Stopwatch.StartNew();
            while (!File.Exists(started) && !killed.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(50);
            Assert.IsTrue(File.Exists(started), "the build reached its assembler");
            killed.Kill(entireProcessTree: true);
            killed.WaitForExit();
        }
        string[] left = Directory.GetDirectories(temporary);
        Assert.HasCount(1, left, "the killed build's folder is left behind");
        StringAssert.StartsWith(Path.GetFileName(left[0]), "maru-");

        MaruRun next = MaruTool.Run(_directory.Path, ["build", "ok.l", "-o", "libok.so"], temporaryDirectory: temporary);

        Assert.AreEqual(0, next.ExitCode, next.ToString());
        string[] after = Directory.GetFileSystemEntries(temporary, "maru-*");
        Assert.IsEmpty(after, "the next build deleted it, and left nothing of its own: " + string.Join(", ", after));
    }

    // SIGINT is what Ctrl+C sends, but a process started in the background of a shell script (as a test run may be)
    // inherits SIGINT ignored, and .NET keeps it so: SIGTERM, handled the same way, is what this test can send.
    [TestMethod]
    public void SigtermStopsTheBuildItsToolAndItsFolderAndLeavesTheOutputAlone()
    {
        string temporary = Directory.CreateDirectory(_directory.File("tmp")).FullName;
        File.WriteAllText(_directory.File("libok.so"), "the previous library");
        string pidFile = _directory.File("pid");
        string assembler = HandWrittenAssembly.Script(_directory, "as", $"echo $$ > '{pidFile}'; exec sleep 60");
        try
        {
            using Process build = MaruTool.Start(_directory.Path, ["build", "ok.l", "-o", "libok.so"], temporary, Tools(assembler: assembler));
            var error = build.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            while (!File.Exists(pidFile) && !build.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(50);
            Assert.IsTrue(File.Exists(pidFile), "the build reached its assembler");
            Thread.Sleep(200); // the pid is written before exec: let sleep take its place

            // To maru only (Ctrl+C would signal the whole process group), so maru must stop the tool itself.
            var signal = NativeHarness.Run("kill", ["-TERM", build.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
            Assert.AreEqual(0, signal.ExitCode, signal.StandardError);
            Assert.IsTrue(build.WaitForExit(TimeSpan.FromSeconds(30)), "maru ends soon after SIGTERM");

            Assert.AreEqual(143, build.ExitCode, error.Result);
            Assert.Contains("cancelled", error.Result);
            Assert.AreEqual("the previous library", File.ReadAllText(_directory.File("libok.so")));
            Assert.IsEmpty(Directory.GetFileSystemEntries(temporary), "the build's folder is deleted");
            int tool = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.IsFalse(Directory.Exists($"/proc/{tool}") && !File.ReadAllText($"/proc/{tool}/stat").Contains(") Z ", StringComparison.Ordinal),
                "the assembler was killed");
        }
        finally
        {
            KillRecorded(pidFile);
        }
    }

    [TestMethod]
    public void TheFolderOfALiveBuildIsLeftAlone()
    {
        string temporary = Directory.CreateDirectory(_directory.File("tmp")).FullName;
        // Named as a build of this test process would name it: a process that runs.
        string live = Directory.CreateDirectory(Path.Combine(temporary, $"maru-build-{Environment.ProcessId}-AbC123")).FullName;

        MaruRun next = MaruTool.Run(_directory.Path, ["build", "ok.l", "-o", "libok.so"], temporaryDirectory: temporary);

        Assert.AreEqual(0, next.ExitCode, next.ToString());
        CollectionAssert.AreEqual(new[] { live }, Directory.GetFileSystemEntries(temporary, "maru-*"));
    }

    private static Dictionary<string, string> Tools(string? assembler = null, string? linker = null)
    {
        var environment = new Dictionary<string, string>();
        if (assembler is not null) environment["MARU_AS"] = assembler;
        if (linker is not null) environment["MARU_LD"] = linker;
        return environment;
    }

    private static void KillRecorded(string pidFile)
    {
        if (!File.Exists(pidFile)) return;
        try
        {
            using var process = Process.GetProcessById(int.Parse(File.ReadAllText(pidFile).Trim()));
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
        }
    }
}
