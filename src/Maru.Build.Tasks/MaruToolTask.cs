using System.Diagnostics;
using System.Text;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Maru.Build.Tasks;

/// <summary>
/// A platform tool (assembler, linker) of a runtime identifier, run with an argument list (never through a shell), whose
/// messages become MSBuild errors and warnings. The tool is found as Maru.Compiler finds it: the override property,
/// else the environment variable (MARU_AS, MARU_LD), else the platform's command on PATH; a missing tool is one MARU0901.
/// </summary>
public abstract class MaruToolTask : ToolTask
{
    private readonly StringBuilder _output = new();

    [Required] public string RuntimeIdentifier { get; set; } = "";

    /// <summary>The tool's path from the project (MaruAssemblerPath, MaruLinkerPath); empty for the default.</summary>
    public string? ToolOverride { get; set; }

    /// <summary>The tool found by <see cref="ValidateParameters"/>.</summary>
    protected string? ToolFullPath { get; private set; }

    protected abstract ToolRole Role { get; }
    protected abstract string OverridePropertyName { get; }
    protected abstract IReadOnlyList<string> Arguments();
    protected abstract IReadOnlyList<Diagnostic> Interpret(int exitCode, string output, string toolPath);

    /// <summary>
    /// Moves what the tool wrote into place, if it is a valid object or library for the runtime identifier: a tool
    /// that reports success without writing one is an error naming it, not a half-written output.
    /// </summary>
    /// <param name="reportedAt">What a diagnostic is about: the assembly source, or the library.</param>
    protected bool Publish(string written, string output, string reportedAt)
    {
        if (ToolchainCommands.MissingOutput(RuntimeIdentifier, Role, ToolFullPath!, written, reportedAt) is { } missing)
        {
            MaruDiagnostics.Log(Log, [missing]);
            return false;
        }
        File.Move(written, output, overwrite: true);
        return true;
    }

    protected override string ToolName =>
        ToolchainCommands.IsSupported(RuntimeIdentifier) ? ToolchainCommands.DefaultCommand(RuntimeIdentifier, Role) : Role.ToString();

    protected override bool ValidateParameters()
    {
        if (!ToolchainCommands.IsSupported(RuntimeIdentifier))
        {
            Log.LogError(null, DiagnosticCodes.UnsupportedRuntime, null, null, 0, 0, 0, 0,
                $"no toolchain for runtime identifier '{RuntimeIdentifier}'; supported: {string.Join(", ", ToolchainCommands.SupportedRuntimeIdentifiers)}");
            return false;
        }
        var diagnostics = new DiagnosticBag();
        ToolFullPath = ToolchainCommands.Locate(RuntimeIdentifier, Role, ToolOverride, OverridePropertyName, diagnostics);
        MaruDiagnostics.Log(Log, diagnostics.Items);
        return ToolFullPath is not null;
    }

    protected override string GenerateFullPathToTool() => ToolFullPath ?? ToolName;

    // Only for the log: the tool itself gets the argument list (see GetProcessStartInfo).
    protected override string GenerateCommandLineCommands() =>
        string.Join(' ', Arguments().Select(a => a.Length > 0 && !a.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\') ? a : "'" + a.Replace("'", "'\\''") + "'"));

    protected override ProcessStartInfo GetProcessStartInfo(string pathToTool, string commandLineCommands, string responseFileSwitch)
    {
        ProcessStartInfo info = base.GetProcessStartInfo(pathToTool, commandLineCommands, responseFileSwitch);
        info.Arguments = "";
        info.ArgumentList.Clear();
        foreach (string argument in Arguments()) info.ArgumentList.Add(argument);
        // Untranslated messages, so that "file:line: Error:" is recognised whatever the user's locale.
        info.Environment["LC_ALL"] = "C";
        return info;
    }

    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        lock (_output) _output.Append(singleLine).Append('\n');
    }

    protected override int ExecuteTool(string pathToTool, string responseFileCommands, string commandLineCommands)
    {
        int exitCode = base.ExecuteTool(pathToTool, responseFileCommands, commandLineCommands);
        string output;
        lock (_output) output = _output.ToString();
        MaruDiagnostics.Log(Log, Interpret(exitCode, output, pathToTool));
        return exitCode;
    }

    // The tool's own messages were reported above; MSBuild's generic "exited with code" would only repeat them.
    protected override bool HandleTaskExecutionErrors() => Log.HasLoggedErrors ? false : base.HandleTaskExecutionErrors();
}

/// <summary>Assembles one <c>.s</c> file into an object file, written under a temporary name and moved into place.</summary>
public sealed class MaruAssemble : MaruToolTask
{
    private string? _temporary;

