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

    private ToolEnvironment Environment(string host) =>
        new(host, name => _variables.GetValueOrDefault(name), [_llvm], []);

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
        foreach (string part in new[] { "no linker for osx-arm64", "'ld64.lld'", "'lld'", "MARU_LD_OSX_ARM64", "MARU_LD", "AssemblerPath option" })
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
}
