using Maru.Compiler.Diagnostics;

namespace Maru.Sdk.Tests;

/// <summary>
/// Typed <c>[Maru.MaruFunction]</c> declarations (testassets/TypedApp): the SDK's source generator implements one of every
/// supported parameter and result type over the manifest of exports, and reports a mismatched declaration at its C# line.
/// </summary>
[TestClass]
public sealed class TypedFunctionTests
{
    private const string ExpectedOutput = """
        sum-array span = 19
        sum-array array = 13, empty = 0, null = 0
        sum-int32s = 281
        sum-bytes = 263
        sum-doubles = 2.75
        hypot = 5, half = 1.5
        utf8-length = 6, long = 600, empty = 0, null = -1
        first-byte = 195
        even? = True False, non-zero = True False
        pick = 3 4
        widen = -5 200 -300 65535 -2147483648 4294967295 -7
        identity = 18446744073709551615 18446744073709551615
        narrow = -1 65535 4294967294 -3
        bits = 1 0 3FF8000000000000 3FF8000000000000
        null and empty = 0 0 0 0 True
        pointer = True
        apply-twice = 45
        store-answer = 42

        """;

    private static string Manifest(string project) => Path.Combine(project, "obj", "Debug", "maru", "TypedApp.MaruExports.txt");

    [TestMethod]
    public void EveryParameterAndResultTypeRoundTripsThroughMaru()
    {
        string project = SdkFixture.CopyAsset("TypedApp");

        // A design-time build writes the manifest the generator reads, and runs no native tool.
        ProcessResult designTime = DotNet.Run(project, "msbuild", "-restore", "-t:Compile", "-nodeReuse:false", "-p:DesignTimeBuild=true",
            "-p:SkipCompilerExecution=true", "-p:ProvideCommandLineArgs=true");
        DotNet.AssertSucceeded(designTime);
        StringAssert.Contains(File.ReadAllText(Manifest(project)), "export\tsum-array\tsum_array\t2\n");
        Assert.AreEqual(0, Directory.GetFiles(Path.Combine(project, "obj"), "*.so", SearchOption.AllDirectories).Length, "no library in a design-time build");

        ProcessResult build = DotNet.Build(project);
        DotNet.AssertSucceeded(build);
        StringAssert.Contains(build.Output, "0 Warning(s)");
        ProcessResult run = DotNet.Run(project, Path.Combine(project, "bin", "Debug", "net10.0", "TypedApp.dll"));
        DotNet.AssertSucceeded(run);
        Assert.AreEqual(ExpectedOutput, run.Output.ReplaceLineEndings("\n"));
    }

    /// <summary>The same conversions through the Windows x64 calling convention: a self-contained win-x64 publish run under wine.</summary>
    [TestMethod]
    public void EveryParameterAndResultTypeRoundTripsOnWinX64UnderWine()
    {
        string project = SdkFixture.CopyAsset("TypedApp");
        string output = Path.Combine(project, "published");
        DotNet.AssertSucceeded(DotNet.Run(project, "publish", "-r", "win-x64", "--self-contained", "true", "-o", output, "-nodeReuse:false"));
        Assert.AreEqual("PE x86-64", NativeFormat.Of(Path.Combine(output, "TypedApp.Native.dll")));

        ProcessResult run = Wine.Run(Path.Combine(output, "TypedApp.exe"));
        DotNet.AssertSucceeded(run);
        Assert.AreEqual(ExpectedOutput, run.Output.ReplaceLineEndings("\n"));
    }

    /// <summary>
    /// And through AAPCS64: a self-contained linux-arm64 publish run under qemu-aarch64 with the cross C library (build.sh installs
    /// both). Globalization is invariant: the cross sysroot has no ICU.
    /// </summary>
    [TestMethod]
    public void EveryParameterAndResultTypeRoundTripsOnLinuxArm64UnderQemu()
    {
        string project = SdkFixture.CopyAsset("TypedApp");
        string output = Path.Combine(project, "published");
        DotNet.AssertSucceeded(DotNet.Run(project, "publish", "-r", "linux-arm64", "--self-contained", "true", "-o", output, "-nodeReuse:false"));
        Assert.AreEqual("ELF arm64", NativeFormat.Of(Path.Combine(output, "libTypedApp.Native.so")));

        ProcessResult run = DotNet.Start("qemu-aarch64", output, ["-L", "/usr/aarch64-linux-gnu", Path.Combine(output, "TypedApp")],
            new Dictionary<string, string> { ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1" });
        DotNet.AssertSucceeded(run);
        Assert.AreEqual(ExpectedOutput, run.Output.ReplaceLineEndings("\n"));
    }

    [TestMethod]
    public void AMismatchedDeclarationOfEachKindFailsTheBuildAtItsLine()
    {
        string project = SdkFixture.CopyAsset("TypedApp");
        string mismatched = Path.Combine(project, "Mismatched.cs");
        File.WriteAllText(mismatched, """
            namespace TypedApp;

            internal static partial class Mismatched
            {
                [Maru.MaruFunction("sum-arary")] internal static partial long NotExported(long x);
                [Maru.MaruFunction("hypot")] internal static partial double WrongCount(double x);
                [Maru.MaruFunction("identity")] internal static partial long WrongType(decimal x);
                [Maru.MaruFunction("identity")] internal static long NotPartial(long x) => x;
            }
            """);

        ProcessResult build = DotNet.Build(project);
        Assert.AreNotEqual(0, build.ExitCode, build.Output);
        string[] errors = DotNet.Errors(build);
        CollectionAssert.AreEquivalent(
            new[]
            {
                $"{DiagnosticCodes.MaruFunctionNotExported} at 5",
                $"{DiagnosticCodes.MaruFunctionParameterCount} at 6",
                $"{DiagnosticCodes.MaruFunctionTypeNotPassable} at 7",
                $"{DiagnosticCodes.InvalidMaruFunction} at 8",
            },
            build.Output.Split('\n')
                .Select(line => System.Text.RegularExpressions.Regex.Match(line, @"Mismatched\.cs\((\d+),\d+\): error (MARU\d{4}):"))
                .Where(match => match.Success).Select(match => $"{match.Groups[2].Value} at {match.Groups[1].Value}").Distinct().ToList(),
            build.Output);
        Assert.AreEqual(4, errors.Length, "no other error follows them: " + string.Join("\n", errors));
        StringAssert.Contains(build.Output, "'sum-arary' is not a function the Maru sources of this project export (exported: apply-twice, even?, first-byte");
        StringAssert.Contains(build.Output, "'WrongCount' has 1 parameter, but the Maru function 'hypot' takes 2 parameters");
    }
}
