using System.CommandLine;
using Maru.Compiler;

namespace Maru.Cli;

/// <summary><c>maru asm FILE.l... [--rid RID]</c>: the generated assembly on stdout, the files' texts in order.</summary>
internal static class AsmCommand
{
    public static Command Create()
    {
        Argument<string[]> files = CommonSymbols.SourceFilesWithoutOptions();
        Option<string> runtimeIdentifier = CommonSymbols.RuntimeIdentifier();
        var command = new Command("asm", "Print the assembly generated for Maru files") { files, runtimeIdentifier };
        command.SetAction(parse =>
        {
            CompileResult? result = Compilation.Compile(parse.GetRequiredValue(files), parse.GetRequiredValue(runtimeIdentifier),
                parse.InvocationConfiguration.Error);
            if (result is null) return ExitCodes.Error;

            TextWriter output = parse.InvocationConfiguration.Output;
            foreach (AssemblyFile file in result.Assembly)
            {
                output.Write(file.Text);
                // So that the next file's first line does not join this file's last one.
                if (file.Text.Length > 0 && !file.Text.EndsWith('\n')) output.WriteLine();
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
