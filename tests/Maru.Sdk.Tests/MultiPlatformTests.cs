using System.IO.Compression;
using System.Text.Json;
using Maru.Compiler.Toolchain;
using Maru.Compiler.Targets;

namespace Maru.Sdk.Tests;

/// <summary>
/// Every platform in one build: one library per RID, each of its platform's format and architecture and exporting
/// exactly the unit's functions, and all of them in the package.
/// </summary>
[TestClass]
public sealed class MultiPlatformTests
{
    private static readonly string[] Buildable = ["linux-x64", "linux-arm64", "osx-x64", "osx-arm64", "win-x64"];

    [TestMethod]
    public void EveryRuntimeIdentifierGetsItsLibraryAndThePackageCarriesThemAll()
    {
        CollectionAssert.AreEquivalent(Buildable, Targets.SupportedRuntimeIdentifiers.Where(ToolchainCommands.IsSupported).ToArray());
        CollectionAssert.Contains(Buildable, SdkFixture.HostRid);
        string project = SdkFixture.CopyAsset("MathLib");
        string rids = string.Join("%3B", Buildable);

        DotNet.AssertSucceeded(DotNet.Build(project, $"-p:MaruRuntimeIdentifiers={rids}"));

        string bin = Path.Combine(project, "bin", "Debug", "net10.0");
        foreach (string rid in Buildable)
        {
            string library = Path.Combine(bin, "runtimes", rid, "native", NativeToolchain.LibraryFileName("MathLib.Native", rid));
            Assert.IsTrue(File.Exists(library), library);
            Assert.AreEqual(NativeFormat.Expected(rid), NativeFormat.Of(library), library);
            CollectionAssert.AreEqual(new[] { "gcd" }, NativeFormat.ExportedFunctions(library), library);
        }
        // Next to the assembly, where [DllImport] looks: the host's library, and no other.
        string hostLibrary = NativeToolchain.LibraryFileName("MathLib.Native", SdkFixture.HostRid);
        Assert.AreEqual(NativeFormat.Expected(SdkFixture.HostRid), NativeFormat.Of(Path.Combine(bin, hostLibrary)));
        foreach (string other in Buildable.Select(rid => NativeToolchain.LibraryFileName("MathLib.Native", rid)).Where(f => f != hostLibrary))
            Assert.IsFalse(File.Exists(Path.Combine(bin, other)), other);

        string packages = Path.Combine(project, "packages");
        DotNet.AssertSucceeded(DotNet.Run(project, "pack", "--no-build", "-c", "Debug", $"-p:MaruRuntimeIdentifiers={rids}", "-o", packages, "-nodeReuse:false"));
        using ZipArchive zip = ZipFile.OpenRead(Path.Combine(packages, "MathLib.1.0.0.nupkg"));
        string[] native = zip.Entries.Select(e => e.FullName).Where(n => n.StartsWith("runtimes/", StringComparison.Ordinal)).Order().ToArray();
        CollectionAssert.AreEqual(
            Buildable.Select(rid => $"runtimes/{rid}/native/{NativeToolchain.LibraryFileName("MathLib.Native", rid)}").Order().ToArray(), native);
    }

    [TestMethod]
    public void RuntimeIdentifiersThatFallBackToOursBuildAsTheirTarget()
    {
        // musl and distro RIDs of the .NET RID graph, each built by the code generator of the RID it falls back to.
        var rids = new Dictionary<string, string>
        {
            ["linux-musl-x64"] = "linux-x64", ["linux-musl-arm64"] = "linux-arm64", ["ubuntu.22.04-x64"] = "linux-x64", ["win10-x64"] = "win-x64",
        };
        string project = SdkFixture.CopyAsset("MathLib");

        DotNet.AssertSucceeded(DotNet.Build(project, $"-p:MaruRuntimeIdentifiers={string.Join("%3B", rids.Keys)}"));

        string bin = Path.Combine(project, "bin", "Debug", "net10.0");
        foreach (var (rid, target) in rids)
        {
            string library = Path.Combine(bin, "runtimes", rid, "native", NativeToolchain.LibraryFileName("MathLib.Native", rid));
            Assert.IsTrue(File.Exists(library), library);
            Assert.AreEqual(NativeFormat.Expected(target), NativeFormat.Of(library), library);
            CollectionAssert.AreEqual(new[] { "gcd" }, NativeFormat.ExportedFunctions(library), library);
        }
        // A musl library must not need glibc: no libc.so.6, no symbol version of glibc's.
        foreach (string rid in rids.Keys.Where(r => r.StartsWith("linux-musl-", StringComparison.Ordinal)))
        {
            string library = Path.Combine(bin, "runtimes", rid, "native", "libMathLib.Native.so");
            ProcessResult needed = DotNet.Start("llvm-readobj", bin, ["--needed-libs", "--dyn-syms", library]);
            DotNet.AssertSucceeded(needed);
            Assert.IsFalse(needed.Output.Contains("libc.so.6", StringComparison.Ordinal) || needed.Output.Contains("GLIBC_", StringComparison.Ordinal), needed.Output);
        }
    }

