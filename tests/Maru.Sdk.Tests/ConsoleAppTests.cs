using Maru.Compiler.Tests;

namespace Maru.Sdk.Tests;

/// <summary>A console app with three .l files that call each other, one walking a C# array through a pointer; warnings are errors.</summary>
[TestClass]
public sealed class ConsoleAppTests
{
    private const string ExpectedOutput = """
        fib(20) = 6765
        square(12) = 144
        sum-of-squares(3) = 14
        sum = 19
        max = 9
        squares = 173

        """;

    private static string Obj(string project) => Path.Combine(project, "obj", "Debug", "net10.0");
    private static string Bin(string project) => Path.Combine(project, "bin", "Debug", "net10.0");
    private static string Library(string project, string name = "ConsoleApp.Native") => Path.Combine(Bin(project), $"lib{name}.so");
    // The native build is shared by every target framework: obj/<configuration>/maru/.
    private static string Maru(string project) => Path.Combine(project, "obj", "Debug", "maru");
    private static string Bindings(string project) => Path.Combine(Maru(project), "ConsoleApp.Maru.g.cs");

    private static ProcessResult RunApp(string project) => DotNet.Run(project, Path.Combine(Bin(project), "ConsoleApp.dll"));

    [TestMethod]
    public void BuildsRunsAndGeneratesTheBindings()
    {
        string project = SdkFixture.CopyAsset("ConsoleApp");

        // A design-time build generates the bindings and runs no native tool.
        ProcessResult designTime = DotNet.Run(project, "msbuild", "-restore", "-t:Compile", "-nodeReuse:false", "-p:DesignTimeBuild=true",
            "-p:SkipCompilerExecution=true", "-p:ProvideCommandLineArgs=true");
        DotNet.AssertSucceeded(designTime);
        Assert.IsTrue(File.Exists(Bindings(project)), designTime.Output);
        Assert.AreEqual(0, Directory.GetFiles(Path.Combine(project, "obj"), "*.o", SearchOption.AllDirectories).Length, "no object file in a design-time build");
        Assert.AreEqual(0, Directory.GetFiles(Path.Combine(project, "obj"), "*.so", SearchOption.AllDirectories).Length, "no library in a design-time build");

        ProcessResult build = DotNet.Build(project);
        DotNet.AssertSucceeded(build);
        StringAssert.Contains(build.Output, "0 Warning(s)");
        Snapshot.Verify(File.ReadAllText(Bindings(project)), "ConsoleApp.Maru.g.cs");

        Assert.IsTrue(File.Exists(Library(project)), "the library for this machine is next to the app");
        Assert.IsTrue(File.Exists(Path.Combine(Bin(project), "runtimes", SdkFixture.HostRid, "native", "libConsoleApp.Native.so")));
        ProcessResult run = RunApp(project);
        DotNet.AssertSucceeded(run);
        Assert.AreEqual(ExpectedOutput, run.Output.ReplaceLineEndings("\n"));
    }

    [TestMethod]
    public void IsIncrementalAndCleans()
    {
        string project = SdkFixture.CopyAsset("ConsoleApp");
        // The platform's tools: one object per source, so that an edit reassembles one file (the integrated toolchain relinks all).
        string csproj = Path.Combine(project, "ConsoleApp.csproj");
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace("</PropertyGroup>", "<MaruToolchain>external</MaruToolchain></PropertyGroup>"));
        DotNet.AssertSucceeded(DotNet.Build(project));
        string rid = SdkFixture.HostRid;
        string mathObject = Path.Combine(Maru(project), rid, "math.o");
        string arraysObject = Path.Combine(Maru(project), rid, "arrays.o");
        DateTime library = File.GetLastWriteTimeUtc(Library(project));
        DateTime arrays = File.GetLastWriteTimeUtc(arraysObject);

