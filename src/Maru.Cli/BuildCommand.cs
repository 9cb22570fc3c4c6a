using System.Runtime.InteropServices;
using System.CommandLine;
using Maru.Compiler;
using Maru.Compiler.Toolchain;

namespace Maru.Cli;

/// <summary>
/// <c>maru build FILE.l... -o LIB [--rid RID] [--emit-asm DIR] [--toolchain auto|integrated|external] [--tool-timeout SECONDS]</c>:
/// a native shared library.
/// </summary>
internal static class BuildCommand
{
    public static Command Create()
    {
        Argument<string[]> files = CommonSymbols.SourceFilesWithoutOptions();
        Option<string> output = new("--output", "-o")
        {
            Description = "The shared library to write (e.g. libfib.so)",
            HelpName = "LIB",
            Required = true,
        };
        Option<string> runtimeIdentifier = CommonSymbols.RuntimeIdentifier();
        Option<string?> emitAssembly = new("--emit-asm")
        {
            Description = "Also keep the generated assembly, one .s file per source, in this directory",
            HelpName = "DIR",
        };
        Option<ToolchainChoice> toolchain = CommonSymbols.Toolchain();
        Option<TimeSpan?> toolTimeout = CommonSymbols.ToolTimeout();
        Option<string[]> processExterns = CommonSymbols.ProcessExterns();
        var command = new Command("build", "Compile Maru files to a native shared library")
        {
            files, output, runtimeIdentifier, emitAssembly, toolchain, toolTimeout, processExterns,
        };
        command.SetAction(parse =>
        {
            TextWriter error = parse.InvocationConfiguration.Error;
            string rid = parse.GetRequiredValue(runtimeIdentifier);
            CompileResult? result = Compilation.Compile(parse.GetRequiredValue(files), rid, error);
            if (result is null) return ExitCodes.Error;

            var options = CommonSymbols.BuildOptions(rid, parse.GetValue(toolchain), parse.GetValue(toolTimeout), parse.GetValue(processExterns))
                with { AssemblyOutputDirectory = parse.GetValue(emitAssembly) };
            // Ctrl+C or SIGTERM while the tools run: the running tool is killed with its children, the temporary
            // folder deleted and the output left as it was (without this, maru would end and leave the tool running).
            using var interrupted = new CancellationTokenSource();
            int exitCode = ExitCodes.Interrupted;
            void Interrupt(PosixSignalContext context)
            {
                context.Cancel = true;
                if (context.Signal == PosixSignal.SIGTERM) exitCode = ExitCodes.Terminated;
                interrupted.Cancel();
            }
            using var interruptRegistration = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
            using var terminateRegistration = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
            try
            {
                var diagnostics = NativeToolchain.BuildLibrary(result.Assembly, parse.GetRequiredValue(output), options, interrupted.Token);
                DiagnosticPrinter.Print(diagnostics, error);
                return diagnostics.Any(d => d.IsError) ? ExitCodes.Error : ExitCodes.Success;
            }
            catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
            {
                error.WriteLine("maru: build cancelled; the output was not changed");
                return exitCode;
            }
        });
        return command;
    }
}
