using System.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests;

public sealed record ProgramRun(int ExitCode, string StandardOutput, string StandardError);

/// <summary>The native test harness (built once per test run with the C compiler) and the running of programs through it.</summary>
[TestClass]
public static class NativeHarness
{
    private static readonly Lazy<string> Executable = new(() => Build("cc"), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<string> Arm64Executable = new(() => Build("aarch64-linux-gnu-gcc"), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The sysroot of Debian's aarch64 C library, where qemu finds the dynamic loader and libc.</summary>
    private const string Arm64Sysroot = "/usr/aarch64-linux-gnu";

    /// <summary>Deletes the harnesses at the end of the test run, if any were built.</summary>
    [AssemblyCleanup]
    public static void Delete()
    {
        foreach (var harness in new[] { Executable, Arm64Executable })
            if (harness.IsValueCreated) Directory.Delete(Path.GetDirectoryName(harness.Value)!, recursive: true);
    }

    private static string Build(string compiler)
    {
        string directory = Directory.CreateTempSubdirectory("maru-harness-").FullName;
        string output = Path.Combine(directory, "harness");
        string source = Path.Combine(AppContext.BaseDirectory, "TestSupport", "harness.c");
        var run = Run(compiler, new[] { "-O1", "-o", output, source, "-ldl" }, TimeSpan.FromMinutes(2));
        if (run.ExitCode != 0) throw new InvalidOperationException($"building the harness failed: {run.StandardError}");
        return output;
    }

    /// <summary>Runs the library's main with the given arguments in a new process.</summary>
    public static ProgramRun RunLibrary(string library, IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        Run(Executable.Value, arguments.Prepend(library).ToList(), timeout ?? TimeSpan.FromMinutes(1));

    /// <summary>
    /// Runs the main of a library built for <paramref name="runtimeIdentifier"/>: natively for the host's, under
    /// qemu-aarch64 (with the harness cross-compiled by aarch64-linux-gnu-gcc) for linux-arm64 on another host.
    /// </summary>
    public static ProgramRun RunLibraryOn(string runtimeIdentifier, string library, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        if (runtimeIdentifier == NativeToolchain.HostRuntimeIdentifier) return RunLibrary(library, arguments, timeout);
        if (runtimeIdentifier != "linux-arm64") throw new ArgumentException($"cannot run {runtimeIdentifier} code here", nameof(runtimeIdentifier));
        var emulated = new List<string> { "-L", Arm64Sysroot, Arm64Executable.Value, library };
        emulated.AddRange(arguments);
        return Run("qemu-aarch64", emulated, timeout ?? TimeSpan.FromMinutes(2));
    }

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
