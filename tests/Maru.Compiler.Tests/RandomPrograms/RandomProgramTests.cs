using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests.RandomPrograms;

/// <summary>
/// Issue 14's safety net for the optimiser: random programs (<see cref="RandomProgramGenerator"/>) compiled by the real
/// compiler and run on every target this machine can execute (linux-x64 natively, linux-arm64 under qemu, win-x64 under
/// wine) must print exactly what <see cref="ReferenceEvaluator"/> says the spec makes them print. A fixed number of
/// programs per run, each of many functions, keeps every target's test well under a minute. The programs come from a
/// seed: MARU_RANDOM_SEED when it is set, else a fixed one, so CI is reproducible and a failure names the seed that
/// reproduces it; MARU_RANDOM_SCALE multiplies the number of programs for a longer search.
/// </summary>
[TestClass]
public sealed class RandomProgramTests
{
    public TestContext TestContext { get; set; } = null!;

    private const int DefaultSeed = 20261205;
    private const int FunctionsPerProgram = 14;

    /// <summary>The reference evaluator's budget: a program that needs more is replaced by the next one of its seed.</summary>
    private const long Steps = 1_000_000;

    /// <summary>The seed of every random test: MARU_RANDOM_SEED, else a fixed one.</summary>
    internal static int Seed => Environment.GetEnvironmentVariable("MARU_RANDOM_SEED") is { Length: > 0 } text
        ? int.TryParse(text, out int seed) ? seed : throw new ArgumentException($"MARU_RANDOM_SEED must be an integer, not '{text}'")
        : DefaultSeed;

    private static int Scale => Environment.GetEnvironmentVariable("MARU_RANDOM_SCALE") is { Length: > 0 } text && int.TryParse(text, out int scale) && scale > 0 ? scale : 1;

    private sealed record RandomProgram(int Index, int Attempt, string Text, string ExpectedOutput);

    /// <summary>
    /// Program <paramref name="index"/> of the seed for one target, with its expected output: from the seed, the target's
    /// number and the index only, so programs may be made in any order; one that runs too long is made again.
    /// </summary>
    private static RandomProgram Make(int seed, int target, int index)
    {
        for (int attempt = 0; ; attempt++)
        {
            var random = new Random(unchecked(((seed * 31 + target) * 1_000_003 + index) * 101 + attempt));
            string text = RandomProgramGenerator.Generate(random, FunctionsPerProgram);
            try
            {
                var (output, result) = ReferenceEvaluator.Run(text, Steps);
                Assert.AreEqual(0, result, "main returns 0");
                return new RandomProgram(index, attempt, text, output);
            }
            catch (ReferenceEvaluator.OutOfStepsException) when (attempt < 20)
            {
            }
        }
    }

    [TestMethod]
    public void ProgramsPrintWhatTheSpecSaysOnLinuxX64() => Check(1, NativeToolchain.HostRuntimeIdentifier, 300, library => NativeHarness.RunLibrary(library, []));

    [TestMethod]
    public void ProgramsPrintWhatTheSpecSaysOnLinuxArm64UnderQemu() => Check(2, "linux-arm64", 120, library => NativeHarness.RunLibraryOn("linux-arm64", library, []));

    [TestMethod]
    public void ProgramsPrintWhatTheSpecSaysOnWinX64UnderWine() => Check(3, "win-x64", 64, library => NativeHarness.RunWindowsLibrary(library, []));

