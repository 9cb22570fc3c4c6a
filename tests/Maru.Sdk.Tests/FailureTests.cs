using Maru.Compiler;
using Maru.Compiler.Diagnostics;

namespace Maru.Sdk.Tests;

[TestClass]
public sealed class FailureTests
{
    [TestMethod]
    public void ASourceErrorFailsWithItsDiagnosticAndLeavesNoLibraryOrBindings()
    {
        string project = SdkFixture.CopyAsset("Broken");
        string obj = Path.Combine(project, "obj", "Debug");
        string broken = Path.Combine(project, "broken.l");
        string fixedText = File.ReadAllText(broken).Replace("(+ x y)", "(+ x 2)");
        string brokenText = File.ReadAllText(broken);

        // First a good build, so that there are outputs a failed one must not leave behind as if current.
        File.WriteAllText(broken, fixedText);
        DotNet.AssertSucceeded(DotNet.Build(project));
        string library = Path.Combine(obj, "maru", SdkFixture.HostRid, "native", "libBroken.Native.so");
        Assert.IsTrue(File.Exists(library));

        File.WriteAllText(broken, brokenText);
        ProcessResult build = DotNet.Build(project);
        Assert.AreNotEqual(0, build.ExitCode, build.Output);
        StringAssert.Contains(build.Output, $"{broken}(4,8): error MARU0105:");
        Assert.IsFalse(File.Exists(library), "no library after a failed compilation");
        Assert.IsFalse(File.Exists(Path.Combine(project, "bin", "Debug", "net10.0", "libBroken.Native.so")), "no stale copy in the output");
        Assert.IsFalse(File.Exists(Path.Combine(obj, "maru", "Broken.Maru.g.cs")), "no stale bindings");

        // And fixing the source builds again, even though the failed build changed nothing else.
        File.WriteAllText(broken, fixedText);
        DotNet.AssertSucceeded(DotNet.Build(project));
        Assert.IsTrue(File.Exists(library));
    }

    /// <summary>A C# name clash is an error of the bindings alone: the compiler (maru build, Maru.Runtime) accepts the names.</summary>
    [TestMethod]
    public void TwoFunctionsWithOneCSharpNameAreMaru0112AtTheSecond()
    {
        string project = SdkFixture.CopyAsset("NameClash");
        string names = Path.Combine(project, "names.l");

        ProcessResult build = DotNet.Build(project);
        Assert.AreNotEqual(0, build.ExitCode, build.Output);
        Assert.AreEqual(1, DotNet.Errors(build).Length, build.Output);
        StringAssert.Contains(build.Output, $"{names}(3,18): error MARU0112: 'set-x!' and 'set-x' both give the C# method name 'SetX'; rename one");
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(project, "obj"), "*.Maru.g.cs", SearchOption.AllDirectories), "no bindings");

        CompileResult compiled = MaruCompiler.Compile([SourceFile.FromText(names, File.ReadAllText(names))], new CompileOptions(SdkFixture.HostRid));
        Assert.IsTrue(compiled.Success, string.Join("\n", compiled.Diagnostics));
        DotNet.AssertSucceeded(DotNet.Build(project, "-p:MaruGenerateBindings=false"));
    }

    [TestMethod]
    public void AMissingAssemblerIsOneErrorThatSaysHowToProvideIt()
    {
        string project = SdkFixture.CopyAsset("MathLib");
        ProcessResult build = DotNet.Build(project, "-p:MaruAssemblerPath=/nonexistent/as");
        Assert.AreNotEqual(0, build.ExitCode, build.Output);
        string[] errors = DotNet.Errors(build);
        Assert.AreEqual(1, errors.Length, build.Output);
        StringAssert.Contains(errors[0], "MARU0901: assembler '/nonexistent/as' not found (set by the MaruAssemblerPath property)");
        StringAssert.Contains(errors[0], "binutils");
        StringAssert.Contains(errors[0], "MARU_AS");
    }

    [TestMethod]
    public void AMissingLinkerFromTheEnvironmentIsOneError()
    {
        string project = SdkFixture.CopyAsset("MathLib");
        ProcessResult build = DotNet.Start("dotnet", project, ["build", "-nodeReuse:false"], new Dictionary<string, string> { ["MARU_LD"] = "/nonexistent/ld" });
        Assert.AreNotEqual(0, build.ExitCode, build.Output);
        string[] errors = DotNet.Errors(build);
        Assert.AreEqual(1, errors.Length, build.Output);
        StringAssert.Contains(errors[0], "MARU0901: linker '/nonexistent/ld' not found (set by MARU_LD)");
        StringAssert.Contains(errors[0], "MaruLinkerPath");
    }

    [TestMethod]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void AssemblerMessagesBecomeErrorsWithFileAndLine()
    {
        string project = SdkFixture.CopyAsset("MathLib");
        // An "assembler" that complains the way GNU as does, about the file it was given, and fails.
        string script = Path.Combine(project, "fake-as.sh");
        File.WriteAllText(script, "#!/bin/sh\nfor last; do :; done\necho \"$last: Assembler messages:\" >&2\necho \"$last:3: Error: no such instruction: \\`frob'\" >&2\nexit 1\n");
        File.SetUnixFileMode(script, File.GetUnixFileMode(script) | UnixFileMode.UserExecute);
        ProcessResult build = DotNet.Build(project, $"-p:MaruAssemblerPath={script}");
        Assert.AreNotEqual(0, build.ExitCode, build.Output);
        string[] errors = DotNet.Errors(build);
        Assert.AreEqual(1, errors.Length, build.Output);
        StringAssert.Contains(build.Output, $"gcd.s(3): error MARU0902: no such instruction: `frob'");
        Assert.IsFalse(File.Exists(Path.Combine(project, "obj", "Debug", "maru", SdkFixture.HostRid, "gcd.o")), "no object after an assembler error");
    }

    [TestMethod]
    public void AnUnsupportedRuntimeIdentifierIsAnError()
    {
        string project = SdkFixture.CopyAsset("MathLib");
        ProcessResult build = DotNet.Build(project, "-p:MaruRuntimeIdentifiers=linux-x64%3Blinux-riscv64");
        Assert.AreNotEqual(0, build.ExitCode, build.Output);
        StringAssert.StartsWith(DotNet.Errors(build).Single(),
            "error MARU0905: MaruRuntimeIdentifiers: cannot build for 'linux-riscv64': it is not a known runtime identifier; runtime identifiers that build: linux-x64");
    }

    [TestMethod]
    public void ALibraryNamedLikeTheAssemblyIsAnError()
    {
        string project = SdkFixture.CopyAsset("MathLib");
        ProcessResult build = DotNet.Build(project, "-p:MaruLibraryName=MathLib");
        Assert.AreNotEqual(0, build.ExitCode, build.Output);
        StringAssert.Contains(build.Output, "error MARU0909: MaruLibraryName 'MathLib' is the AssemblyName");
    }

    [TestMethod]
    public void WithoutMicrosoftNetSdkTheErrorSaysSo()
    {
        string project = SdkFixture.CopyAsset("NoNetSdk");
        ProcessResult build = DotNet.Build(project);
        Assert.AreNotEqual(0, build.ExitCode, build.Output);
        StringAssert.Contains(build.Output, "error MARU0909: Maru.Sdk needs Microsoft.NET.Sdk");
    }
}
