using System.Diagnostics;
using System.Reflection;
using Maru.Cli;
using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Tests.Cli;

[TestClass]
public sealed class MaruCommandLineTests
{
    private sealed record Outcome(int ExitCode, string Output, string Error);

    private static Outcome Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = MaruCommandLine.Run(args, output, error);
        return new Outcome(exitCode, output.ToString(), error.ToString());
    }

    [TestMethod]
    public void HelpListsTheCommands()
    {
        Outcome outcome = Run("--help");

        Assert.AreEqual(0, outcome.ExitCode);
        foreach (string command in new[] { "build", "asm", "expand", "run", "repl" }) Assert.Contains(command, outcome.Output);
        Assert.AreEqual("", outcome.Error);
    }

    [TestMethod]
    public void VersionIsTheInformationalVersion()
    {
        string expected = typeof(MaruCommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        Outcome outcome = Run("--version");

        Assert.AreEqual(0, outcome.ExitCode);
        Assert.AreEqual(expected, outcome.Output.Trim());
    }

    [TestMethod]
    [DataRow("--bogus")]
    [DataRow()]
    [DataRow("build", "a.l")]
    [DataRow("build", "-o", "libx.so")]
    [DataRow("asm", "a.l", "--rid")]
    [DataRow("expand")]
    [DataRow("asm", "a.l", "--bogus")]
    [DataRow("build", "a.l", "-o", "libx.so", "-x")]
    [DataRow("expand", "--bogus", "a.l")]
    [DataRow("frobnicate", "a.l")]
    public void AWrongCommandLineIsAUsageErrorOnStandardError(params string[] args)
    {
        Outcome outcome = Run(args);

        Assert.AreEqual(ExitCodes.Usage, outcome.ExitCode);
        Assert.AreEqual("", outcome.Output);
        Assert.Contains("Usage:", outcome.Error);
    }

    [TestMethod]
    [DataRow("build", "-o", "libx.so")]
    [DataRow("asm")]
    [DataRow("expand")]
    [DataRow("run")]
    public void AnUnreadableSourceIsMaru0900(params string[] command)
    {
        string missing = Path.Combine(Path.GetTempPath(), $"maru-missing-{Guid.NewGuid():N}.l");

        Outcome outcome = Run([command[0], missing, .. command[1..]]);

        Assert.AreEqual(ExitCodes.Error, outcome.ExitCode);
        Assert.StartsWith($"{missing}: error {DiagnosticCodes.CannotReadSource}: ", outcome.Error);
        Assert.AreEqual("", outcome.Output);
    }

    [TestMethod]
    [DataRow("12x")]
    [DataRow("0x")]
    [DataRow("0x1g")]
    [DataRow("99999999999999999999")]
    public void RunWithANonIntegerArgumentForAnEntryIsAUsageError(string argument)
    {
        Outcome outcome = Run("run", "never-read.l", "--entry", "add", "--", "1", argument);

        Assert.AreEqual(ExitCodes.Usage, outcome.ExitCode);
        Assert.Contains($"'{argument}' is not an integer", outcome.Error);
    }

    [TestMethod]
    public void RunWithAnUnknownOptionBeforeTheDoubleDashIsAUsageError()
    {
        Outcome outcome = Run("run", "never-read.l", "--bogus", "--entry", "add", "--", "-1", "2");

        Assert.AreEqual(ExitCodes.Usage, outcome.ExitCode);
        Assert.Contains("unknown option '--bogus'", outcome.Error);
    }

    [TestMethod]
    public void RunWithoutASourceBeforeTheDoubleDashIsAUsageError()
    {
        Outcome outcome = Run("run", "--", "a.l");

        Assert.AreEqual(ExitCodes.Usage, outcome.ExitCode);
        Assert.Contains("no source file", outcome.Error);
    }

    [TestMethod]
    public void TheToolProcessExitsWithTheCommandLinesStatus()
    {
        Assert.AreEqual(ExitCodes.Usage, RunProcess("--bogus").ExitCode);
        Outcome version = RunProcess("--version");
        Assert.AreEqual(0, version.ExitCode);
        Assert.AreEqual(Run("--version").Output, version.Output);
    }

    // The real tool, as `dotnet maru.dll` from the test's output directory, where the build copies it.
    private static Outcome RunProcess(params string[] args)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(typeof(MaruCommandLine).Assembly.Location);
        foreach (string arg in args) startInfo.ArgumentList.Add(arg);
        using Process process = Process.Start(startInfo)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new Outcome(process.ExitCode, output, error.Result);
    }
}
