using System.Diagnostics;

namespace Maru.Runtime.Tests;

/// <summary>A fresh directory under the system's temporary directory, deleted with everything in it on dispose.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("maru-runtime-test-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

public sealed record ProcessRun(int ExitCode, string StandardOutput, string StandardError);

/// <summary>Runs Maru.Runtime.TestHost, an application that uses Maru.Runtime, in a process of its own.</summary>
public static class TestHost
{
    private static string Assembly => System.IO.Path.Combine(AppContext.BaseDirectory, "Maru.Runtime.TestHost.dll");

    /// <summary>The <c>dotnet</c> that runs this test run (the SDK sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static Process Start(IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo(Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(Assembly);
        foreach (string argument in arguments) startInfo.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) startInfo.Environment[name] = value;
        return Process.Start(startInfo)!;
    }

    public static ProcessRun Finish(Process process)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the test host did not finish within 2 minutes");
        }
        return new ProcessRun(process.ExitCode, output.Result, error.Result);
    }

    public static ProcessRun Run(IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        using Process process = Start(arguments, environment);
        return Finish(process);
    }
}

public static class Sources
{
    public const string Fib = "(define-function fib (n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))";
    public const string Add = "(define-function add (a b) \"Adds two words.\" (+ a b))";

    /// <summary>Options with a cache of its own in <paramref name="directory"/>.</summary>
    public static MaruCompileOptions WithCache(TemporaryDirectory directory) => new() { Cache = new MaruCodeCache(directory.File("cache")) };

    public static MaruCompileOptions NoCache { get; } = new() { Cache = null };

    /// <summary>
    /// Options that can only load from <paramref name="cache"/>: on a miss, <see cref="CacheMissException"/> is thrown
    /// before anything is compiled, assembled or linked (the integrated toolchain starts no tool, so a missing tool proves nothing).
    /// </summary>
    public static MaruCompileOptions CacheOnly(MaruCodeCache? cache) => new() { Cache = cache, OnBuild = () => throw new CacheMissException() };

    /// <summary>Options whose external assembler and linker do not exist: anything that needs a tool fails with MARU0901.</summary>
    public static MaruCompileOptions WithoutTools(MaruCodeCache? cache) => new()
    {
        Cache = cache,
        AssemblerPath = "/nonexistent/maru-test/as",
        LinkerPath = "/nonexistent/maru-test/ld",
    };
}

/// <summary>What <see cref="Sources.CacheOnly"/> options throw when the unit would have to be built.</summary>
public sealed class CacheMissException() : Exception("the unit is not in the cache: it would be compiled, assembled and linked");
