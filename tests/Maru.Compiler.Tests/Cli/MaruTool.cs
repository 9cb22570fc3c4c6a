using System.Diagnostics;
using System.Text.RegularExpressions;
using Maru.Cli;

namespace Maru.Compiler.Tests.Cli;

/// <summary>One run of the real <c>maru</c> process: its exit status, what it wrote to each stream, and how long it took.</summary>
public sealed record MaruRun(int ExitCode, string Output, string Error, TimeSpan Elapsed)
{
    public override string ToString() =>
        $"exit {ExitCode} after {Elapsed.TotalSeconds:F1} s\n--- stdout ---\n{Output}\n--- stderr ---\n{Truncate(Error)}";

    private static string Truncate(string text) => text.Length <= 4000 ? text : text[..4000] + "\n...";
}

/// <summary>
/// Runs the tool as users do: <c>dotnet maru.dll ARGS</c>, maru.dll being the one the build copies next to the test assembly.
/// Its standard output and error are pipes, so output order and buffering are what a script or an IDE sees.
/// </summary>
public static partial class MaruTool
{
    /// <summary>The tool's assembly, next to this test assembly because the test project references Maru.Cli.</summary>
    public static string AssemblyPath { get; } = typeof(MaruCommandLine).Assembly.Location;

    /// <summary>
    /// Runs <c>maru</c> in <paramref name="workingDirectory"/> (so relative paths in diagnostics are the ones given), optionally
    /// with its temporary directory set to <paramref name="temporaryDirectory"/> and more environment variables; fails the test
    /// if it takes longer than the timeout.
    /// </summary>
    public static MaruRun Run(string workingDirectory, IEnumerable<string> args, TimeSpan? timeout = null, string? temporaryDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(60);
        var clock = Stopwatch.StartNew();
        using Process process = Start(workingDirectory, args, temporaryDirectory, environment);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"maru {string.Join(' ', args)} did not finish within {limit}");
        }
        process.WaitForExit();
        clock.Stop();
        return new MaruRun(process.ExitCode, output.Result, error.Result, clock.Elapsed);
    }

    /// <summary>Starts <c>maru</c> as <see cref="Run(string, IEnumerable{string}, TimeSpan?, string?, IReadOnlyDictionary{string, string}?)"/> does, without waiting for it.</summary>
    public static Process Start(string workingDirectory, IEnumerable<string> args, string? temporaryDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
        var startInfo = new ProcessStartInfo(host)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(AssemblyPath);
        foreach (string arg in args) startInfo.ArgumentList.Add(arg);
        if (temporaryDirectory is not null)
        {
            // Path.GetTempPath() reads TMPDIR on Unix and TMP/TEMP on Windows.
            foreach (string variable in new[] { "TMPDIR", "TMP", "TEMP" }) startInfo.Environment[variable] = temporaryDirectory;
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) startInfo.Environment[name] = value;
        return Process.Start(startInfo)!;
    }

    public static MaruRun Run(string workingDirectory, params string[] args) => Run(workingDirectory, args, null, null, null);

    /// <summary>The lines of a stream, without the empty one after the last newline.</summary>
    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    /// <summary>
    /// Asserts that the stream holds diagnostics only: every line is <c>location: error MARUnnnn: message</c>, and nothing
    /// looks like an exception or a stack trace. Returns the lines.
    /// </summary>
    public static string[] AssertOnlyDiagnostics(string error)
    {
        Assert.DoesNotContain("Unhandled exception", error, error);
        Assert.DoesNotContain("Exception:", error, error);
        Assert.DoesNotContain("internal compiler error", error, error);
        string[] lines = Lines(error);
        Assert.IsNotEmpty(lines, "expected at least one diagnostic on stderr");
        foreach (string line in lines)
        {
            Assert.MatchesRegex(DiagnosticLine(), line, $"not a diagnostic line: {line}");
            Assert.IsFalse(StackFrame().IsMatch(line), $"looks like a stack frame: {line}");
        }
        return lines;
    }

    /// <summary>The code of each diagnostic line, in order.</summary>
    public static string[] Codes(string error) =>
        Lines(error).Select(line => DiagnosticLine().Match(line)).Where(m => m.Success).Select(m => m.Groups["code"].Value).ToArray();

    [GeneratedRegex(@"^(?<location>.+?): error (?<code>MARU\d{4}): \S.*$")]
    public static partial Regex DiagnosticLine();

    [GeneratedRegex(@"^\s+at \S+")]
    private static partial Regex StackFrame();
}