    [TestMethod]
    public void ARuntimeIdentifierThatFallsBackToNoneOfOursIsAnErrorNamingThoseThatBuild()
    {
        string project = SdkFixture.CopyAsset("MathLib");

        ProcessResult build = DotNet.Build(project, "-p:MaruRuntimeIdentifiers=freebsd-x64");

        Assert.AreNotEqual(0, build.ExitCode, build.Output);
        string error = DotNet.Errors(build).Single();
        StringAssert.StartsWith(error, "error MARU0905: MaruRuntimeIdentifiers: cannot build for 'freebsd-x64'");
        foreach (string rid in Buildable) StringAssert.Contains(error, rid);
    }

    [TestMethod]
    public void AnUnknownRuntimeIdentifierIsOneErrorAndNothingIsBuilt()
    {
        const string rid = "linux-riscv64";
        string project = SdkFixture.CopyAsset("MathLib");

        ProcessResult build = DotNet.Build(project, $"-p:MaruRuntimeIdentifiers={SdkFixture.HostRid}%3B{rid}");

        Assert.AreNotEqual(0, build.ExitCode, build.Output);
        string error = DotNet.Errors(build).Single();
        StringAssert.StartsWith(error, $"error MARU0905: MaruRuntimeIdentifiers: cannot build for '{rid}': it is not a known runtime identifier");
        Assert.IsFalse(Directory.Exists(Path.Combine(project, "obj", "Debug", "maru", SdkFixture.HostRid)), "nothing is compiled");
    }

    [TestMethod]
    public void ARuntimeIdentifiersOwnVariablesChooseItsToolsAndAChangeRelinks()
    {
        string project = SdkFixture.CopyAsset("NoBindings");
        string variable = SdkFixture.HostRid.ToUpperInvariant().Replace('-', '_');
        string[] build = ["build", "-nodeReuse:false", "-v:n"];

        ProcessResult binutils = DotNet.Start("dotnet", project, build);
        ProcessResult llvm = DotNet.Start("dotnet", project, build,
            new Dictionary<string, string> { ["MARU_AS_" + variable] = "llvm-mc", ["MARU_LD_" + variable] = "ld.lld" });

        DotNet.AssertSucceeded(binutils);
        DotNet.AssertSucceeded(llvm);
        StringAssert.Contains(llvm.Output, "llvm-mc -triple=", "assembled by llvm-mc with its own arguments");
        StringAssert.Contains(llvm.Output, "ld.lld -m ", "linked again, by ld.lld");
        ProcessResult run = DotNet.Run(project, Path.Combine(project, "bin", "Debug", "net10.0", "NoBindings.dll"));
        Assert.AreEqual("triple(14) = 42\n", run.Output.ReplaceLineEndings("\n"));
    }

    [TestMethod]
    public void TheTargetsNameEachLibraryAsTheCompilerDoes()
    {
        string project = SdkFixture.CopyAsset("MathLib");
        string[] rids = ["linux-x64", "linux-musl-arm64", "osx-arm64", "osx-x64", "win-x64", "win-arm64"];

        ProcessResult result = DotNet.Run(project, "msbuild", "-nodeReuse:false", "-t:_MaruComputeFiles", "-getItem:_MaruLibrary",
            $"-p:MaruRuntimeIdentifiers={string.Join("%3B", rids)}");

        DotNet.AssertSucceeded(result);
        var libraries = JsonDocument.Parse(result.Output).RootElement.GetProperty("Items").GetProperty("_MaruLibrary").EnumerateArray()
            .ToDictionary(i => i.GetProperty("RuntimeIdentifier").GetString()!, i => i.GetProperty("Filename").GetString() + i.GetProperty("Extension").GetString());
        foreach (string rid in rids)
            Assert.AreEqual(NativeToolchain.LibraryFileName("MathLib.Native", rid), libraries[rid], rid);
    }
}
