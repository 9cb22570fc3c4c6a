using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Toolchain;

/// <summary>A caller's override of a tool: the path given (null or empty for none) and how it is called in messages.</summary>
internal sealed record ToolOverride(string? Path, string Name);

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
        var missing = new List<MissingTool>();
        string? path = Find(role, runtimeIdentifier, candidates, overridePath, overrideName, environment, missing);
        if (path is null) diagnostics.Add(NotFound(runtimeIdentifier, missing, environment));
        return path;
    }

    /// <summary>
    /// The assembler and the linker of <paramref name="target"/>; null after adding one MARU0901 for the runtime identifier that
    /// names every tool missing and how to install them on this host.
    /// </summary>
    public static (string Assembler, string Linker)? FindBoth(TargetToolchain target, ToolOverride assembler, ToolOverride linker,
        ToolEnvironment environment, DiagnosticBag diagnostics)
    {
        var missing = new List<MissingTool>();
        string? assemblerPath = Find(ToolRole.Assembler, target.RuntimeIdentifier, target.Assemblers, assembler.Path, assembler.Name, environment, missing);
        string? linkerPath = Find(ToolRole.Linker, target.RuntimeIdentifier, target.Linkers, linker.Path, linker.Name, environment, missing);
        if (assemblerPath is not null && linkerPath is not null) return (assemblerPath, linkerPath);
        diagnostics.Add(NotFound(target.RuntimeIdentifier, missing, environment));
        return null;
    }

    /// <summary>A tool that cannot be used: its role, why (without the remedy), and what could provide it.</summary>
    private sealed record MissingTool(ToolRole Role, string Problem, string OverrideName, IReadOnlyList<ToolCandidate> Candidates);

    private static string? Find(ToolRole role, string runtimeIdentifier, IReadOnlyList<ToolCandidate> candidates, string? overridePath,
        string overrideName, ToolEnvironment environment, List<MissingTool> missing)
    {
        string name = RoleName(role);
        (string Variable, string RidVariable) variables = Variables(role, runtimeIdentifier);
        (string Value, string Source)? given =
            !string.IsNullOrEmpty(overridePath) ? (overridePath, overrideName) :
            environment.Variable(variables.RidVariable) is { Length: > 0 } ridValue ? (ridValue, variables.RidVariable) :
            environment.Variable(variables.Variable) is { Length: > 0 } value ? (value, variables.Variable) :
            null;
        if (given is { } command)
        {
            string? path = Resolve(command.Value, environment);
            if (path is null) missing.Add(new(role, $"{name} '{command.Value}' not found (set by {command.Source})", overrideName, candidates));
            return path;
        }

        foreach (ToolCandidate candidate in candidates)
        {
            if (Resolve(candidate.Command, environment) is { } path) return path;
        }
        missing.Add(new(role, $"no {name} for {runtimeIdentifier}: none of {string.Join(", ", candidates.Select(c => $"'{c.Command}'"))} " +
            "was found on PATH or in the usual LLVM folders", overrideName, candidates));
        return null;
    }

    /// <summary>One MARU0901 for a runtime identifier: what is missing, how to install it on this host, how to point at it, where to read more.</summary>
    private static Diagnostic NotFound(string runtimeIdentifier, IReadOnlyList<MissingTool> missing, ToolEnvironment environment)
    {
        string install = InstallHints.Install(environment.Host, environment.HostRuntimeIdentifier, runtimeIdentifier,
            missing.SelectMany(m => m.Candidates).Select(c => c.Command));
        IEnumerable<string> settings = missing.Select((tool, i) =>
        {
            (string variable, string ridVariable) = Variables(tool.Role, runtimeIdentifier);
            string what = i == 0 ? $"the {RoleName(tool.Role)}'s path" : $"the {RoleName(tool.Role)}'s";
            return $"{ridVariable}, {variable} or {tool.OverrideName} to {what}";
        });
        return Diagnostic.General(DiagnosticCodes.ToolNotFound,
            $"{string.Join("; ", missing.Select(m => m.Problem))}; {install}, or set {string.Join(" and ", settings)}; see {InstallHints.Page(runtimeIdentifier)}");
    }

    /// <summary>The environment variables that name the tool: MARU_AS or MARU_LD, and the runtime identifier's (MARU_AS_OSX_ARM64).</summary>
    private static (string Variable, string RidVariable) Variables(ToolRole role, string runtimeIdentifier)
    {
        string variable = role == ToolRole.Assembler ? "MARU_AS" : "MARU_LD";
        return (variable, variable + "_" + runtimeIdentifier.ToUpperInvariant().Replace('-', '_').Replace('.', '_'));
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
