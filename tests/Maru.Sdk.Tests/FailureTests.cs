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

    /// <summary>Every RID's missing tools are reported in one build, one MARU0901 each, before any assembler runs.</summary>
    [TestMethod]
    public void AMissingAssemblerIsOneErrorPerRuntimeIdentifierThatSaysHowToProvideIt()
    {
        string project = SdkFixture.CopyAsset("MathLib");
        ProcessResult build = DotNet.Build(project, "-p:MaruAssemblerPath=/nonexistent/as", "-p:MaruRuntimeIdentifiers=linux-x64%3Blinux-arm64");
        Assert.AreNotEqual(0, build.ExitCode, build.Output);
        string[] errors = DotNet.Errors(build);
        Assert.AreEqual(2, errors.Length, build.Output);
        foreach (string rid in new[] { "LINUX_X64", "LINUX_ARM64" })
        {
            string error = errors.Single(e => e.Contains("MARU_AS_" + rid, StringComparison.Ordinal));
            StringAssert.Contains(error, "MARU0901: assembler '/nonexistent/as' not found (set by the MaruAssemblerPath property)");
            StringAssert.Contains(error, "binutils");
        }
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(project, "obj"), "*.o", SearchOption.AllDirectories), "no assembler ran");
    }

    /// <summary>
    /// An extern the target's C library lacks is MARU0910 at its line; listed in MaruProcessExterns it builds, and then a linker
    /// message naming it is reported at that line too (through the externs.txt the compile writes for the link).
    /// </summary>
    [TestMethod]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void AMisspeltExternIsAnErrorAtItsLine()
    {
        string project = SdkFixture.CopyAsset("NoBindings");
        string source = Path.Combine(project, "triple.l");
        File.AppendAllText(source, "(define strlen (extern 'strlenn))\n(define-function len (s) (strlen s))\n");

        // Each runtime identifier's C library is asked, so both errors come in one build.
        ProcessResult misspelt = DotNet.Build(project, "-p:MaruRuntimeIdentifiers=linux-x64%3Bwin-x64");
        Assert.AreNotEqual(0, misspelt.ExitCode, misspelt.Output);
        string[] errors = DotNet.Errors(misspelt);
        Assert.AreEqual(2, errors.Length, misspelt.Output);
        StringAssert.StartsWith(errors[0], "error MARU0910: the C library of linux-x64 has no 'strlenn' (did you mean 'strlen'?)", misspelt.Output);
        StringAssert.StartsWith(errors[1], "error MARU0910: the C library of win-x64 has no 'strlenn' (did you mean 'strlen'?)", misspelt.Output);
        StringAssert.Contains(misspelt.Output, $"{source}(4,");

        // A linker that fails naming the extern: its message is reported at the extern, not at the library.
        string script = Path.Combine(project, "fake-ld.sh");
        File.WriteAllText(script, "#!/bin/sh\necho \"ld: triple.o: in function len: undefined reference to 'strlenn'\" >&2\nexit 1\n");
        File.SetUnixFileMode(script, File.GetUnixFileMode(script) | UnixFileMode.UserExecute);
        ProcessResult linked = DotNet.Build(project, "-p:MaruProcessExterns=getline%3B strlenn ", $"-p:MaruLinkerPath={script}");
        Assert.AreNotEqual(0, linked.ExitCode, linked.Output);
        StringAssert.StartsWith(DotNet.Errors(linked).Single(), "error MARU0903:", linked.Output);
        StringAssert.Contains(linked.Output, $"{source}(4,");
        StringAssert.Contains(linked.Output, "undefined reference to 'strlenn'");

        ProcessResult built = DotNet.Build(project, "-p:MaruProcessExterns=getline%3B strlenn ");
        DotNet.AssertSucceeded(built);
        string externs = File.ReadAllText(Path.Combine(project, "obj", "Debug", "maru", SdkFixture.HostRid, "externs.txt"));
        StringAssert.StartsWith(externs, $"strlenn\t{source}\t4\t");
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

    /// <summary>Binding names C# cannot take and an unknown MaruBindingsAccess are MARU errors, all reported before compiling.</summary>
    [TestMethod]
    public void AKeywordClassNameAndAnUnknownBindingsAccessAreErrors()
    {
        string project = SdkFixture.CopyAsset("MathLib");
        string gcd = Path.Combine(project, "gcd.l");
        ProcessResult build = DotNet.Build(project, "-p:MaruBindingsClassName=class", "-p:MaruBindingsAccess=protected");
        Assert.AreNotEqual(0, build.ExitCode, build.Output);
        CollectionAssert.AreEquivalent(new[]
        {
            "error MARU0908: the ClassName 'class' of this MaruSource is a C# keyword",
            "error MARU0909: MaruBindingsAccess 'protected' is not internal or public",
        }, DotNet.Errors(build).Select(e => e[..e.LastIndexOf(" [", StringComparison.Ordinal)]).ToArray(), build.Output);
        StringAssert.Contains(build.Output, $"{gcd} : error MARU0908:");
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
