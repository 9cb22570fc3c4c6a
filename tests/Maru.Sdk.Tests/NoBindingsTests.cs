namespace Maru.Sdk.Tests;

/// <summary>MaruGenerateBindings=false: the library is built and copied, and no bindings are generated or compiled.</summary>
[TestClass]
public sealed class NoBindingsTests
{
    [TestMethod]
    public void TheLibraryIsBuiltWithoutBindings()
    {
        string project = SdkFixture.CopyAsset("NoBindings");

        // The app declares Native.Triple itself: generated bindings would make it a duplicate and fail the build.
        DotNet.AssertSucceeded(DotNet.Build(project));

        Assert.IsEmpty(Directory.GetFiles(Path.Combine(project, "obj"), "*.Maru.g.cs", SearchOption.AllDirectories));
        string bin = Path.Combine(project, "bin", "Debug", "net10.0");
        ProcessResult run = DotNet.Run(project, Path.Combine(bin, "NoBindings.dll"));
        DotNet.AssertSucceeded(run);
        Assert.AreEqual("triple(14) = 42\n", run.Output.ReplaceLineEndings("\n"));
    }
}
