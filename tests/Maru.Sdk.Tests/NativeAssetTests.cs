using System.IO.Compression;
using System.Text.Json;
using Maru.Compiler.Toolchain;

namespace Maru.Sdk.Tests;

/// <summary>
/// Native libraries laid out as NuGet lays out a package's: runtimeTargets in a portable app's deps.json, one library at the
/// root of a RID-specific output, the referencing app's RID through a ProjectReference, one native build for all target frameworks.
/// </summary>
[TestClass]
public sealed class NativeAssetTests
{
    private static readonly string[] FiveRids = ["linux-x64", "linux-arm64", "osx-x64", "osx-arm64", "win-x64"];

    private static void SetProperty(string project, string name, string value)
    {
        string text = File.ReadAllText(project);
        File.WriteAllText(project, text.Replace("</PropertyGroup>", $"<{name}>{value}</{name}></PropertyGroup>"));
    }

    private static int Count(string log, string line) => log.Split('\n').Count(l => l.Contains(line, StringComparison.Ordinal));

    /// <summary>The runtimeTargets of the app's own entry in its deps.json: asset path to RID.</summary>
    private static Dictionary<string, string> RuntimeTargets(string bin)
    {
        using JsonDocument deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(bin, "ConsoleApp.deps.json")));
        return deps.RootElement.GetProperty("targets").EnumerateObject().Single().Value.GetProperty("ConsoleApp/1.0.0").GetProperty("runtimeTargets")
            .EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetProperty("rid").GetString()!);
    }

    [TestMethod]
    public void APortableAppFindsItsLibraryThroughDepsJsonWithoutTheRootCopy()
    {
        string project = SdkFixture.CopyAsset("ConsoleApp");
        DotNet.AssertSucceeded(DotNet.Build(project, "-p:MaruRuntimeIdentifiers=linux-x64%3Bwin-x64"));
        string bin = Path.Combine(project, "bin", "Debug", "net10.0");

        using (JsonDocument deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(bin, "ConsoleApp.deps.json"))))
        {
            JsonElement runtimeTargets = deps.RootElement.GetProperty("targets").EnumerateObject().Single().Value.GetProperty("ConsoleApp/1.0.0").GetProperty("runtimeTargets");
            Assert.AreEqual("linux-x64", runtimeTargets.GetProperty("runtimes/linux-x64/native/libConsoleApp.Native.so").GetProperty("rid").GetString());
            Assert.AreEqual("native", runtimeTargets.GetProperty("runtimes/win-x64/native/ConsoleApp.Native.dll").GetProperty("assetType").GetString());
        }
        // A second build, up to date, keeps the list without rewriting deps.json (no task runs for it).
        ProcessResult second = DotNet.Build(project, "-p:MaruRuntimeIdentifiers=linux-x64%3Bwin-x64");
        DotNet.AssertSucceeded(second);
        StringAssert.Contains(second.Output, "Skipping target \"_MaruListRuntimeTargets\"");
        Assert.AreEqual(2, RuntimeTargets(bin).Count);
        DotNet.AssertSucceeded(DotNet.Build(project, "-p:MaruRuntimeIdentifiers=linux-x64%3Bwin-x64", "-question"));
        // Another list of RIDs, with deps.json itself up to date, lists the new set.
        DotNet.AssertSucceeded(DotNet.Build(project, "-p:MaruRuntimeIdentifiers=linux-x64%3Bosx-arm64%3Bwin-x64"));
        CollectionAssert.AreEquivalent(new[] { "linux-x64", "osx-arm64", "win-x64" }, RuntimeTargets(bin).Values.ToArray());
        DotNet.AssertSucceeded(DotNet.Build(project, "-p:MaruRuntimeIdentifiers=linux-x64%3Bwin-x64"));
        File.Delete(Path.Combine(bin, "libConsoleApp.Native.so"));

        ProcessResult run = DotNet.Run(project, Path.Combine(bin, "ConsoleApp.dll"));

        DotNet.AssertSucceeded(run);
        StringAssert.Contains(run.Output, "fib(20) = 6765");
    }

    [TestMethod]
    public void APortableAppUsingMaruSdkFindsAReferencedLibraryThroughDepsJsonWithoutTheRootCopy()
    {
        string folder = SdkFixture.NewFolder();
        string library = SdkFixture.CopyAsset("MathLib", folder);
        string app = SdkFixture.CopyAsset("LibConsumer", folder);
        SetProperty(Path.Combine(library, "MathLib.csproj"), "MaruRuntimeIdentifiers", "linux-x64;win-x64");
        // The app has no Maru source: Maru.Sdk asks the referenced library for its libraries and lists them in the app's deps.json.
        string csproj = Path.Combine(app, "LibConsumer.csproj");
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace("<Project Sdk=\"Microsoft.NET.Sdk\">", "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <Sdk Name=\"Maru.Sdk\" />"));
        DotNet.AssertSucceeded(DotNet.Build(app));
        string bin = Path.Combine(app, "bin", "Debug", "net10.0");

        using (JsonDocument deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(bin, "LibConsumer.deps.json"))))
        {
            JsonElement runtimeTargets = deps.RootElement.GetProperty("targets").EnumerateObject().Single().Value.GetProperty("MathLib/1.0.0").GetProperty("runtimeTargets");
            Assert.AreEqual("linux-x64", runtimeTargets.GetProperty("runtimes/linux-x64/native/libMathLib.Native.so").GetProperty("rid").GetString());
            Assert.AreEqual("win-x64", runtimeTargets.GetProperty("runtimes/win-x64/native/MathLib.Native.dll").GetProperty("rid").GetString());
        }
        File.Delete(Path.Combine(bin, "libMathLib.Native.so"));

        ProcessResult run = DotNet.Run(app, Path.Combine(bin, "LibConsumer.dll"));

        DotNet.AssertSucceeded(run);
        StringAssert.Contains(run.Output, "gcd(84, 36) = 12");
    }

    [TestMethod]
    public void AWinX64PublishOfAnAppReferencingAFiveRidLibraryCarriesTheWindowsLibraryAloneAndRunsUnderWine()
    {
        string folder = SdkFixture.NewFolder();
        string library = SdkFixture.CopyAsset("MathLib", folder);
        string app = SdkFixture.CopyAsset("LibConsumer", folder);
        SetProperty(Path.Combine(library, "MathLib.csproj"), "MaruRuntimeIdentifiers", string.Join(';', FiveRids));
        string output = Path.Combine(app, "published");

        // Self-contained: the wine prefix has no .NET runtime (the win-x64 runtime pack comes from NuGet, as for any RID-specific restore).
        DotNet.AssertSucceeded(DotNet.Run(app, "publish", "-r", "win-x64", "--self-contained", "true", "-o", output, "-nodeReuse:false"));

        // The app's RID reached the library (IsRidAgnostic=false): the Windows DLL at the root, no other platform's library anywhere.
        string dll = Path.Combine(output, "MathLib.Native.dll");
        Assert.AreEqual("PE x86-64", NativeFormat.Of(dll));
        CollectionAssert.AreEqual(new[] { "gcd" }, NativeFormat.ExportedFunctions(dll));
        string[] native = Directory.GetFiles(output, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f).Contains("MathLib.Native", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(output, f)).ToArray();
        CollectionAssert.AreEqual(new[] { "MathLib.Native.dll" }, native, string.Join(", ", native));

        ProcessResult run = Wine.Run(Path.Combine(output, "LibConsumer.exe"));

        DotNet.AssertSucceeded(run);
        StringAssert.Contains(run.Output, "gcd(84, 36) = 12");
    }

    [TestMethod]
    public void AToolPackageOfAnAppReferencingAMaruLibraryInstallsAndRuns()
    {
        string folder = SdkFixture.NewFolder();
        string library = SdkFixture.CopyAsset("MathLib", folder);
        string app = SdkFixture.CopyAsset("LibConsumer", folder);
        SetProperty(Path.Combine(library, "MathLib.csproj"), "MaruRuntimeIdentifiers", "linux-x64;win-x64");
        SetProperty(Path.Combine(app, "LibConsumer.csproj"), "PackAsTool", "true");
        SetProperty(Path.Combine(app, "LibConsumer.csproj"), "ToolCommandName", "libconsumer");
        string packages = Path.Combine(folder, "packages"), tools = Path.Combine(folder, "tools");

        DotNet.AssertSucceeded(DotNet.Run(app, "pack", "-o", packages, "-nodeReuse:false"));
        using (ZipArchive zip = ZipFile.OpenRead(Path.Combine(packages, "LibConsumer.1.0.0.nupkg")))
        {
            string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
            foreach (string expected in new[] { "tools/net10.0/any/MathLib.dll", "tools/net10.0/any/runtimes/linux-x64/native/libMathLib.Native.so",
                         "tools/net10.0/any/runtimes/win-x64/native/MathLib.Native.dll" })
                CollectionAssert.Contains(entries, expected, string.Join(", ", entries));
        }
        DotNet.AssertSucceeded(DotNet.Run(folder, "tool", "install", "LibConsumer", "--tool-path", tools, "--add-source", packages));

        ProcessResult run = DotNet.Start(Path.Combine(tools, "libconsumer"), folder, []);

        DotNet.AssertSucceeded(run);
        StringAssert.Contains(run.Output, "gcd(84, 36) = 12");
    }

    [TestMethod]
    public void AMultiTargetedLibraryBuildsItsNativeCodeOncePacksAndIsConsumed()
    {
        string folder = SdkFixture.NewFolder();
        string library = SdkFixture.CopyAsset("MathLib", folder);
        string csproj = Path.Combine(library, "MathLib.csproj");
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace("<TargetFramework>net10.0</TargetFramework>", "<TargetFrameworks>net8.0;net10.0</TargetFrameworks>"));
        SetProperty(csproj, "MaruRuntimeIdentifiers", "linux-x64;win-x64");
        string packages = Path.Combine(folder, "packages");

        ProcessResult pack = DotNet.Run(library, "pack", "-o", packages, "-nodeReuse:false", "-v:d");

        DotNet.AssertSucceeded(pack);
        // One compile and one link of each library for both target frameworks, in obj/Release/maru/.
        Assert.AreEqual(1, Count(pack.Output, "Task \"MaruCompile\""), "compiled once");
        Assert.AreEqual(1, Count(pack.Output, "Task \"MaruLinkIntegrated\""), "linux-x64 linked once");
        Assert.AreEqual(1, Count(pack.Output, "Task \"MaruLink\""), "win-x64 linked once");
        Assert.IsFalse(Directory.Exists(Path.Combine(library, "obj", "Release", "net8.0", "maru")));
        Assert.IsFalse(Directory.Exists(Path.Combine(library, "obj", "Release", "net10.0", "maru")));
        using (ZipArchive zip = ZipFile.OpenRead(Path.Combine(packages, "MathLib.1.0.0.nupkg")))
        {
            string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
            foreach (string expected in new[] { "lib/net8.0/MathLib.dll", "lib/net10.0/MathLib.dll",
                         "runtimes/linux-x64/native/libMathLib.Native.so", "runtimes/win-x64/native/MathLib.Native.dll" })
                CollectionAssert.Contains(entries, expected, string.Join(", ", entries));
        }

        ProcessResult run = SdkFixture.RunPackageConsumer(folder, packages);
        StringAssert.Contains(run.Output, "gcd(84, 36) = 12");
    }

    [TestMethod]
    public void ANativeAotPublishLinksTheMaruCodeIntoTheExecutable()
    {
        string project = SdkFixture.CopyAsset("ConsoleApp");
        string output = Path.Combine(project, "aot");

        DotNet.AssertSucceeded(DotNet.Run(project, "publish", "-r", "linux-x64", "-p:PublishAot=true", "-o", output, "-nodeReuse:false"));

        string[] libraries = Directory.GetFiles(output, "*.so", SearchOption.AllDirectories);
        Assert.AreEqual(0, libraries.Length, "no shared library is published: " + string.Join(", ", libraries));
        ProcessResult run = DotNet.Start(Path.Combine(output, "ConsoleApp"), output, []);
        DotNet.AssertSucceeded(run);
        StringAssert.Contains(run.Output, "fib(20) = 6765");
        StringAssert.Contains(run.Output, "squares = 173");

        // The archive makes only the exported functions global: the names of the shared library's dynamic symbols.
        string maru = Path.Combine(project, "obj", "Release", "linux-x64", "maru", "linux-x64");
        ProcessResult symbols = DotNet.Start("llvm-nm", maru, ["--extern-only", "--defined-only", "--format=just-symbols", Path.Combine(maru, "static", "libConsoleApp.Native.a")]);
        DotNet.AssertSucceeded(symbols);
        string[] global = symbols.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.EndsWith(':')).Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(NativeFormat.ExportedFunctions(Path.Combine(maru, "native", "libConsoleApp.Native.so")), global);
    }

    [TestMethod]
    public void ASingleFilePublishKeepsTheLibraryBesideTheExecutable()
    {
        string project = SdkFixture.CopyAsset("ConsoleApp");
        string output = Path.Combine(project, "single");

        DotNet.AssertSucceeded(DotNet.Run(project, "publish", "-r", "linux-x64", "--self-contained", "false", "-p:PublishSingleFile=true", "-o", output, "-nodeReuse:false"));

        CollectionAssert.AreEquivalent(new[] { "ConsoleApp", "libConsoleApp.Native.so" },
            Directory.GetFiles(output).Select(Path.GetFileName).Where(f => !f!.EndsWith(".pdb", StringComparison.Ordinal) && !f.EndsWith(".xml", StringComparison.Ordinal)).ToArray());
        ProcessResult run = DotNet.Start(Path.Combine(output, "ConsoleApp"), output, []);
        DotNet.AssertSucceeded(run);
        StringAssert.Contains(run.Output, "fib(20) = 6765");
    }
}
