using System.Text.Json;
using System.Xml.Linq;

namespace Maru.Sdk.Tests;

/// <summary>Properties and items as MSBuild evaluates them (no build): defaults, overrides, Watch items.</summary>
[TestClass]
public sealed class EvaluationTests
{
    private static JsonElement Evaluate(string project, params string[] arguments)
    {
        ProcessResult result = DotNet.Run(project, ["msbuild", "-nodeReuse:false",
            "-getProperty:UsingMaruSdk", "-getProperty:MaruLibraryName", "-getProperty:MaruRuntimeIdentifiers",
            "-getProperty:MaruBindingsNamespace", "-getProperty:MaruGenerateBindings", "-getProperty:EnableDefaultMaruSourceItems",
            "-getItem:MaruSource", "-getItem:Watch", .. arguments]);
        DotNet.AssertSucceeded(result);
        return JsonDocument.Parse(result.Output).RootElement;
    }

    private static string Property(JsonElement evaluation, string name) => evaluation.GetProperty("Properties").GetProperty(name).GetString()!;

    private static string[] Items(JsonElement evaluation, string name) =>
        evaluation.GetProperty("Items").TryGetProperty(name, out JsonElement items)
            ? items.EnumerateArray().Select(i => i.GetProperty("Filename").GetString() + i.GetProperty("Extension").GetString()).Order().ToArray()
            : [];

    [TestMethod]
    public void DefaultsAndWatchItems()
    {
        string project = SdkFixture.CopyAsset("ConsoleApp");
        JsonElement evaluation = Evaluate(project);
        Assert.AreEqual("true", Property(evaluation, "UsingMaruSdk"));
        Assert.AreEqual("ConsoleApp.Native", Property(evaluation, "MaruLibraryName"));
        Assert.AreEqual(SdkFixture.HostRid, Property(evaluation, "MaruRuntimeIdentifiers"));
        Assert.AreEqual("ConsoleApp", Property(evaluation, "MaruBindingsNamespace"));
        Assert.AreEqual("true", Property(evaluation, "MaruGenerateBindings"));
        Assert.AreEqual("false", Property(evaluation, "EnableDefaultMaruSourceItems"));
        CollectionAssert.AreEqual(new[] { "arrays.l", "math.l", "series.l" }, Items(evaluation, "MaruSource"));
        CollectionAssert.IsSubsetOf(new[] { "arrays.l", "math.l", "series.l" }, Items(evaluation, "Watch"));
    }

    [TestMethod]
    public void TheProjectRuntimeIdentifierAndOverridesWin()
    {
        string project = SdkFixture.CopyAsset("ConsoleApp");
        JsonElement evaluation = Evaluate(project, "-p:RuntimeIdentifier=linux-arm64", "-p:MaruLibraryName=Fast", "-p:MaruBindingsNamespace=Other.Place");
        Assert.AreEqual("linux-arm64", Property(evaluation, "MaruRuntimeIdentifiers"));
        Assert.AreEqual("Fast", Property(evaluation, "MaruLibraryName"));
        Assert.AreEqual("Other.Place", Property(evaluation, "MaruBindingsNamespace"));
        JsonElement both = Evaluate(project, "-p:RuntimeIdentifier=linux-arm64", "-p:MaruRuntimeIdentifiers=linux-x64%3Blinux-arm64");
        Assert.AreEqual("linux-x64;linux-arm64", Property(both, "MaruRuntimeIdentifiers"));
    }

    [TestMethod]
    public void DefaultSourceItemsAreOptIn()
    {
        string project = SdkFixture.CopyAsset("MathLib");
        File.WriteAllText(Path.Combine(project, "MathLib.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <Sdk Name="Maru.Sdk" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <EnableDefaultMaruSourceItems>true</EnableDefaultMaruSourceItems>
              </PropertyGroup>
            </Project>
            """);
        Directory.CreateDirectory(Path.Combine(project, "more"));
        File.WriteAllText(Path.Combine(project, "more", "extra.l"), "(define-function extra () 1)\n");
        CollectionAssert.AreEqual(new[] { "extra.l", "gcd.l" }, Items(Evaluate(project), "MaruSource"));
    }

    [TestMethod]
    public void OnALinuxX64HostTheTasksLoadFromTheCopyCompiledAheadOfTime()
    {
        // The package has the tasks twice: IL for every host, and ReadyToRun (native code beside the IL) for linux-x64.
        string project = SdkFixture.CopyAsset("NoBindings");
        string tasks = Property(Evaluate(project, "-getProperty:_MaruTasksAssembly"), "_MaruTasksAssembly");
        string ilCopy = Path.Combine(SdkFixture.PackagesCache, "maru.sdk", SdkFixture.Version, "tools", "net10.0");
        Assert.IsFalse(HasNativeCode(Path.Combine(ilCopy, "Maru.Compiler.dll")));
        if (SdkFixture.HostRid != "linux-x64")
        {
            Assert.AreEqual(Path.Combine(ilCopy, "Maru.Build.Tasks.dll"), tasks);
            return;
        }
        Assert.AreEqual(Path.Combine(ilCopy, "linux-x64", "Maru.Build.Tasks.dll"), tasks);
        Assert.IsTrue(HasNativeCode(tasks));
        Assert.IsTrue(HasNativeCode(Path.Combine(ilCopy, "linux-x64", "Maru.Compiler.dll")));

        static bool HasNativeCode(string assembly)
        {
            using var reader = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(assembly));
            return reader.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0;
        }
    }

    [TestMethod]
    public void TheTasksRunOnDotNetInProcessAndInTheDotNetTaskHostOfMSBuildOnNetFramework()
    {
        // Visual Studio's MSBuild runs on .NET Framework: each task declares Runtime="NET", and there the task host factory.
        XNamespace none = "";
        var usingTasks = Directory.GetFiles(Path.Combine(SdkFixture.RepositoryRoot, "sdk", "Maru.Sdk", "build"), "*.targets")
            .SelectMany(f => XDocument.Load(f).Descendants(none + "UsingTask")).ToList();
        Assert.IsNotEmpty(usingTasks);
        foreach (XElement task in usingTasks)
        {
            Assert.AreEqual("NET", (string?)task.Attribute("Runtime"), task.ToString());
            Assert.AreEqual("$(_MaruTaskFactory)", (string?)task.Attribute("TaskFactory"), task.ToString());
        }
        string project = SdkFixture.CopyAsset("NoBindings");
        JsonElement evaluation = Evaluate(project, "-getProperty:_MaruTaskFactory", "-getProperty:MSBuildRuntimeType");
        Assert.AreEqual("Core", Property(evaluation, "MSBuildRuntimeType"));
        Assert.AreEqual("AssemblyTaskFactory", Property(evaluation, "_MaruTaskFactory"), "in the dotnet build process, not a task host");
    }
}
