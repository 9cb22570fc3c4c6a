namespace Maru.Compiler.Tests.Targets;

[TestClass]
public sealed class DeterminismTests
{
    private static string ConformanceSource(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Conformance", name + ".l"));

    [TestMethod]
    public void CompilationsOnManyThreadsAtOnceGiveIdenticalAssembly()
    {
        // No hidden global state: the same units compiled concurrently give byte-identical output, and each
        // equals a compilation made alone.
        string[] programs = { "s5-fib", "s5-c-qsort", "s4-fold-arith", "s3-loop", "s5-tail-mutual-50m" };
        var alone = programs.ToDictionary(p => p, p => TestCompiler.Assembly(ConformanceSource(p)));
        var results = new string[programs.Length * 8];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            i => results[i] = TestCompiler.Assembly(ConformanceSource(programs[i % programs.Length])));
        for (int i = 0; i < results.Length; i++)
            Assert.AreEqual(alone[programs[i % programs.Length]], results[i], programs[i % programs.Length]);
    }

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    [DataRow("osx-arm64")]
    [DataRow("osx-x64")]
    [DataRow("win-x64")]
    public void ABigFileEmittedOnWorkerThreadsEqualsOneEmittedOnOneThread(string runtimeIdentifier)
    {
        // Enough functions for the back end to use workers; strings and calls make the text depend on the order.
        var source = new System.Text.StringBuilder("(define printf (extern 'printf))\n");
        for (int i = 0; i < 3 * BackEnd.ParallelThreshold; i++)
            source.Append($"(define-function f{i} (n) (let ((s 0)) (while (< s n) (set s (+ s {i} (f{Math.Max(0, i - 1)} (- n 1))))) (printf \"f{i} %lld\\n\" s) s))\n");
        var file = Maru.Compiler.Diagnostics.SourceFile.FromText("big.l", source.ToString());

        var oneThread = MaruCompiler.Compile(new[] { file }, new CompileOptions(runtimeIdentifier) { BackEndThreads = 1 });
        var fourThreads = MaruCompiler.Compile(new[] { file }, new CompileOptions(runtimeIdentifier) { BackEndThreads = 4 });

        Assert.IsTrue(oneThread.Success, string.Join("\n", oneThread.Diagnostics));
        Assert.IsTrue(fourThreads.Success, string.Join("\n", fourThreads.Diagnostics));
        Assert.Contains("f383 %lld", oneThread.Assembly[0].Text);
        Assert.AreEqual(oneThread.Assembly[0].Text, fourThreads.Assembly[0].Text);
        // A DLL exports what its .drectve section lists: every function, however many threads emitted them.
        if (runtimeIdentifier == "win-x64")
            for (int i = 0; i < 3 * BackEnd.ParallelThreshold; i++) Assert.Contains($"-export:f{i}\"", oneThread.Assembly[0].Text);
    }
}
