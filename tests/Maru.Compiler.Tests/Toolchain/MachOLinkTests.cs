using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests.Toolchain;

/// <summary>
/// Mach-O libraries linked on Linux with llvm-mc and ld64.lld against a generated libSystem stub. A dylib cannot run here,
/// so each is checked with LLVM's object tools: the file type and CPU, the exports trie (the exported function only), the
/// libraries it uses (libSystem.B.dylib), its install name (@rpath/...), and which symbols stay local.
/// </summary>
[TestClass]
public sealed class MachOLinkTests
{
    private TemporaryDirectory _directory = null!;

    [TestInitialize]
    public void CreateDirectory() => _directory = new TemporaryDirectory();

    [TestCleanup]
    public void DeleteDirectory() => _directory.Dispose();

    private static AssemblyFile Fixture(string name) =>
        new("fixture.l", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Toolchain", "MachO", name)));

    private static string Tool(string tool, params string[] arguments)
    {
        ProgramRun run = NativeHarness.Run(tool, arguments, TimeSpan.FromMinutes(1));
        Assert.AreEqual(0, run.ExitCode, $"{tool} {string.Join(' ', arguments)}: {run.StandardError}");
        return run.StandardOutput;
    }

    private string Build(string rid, params AssemblyFile[] files)
    {
        string library = _directory.File(NativeToolchain.LibraryFileName("fixture", rid));
        var diagnostics = NativeToolchain.BuildLibrary(files, library, new ToolchainOptions(rid));
        Assert.IsEmpty(diagnostics, string.Join("\n", diagnostics));
        return library;
    }

    [TestMethod]
    [DataRow("osx-x64", "fixture-x64.s", "X86-64")]
    [DataRow("osx-arm64", "fixture-arm64.s", "Arm64")]
    public void ADylibExportsOnlyItsExportedFunctionAndUsesLibSystem(string rid, string fixture, string cpu)
    {
        string library = Build(rid, Fixture(fixture));

        Assert.AreEqual("libfixture.dylib", Path.GetFileName(library));
        string headers = Tool("llvm-readobj", "--file-headers", library);
        Assert.Contains($"CpuType: {cpu} ", headers);
        Assert.Contains("FileType: DynamicLibrary", headers);

        string trie = Tool("llvm-objdump", "--macho", "--exports-trie", library);
        string[] exports = trie.Split('\n').SkipWhile(l => l != "Exports trie:").Skip(1)
            .Where(l => l.Trim().Length > 0).Select(l => l.Trim().Split(' ').Last()).ToArray();
        CollectionAssert.AreEqual(new[] { "_answer" }, exports, trie);

        string[] dylibs = Tool("llvm-objdump", "--macho", "--dylibs-used", library).Split('\n').Skip(1)
            .Where(l => l.Trim().Length > 0).Select(l => l.Trim().Split(' ')[0]).ToArray();
        CollectionAssert.AreEquivalent(new[] { "@rpath/libfixture.dylib", "/usr/lib/libSystem.B.dylib" }, dylibs);
        Assert.AreEqual("@rpath/libfixture.dylib", Tool("llvm-objdump", "--macho", "--dylib-id", library).Trim().Split('\n').Last());

        var symbols = Tool("llvm-nm", library).Split('\n').Where(l => l.Length > 0)
            .Select(l => l[17..].Split(' ')).ToDictionary(s => s[1], s => s[0]);
        Assert.AreEqual("T", symbols["_answer"], "exported");
        Assert.AreEqual("t", symbols["_helper"], "private extern: local in the library");
        Assert.AreEqual("d", symbols["_counter"], "not global: local");
        Assert.AreEqual("U", symbols["_printf"], "from libSystem");
    }

    [TestMethod]
    public void TheStubListsExactlyWhatTheObjectsUseAndDoNotDefine()
    {
        // One object calls a function the other defines: that function is no libSystem symbol.
        AssemblyFile caller = new("caller.l", ".text\n.globl _first\n_first:\n  callq _second\n  callq _puts\n  retq\n.subsections_via_symbols\n");
        AssemblyFile callee = new("callee.l", ".text\n.globl _second\n_second:\n  callq _abort\n  retq\n.subsections_via_symbols\n");
        string objects = Directory.CreateDirectory(_directory.File("objects")).FullName;
        var diagnostics = new DiagnosticBag();
        var paths = new List<string>();
        foreach (AssemblyFile file in new[] { caller, callee })
        {
            string source = Path.Combine(objects, Path.GetFileNameWithoutExtension(file.SourcePath) + ".s");
            File.WriteAllText(source, file.Text);
            paths.Add(Path.ChangeExtension(source, ".o"));
            Tool("llvm-mc", "-triple=x86_64-apple-macos11.0", "-filetype=obj", "-o", paths[^1], source);
        }
        var environment = new ToolEnvironment("linux-x64", _ => null, [], []);
        string support = Directory.CreateDirectory(_directory.File("support")).FullName;

        var arguments = TargetToolchain.For("osx-x64", environment)!.Linkers.Single()
            .Arguments(new LinkRequest(paths, "libx.dylib", "libx.dylib", support), diagnostics);

        Assert.IsEmpty(diagnostics.Items);
        string stub = Path.Combine(support, "libSystem.tbd");
        CollectionAssert.Contains(arguments!.ToArray(), stub);
        Assert.AreEqual(MachOLink.LibSystemStub("x86_64", ["_abort", "_puts", "dyld_stub_binder"]), File.ReadAllText(stub));
    }

    [TestMethod]
    public void ADamagedObjectIsOneLinkerErrorNotACrash()
    {
        string damaged = _directory.File("damaged.o");
        File.WriteAllBytes(damaged, [0xCF, 0xFA, 0xED, 0xFE, 7, 0, 0, 1, 3, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0]);
        var environment = new ToolEnvironment("linux-x64", _ => null, [], []);
        var diagnostics = new DiagnosticBag();

        var arguments = TargetToolchain.For("osx-arm64", environment)!.Linkers.Single()
            .Arguments(new LinkRequest([damaged], "libx.dylib", "libx.dylib", _directory.Path), diagnostics);

        Assert.IsNull(arguments);
        Diagnostic error = diagnostics.Items.Single();
        Assert.AreEqual(DiagnosticCodes.LinkerError, error.Code);
        Assert.Contains("damaged.o", error.Message);
    }
}
