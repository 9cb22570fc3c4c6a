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
    /// <summary>
    /// How long the tool's messages are still read after it exits. A tool that exits closes its ends of the pipes, and what
    /// it wrote is read within milliseconds; only a child it left running can hold them open longer, and that is not waited for.
    /// </summary>
    internal static readonly TimeSpan OutputGrace = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a killed tool is given to be gone; killing is asynchronous, but a SIGKILL'd process ends at once.</summary>
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs the tool and returns once it has exited; after <paramref name="timeout"/>, or when <paramref name="cancellationToken"/>
    /// is cancelled, kills it with every process it started. Cancellation then throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public static ToolRun Run(string path, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
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

        // Both pipes are drained at once (a tool that fills one while we wait on the other would never exit), into buffers
        // that can be taken whenever we stop waiting: end of file comes only when every process holding the pipes has closed them.
        using var stopReading = new CancellationTokenSource();
        var standardError = new StringBuilder();
        var standardOutput = new StringBuilder();
        Task[] reading = [Drain(process.StandardError, standardError, stopReading.Token), Drain(process.StandardOutput, standardOutput, stopReading.Token)];

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Beyond what a timer can count (49 days) is as good as no limit.
        if (timeout != Timeout.InfiniteTimeSpan && timeout.TotalMilliseconds < uint.MaxValue - 1) deadline.CancelAfter(timeout);
        try
        {
            // Waits for the tool's exit only, not for the pipes (they are read by our own tasks, not Process's events).
            process.WaitForExitAsync(deadline.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            stopReading.Cancel();
            cancellationToken.ThrowIfCancellationRequested();
            return new ToolRun($"did not finish within {timeout.TotalSeconds:0.###} s and was stopped", -1, "");
        }

        Task.WaitAll(reading, OutputGrace);
        stopReading.Cancel();
        return new ToolRun(null, process.ExitCode, Text(standardError) + Text(standardOutput));
    }

    private static async Task Drain(StreamReader reader, StringBuilder text, CancellationToken cancellationToken)
    {
        char[] buffer = new char[4096];
        try
        {
            int count;
            while ((count = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                lock (text) text.Append(buffer, 0, count);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // We stopped waiting (the pipe was still held open by a process the tool left behind), or it was closed under us.
        }
    }

    private static string Text(StringBuilder text)
    {
        lock (text) return text.ToString();
    }

    // The tool and everything it started: an assembler driver's own assembler, a script's children.
    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // It exited meanwhile, or cannot be killed; either way there is nothing more we can do.
        }
        process.WaitForExit(KillGrace);
    }
}
