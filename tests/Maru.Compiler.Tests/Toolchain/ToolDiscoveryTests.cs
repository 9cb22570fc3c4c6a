using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests.Toolchain;

/// <summary>
/// Which tool is chosen for a runtime identifier on a host, in a made-up environment: fake tools (empty files) on a fake PATH
/// and in a fake LLVM folder, and environment variables given to the locator rather than set on the test process.
/// </summary>
[TestClass]
public sealed class ToolDiscoveryTests
{
    private TemporaryDirectory _directory = null!;
    private string _path = null!;
    private string _llvm = null!;
    private readonly Dictionary<string, string> _variables = [];

    [TestInitialize]
    public void CreateFolders()
    {
        _directory = new TemporaryDirectory();
        _path = Directory.CreateDirectory(_directory.File("bin")).FullName;
        _llvm = Directory.CreateDirectory(_directory.File("llvm-14/bin")).FullName;
        _variables["PATH"] = _path;
    }

    [TestCleanup]
    public void DeleteFolders() => _directory.Dispose();

    private ToolEnvironment Environment(string host, HostKind kind = HostKind.Debian) =>
        new(host, name => _variables.GetValueOrDefault(name), [_llvm], []) { Host = kind };

    private static string Tool(string folder, string name)
    {
        string path = Path.Combine(folder, name);
        File.WriteAllText(path, "");
        return path;
    }

    private string? Find(string rid, string host, ToolRole role, DiagnosticBag diagnostics, string? overridePath = null)
    {
        ToolEnvironment environment = Environment(host);
        TargetToolchain target = TargetToolchain.For(rid, environment)!;
        return ToolLocator.Find(role, rid, target.Candidates(role), overridePath, "the AssemblerPath option", environment, diagnostics);
    }

    [TestMethod]
    public void TheHostsBinutilsComeBeforeLlvm()
    {
        string gnu = Tool(_path, "as");
        Tool(_path, "llvm-mc");
        var diagnostics = new DiagnosticBag();

        Assert.AreEqual(gnu, Find("linux-x64", "linux-x64", ToolRole.Assembler, diagnostics));
        Assert.IsEmpty(diagnostics.Items);
    }

    [TestMethod]
    public void AnotherArchitectureTakesTheCrossBinutilsNotTheHostOnes()
    {
        Tool(_path, "as");
        string cross = Tool(_path, "aarch64-linux-gnu-as");

        Assert.AreEqual(cross, Find("linux-arm64", "linux-x64", ToolRole.Assembler, new DiagnosticBag()));
        Assert.AreEqual(Path.Combine(_path, "as"), Find("linux-arm64", "linux-arm64", ToolRole.Assembler, new DiagnosticBag()));
    }

    [TestMethod]
    public void WithoutBinutilsLlvmIsFoundInTheLlvmFolderAndGetsItsOwnArguments()
    {
        string llvmMc = Tool(_llvm, "llvm-mc");
        string lld = Tool(_llvm, "ld.lld");
        var diagnostics = new DiagnosticBag();

        Assert.AreEqual(llvmMc, Find("linux-arm64", "linux-x64", ToolRole.Assembler, diagnostics));
        Assert.AreEqual(lld, Find("linux-arm64", "linux-x64", ToolRole.Linker, diagnostics));
        Assert.IsEmpty(diagnostics.Items);

        TargetToolchain target = TargetToolchain.For("linux-arm64", Environment("linux-x64"))!;
        CollectionAssert.AreEqual(new[] { "-triple=aarch64-linux-gnu", "-filetype=obj", "-o", "x.o", "x.s" },
            ToolLocator.Flavour(llvmMc, target.Assemblers).Arguments("x.s", "x.o").ToArray());
        CollectionAssert.Contains(ToolLocator.Flavour(lld, target.Linkers).Arguments(new LinkRequest(["x.o"], "libx.so", "libx.so", _path), diagnostics)!.ToArray(),
            "aarch64linux");
    }

    [TestMethod]
    [DataRow("llvm-mc", "-triple=x86_64-linux-gnu")]
    [DataRow("llvm-mc-14", "-triple=x86_64-linux-gnu")]
    [DataRow("as", "--64")]
    [DataRow("x86_64-linux-gnu-as", "--64")]
    [DataRow("my-assembler", "--64")]
    [DataRow("llvm-mc-new", "--64")]
    public void AToolIsKnownByItsFileName(string fileName, string firstArgument)
    {
        TargetToolchain target = TargetToolchain.For("linux-x64", Environment("linux-x64"))!;

        Assert.AreEqual(firstArgument, ToolLocator.Flavour(Path.Combine(_path, fileName), target.Assemblers).Arguments("x.s", "x.o")[0]);
    }

