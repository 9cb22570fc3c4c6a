using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Runtime.InteropServices;
using Maru.Compiler;
using Maru.Compiler.Toolchain;

namespace Maru.Cli;

/// <summary>
/// <c>maru run FILE.l... [--entry NAME] [--toolchain ...] [--tool-timeout SECONDS] [-- ARG...]</c>: compiles for this machine, loads the library into this process and
/// calls the entry. <c>main</c> gets argc/argv and its result is the exit status; any other entry gets the ARGs as integers
/// and its result is printed.
/// </summary>
internal static class RunCommand
{
    private const string Main = "main";

    public static Command Create()
    {
        Argument<string[]> files = CommonSymbols.SourceFiles();
        Option<string> entry = new("--entry")
        {
            Description = "The exported function to call; other than main, it gets the ARGs as integers (decimal or 0x hex)",
            HelpName = "NAME",
            DefaultValueFactory = _ => Main,
        };
        Option<ToolchainChoice> toolchain = CommonSymbols.Toolchain();
        Option<TimeSpan?> toolTimeout = CommonSymbols.ToolTimeout();
        var command = new Command("run", "Compile Maru files for this machine and run them; ARGs after -- go to main's argv, or to the --entry function")
        {
            files, entry, toolchain, toolTimeout,
        };
        command.SetAction(parse =>
        {
            // System.CommandLine gives the tokens after "--" to the FILE argument too: those are the entry's arguments.
            string[] tokens = parse.GetRequiredValue(files);
            int argumentCount = parse.Tokens.SkipWhile(t => t.Type != TokenType.DoubleDash).Skip(1).Count();
            ToolchainOptions options = CommonSymbols.BuildOptions(NativeToolchain.HostRuntimeIdentifier, parse.GetValue(toolchain), parse.GetValue(toolTimeout), processExterns: []);
            return Run(tokens[..^argumentCount], tokens[^argumentCount..], parse.GetRequiredValue(entry), options,
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        });
        return command;
    }

    private static int Run(string[] files, string[] arguments, string entry, ToolchainOptions options, TextWriter output, TextWriter error)
    {
        if (files.Length == 0) return Fail(error, ExitCodes.Usage, "no source file given before '--'");
        if (files.FirstOrDefault(CommonSymbols.LooksLikeOption) is { } option)
            return Fail(error, ExitCodes.Usage, $"unknown option '{option}' (the arguments of the entry go after '--')");
        long[] words = new long[entry == Main ? 0 : arguments.Length];
        for (int i = 0; i < words.Length; i++)
        {
            if (!TryParseWord(arguments[i], out words[i]))
                return Fail(error, ExitCodes.Usage, $"'{arguments[i]}' is not an integer (decimal or 0x hex); the arguments of '{entry}' are integers");
        }

        string rid = options.RuntimeIdentifier;
        CompileResult? result = Compilation.Compile(files, rid, error);
        if (result is null) return ExitCodes.Error;

        ExportedFunction? function = result.Exports.FirstOrDefault(e => e.MaruName == entry);
        if (function is null) return Fail(error, ExitCodes.Error, $"the program exports no function '{entry}'");
        if (entry != Main && function.ParameterCount != words.Length)
            return Fail(error, ExitCodes.Error, $"'{entry}' expects {Arguments(function.ParameterCount)} but is given {words.Length}");
        if (function.ParameterCount > NativeCall.MaxArguments)
            return Fail(error, ExitCodes.Error, $"'{entry}' expects {Arguments(function.ParameterCount)}; maru run can pass at most {NativeCall.MaxArguments}");

        // Named after this process, so that the next maru deletes it if this one is killed before it can.
        var temporary = new DirectoryInfo(ProcessTemporaryDirectory.Create("run"));
        try
        {
            string library = Path.Combine(temporary.FullName, NativeToolchain.LibraryFileName("program", rid));
            var diagnostics = NativeToolchain.BuildLibrary(result.Assembly, library, options);
            DiagnosticPrinter.Print(diagnostics, error);
            if (diagnostics.Any(d => d.IsError)) return ExitCodes.Error;
            Func<IntPtr, long> call = entry == Main
                ? address => NativeCall.InvokeMain(address, result.MainParameterCount ?? function.ParameterCount, [files[0], .. arguments])
                : address => NativeCall.Invoke(address, words);
            // A loaded library stays mapped after its file is deleted (POSIX), so the folder goes now: a program that
            // ends the process itself (exit, a crash) leaves nothing behind. Windows keeps loaded files, so there it
            // goes in the finally below.
            Action afterLoad = OperatingSystem.IsWindows() ? () => { } : () => temporary.Delete(recursive: true);
            long? value = Call(library, function.Symbol, call, afterLoad, error);
            if (value is null) return ExitCodes.Error;
            if (entry == Main) return unchecked((int)value.Value);
            output.WriteLine(value.Value.ToString(CultureInfo.InvariantCulture));
            return ExitCodes.Success;
        }
        finally
        {
            if (Directory.Exists(temporary.FullName)) temporary.Delete(recursive: true);
        }
    }

    /// <summary>Loads the library and calls the symbol; its result once the C library's buffered output is out, or null if it cannot be loaded.</summary>
    private static long? Call(string library, string symbol, Func<IntPtr, long> call, Action afterLoad, TextWriter error)
    {
        IntPtr handle;
        try
        {
            handle = NativeLibrary.Load(library);
            afterLoad();
        }
        catch (DllNotFoundException e)
        {
            Fail(error, ExitCodes.Error, $"cannot load the compiled program: {e.Message}");
            return null;
        }
        try
        {
            long value = call(NativeLibrary.GetExport(handle, symbol));
            CStdio.FlushAll();
            return value;
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    /// <summary>A decimal integer, or 0x followed by up to 16 hex digits taken as the 64 bits of the word.</summary>
    private static bool TryParseWord(string text, out long value)
    {
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            bool parsed = ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong bits);
            value = unchecked((long)bits);
            return parsed;
        }
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    private static string Arguments(int count) => count == 1 ? "1 argument" : $"{count} arguments";

    private static int Fail(TextWriter error, int exitCode, string message)
    {
        error.WriteLine($"maru run: error: {message}");
        if (exitCode == ExitCodes.Usage) error.WriteLine("Run 'maru run --help' for usage.");
        return exitCode;
    }
}
