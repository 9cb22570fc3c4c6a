using System.CommandLine;
using Maru.Compiler;
using Maru.Compiler.Diagnostics;

namespace Maru.Cli;

/// <summary>
/// <c>maru expand FILE.l... [--rid RID]</c>, the <c>gcc -E</c> of Maru: every top-level form of the unit after Maru's
/// expansion, one a line, in order, the forms of a loaded file right after its load form, printed as Maru prints them.
/// Like <c>gcc -E</c>, a unit with errors still prints what was expanded, then the diagnostics, and exits with 1.
/// What compile-time code prints goes to stderr, so that stdout is only the expansion.
/// </summary>
internal static class ExpandCommand
{
    public static Command Create()
    {
        Argument<string[]> files = CommonSymbols.SourceFilesWithoutOptions();
        Option<string> runtimeIdentifier = CommonSymbols.RuntimeIdentifier();
        var command = new Command("expand", "Print Maru files after macro expansion, one top-level form a line") { files, runtimeIdentifier };
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output, error = parse.InvocationConfiguration.Error;
            string rid = parse.GetRequiredValue(runtimeIdentifier);
            if (!Maru.Compiler.Targets.Targets.SupportedRuntimeIdentifiers.Contains(rid))
            {
                // Expansion does not depend on the target today, but a RID that asm and build reject is rejected here too.
                DiagnosticPrinter.Print([Diagnostic.General(DiagnosticCodes.UnsupportedRuntime,
                    $"there is no target for the runtime identifier '{rid}' (supported: {string.Join(", ", Maru.Compiler.Targets.Targets.SupportedRuntimeIdentifiers)})")], error);
                return ExitCodes.Error;
            }
            var (sources, readErrors) = SourceFiles.Read(parse.GetRequiredValue(files));
            if (readErrors.Count > 0)
            {
                DiagnosticPrinter.Print(readErrors, error);
                return ExitCodes.Error;
            }

            ExpandResult result = MaruCompiler.Expand(sources, new CompileOptions(rid));
            foreach (string form in result.Forms) output.WriteLine(form);
            Compilation.PrintCompileTimeOutput(result.CompileTimeOutput, error);
            DiagnosticPrinter.Print(result.Diagnostics, error);
            return result.Success ? ExitCodes.Success : ExitCodes.Error;
        });
        return command;
    }
}
