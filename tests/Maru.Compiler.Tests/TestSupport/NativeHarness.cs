using System.Diagnostics;

namespace Maru.Compiler.Tests;

public sealed record ProgramRun(int ExitCode, string StandardOutput, string StandardError);

/// <summary>The native test harness (built once per test run with the C compiler) and the running of programs through it.</summary>
[TestClass]
public static class NativeHarness
{
    private static readonly Lazy<string> Executable = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Deletes the harness at the end of the test run, if one was built.</summary>
    [AssemblyCleanup]
    public static void Delete()
    {
        if (Executable.IsValueCreated) Directory.Delete(Path.GetDirectoryName(Executable.Value)!, recursive: true);
    }

    private static string Build()
    {
        string directory = Directory.CreateTempSubdirectory("maru-harness-").FullName;
        string output = Path.Combine(directory, "harness");
        string source = Path.Combine(AppContext.BaseDirectory, "TestSupport", "harness.c");
        var run = Run("cc", new[] { "-O1", "-o", output, source, "-ldl" }, TimeSpan.FromMinutes(2));
        if (run.ExitCode != 0) throw new InvalidOperationException($"building the harness failed: {run.StandardError}");
        return output;
    }

    /// <summary>Runs the library's main with the given arguments in a new process.</summary>
    public static ProgramRun RunLibrary(string library, IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        Run(Executable.Value, arguments.Prepend(library).ToList(), timeout ?? TimeSpan.FromMinutes(1));

    public static ProgramRun Run(string program, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) startInfo.ArgumentList.Add(argument);
        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} did not finish within {timeout}");
        }
        return new ProgramRun(process.ExitCode, output.Result, error.Result);
    }
}
