using System.Diagnostics;
using Maru.Compiler.Bindings;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests.Bindings;

/// <summary>
/// The generated C# in a real project built with <c>AnalysisMode=All</c>, warnings as errors and documentation checked: it must
/// build without a warning, and the app must find the library next to its assembly when started from another folder.
/// </summary>
[TestClass]
public sealed class BindingsInARealBuildTests
{
    private const string Source = """
        (define-function fib (n) "The nth Fibonacci number." (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
        (define-function to-string () 7)
        (define-function get-type () 8)
        (define-function get-hash-code () 9)
        (define-function memberwise-clone () 10)
        (define-function finalize () 11)
        (define-function equals (a) a)
        (define-function reference-equals (a b) (+ a b))
        (define-function to-string-of (x) x)
        """;

    private const string Project = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <AnalysisMode>All</AnalysisMode>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
            <GenerateDocumentationFile>true</GenerateDocumentationFile>
          </PropertyGroup>
          <ItemGroup>
            <None Include="LIBRARY" CopyToOutputDirectory="PreserveNewest" />
          </ItemGroup>
        </Project>
        """;

    private const string Program = """
        namespace Probe;

        internal static class Program
        {
            private static void Main() =>
                System.Console.WriteLine(string.Join(' ', Native.Fib(20), Native.ToString(), Native.GetType(), Native.GetHashCode(),
                    Native.MemberwiseClone(), Native.Finalize(), Native.Equals(12), Native.ReferenceEquals(6, 7), Native.ToStringOf(14)));
        }
        """;

    [TestMethod]
    [DataRow(BindingAccess.Internal)]
    [DataRow(BindingAccess.Public)]
    public void BuildsCleanWithAnalysisModeAllAndLoadsTheLibraryBesideTheAssembly(BindingAccess access)
    {
        using var directory = new TemporaryDirectory();
        string library = NativeToolchain.LibraryFileName("Probe.Native", "linux-x64");
        CompileResult result = MaruCompiler.Compile([SourceFile.FromText(directory.File("probe.l"), Source)], new CompileOptions());
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        var built = NativeToolchain.BuildLibrary(result.Assembly, directory.File(library), new ToolchainOptions("linux-x64"));
        Assert.IsEmpty(built, string.Join("\n", built));

        var options = new BindingOptions("Probe", "Probe.Native", [new(directory.File("probe.l"), "Native")]) { Access = access };
        Assert.IsEmpty(CSharpBindings.Conflicts(result.Exports, options));
        File.WriteAllText(directory.File("Native.g.cs"), CSharpBindings.Generate(result.Exports, options));
        File.WriteAllText(directory.File("Probe.csproj"), Project.Replace("LIBRARY", library, StringComparison.Ordinal));
        File.WriteAllText(directory.File("Program.cs"), Program);

        var (status, output) = Run(directory.Path, "dotnet", "build", "-nodeReuse:false", "-v:q", "-clp:NoSummary", "-o", "out");
        Assert.AreEqual(0, status, output);
        Assert.DoesNotContain("warning", output, output);

        // From the root folder: the library is found in the assembly's folder, not the current one.
        (status, output) = Run("/", "dotnet", Path.Combine(directory.Path, "out", "Probe.dll"));
        Assert.AreEqual(0, status, output);
        Assert.AreEqual("6765 7 8 9 10 11 12 13 14", output.Trim());
    }

    private static (int Status, string Output) Run(string workingDirectory, string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        // dotnet test runs under MSBuild: its variables would point the child build at the test run's own MSBuild.
        foreach (string name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(name);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(info)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', arguments)} took more than 3 minutes");
        }
        return (process.ExitCode, output + error.Result);
    }
}
