namespace Maru.Sdk.Tests;

/// <summary>
/// MaruToolchain: <c>auto</c> assembles and links in process where the compiler can (linux-x64), so a machine with the .NET
/// SDK and no binutils or LLVM builds; <c>external</c> uses the platform's tools.
/// </summary>
[TestClass]
public sealed class ToolchainTests
{
    /// <summary>A PATH that holds only <c>dotnet</c>: no <c>as</c>, <c>ld</c>, <c>llvm-mc</c> or <c>ld.lld</c> is reachable.</summary>
    private static Dictionary<string, string> OnlyDotNetOnPath()
    {
        string bin = Path.Combine(SdkFixture.NewFolder(), "bin");
        Directory.CreateDirectory(bin);
        string dotnet = Environment.GetEnvironmentVariable("PATH")!.Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "dotnet")).First(File.Exists);
        File.CreateSymbolicLink(Path.Combine(bin, "dotnet"), new FileInfo(dotnet).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? dotnet);
        return new Dictionary<string, string> { ["PATH"] = bin };
    }

    [TestMethod]
    public void AutoBuildsAndRunsOnLinuxX64WithNoAssemblerOrLinkerReachable()
    {
        Assert.AreEqual("linux-x64", SdkFixture.HostRid, "the integrated toolchain is linux-x64's");
        string project = SdkFixture.CopyAsset("ConsoleApp");
        Dictionary<string, string> environment = OnlyDotNetOnPath();
        using var hidden = new MountNamespaceWithoutLlvm();

        ProcessResult build = hidden.Run(project, environment, "dotnet", "build", "-nodeReuse:false", "-v:n");

        DotNet.AssertSucceeded(build);
        string obj = Path.Combine(project, "obj", "Debug", "maru", "linux-x64");
        Assert.AreEqual(0, Directory.GetFiles(obj, "*.o").Length, "linked in process from the .s files");
        ProcessResult run = DotNet.Start("dotnet", project, [Path.Combine(project, "bin", "Debug", "net10.0", "ConsoleApp.dll")], environment);
        DotNet.AssertSucceeded(run);
        StringAssert.Contains(run.Output, "fib(20) = 6765");

        // external asks for the platform's tools, which are not there: MARU0901, naming the assembler.
        ProcessResult external = hidden.Run(project, environment, "dotnet", "build", "-nodeReuse:false", "-p:MaruToolchain=external");
        Assert.AreNotEqual(0, external.ExitCode, external.Output);
        string missing = DotNet.Errors(external).First();
        StringAssert.StartsWith(missing, "error MARU0901:");
        StringAssert.Contains(missing, "assembler");
    }

    /// <summary>
    /// A private mount namespace (this test runs as root, as CI does) in which every <c>/usr/lib/llvm-*/bin</c> is an empty
    /// folder: the tool search looks there after PATH, so without this the machine's LLVM would still be found.
    /// </summary>
    private sealed class MountNamespaceWithoutLlvm : IDisposable
    {
        private readonly System.Diagnostics.Process _holder;

        public MountNamespaceWithoutLlvm()
        {
            _holder = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("unshare") { ArgumentList = { "--mount", "--propagation", "private", "sleep", "600" } })!;
            string pid = _holder.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            // unshare execs sleep once the namespace exists: wait for that, so that the mounts below land in it.
            for (int i = 0; i < 100 && File.ReadAllText($"/proc/{pid}/cmdline").StartsWith("unshare", StringComparison.Ordinal); i++) Thread.Sleep(20);
            foreach (string bin in Directory.GetDirectories("/usr/lib", "llvm-*").Select(d => Path.Combine(d, "bin")).Where(Directory.Exists))
                DotNet.AssertSucceeded(DotNet.Start("nsenter", "/", ["-t", pid, "-m", "mount", "-t", "tmpfs", "tmpfs", bin]));
        }

        public ProcessResult Run(string directory, IReadOnlyDictionary<string, string> environment, params string[] command) =>
            DotNet.Start("/usr/bin/nsenter", directory, ["-t", _holder.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "--wd=" + directory, "--", .. command], environment);

        public void Dispose()
        {
            _holder.Kill();
            _holder.WaitForExit();
            _holder.Dispose();
        }
    }

    [TestMethod]
    public void AnUnknownToolchainIsAnError()
    {
        string project = SdkFixture.CopyAsset("NoBindings");

        ProcessResult build = DotNet.Build(project, "-p:MaruToolchain=gcc");

        Assert.AreNotEqual(0, build.ExitCode, build.Output);
        StringAssert.StartsWith(DotNet.Errors(build).Single(), "error MARU0909: MaruToolchain 'gcc' is not one of auto, integrated, external");
    }
}
