using System.Diagnostics;
using System.Text;

namespace Maru.Sdk.Tests;

/// <summary>
/// dotnet watch: hot reload patches managed code only, so the README's command for Maru work is dotnet watch --no-hot-reload,
/// which rebuilds and restarts the app when a .l file (a Watch item) changes.
/// </summary>
[TestClass]
public sealed class WatchTests
{
    [TestMethod]
    public void AnEditOfALFileRebuildsAndRestartsTheAppUnderDotnetWatchNoHotReload()
    {
        string project = SdkFixture.CopyAsset("WatchApp");
        DotNet.AssertSucceeded(DotNet.Build(project));
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = project, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string argument in new[] { "watch", "--no-hot-reload", "--non-interactive" }) info.ArgumentList.Add(argument);
        foreach (string name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList()) info.Environment.Remove(name);
        info.Environment["NUGET_PACKAGES"] = SdkFixture.PackagesCache;
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var output = new StringBuilder();
        using Process watch = Process.Start(info)!;
        watch.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        watch.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        watch.BeginOutputReadLine();
        watch.BeginErrorReadLine();
        try
        {
            WaitFor(output, "answer = 1");
            File.WriteAllText(Path.Combine(project, "answer.l"), "(define-function answer () 2)\n");
            WaitFor(output, "answer = 2");
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
            watch.WaitForExit();
        }
    }

    private static void WaitFor(StringBuilder output, string line)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            lock (output) if (output.ToString().Contains(line, StringComparison.Ordinal)) return;
            Thread.Sleep(200);
        }
        lock (output) Assert.Fail($"dotnet watch did not print '{line}' in 2 minutes:\n{output}");
    }
}
