namespace Maru.Sdk.Tests;

/// <summary>Runs a Windows program under wine, in a wine prefix made for it alone.</summary>
public static class Wine
{
    private const string Program = "/usr/lib/wine/wine64";
    private static string Server => Path.Combine(Path.GetDirectoryName(Program)!, "wineserver");

    /// <summary>
    /// Runs <paramref name="executable"/> in its folder. The prefix is made with wine's .NET Framework loader (mscoree) and
    /// browser turned off, so no Mono or Gecko installation is offered; the program runs with mscoree on, since wine's loader
    /// hands every IL-only DLL that CoreCLR loads to it (without it: "Could not load file or assembly System.Runtime.dll").
    /// Each wine run ends with its server, a few seconds after the program: then its helper processes let go of the output.
    /// </summary>
    public static ProcessResult Run(string executable)
    {
        var environment = new Dictionary<string, string> { ["WINEPREFIX"] = SdkFixture.NewFolder(), ["WINEDEBUG"] = "-all", ["WINEDLLOVERRIDES"] = "mscoree,mshtml=" };
        string directory = Path.GetDirectoryName(executable)!;
        DotNet.AssertSucceeded(DotNet.Start(Program, directory, ["wineboot", "--init"], environment));
        DotNet.AssertSucceeded(DotNet.Start(Server, directory, ["-w"], environment));

        environment["WINEDLLOVERRIDES"] = "mshtml=";
        ProcessResult run = DotNet.Start(Program, directory, [executable], environment);
        DotNet.AssertSucceeded(DotNet.Start(Server, directory, ["-w"], environment));
        return run;
    }
}
