using BenchmarkDotNet.Attributes;
using Maru.Compiler;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Runtime.Bench;

/// <summary>
/// <c>maru build src/eval.l</c> in process, warm: Maru's own evaluator (melvinzhang/maru's 1 700-line eval.l, with its
/// macros, compile region and load) from text to a shared library with the integrated assembler and linker. eval.l is
/// not ours to commit: set MARU_EVAL_CHECKOUT to a checkout of that repository (tools/eval-check fixes eval.l's two
/// bugs the same way; this benchmark fixes them in memory).
/// </summary>
public class BuildMaruEvaluator
{
    private SourceFile _evaluator = null!;
    private string _checkout = null!;
    private string _directory = null!;

    // The floating-point helpers eval.l declares as externs: the interpreter that loads the library provides them
    // (tools/eval-check/doubles.c), so they pass the C-library check as process externs.
    private static readonly string[] DoubleHelpers = ["printdouble", "strtodouble", "long2double", "double2long", "doublesin",
        "doublecos", "doublelog", "doubleadd", "doublesub", "doublemul", "doublediv", "doublefmod", "doublelt", "doublele",
        "doublege", "doublegt", "doubleeq"];

    [GlobalSetup]
    public void Setup()
    {
        _checkout = System.Environment.GetEnvironmentVariable("MARU_EVAL_CHECKOUT")
            ?? throw new InvalidOperationException("set MARU_EVAL_CHECKOUT to a checkout of github.com/melvinzhang/maru");
        string text = File.ReadAllText(Path.Combine(_checkout, "src", "eval.l"))
            .Replace("(do_print (get <variable> name obj))", "(do_print (get <variable> name obj) storing)")
            .Replace("(or (set p (malloc size) (return ())))", "(or (set p (malloc size)) (return ()))");
        _evaluator = SourceFile.FromText("src/eval.l", text);
        _directory = Directory.CreateTempSubdirectory("maru-bench-").FullName;
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Description = "maru build src/eval.l (text to library, integrated toolchain)")]
    public int Build()
    {
        // load finds src/gc-marksweep.l from the checkout's root, as maru build run there does.
        var options = new CompileOptions(NativeToolchain.HostRuntimeIdentifier)
        {
            ReadFile = path => Maru.Compiler.Expansion.CompileTime.ReadFromDisk(Path.Combine(_checkout, path)),
        };
        var result = MaruCompiler.Compile([_evaluator], options);
        if (!result.Success) throw new InvalidOperationException(string.Join("\n", result.Diagnostics));
        var diagnostics = NativeToolchain.BuildLibrary(result.Assembly, Path.Combine(_directory, "libeval.so"),
            new ToolchainOptions(NativeToolchain.HostRuntimeIdentifier) { Integrated = true, ProcessExterns = DoubleHelpers });
        if (diagnostics.Count > 0) throw new InvalidOperationException(string.Join("\n", diagnostics));
        return result.Exports.Count;
    }
}
