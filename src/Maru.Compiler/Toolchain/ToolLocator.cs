using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Toolchain;

/// <summary>Finds a tool: the path given in the options, else the environment variable, else the default command on PATH.</summary>
internal static class ToolLocator
{
    /// <summary>The full path of the tool, or null after adding one MARU0901 that says how to provide it.</summary>
    public static string? Find(ToolDescription tool, string? optionPath, DiagnosticBag diagnostics, bool optionIsProperty = false)
    {
        string? environmentPath = Environment.GetEnvironmentVariable(tool.EnvironmentVariable);
        string option = optionIsProperty ? $"the {tool.OptionName} property" : $"the {tool.OptionName} option";
        (string command, string where) =
            !string.IsNullOrEmpty(optionPath) ? (optionPath, $"(set by {option})") :
            !string.IsNullOrEmpty(environmentPath) ? (environmentPath, $"(set by {tool.EnvironmentVariable})") :
            (tool.Command, "on PATH");

        string? path = Resolve(command);
        if (path is null)
        {
            diagnostics.Add(Diagnostic.General(DiagnosticCodes.ToolNotFound,
                $"{tool.Role} '{command}' not found {where}; install the '{tool.Package}' package " +
                $"(apt-get install {tool.Package}) or set {tool.EnvironmentVariable} or {option} to the {tool.Role}'s path"));
        }
        return path;
    }

    // A command with a directory part is used as it is; a bare name is searched on PATH, as a shell would.
    private static string? Resolve(string command)
    {
        if (command.Contains(Path.DirectorySeparatorChar) || command.Contains(Path.AltDirectorySeparatorChar))
            return File.Exists(command) ? Path.GetFullPath(command) : null;

        string fileName = OperatingSystem.IsWindows() && !Path.HasExtension(command) ? command + ".exe" : command;
        string[] directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return directories.Select(directory => Path.Combine(directory, fileName)).FirstOrDefault(File.Exists);
    }
}
