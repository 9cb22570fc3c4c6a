using System.IO.Compression;

namespace Maru.Sdk.Tests;

/// <summary>A class library that uses Maru.Sdk, consumed by an app through a ProjectReference and through its packed .nupkg.</summary>
[TestClass]
public sealed class LibraryTests
{
    private const string ExpectedOutput = "12/18 = 2/3\ngcd(84, 36) = 12\n";

    [TestMethod]
    public void ProjectReferenceBringsTheNativeLibrary()
    {
        string folder = SdkFixture.NewFolder();
        string library = SdkFixture.CopyAsset("MathLib", folder);
        string app = SdkFixture.CopyAsset("LibConsumer", folder);
        // The other way to name the version: on the Sdk element, with a global.json here that pins no msbuild-sdks.
        File.WriteAllText(Path.Combine(folder, "global.json"), """{ "sdk": { "version": "10.0.100", "rollForward": "latestFeature" } }""");
        string project = Path.Combine(library, "MathLib.csproj");
        File.WriteAllText(project, File.ReadAllText(project).Replace("<Sdk Name=\"Maru.Sdk\" />", $"<Sdk Name=\"Maru.Sdk\" Version=\"{SdkFixture.Version}\" />"));
        StringAssert.Contains(File.ReadAllText(project), $"Version=\"{SdkFixture.Version}\"");

        // -m: the library and the app build in parallel nodes.
        DotNet.AssertSucceeded(DotNet.Build(app, "-m:2"));
        string bin = Path.Combine(app, "bin", "Debug", "net10.0");
        Assert.IsTrue(File.Exists(Path.Combine(bin, "libMathLib.Native.so")));
        ProcessResult run = DotNet.Run(app, Path.Combine(bin, "LibConsumer.dll"));
        DotNet.AssertSucceeded(run);
        Assert.AreEqual(ExpectedOutput, run.Output.ReplaceLineEndings("\n"));
    }

    [TestMethod]
    public void PackPutsTheLibraryUnderRuntimesAndAPackageConsumerRunsIt()
    {
        string folder = SdkFixture.NewFolder();
        string library = SdkFixture.CopyAsset("MathLib", folder);
        string packages = Path.Combine(folder, "packages");
        DotNet.AssertSucceeded(DotNet.Run(library, "pack", "-o", packages, "-nodeReuse:false"));

        string package = Path.Combine(packages, "MathLib.1.0.0.nupkg");
        using (ZipArchive zip = ZipFile.OpenRead(package))
        {
            string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
            CollectionAssert.Contains(entries, $"runtimes/{SdkFixture.HostRid}/native/libMathLib.Native.so", string.Join(", ", entries));
            CollectionAssert.Contains(entries, "lib/net10.0/MathLib.dll");
            Assert.IsFalse(entries.Any(e => e.EndsWith(".l", StringComparison.Ordinal) || e.EndsWith(".s", StringComparison.Ordinal) || e.EndsWith(".o", StringComparison.Ordinal)),
                string.Join(", ", entries));
        }

        // The consumer restores MathLib from this test's own folder, next to the SDK feed.
        ProcessResult run = SdkFixture.RunPackageConsumer(folder, packages);
        Assert.AreEqual(ExpectedOutput, run.Output.ReplaceLineEndings("\n"));
    }
}