    [Required] public ITaskItem Source { get; set; } = null!;
    [Required] public string ObjectFile { get; set; } = "";

    protected override ToolRole Role => ToolRole.Assembler;
    protected override string OverridePropertyName => "MaruAssemblerPath";

    protected override IReadOnlyList<string> Arguments() =>
        ToolchainCommands.AssemblerArguments(RuntimeIdentifier, ToolFullPath!, Source.GetMetadata("FullPath"), _temporary ?? ObjectFile);

    protected override IReadOnlyList<Diagnostic> Interpret(int exitCode, string output, string toolPath) =>
        ToolchainCommands.AssemblerMessages(exitCode, output, Source.GetMetadata("FullPath"));

    public override bool Execute()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(ObjectFile))!);
        _temporary = AtomicOutput.TemporaryNameFor(ObjectFile);
        try
        {
            if (!base.Execute() || Log.HasLoggedErrors) return false;
            return Publish(_temporary, ObjectFile, Source.GetMetadata("FullPath"));
        }
        finally
        {
            AtomicOutput.DeleteQuietly(_temporary);
        }
    }
}

/// <summary>Links the object files of one runtime identifier into its shared library, atomically.</summary>
public sealed class MaruLink : MaruToolTask
{
    private string? _temporary;
    private string? _supportDirectory;
    private IReadOnlyList<string> _arguments = [];

    [Required] public ITaskItem[] ObjectFiles { get; set; } = [];
    [Required] public string OutputFile { get; set; } = "";
    /// <summary>The unit's externs as <see cref="MaruCompile"/> listed them: a linker message naming one is reported at its <c>.l</c> line.</summary>
    public string? ExternsFile { get; set; }
    /// <summary>False for a musl RID's library: it records no glibc DT_NEEDED (<see cref="ToolchainOptions.RecordsCLibrary"/>).</summary>
    public bool RecordsCLibrary { get; set; } = true;

    protected override ToolRole Role => ToolRole.Linker;
    protected override string OverridePropertyName => "MaruLinkerPath";

    protected override IReadOnlyList<string> Arguments() => _arguments;

    // The arguments are made once the linker is known: they depend on which linker it is, and may write files it needs.
    protected override bool ValidateParameters()
    {
        if (!base.ValidateParameters()) return false;
        var diagnostics = new DiagnosticBag();
        _supportDirectory = Directory.CreateTempSubdirectory("maru-link-").FullName;
        IReadOnlyList<string>? arguments = ToolchainCommands.LinkerArguments(RuntimeIdentifier, ToolFullPath!,
            ObjectFiles.Select(o => o.GetMetadata("FullPath")).ToList(), _temporary!, Path.GetFileName(OutputFile), _supportDirectory, diagnostics, RecordsCLibrary);
        MaruDiagnostics.Log(Log, diagnostics.Items);
        _arguments = arguments ?? [];
        return arguments is not null;
    }

    protected override IReadOnlyList<Diagnostic> Interpret(int exitCode, string output, string toolPath) =>
        ToolchainCommands.LinkerMessages(exitCode, output, toolPath, Path.GetFullPath(OutputFile),
            !string.IsNullOrEmpty(ExternsFile) && File.Exists(ExternsFile) ? ToolchainCommands.ParseExterns(File.ReadAllText(ExternsFile)) : null);

    public override bool Execute()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(OutputFile))!);
        _temporary = AtomicOutput.TemporaryNameFor(OutputFile);
        try
        {
            if (!base.Execute() || Log.HasLoggedErrors) return false;
            return Publish(_temporary, OutputFile, Path.GetFullPath(OutputFile));
        }
        finally
        {
            AtomicOutput.DeleteQuietly(_temporary);
            AtomicOutput.DeleteQuietly(_supportDirectory);
        }
    }
}
