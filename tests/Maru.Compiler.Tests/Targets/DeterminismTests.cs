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
}
