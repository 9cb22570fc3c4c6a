using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Toolchain;

/// <summary>
/// Finds a tool of a runtime identifier's toolchain: the path given by the caller (option or MSBuild property), else the
/// runtime identifier's environment variable (<c>MARU_AS_OSX_ARM64</c>), else the general one (<c>MARU_AS</c>), else the first
/// of the platform's candidates found on PATH or in the LLVM folders.
/// </summary>
internal static class ToolLocator
{
    /// <summary>The full path of the tool, or null after adding one MARU0901 that says how to provide it.</summary>
    /// <param name="overrideName">How the caller's override is called in messages: "the AssemblerPath option", "the MaruLinkerPath property".</param>
    public static string? Find(ToolRole role, string runtimeIdentifier, IReadOnlyList<ToolCandidate> candidates, string? overridePath,
        string overrideName, ToolEnvironment environment, DiagnosticBag diagnostics)
    {
        string name = RoleName(role);
        string variable = role == ToolRole.Assembler ? "MARU_AS" : "MARU_LD";
        string ridVariable = variable + "_" + runtimeIdentifier.ToUpperInvariant().Replace('-', '_').Replace('.', '_');
        IEnumerable<string> packages = candidates.Select(c => c.Package).Distinct();
        string remedy = $"install {string.Join(" or ", packages.Select(p => $"'{p}'"))} (apt-get install {packages.First()}) " +
            $"or set {ridVariable}, {variable} or {overrideName} to the {name}'s path";

        (string Value, string Source)? given =
            !string.IsNullOrEmpty(overridePath) ? (overridePath, overrideName) :
            environment.Variable(ridVariable) is { Length: > 0 } ridValue ? (ridValue, ridVariable) :
            environment.Variable(variable) is { Length: > 0 } value ? (value, variable) :
            null;
        if (given is { } command)
        {
            string? path = Resolve(command.Value, environment);
            if (path is null)
                diagnostics.Add(Diagnostic.General(DiagnosticCodes.ToolNotFound, $"{name} '{command.Value}' not found (set by {command.Source}); {remedy}"));
            return path;
        }

        foreach (ToolCandidate candidate in candidates)
        {
            if (Resolve(candidate.Command, environment) is { } path) return path;
        }
        diagnostics.Add(Diagnostic.General(DiagnosticCodes.ToolNotFound,
            $"no {name} for {runtimeIdentifier}: none of {string.Join(", ", candidates.Select(c => $"'{c.Command}'"))} was found on PATH " +
            $"or in the usual LLVM folders; {remedy}"));
        return null;
    }

    /// <summary>
    /// The candidate whose arguments suit the tool at <paramref name="path"/>, known by its file name (<c>llvm-mc</c>,
    /// <c>llvm-mc-14</c>, <c>ld64.lld.exe</c>); a tool of any other name is taken for the first, the platform's usual one.
    /// </summary>
    public static T Flavour<T>(string path, IReadOnlyList<T> candidates) where T : ToolCandidate
    {
        string name = Path.GetFileName(path);
        if (name.EndsWith(".exe", StringComparison.OrdinalIgnoreCase)) name = name[..^4];
        return candidates.FirstOrDefault(c => name == c.Command || (name.StartsWith(c.Command + "-", StringComparison.Ordinal)
            && name[(c.Command.Length + 1)..] is { Length: > 0 } version && version.All(char.IsAsciiDigit))) ?? candidates[0];
    }

    public static string RoleName(ToolRole role) => role == ToolRole.Assembler ? "assembler" : "linker";

    // A command with a directory part is used as it is; a bare name is searched as a shell would, then in the LLVM folders.
    private static string? Resolve(string command, ToolEnvironment environment)
    {
        if (command.Contains(Path.DirectorySeparatorChar) || command.Contains(Path.AltDirectorySeparatorChar))
            return File.Exists(command) ? Path.GetFullPath(command) : null;

        string fileName = OperatingSystem.IsWindows() && !command.EndsWith(".exe", StringComparison.OrdinalIgnoreCase) ? command + ".exe" : command;
        return environment.SearchDirectories.Select(directory => Path.Combine(directory, fileName)).FirstOrDefault(File.Exists);
    }
}
