using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Maru.Compiler.Toolchain;

/// <summary>What one tool run gave: its exit code and its messages, or why it did not run to completion.</summary>
/// <param name="Failure">Null when the tool ran and exited; else why it could not be started or was killed.</param>
/// <param name="Output">Standard error, then standard output.</param>
internal sealed record ToolRun(string? Failure, int ExitCode, string Output);

/// <summary>Runs a tool with an argument list (never through a shell) and collects everything it prints.</summary>
internal static class ToolProcess
{
    public static ToolRun Run(string path, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) startInfo.ArgumentList.Add(argument);
        // Untranslated messages, so that "file:line: Error:" can be recognised whatever the user's locale.
        startInfo.Environment["LC_ALL"] = "C";

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return new ToolRun($"could not be started: {e.Message}", -1, "");
        }
        process.StandardInput.Close();

        // Both pipes are drained at once: a tool that fills one while we wait on the other would never exit.
        Task<string> standardError = process.StandardError.ReadToEndAsync();
        Task<string> standardOutput = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new ToolRun($"did not finish within {timeout.TotalSeconds:0.###} s and was stopped", -1, "");
        }
        return new ToolRun(null, process.ExitCode, standardError.GetAwaiter().GetResult() + standardOutput.GetAwaiter().GetResult());
    }
}
