using System.CommandLine;
using System.CommandLine.Invocation;

namespace Maru.Cli;

/// <summary>The <c>maru</c> command line: its commands, and the exit status of a wrong command line.</summary>
internal static class MaruCommandLine
{
    /// <summary>Runs <c>maru</c> with <paramref name="args"/>, writing to the given writers; returns the exit status.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("Compile Maru (.l) programs to native code, show their assembly or their expansion, run them, or explore them in a REPL.")
        {
            BuildCommand.Create(),
            AsmCommand.Create(),
            ExpandCommand.Create(),
            RunCommand.Create(),
            ReplCommand.Create(),
        };
        ParseResult parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            // System.CommandLine would print the help on stdout and exit with 1; a usage error goes to stderr and is 2.
            parse.Invoke(new InvocationConfiguration { Output = error, Error = error });
            return ExitCodes.Usage;
        }
        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
