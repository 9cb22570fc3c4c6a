using System.CommandLine;
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

    public static Option<string> RuntimeIdentifier() => new("--rid")
    {
        Description = "The runtime identifier to compile for",
        HelpName = "RID",
        DefaultValueFactory = _ => NativeToolchain.HostRuntimeIdentifier,
    };
}
