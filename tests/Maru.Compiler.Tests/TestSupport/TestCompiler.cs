using Maru.Compiler.Expansion;
using Maru.Compiler.Syntax;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests;

/// <summary>Compiles Maru source in tests: to assembly, to diagnostics, or to a loadable library.</summary>
public static class TestCompiler
{
    /// <summary>The front end on its own: the files read and run through compile time, as the analyser gets them.</summary>
    public static (ExpandedUnit Unit, DiagnosticBag Diagnostics) Expand(params SourceFile[] files)
    {
        var diagnostics = new DiagnosticBag();
        var read = files.Select(f => (f, Reader.Read(f, diagnostics))).ToList();
        var result = Maru.Compiler.Expansion.CompileTime.Run(read, diagnostics);
        return (result.Unit, diagnostics);
    }

    public static (ExpandedUnit Unit, DiagnosticBag Diagnostics) Expand(string text) => Expand(SourceFile.FromText("test.l", text));

    public static CompileResult Compile(string text, string path = "test.l") =>
        MaruCompiler.Compile(new[] { SourceFile.FromText(path, text) }, new CompileOptions());

    public static CompileResult Compile(params SourceFile[] files) => MaruCompiler.Compile(files, new CompileOptions());

    /// <summary>The assembly of a program that must compile without errors (with every call kept a call, or not).</summary>
    public static string Assembly(string text, string runtimeIdentifier = "linux-x64", string path = "test.l", bool inlineSmallFunctions = true)
    {
        var result = MaruCompiler.Compile(new[] { SourceFile.FromText(path, text) },
            new CompileOptions(runtimeIdentifier) { InlineSmallFunctions = inlineSmallFunctions });
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        return string.Concat(result.Assembly.Select(a => a.Text));
    }

    /// <summary>Compiles and links the files into a library in <paramref name="directory"/>, asserting success.</summary>
    public static string BuildLibrary(TemporaryDirectory directory, params SourceFile[] files) =>
        BuildLibrary(directory, NativeToolchain.HostRuntimeIdentifier, files);

    /// <summary>Compiles and links the files for <paramref name="runtimeIdentifier"/> into a library in <paramref name="directory"/>.</summary>
    public static string BuildLibrary(TemporaryDirectory directory, string runtimeIdentifier, params SourceFile[] files) =>
        BuildLibrary(directory, new CompileOptions(runtimeIdentifier), files);

    /// <summary>Compiles the files with <paramref name="options"/> and links them into a library in <paramref name="directory"/>.</summary>
    public static string BuildLibrary(TemporaryDirectory directory, CompileOptions options, params SourceFile[] files)
    {
        var result = MaruCompiler.Compile(files, options);
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        string library = directory.File(NativeToolchain.LibraryFileName("program", options.RuntimeIdentifier));
        var diagnostics = NativeToolchain.BuildLibrary(result.Assembly, library, new ToolchainOptions(options.RuntimeIdentifier));
        Assert.IsFalse(diagnostics.Any(d => d.IsError), string.Join("\n", diagnostics));
        return library;
    }

    /// <summary>Compiles, links and runs a program's main with the arguments.</summary>
    public static ProgramRun Run(string text, params string[] arguments) => RunOn(NativeToolchain.HostRuntimeIdentifier, text, arguments);

    /// <summary>Compiles and links a program for <paramref name="runtimeIdentifier"/> and runs its main (see <see cref="NativeHarness.RunLibraryOn"/>).</summary>
    public static ProgramRun RunOn(string runtimeIdentifier, string text, params string[] arguments) =>
        RunOn(new CompileOptions(runtimeIdentifier), text, arguments);

    /// <summary>Compiles with <paramref name="options"/>, links and runs a program's main.</summary>
    public static ProgramRun RunOn(CompileOptions options, string text, params string[] arguments)
    {
        using var directory = new TemporaryDirectory();
        string library = BuildLibrary(directory, options, SourceFile.FromText("test.l", text));
        return NativeHarness.RunLibraryOn(options.RuntimeIdentifier, library, arguments);
    }
}