    /// <summary>Compiles, links and runs the target's programs, two at a time; fails with the seed, each failing program and both outputs.</summary>
    private void Check(int target, string runtimeIdentifier, int programs, Func<string, ProgramRun> run)
    {
        int seed = Seed;
        var clock = Stopwatch.StartNew();
        var failures = new ConcurrentBag<(RandomProgram Program, string Problem)>();
        long lines = 0;
        Parallel.For(0, programs * Scale, new ParallelOptions { MaxDegreeOfParallelism = 2 }, index =>
        {
            var program = Make(seed, target, index);
            Interlocked.Add(ref lines, program.ExpectedOutput.Count(c => c == '\n'));
            string? problem = RunOne(program, runtimeIdentifier, run);
            if (problem is not null) failures.Add((program, problem));
        });
        TestContext.WriteLine($"MARU_RANDOM_SEED={seed}: {programs * Scale} programs of {FunctionsPerProgram} functions on {runtimeIdentifier}, {lines} lines checked, {failures.Count} failed, {clock.Elapsed.TotalSeconds:F1} s");
        if (failures.IsEmpty) return;

        var failed = failures.OrderBy(f => f.Program.Index).ToList();
        var report = new StringBuilder($"MARU_RANDOM_SEED={seed} reproduces this: {failures.Count} of {programs * Scale} programs on {runtimeIdentifier} " +
            $"did not print what the spec says: programs {string.Join(", ", failed.Select(f => f.Program.Index))} of target {target}.\n");
        foreach (var (program, problem) in failed.Take(3))
            report.Append($"\n---- program {program.Index} (attempt {program.Attempt}) of target {target}: {problem}\n-- the program:\n{program.Text}\n");
        Assert.Fail(report.ToString());
    }

    private static string? RunOne(RandomProgram program, string runtimeIdentifier, Func<string, ProgramRun> run)
    {
        var result = MaruCompiler.Compile([SourceFile.FromText("random.l", program.Text)], new CompileOptions(runtimeIdentifier));
        if (!result.Success) return "it does not compile:\n" + string.Join("\n", result.Diagnostics);
        using var directory = new TemporaryDirectory();
        string library = directory.File(NativeToolchain.LibraryFileName("program", runtimeIdentifier));
        var linking = NativeToolchain.BuildLibrary(result.Assembly, library, new ToolchainOptions(runtimeIdentifier));
        if (linking.Any(d => d.IsError)) return "it does not link:\n" + string.Join("\n", linking);
        var ran = run(library);
        if (ran.StandardOutput == program.ExpectedOutput && ran.ExitCode == 0) return null;
        return $"exit status {ran.ExitCode}, stderr: {ran.StandardError}\n{Difference(program.ExpectedOutput, ran.StandardOutput)}";
    }

    /// <summary>The first line that differs, then both outputs whole.</summary>
    private static string Difference(string expected, string actual)
    {
        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        int line = 0;
        while (line < expectedLines.Length && line < actualLines.Length && expectedLines[line] == actualLines[line]) line++;
        return $"""
            first difference at output line {line + 1}: expected {(line < expectedLines.Length ? expectedLines[line] : "(end)")}, printed {(line < actualLines.Length ? actualLines[line] : "(end)")}
            -- expected output (reference evaluator):
            {expected}
            -- printed output:
            {actual}
            """;
    }

    /// <summary>
    /// Found by these tests: in <c>(+ x (f ... (return v) ...))</c>, with <c>f</c> the function itself turned into a
    /// loop with an accumulator, the return leaves this activation, so <c>x</c> must not be added to its value.
    /// </summary>
    [TestMethod]
    public void AReturnAmongTheArgumentsOfARecursiveSumLeavesWithoutTheSum()
    {
        const string program = """
            (define printf (extern 'printf))
            (define-function g (d) (+ 100 (g (return 2))))
            (define-function f (d x) (if (< d 1) x (+ 100 (f (- d 1) (if (= d 2) (return (+ x 7)) x)))))
            (define-function main () (printf "%lld %lld\n" (g 3) (f 5 1)) 0)
            """;
        Assert.AreEqual("2 308\n", ReferenceEvaluator.Run(program, 1000).Output);
        Assert.AreEqual("2 308\n", TestCompiler.Run(program).StandardOutput);
    }

    [TestMethod]
    public void TheSameSeedGivesTheSameProgram()
    {
        Assert.AreEqual(Make(7, 1, 3), Make(7, 1, 3));
        Assert.AreNotEqual(Make(7, 1, 3).Text, Make(8, 1, 3).Text);
    }
}