        // A second build runs no Maru tool, and -question agrees that everything is up to date.
        ProcessResult second = DotNet.Build(project);
        DotNet.AssertSucceeded(second);
        StringAssert.Contains(second.Output, "Skipping target \"MaruCompile\"");
        StringAssert.Contains(second.Output, "Skipping target \"MaruAssemble\"");
        StringAssert.Contains(second.Output, "Skipping target \"MaruLink\"");
        Assert.AreEqual(library, File.GetLastWriteTimeUtc(Library(project)));
        DotNet.AssertSucceeded(DotNet.Build(project, "-question"));

        // Editing one file reassembles only that file, relinks, and the app sees the change.
        File.WriteAllText(Path.Combine(project, "math.l"), File.ReadAllText(Path.Combine(project, "math.l")).Replace("(* x x)", "(+ 1000 (* x x))"));
        DotNet.AssertSucceeded(DotNet.Build(project));
        Assert.AreEqual(arrays, File.GetLastWriteTimeUtc(arraysObject), "arrays.l did not change: its object is kept");
        Assert.IsTrue(File.GetLastWriteTimeUtc(mathObject) > arrays);
        StringAssert.Contains(RunApp(project).Output, "square(12) = 1144");
        DotNet.AssertSucceeded(DotNet.Build(project, "-question"));

        // Adding a file adds its functions to the bindings; deleting it removes them.
        File.WriteAllText(Path.Combine(project, "extra.l"), "(define-function cube (x) (* x (square x)))\n");
        DotNet.AssertSucceeded(DotNet.Build(project));
        StringAssert.Contains(File.ReadAllText(Bindings(project)), "public static extern long Cube(long x);");
        Assert.IsTrue(File.Exists(Path.Combine(Maru(project), rid, "extra.o")));
        File.Delete(Path.Combine(project, "extra.l"));
        DotNet.AssertSucceeded(DotNet.Build(project));
        Assert.IsFalse(File.ReadAllText(Bindings(project)).Contains("Cube"));
        DotNet.AssertSucceeded(DotNet.Build(project, "-question"));

        // A Maru property change rebuilds: another library name gives another library, which the app loads.
        DotNet.AssertSucceeded(DotNet.Build(project, "-p:MaruLibraryName=Renamed"));
        Assert.IsTrue(File.Exists(Library(project, "Renamed")));
        StringAssert.Contains(File.ReadAllText(Bindings(project)), "public const string Library = \"Renamed\";");
        ProcessResult renamed = RunApp(project);
        DotNet.AssertSucceeded(renamed);
        StringAssert.Contains(renamed.Output, "fib(20) = 6765");

        // dotnet clean removes every output of the last build.
        DotNet.AssertSucceeded(DotNet.Run(project, "clean", "-nodeReuse:false", "-p:MaruLibraryName=Renamed"));
        Assert.IsFalse(File.Exists(Library(project, "Renamed")));
        Assert.IsFalse(Directory.Exists(Path.Combine(Bin(project), "runtimes")) &&
                       Directory.GetFiles(Path.Combine(Bin(project), "runtimes"), "*", SearchOption.AllDirectories).Length > 0);
        string[] left = Directory.Exists(Maru(project)) ? Directory.GetFiles(Maru(project), "*", SearchOption.AllDirectories) : [];
        Assert.AreEqual(0, left.Length, "left after clean: " + string.Join(", ", left));
    }

    [TestMethod]
    public void PublishCarriesTheLibrary()
    {
        string project = SdkFixture.CopyAsset("ConsoleApp");
        string output = Path.Combine(project, "published");
        DotNet.AssertSucceeded(DotNet.Run(project, "publish", "-r", SdkFixture.HostRid, "--self-contained", "false", "-o", output, "-nodeReuse:false"));
        Assert.IsTrue(File.Exists(Path.Combine(output, "libConsoleApp.Native.so")));
        Assert.IsFalse(Directory.Exists(Path.Combine(output, "runtimes")), "a RID-specific publish carries its library once, at the root");
        ProcessResult run = DotNet.Start(Path.Combine(output, "ConsoleApp"), output, []);
        DotNet.AssertSucceeded(run);
        Assert.AreEqual(ExpectedOutput, run.Output.ReplaceLineEndings("\n"));
    }
}