    [TestMethod]
    public void TheOptionBeatsTheRuntimeIdentifiersVariableWhichBeatsTheGeneralOne()
    {
        Tool(_path, "as");
        string general = Tool(_directory.Path, "general-as");
        string specific = Tool(_directory.Path, "specific-as");
        string option = Tool(_directory.Path, "option-as");

        _variables["MARU_AS"] = general;
        Assert.AreEqual(general, Find("linux-x64", "linux-x64", ToolRole.Assembler, new DiagnosticBag()));
        _variables["MARU_AS_LINUX_X64"] = specific;
        Assert.AreEqual(specific, Find("linux-x64", "linux-x64", ToolRole.Assembler, new DiagnosticBag()));
        Assert.AreEqual(general, Find("linux-arm64", "linux-x64", ToolRole.Assembler, new DiagnosticBag()), "another RID's variable does not apply");
        Assert.AreEqual(option, Find("linux-x64", "linux-x64", ToolRole.Assembler, new DiagnosticBag(), overridePath: option));
    }

    [TestMethod]
    public void MacOSFromLinuxWithoutLldIsOneErrorNamingTheToolThePackageAndTheOverrides()
    {
        Tool(_path, "as");
        Tool(_path, "ld");
        Tool(_path, "llvm-mc");
        var diagnostics = new DiagnosticBag();

        Assert.IsNotNull(Find("osx-arm64", "linux-x64", ToolRole.Assembler, diagnostics));
        Assert.IsNull(Find("osx-arm64", "linux-x64", ToolRole.Linker, diagnostics));

        Diagnostic error = diagnostics.Items.Single();
        Assert.AreEqual(DiagnosticCodes.ToolNotFound, error.Code);
        foreach (string part in new[] { "no linker for osx-arm64", "'ld64.lld'", "sudo apt-get install llvm lld", "MARU_LD_OSX_ARM64", "MARU_LD", "AssemblerPath option" })
            Assert.Contains(part, error.Message);
        Assert.DoesNotContain("'ld'", error.Message, "the host's ELF linker is no candidate for Mach-O");
    }

    [TestMethod]
    public void AnOverrideThatPointsNowhereIsOneErrorSayingWhoSetIt()
    {
        _variables["MARU_LD_OSX_X64"] = "/nonexistent/ld64.lld";
        var diagnostics = new DiagnosticBag();

        Assert.IsNull(Find("osx-x64", "linux-x64", ToolRole.Linker, diagnostics));

        Diagnostic error = diagnostics.Items.Single();
        Assert.AreEqual(DiagnosticCodes.ToolNotFound, error.Code);
        Assert.Contains("'/nonexistent/ld64.lld' not found (set by MARU_LD_OSX_X64)", error.Message);
    }

    [TestMethod]
    public void OnAMacXcodesToolsComeFirstAndTheSdkReplacesTheLibSystemStub()
    {
        string sdk = Directory.CreateDirectory(_directory.File("MacOSX.sdk")).FullName;
        _variables["SDKROOT"] = sdk;
        TargetToolchain target = TargetToolchain.For("osx-arm64", Environment("osx-arm64"))!;
        string support = Directory.CreateDirectory(_directory.File("support")).FullName;

        CollectionAssert.AreEqual(new[] { "as", "llvm-mc" }, target.Assemblers.Select(a => a.Command).ToArray());
        CollectionAssert.AreEqual(new[] { "ld", "ld64.lld" }, target.Linkers.Select(l => l.Command).ToArray());
        string[] arguments = target.Linkers[0].Arguments(new LinkRequest(["a.o"], "out.dylib", "libx.dylib", support), new DiagnosticBag())!.ToArray();
        CollectionAssert.IsSubsetOf(new[] { "-syslibroot", sdk, "-lSystem", "-install_name", "@rpath/libx.dylib", "arm64" }, arguments);
        Assert.IsEmpty(Directory.GetFileSystemEntries(support), "no stub when there is an SDK");
    }

    // ---- MARU0901: one per runtime identifier, all at once, with this host's install command ----

    private IReadOnlyList<Diagnostic> MissingTools(HostKind kind, string host, params string[] rids) =>
        ToolchainCommands.MissingTools(rids, null, "the MaruAssemblerPath property", null, "the MaruLinkerPath property", Environment(host, kind));

    [TestMethod]
    [DataRow("Debian", "linux-x64", "install with 'sudo apt-get install binutils-mingw-w64-x86-64 mingw-w64-x86-64-dev'")]
    [DataRow("Fedora", "linux-x64", "install with 'sudo dnf install mingw64-binutils mingw64-crt'")]
    [DataRow("MacOS", "osx-arm64", "install with 'brew install mingw-w64'")]
    [DataRow("Windows", "win-x64", "install with 'winget install MSYS2.MSYS2'")]
    [DataRow("Other", "linux-x64", "install a package that provides 'x86_64-w64-mingw32-as' or 'x86_64-w64-mingw32-ld'")]
    public void AMissingToolchainIsOneErrorWithTheInstallCommandOfThisHost(string kind, string host, string install)
    {
        Diagnostic error = MissingTools(Enum.Parse<HostKind>(kind), host, "win-x64").Single();

        Assert.AreEqual(DiagnosticCodes.ToolNotFound, error.Code);
        Assert.AreEqual(
            "no assembler for win-x64: none of 'x86_64-w64-mingw32-as' was found on PATH or in the usual LLVM folders; " +
            "no linker for win-x64: none of 'x86_64-w64-mingw32-ld' was found on PATH or in the usual LLVM folders; " +
            install + ", or set MARU_AS_WIN_X64, MARU_AS or the MaruAssemblerPath property to the assembler's path " +
            "and MARU_LD_WIN_X64, MARU_LD or the MaruLinkerPath property to the linker's; see docs/prerequisites.md#win-x64",
            error.Message);
    }

