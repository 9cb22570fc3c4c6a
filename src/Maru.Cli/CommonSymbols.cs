using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Maru.Compiler.Toolchain;

namespace Maru.Cli;

/// <summary>The arguments and options that several commands share, one new instance per command.</summary>
internal static class CommonSymbols
{
    public static Argument<string[]> SourceFiles() => new("FILE.l")
    {
        Description = "The Maru source files of the program, compiled together as one unit",
        Arity = ArgumentArity.OneOrMore,
    };

    /// <summary>
    /// The source files with a check that none looks like an option: System.CommandLine gives an unknown option such as
    /// <c>--bogus</c> to the files, which would make it an unreadable source (1) instead of a wrong command line (2).
    /// Not for <c>maru run</c>, whose files also receive the entry's arguments after <c>--</c>, negative numbers included.
    /// </summary>
    public static Argument<string[]> SourceFilesWithoutOptions()
    {
        Argument<string[]> files = SourceFiles();
        files.Validators.Add(result =>
        {
            if (result.Tokens.FirstOrDefault(token => LooksLikeOption(token.Value)) is { } option)
                result.AddError($"Unrecognized command or argument '{option.Value}'.");
        });
        return files;
    }

    /// <summary>Whether a command-line token is an option rather than a file: it starts with '-' and is not "-" alone.</summary>
    public static bool LooksLikeOption(string token) => token.Length > 1 && token[0] == '-';

    public static Option<string> RuntimeIdentifier() => new("--rid")
    {
        Description = "The runtime identifier to compile for",
        HelpName = "RID",
        DefaultValueFactory = _ => NativeToolchain.HostRuntimeIdentifier,
    };

    public static Option<ToolchainChoice> Toolchain() => new("--toolchain")
    {
        Description = "What assembles and links: integrated (in process; linux-x64), external (as and ld), "
            + "or auto: integrated where there is one, unless MARU_AS or MARU_LD names an external tool",
        DefaultValueFactory = _ => ToolchainChoice.Auto,
    };

    /// <summary><c>--tool-timeout SECONDS</c>: how long one assembler or linker run may take; null when not given.</summary>
    public static Option<TimeSpan?> ToolTimeout() => new("--tool-timeout")
    {
        Description = "Stop an assembler or linker run, with every process it started, after this many seconds "
            + $"(default {ToolchainOptions.DefaultToolTimeout.TotalSeconds:0})",
        HelpName = "SECONDS",
        CustomParser = ParseSeconds,
    };

    /// <summary><c>--process-extern NAME</c>, repeatable: a C function the process that loads the library provides.</summary>
    public static Option<string[]> ProcessExterns() => new("--process-extern")
    {
        Description = "A C function that the process loading the library provides (the host application exports it), "
            + "so that an extern may name it although the C library has no such function; repeat for more",
        HelpName = "NAME",
        Arity = ArgumentArity.ZeroOrMore,
        DefaultValueFactory = _ => [],
    };

    // A positive number of seconds, fractions allowed (0.5); at most about 68 years, past which a TimeSpan overflows anyway.
    private static TimeSpan? ParseSeconds(ArgumentResult result)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) && seconds > 0 && seconds <= int.MaxValue)
            return TimeSpan.FromSeconds(seconds);
        result.AddError($"--tool-timeout takes a positive number of seconds, not '{text}'.");
        return null;
    }

    /// <summary>
    /// The toolchain options for <paramref name="runtimeIdentifier"/> with <paramref name="choice"/> applied, the tool
    /// timeout when one is given and the process externs.
    /// </summary>
    public static ToolchainOptions BuildOptions(string runtimeIdentifier, ToolchainChoice choice, TimeSpan? toolTimeout, string[]? processExterns) => new(runtimeIdentifier)
    {
        ProcessExterns = processExterns ?? [],
        ToolTimeout = toolTimeout ?? ToolchainOptions.DefaultToolTimeout,
        Integrated = choice switch
        {
            ToolchainChoice.Integrated => true,
            ToolchainChoice.External => false,
            _ => NativeToolchain.HasIntegratedToolchain(runtimeIdentifier)
                && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MARU_AS")) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MARU_LD")),
        },
    };
}

internal enum ToolchainChoice { Auto, Integrated, External }
