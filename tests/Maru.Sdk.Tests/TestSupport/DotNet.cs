using System.Diagnostics;
using System.Text;

namespace Maru.Sdk.Tests;

/// <summary>What one process run gave.</summary>
public sealed record ProcessResult(int ExitCode, string Output)
{
    public override string ToString() => $"exit code {ExitCode}\n{Output}";
}

/// <summary>Runs dotnet (or a built app) as a process with an argument list and the test run's environment.</summary>
public static class DotNet
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    public static ProcessResult Run(string workingDirectory, params string[] arguments) => Start("dotnet", workingDirectory, arguments);

    /// <summary>The distinct error messages of a build log, from their code on (each is printed more than once, with different prefixes).</summary>
    public static string[] Errors(ProcessResult result) =>
        result.Output.Split('\n').Select(l => l.IndexOf(": error ", StringComparison.Ordinal) is var i and >= 0 ? l[(i + 2)..].Trim() : null)
            .OfType<string>().Distinct().ToArray();

    /// <summary>dotnet build with the switches every test build uses, plus <paramref name="arguments"/>.</summary>
    public static ProcessResult Build(string projectDirectory, params string[] arguments) =>
        Run(projectDirectory, ["build", "-nodeReuse:false", "-v:n", "-clp:NoSummary", .. arguments]);

    public static ProcessResult Start(string fileName, string workingDirectory, IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        // dotnet test runs under MSBuild: its variables would point the child builds at the test run's own MSBuild.
        foreach (string name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(name);
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        info.Environment["NUGET_PACKAGES"] = SdkFixture.PackagesCache;
        // The test machine's tool choices (MARU_AS, MARU_LD_OSX_ARM64, an Apple SDK) must not change the builds.
        foreach (string name in info.Environment.Keys.Where(k => k.StartsWith("MARU_AS", StringComparison.Ordinal) || k.StartsWith("MARU_LD", StringComparison.Ordinal) || k == "SDKROOT").ToList())
            info.Environment.Remove(name);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{fileName} {string.Join(' ', arguments)} did not finish in {Timeout}");
        }
        process.WaitForExit();
        lock (output) return new ProcessResult(process.ExitCode, output.ToString());
    }

    public static void AssertSucceeded(ProcessResult result)
    {
        Assert.AreEqual(0, result.ExitCode, result.ToString());
    }
}