    [TestMethod]
    [DataRow("Debian", "linux-x64", "linux-x64", "'sudo apt-get install binutils' or 'sudo apt-get install llvm lld'")]
    [DataRow("Debian", "linux-x64", "linux-arm64", "'sudo apt-get install binutils-aarch64-linux-gnu' or 'sudo apt-get install llvm lld'")]
    [DataRow("Debian", "linux-arm64", "linux-x64", "'sudo apt-get install binutils-x86-64-linux-gnu' or 'sudo apt-get install llvm lld'")]
    [DataRow("Fedora", "linux-x64", "linux-arm64", "'sudo dnf install binutils-aarch64-linux-gnu' or 'sudo dnf install llvm lld'")]
    [DataRow("Fedora", "linux-x64", "osx-x64", "'sudo dnf install llvm lld'")]
    [DataRow("MacOS", "osx-arm64", "osx-x64", "'xcode-select --install' or 'brew install llvm lld'")]
    [DataRow("MacOS", "osx-arm64", "linux-arm64", "'brew install llvm lld'")]
    [DataRow("Windows", "win-x64", "linux-x64", "'winget install LLVM.LLVM'")]
    [DataRow("Windows", "win-x64", "osx-arm64", "'winget install LLVM.LLVM'")]
    public void EachHostAndTargetHasItsInstallCommand(string kind, string host, string target, string commands)
    {
        Diagnostic error = MissingTools(Enum.Parse<HostKind>(kind), host, target).Single();

        StringAssert.Contains(error.Message, $"; install with {commands}, or set ");
        StringAssert.EndsWith(error.Message, $"; see docs/prerequisites.md#{target}");
    }

    [TestMethod]
    public void EveryRuntimeIdentifierMissingATool_IsReportedAtOnce_AndOnlyTheMissingToolIsNamed()
    {
        Tool(_path, "as");
        Tool(_path, "ld");
        Tool(_path, "llvm-mc");

        var errors = MissingTools(HostKind.Debian, "linux-x64", "linux-x64", "osx-arm64", "win-x64", "osx-arm64", "linux-riscv64");

        CollectionAssert.AreEqual(new[] { "no linker for osx-arm64", "no assembler for win-x64" }, errors.Select(e => e.Message[..e.Message.IndexOf(':')]).ToArray());
        Assert.IsTrue(errors.All(e => e.Code == DiagnosticCodes.ToolNotFound));
        StringAssert.Contains(errors[0].Message, "or set MARU_LD_OSX_ARM64, MARU_LD or the MaruLinkerPath property to the linker's path; see");
        Assert.DoesNotContain("assembler", errors[0].Message);
    }

    [TestMethod]
    public void AnOverrideAppliesToEveryRuntimeIdentifier()
    {
        string assembler = Tool(_directory.Path, "my-as");

        var errors = ToolchainCommands.MissingTools(["linux-x64", "win-x64"], assembler, "the MaruAssemblerPath property", "/nonexistent/ld",
            "the MaruLinkerPath property", Environment("linux-x64"));

        Assert.AreEqual(2, errors.Count);
        Assert.IsTrue(errors.All(e => e.Message.StartsWith("linker '/nonexistent/ld' not found (set by the MaruLinkerPath property); install with", StringComparison.Ordinal)),
            string.Join("\n", errors));
    }

    [TestMethod]
    [DataRow("PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nNAME=\"Debian GNU/Linux\"\nID=debian\n", "Debian")]
    [DataRow("NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\n", "Debian")]
    [DataRow("NAME=\"Linux Mint\"\nID=linuxmint\nID_LIKE=\"ubuntu debian\"\n", "Debian")]
    [DataRow("NAME=\"Fedora Linux\"\nID=fedora\n", "Fedora")]
    [DataRow("NAME=\"Rocky Linux\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n", "Fedora")]
    [DataRow("NAME=\"Arch Linux\"\nID=arch\n", "Other")]
    [DataRow("NAME=Alpine\nID=alpine\nVERSION_ID=3.20\n", "Other")]
    [DataRow("", "Other")]
    public void TheLinuxDistributionComesFromOsRelease(string osRelease, string expected) =>
        Assert.AreEqual(Enum.Parse<HostKind>(expected), InstallHints.FromOsRelease(osRelease));
}
