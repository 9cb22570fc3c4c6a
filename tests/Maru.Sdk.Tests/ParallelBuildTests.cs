namespace Maru.Sdk.Tests;

/// <summary>Several independent projects that use Maru.Sdk, built at once by one <c>dotnet build -m</c> of a solution.</summary>
[TestClass]
public sealed class ParallelBuildTests
{
    private static readonly string[] Projects = ["Alpha", "Beta", "Gamma"];

    [TestMethod]
    public void ASolutionOfThreeMaruProjectsBuildsInParallel()
    {
        string folder = SdkFixture.NewFolder();
        foreach (string name in Projects)
        {
            // Each a copy of NoBindings under its own name: its own assembly, library and [DllImport].
            string project = Path.Combine(folder, name);
            Directory.Move(SdkFixture.CopyAsset("NoBindings", folder), project);
            File.Move(Path.Combine(project, "NoBindings.csproj"), Path.Combine(project, name + ".csproj"));
            string program = Path.Combine(project, "Program.cs");
            File.WriteAllText(program, File.ReadAllText(program).Replace("NoBindings", name).Replace("triple(14)", $"{name} triple(14)"));
        }
        DotNet.AssertSucceeded(DotNet.Run(folder, "new", "sln", "-n", "All"));
        string solution = Directory.GetFiles(folder, "All.sln*").Single();
        DotNet.AssertSucceeded(DotNet.Run(folder, ["sln", solution, "add", .. Projects.Select(p => Path.Combine(p, p + ".csproj"))]));

        ProcessResult build = DotNet.Build(folder, solution, "-m:3");

        DotNet.AssertSucceeded(build);
        StringAssert.Contains(build.Output, "node 3", "built by three MSBuild nodes");
        foreach (string name in Projects)
        {
            string bin = Path.Combine(folder, name, "bin", "Debug", "net10.0");
            Assert.IsTrue(File.Exists(Path.Combine(bin, Maru.Compiler.Toolchain.NativeToolchain.LibraryFileName(name + ".Native", SdkFixture.HostRid))), name);
            ProcessResult run = DotNet.Run(folder, Path.Combine(bin, name + ".dll"));
            DotNet.AssertSucceeded(run);
            Assert.AreEqual($"{name} triple(14) = 42\n", run.Output.ReplaceLineEndings("\n"));
        }
    }
}
