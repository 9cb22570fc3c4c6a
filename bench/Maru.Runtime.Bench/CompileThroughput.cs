using System.Text;
using BenchmarkDotNet.Attributes;
using Maru.Compiler;
using Maru.Compiler.Diagnostics;

namespace Maru.Runtime.Bench;

/// <summary>
/// The compiler alone (source text to assembly text, in process, no tools) on a file of 10 000 small functions,
/// each with a let, a loop, a conditional and a call — the "10 000-function file" figure.
/// </summary>
public class CompileThroughput
{
    private SourceFile _file = null!;

    public static string TenThousandFunctions()
    {
        var text = new StringBuilder("(define printf (extern 'printf))\n");
        for (int i = 0; i < 10_000; i++)
        {
            text.Append($"(define-function f{i} (a b c) (let ((x (+ a {i}))) (while (< x b) (set x (+ x (* c 3))) ");
            text.Append($"(if (= (% x 7) 0) (set c (- c 1)) (set a (^ a x)))) (if (> x 100) (f{Math.Max(i - 1, 0)} x b c) (+ x a))))\n");
        }
        return text.ToString();
    }

    [GlobalSetup]
    public void Setup() => _file = SourceFile.FromText("ten-thousand.l", TenThousandFunctions());

    [Benchmark(Description = "compile 10 000 functions (text to assembly)")]
    public int Compile()
    {
        var result = MaruCompiler.Compile(new[] { _file }, new CompileOptions());
        if (!result.Success) throw new InvalidOperationException(string.Join("\n", result.Diagnostics));
        return result.Assembly.Count;
    }
}
