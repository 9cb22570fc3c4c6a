using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Maru.Compiler.Tests.BadInput;

/// <summary>
/// Fuzzing in CI (spec section 8: the compiler never crashes, never hangs, and a unit with any error produces no output).
/// Mutants of the conformance corpus (<see cref="FuzzMutator"/>) and programs from a small grammar
/// (<see cref="FuzzProgramGenerator"/>) are compiled for every target and checked by <see cref="FuzzCompile"/>.
/// A fixed number of cases keeps the run to well under a minute. The programs come from a seed: MARU_FUZZ_SEED when it
/// is set, else a fixed one, so a failure reproduces with the seed it prints; MARU_FUZZ_SCALE multiplies the number of
/// cases for a longer search on a developer's machine.
/// </summary>
[TestClass]
public sealed class FuzzTests
{
    public TestContext TestContext { get; set; } = null!;

    private const int DefaultSeed = 20260610;
    private const int Mutants = 160;
    private const int GeneratedPrograms = 80;

    private static string CorpusFolder => Path.Combine(AppContext.BaseDirectory, "Conformance");

    private static readonly Lazy<(string Path, FuzzForm Program)[]> Corpus = new(() =>
        Directory.GetFiles(CorpusFolder, "*.l").Order(StringComparer.Ordinal)
            .Select(path => (path, FuzzForm.Read(File.ReadAllText(path)))).ToArray());

