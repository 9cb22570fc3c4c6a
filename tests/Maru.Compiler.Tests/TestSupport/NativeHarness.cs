using System.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests;

public sealed record ProgramRun(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// The native test harness (built once per test run with the C compiler, with the aarch64 cross compiler for qemu, and
/// with the MinGW-w64 cross compiler for wine) and the running of programs through it: Windows ones under wine, in a
/// wine prefix made once per test run.
/// </summary>
[TestClass]
public static class NativeHarness
{
    private const string Wine = "/usr/lib/wine/wine64";

    /// <summary>The sysroot of Debian's aarch64 C library, where qemu finds the dynamic loader and libc.</summary>
    private const string Arm64Sysroot = "/usr/aarch64-linux-gnu";

    private static readonly Lazy<string> Executable = new(() => Build("cc", "harness", ["-ldl"]), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<string> Arm64Executable = new(() => Build("aarch64-linux-gnu-gcc", "harness", ["-ldl"]), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<string> WindowsExecutable = new(() => Build("x86_64-w64-mingw32-gcc", "harness.exe", []), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<IReadOnlyDictionary<string, string>> WineEnvironment = new(CreateWinePrefix, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>At the end of the test run: stops wine and deletes its prefix and the harnesses that were built.</summary>
    [AssemblyCleanup]
    public static void Delete()
    {
        StopWine();
        foreach (var harness in new[] { Executable, Arm64Executable, WindowsExecutable })
            if (harness.IsValueCreated) Directory.Delete(Path.GetDirectoryName(harness.Value)!, recursive: true);
    }

    private static string Build(string compiler, string name, string[] libraries)
    {
        string directory = Directory.CreateTempSubdirectory("maru-harness-").FullName;
        string output = Path.Combine(directory, name);
        string source = Path.Combine(AppContext.BaseDirectory, "TestSupport", "harness.c");
        var run = Run(compiler, ["-O1", "-o", output, source, .. libraries], TimeSpan.FromMinutes(2));
        if (run.ExitCode != 0) throw new InvalidOperationException($"building the harness with {compiler} failed: {run.StandardError}");
        return output;
    }

    private static string WineServer => Path.Combine(Path.GetDirectoryName(Wine)!, "wineserver");

    /// <summary>
    /// A fresh wine prefix for this test run, so no user configuration matters (making it takes seconds). Its wine
    /// server is then kept running between programs, which makes each start a tenth of a second rather than three
    /// (a program's own server would also hold its output pipes open until it ends); the server and the folder go when
    /// the test run ends.
    /// </summary>
    private static IReadOnlyDictionary<string, string> CreateWinePrefix()
    {
        string prefix = Directory.CreateTempSubdirectory("maru-wine-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["WINEPREFIX"] = prefix,
            ["WINEDEBUG"] = "-all",
            // No Mono or Gecko installation dialogs while the prefix is made.
            ["WINEDLLOVERRIDES"] = "mscoree,mshtml=",
        };
        // Making the prefix ends by stopping its server, so the lasting one starts afterwards.
        Run(Wine, ["wineboot", "--init"], TimeSpan.FromMinutes(5), environment);
        Run(WineServer, ["-w"], TimeSpan.FromMinutes(1), environment);
        StartPersistentWineServer(environment);
        return environment;
    }

    /// <summary>Stops the wine server of this test run, if one was started, and deletes its prefix.</summary>
    private static void StopWine()
    {
        if (!WineEnvironment.IsValueCreated) return;
        var environment = WineEnvironment.Value;
        Run(WineServer, ["-k"], TimeSpan.FromSeconds(30), environment);
        Run(WineServer, ["-w"], TimeSpan.FromSeconds(30), environment);
        // The server saves the registry into the prefix as it ends, which can be after -w returns: retry for a while.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(environment["WINEPREFIX"], recursive: true);
                return;
            }
            catch (IOException) when (attempt < 20)
            {
                Thread.Sleep(500);
            }
        }
    }

    // The server goes into the background holding the standard streams it was given, so they are redirected but never
    // read (reading would wait for the server to end). -p600: should the test run end without -k, it stops on its own ten minutes later.
    private static void StartPersistentWineServer(IReadOnlyDictionary<string, string> environment)
    {
        var startInfo = new ProcessStartInfo(WineServer, ["-p600"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment) startInfo.Environment[name] = value;
        using var process = Process.Start(startInfo)!;
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)) || process.ExitCode != 0)
            throw new InvalidOperationException($"{WineServer} -p600 did not start (exit {(process.HasExited ? process.ExitCode : "none")})");
    }

    /// <summary>Runs the library's main with the given arguments in a new process.</summary>
    public static ProgramRun RunLibrary(string library, IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        Run(Executable.Value, arguments.Prepend(library).ToList(), timeout ?? TimeSpan.FromMinutes(1));

    /// <summary>
    /// Runs the main of a library built for <paramref name="runtimeIdentifier"/>: natively for the host's, under
    /// qemu-aarch64 (with the harness cross-compiled by aarch64-linux-gnu-gcc) for linux-arm64 on another host, under
    /// wine for win-x64 (with wine's own time limit).
    /// </summary>
    public static ProgramRun RunLibraryOn(string runtimeIdentifier, string library, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        if (runtimeIdentifier == NativeToolchain.HostRuntimeIdentifier) return RunLibrary(library, arguments, timeout);
        if (runtimeIdentifier == "win-x64") return RunWindowsLibrary(library, arguments);
        if (runtimeIdentifier != "linux-arm64") throw new ArgumentException($"cannot run {runtimeIdentifier} code here", nameof(runtimeIdentifier));
        var emulated = new List<string> { "-L", Arm64Sysroot, Arm64Executable.Value, library };
        emulated.AddRange(arguments);
        return Run("qemu-aarch64", emulated, timeout ?? TimeSpan.FromMinutes(2));
    }

    /// <summary>Runs a win-x64 library's main with the given arguments under wine.</summary>
    public static ProgramRun RunWindowsLibrary(string library, IEnumerable<string> arguments) => RunUnderWine([library, .. arguments]);

    /// <summary>
    /// Calls <paramref name="function"/> of a win-x64 library with a C callback that walks the stack with
    /// RtlCaptureStackBackTrace; the output names the module of each frame, innermost first: harness, maru or other.
    /// </summary>
    public static ProgramRun RunWindowsStackWalk(string library, string function) => RunUnderWine(["--stack-walk", library, function]);

    /// <summary>
    /// Runs the Windows harness under wine. Its output goes to files: wine's helper processes inherit the standard
    /// streams, so reading them through pipes would wait seconds for those processes to let go. The harness creates
    /// those files before anything else, so when they are missing the harness never ran: wine itself failed to start
    /// (seen rarely on a loaded machine, as its server restarts), and the run is tried again, up to three times. So is a
    /// run that wine ended with status 127 and no output at all (seen once with two test projects running wine at
    /// once); a program that really exits so gives the same result again, which is then returned.
    /// </summary>
    private static ProgramRun RunUnderWine(IReadOnlyList<string> harnessArguments)
    {
        const int attempts = 3;
        int wineExitCode = 0;
        ProgramRun? last = null;
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            var run = TryRunUnderWine(harnessArguments, out wineExitCode);
            if (run is null) continue;
            if (run is not { ExitCode: 127, StandardOutput: "", StandardError: "" }) return run;
            last = run;
        }
        if (last is not null) return last;
        Assert.Fail($"wine did not start the harness for {string.Join(' ', harnessArguments)} in {attempts} attempts (last exit status {wineExitCode})");
        return null!;
    }

    private static ProgramRun? TryRunUnderWine(IReadOnlyList<string> harnessArguments, out int wineExitCode)
    {
        var environment = WineEnvironment.Value;
        string directory = Directory.CreateTempSubdirectory("maru-wine-run-").FullName;
        try
        {
            string output = Path.Combine(directory, "stdout"), error = Path.Combine(directory, "stderr");
            var startInfo = new ProcessStartInfo(Wine, [WindowsExecutable.Value, "--output", output, error, .. harnessArguments])
            {
                // Redirected so nothing reaches the test run's own streams, and never read (see above).
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var (name, value) in environment) startInfo.Environment[name] = value;
            using var process = Process.Start(startInfo)!;
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{string.Join(' ', harnessArguments)} did not finish under wine within 2 minutes");
            }
            wineExitCode = process.ExitCode;
            if (!File.Exists(output) || !File.Exists(error)) return null;
            return new ProgramRun(process.ExitCode, File.ReadAllText(output), File.ReadAllText(error));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public static ProgramRun Run(string program, IReadOnlyList<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) startInfo.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) startInfo.Environment[name] = value;
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