    /// <summary>Loads read the corpus's own files (s10-load.l loads two), and nothing outside its folder.</summary>
    private static byte[]? ReadCorpusFile(string name)
    {
        string path = Path.GetFullPath(name);
        return path.StartsWith(CorpusFolder + Path.DirectorySeparatorChar, StringComparison.Ordinal) && File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    private static byte[]? NoFile(string name) => null;

    private static int Seed => Environment.GetEnvironmentVariable("MARU_FUZZ_SEED") is { Length: > 0 } text
        ? int.TryParse(text, out int seed) ? seed : throw new ArgumentException($"MARU_FUZZ_SEED must be an integer, not '{text}'")
        : DefaultSeed;

    private static int Scale => Environment.GetEnvironmentVariable("MARU_FUZZ_SCALE") is { Length: > 0 } text && int.TryParse(text, out int scale) && scale > 0 ? scale : 1;

    /// <summary>The random numbers of one case: from the seed, the test and the case's number only, so cases may run in any order.</summary>
    private static Random CaseRandom(int seed, int test, int index) => new(unchecked((seed * 31 + test) * 1_000_003 + index));

    private sealed record FuzzCase(int Index, string Description, string Path, string Program, Func<string, byte[]?> ReadFile);

    [TestMethod]
    public void MutantsOfTheCorpusNeverCrashHangOrGiveOutputWithErrors()
    {
        var corpus = Corpus.Value;
        var compileTime = corpus.Where(c => System.IO.Path.GetFileName(c.Path).StartsWith("s10-", StringComparison.Ordinal)).ToArray();
        var mutator = new FuzzMutator(corpus.Select(c => c.Program).ToList());
        int seed = Seed;

        var cases = Enumerable.Range(0, Mutants * Scale).Select(i =>
        {
            var random = CaseRandom(seed, 1, i);
            // A third of the mutants are of the compile-time programs (macros, quasiquote, regions, load).
            var (path, program) = random.Next(3) == 0 ? compileTime[random.Next(compileTime.Length)] : corpus[random.Next(corpus.Length)];
            var (text, mutations) = mutator.Mutate(program, random);
            return new FuzzCase(i, $"mutant of {System.IO.Path.GetFileName(path)} ({mutations})", path, text, ReadCorpusFile);
        }).ToList();

        var (compiled, total) = Run(seed, cases);
        // Both outcomes are exercised: mutants that still compile reach the back ends.
        Assert.IsTrue(compiled > 0 && compiled < total, $"{compiled} of {total} compiles succeeded");
    }

    [TestMethod]
    public void GeneratedProgramsNeverCrashHangOrGiveOutputWithErrors()
    {
        int seed = Seed;
        var cases = Enumerable.Range(0, GeneratedPrograms * Scale)
            .Select(i => new FuzzCase(i, "generated program", "generated.l", FuzzProgramGenerator.Generate(CaseRandom(seed, 2, i)), NoFile))
            .ToList();

        var (compiled, total) = Run(seed, cases);
        // The grammar makes valid programs, mostly: if this fails, the generator has drifted from the language.
        Assert.IsGreaterThanOrEqualTo(total * 3 / 4, compiled, $"{compiled} of {total} compiles of generated programs succeeded");
    }

    [TestMethod]
    public void TheCorpusReadAndPrintedByTheFuzzerStillCompiles()
    {
        // The mutants start from these: the fuzzer's reader and printer keep every program valid.
        foreach (var (path, program) in Corpus.Value)
        {
            var failure = FuzzCompile.Check("linux-x64", path, program.ToString(), ReadCorpusFile, out bool compiled);
            Assert.IsNull(failure, $"{path}: {failure}");
            Assert.IsTrue(compiled, $"{path} does not compile once printed by the fuzzer:\n{program}");
        }
    }

    [TestMethod]
    public void TheSameSeedGivesTheSamePrograms()
    {
        var mutator = new FuzzMutator(Corpus.Value.Select(c => c.Program).ToList());
        var program = Corpus.Value[0].Program;
        Assert.AreEqual(mutator.Mutate(program, CaseRandom(7, 1, 3)), mutator.Mutate(program, CaseRandom(7, 1, 3)));
        Assert.AreEqual(FuzzProgramGenerator.Generate(CaseRandom(7, 2, 3)), FuzzProgramGenerator.Generate(CaseRandom(7, 2, 3)));
        Assert.AreNotEqual(FuzzProgramGenerator.Generate(CaseRandom(7, 2, 3)), FuzzProgramGenerator.Generate(CaseRandom(8, 2, 3)));
    }

    /// <summary>Checks every case on every target, two at a time; fails listing each failing case, minimised.</summary>
    private (int Compiled, int Total) Run(int seed, List<FuzzCase> cases)
    {
        var clock = Stopwatch.StartNew();
        var failures = new ConcurrentBag<(FuzzCase Case, FuzzFailure Failure)>();
        int compiled = 0;
        Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, fuzzCase =>
        {
            foreach (string runtime in FuzzCompile.RuntimeIdentifiers)
            {
                var failure = FuzzCompile.Check(runtime, fuzzCase.Path, fuzzCase.Program, fuzzCase.ReadFile, out bool success);
                if (success) Interlocked.Increment(ref compiled);
                if (failure is null) continue;
                failures.Add((fuzzCase, failure));
                break;
            }
        });
        int total = cases.Count * FuzzCompile.RuntimeIdentifiers.Length;
        TestContext.WriteLine($"MARU_FUZZ_SEED={seed}: {cases.Count} programs, {compiled} of {total} compiles succeeded, {failures.Count} programs failed, {clock.Elapsed.TotalSeconds:F1} s");

        if (failures.IsEmpty) return (compiled, total);
        var report = new StringBuilder($"MARU_FUZZ_SEED={seed} reproduces this: {failures.Count} of {cases.Count} programs failed.\n");
        foreach (var (fuzzCase, failure) in failures.OrderBy(f => f.Case.Index).Take(5))
        {
            string minimal = FuzzCompile.Minimize(fuzzCase.Path, fuzzCase.Program, fuzzCase.ReadFile, failure, TimeSpan.FromSeconds(60));
            report.Append($"""

                ---- case {fuzzCase.Index}, {fuzzCase.Description}, on {failure.RuntimeIdentifier}: {failure.Kind}
                {Shorten(failure.Detail, 4000)}
                -- the program ({fuzzCase.Path}):
                {Shorten(fuzzCase.Program, 50_000)}
                -- a smaller program that fails the same way:
                {Shorten(minimal, 50_000)}

                """);
        }
        Assert.Fail(report.ToString());
        return (compiled, total);
    }

    private static string Shorten(string text, int most) => text.Length <= most ? text : text[..most] + $"\n... ({text.Length - most} more characters)";
}
