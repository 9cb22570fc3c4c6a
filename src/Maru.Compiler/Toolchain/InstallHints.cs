namespace Maru.Compiler.Toolchain;

/// <summary>The kind of machine the build runs on, as far as installing tools goes: which package manager its hints use.</summary>
internal enum HostKind
{
    /// <summary>Debian, Ubuntu and their derivatives: apt-get.</summary>
    Debian,
    /// <summary>Fedora, RHEL, CentOS and their derivatives: dnf.</summary>
    Fedora,
    /// <summary>macOS: Xcode's Command Line Tools, Homebrew.</summary>
    MacOS,
    /// <summary>Windows: winget.</summary>
    Windows,
    /// <summary>Any other system: the hint names the commands to provide and the prerequisites page.</summary>
    Other,
}

/// <summary>
/// How to install the assembler and linker for a target on this host, for MARU0901: the host's own package commands, and the
/// prerequisites page (host × target) that every hint links to.
/// </summary>
internal static class InstallHints
{
    /// <summary>Where the prerequisites of each host and target are described; an anchor per target (<c>#win-x64</c>).</summary>
    public const string PrerequisitesPage = "docs/prerequisites.md";

    /// <summary>This machine's kind: the operating system, and on Linux the distribution families of /etc/os-release.</summary>
    public static HostKind Current { get; } = DetectCurrent();

    private static HostKind DetectCurrent()
    {
        if (OperatingSystem.IsWindows()) return HostKind.Windows;
        if (OperatingSystem.IsMacOS()) return HostKind.MacOS;
        foreach (string path in new[] { "/etc/os-release", "/usr/lib/os-release" })
        {
            try
            {
                if (File.Exists(path)) return FromOsRelease(File.ReadAllText(path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // An unreadable file says nothing about the distribution: try the next one, else no distribution.
            }
        }
        return HostKind.Other;
    }

    /// <summary>The distribution family an os-release file names in <c>ID</c> or <c>ID_LIKE</c> (Ubuntu's ID_LIKE is debian).</summary>
    public static HostKind FromOsRelease(string osRelease)
    {
        var ids = new List<string>();
        foreach (string line in osRelease.Split('\n'))
        {
            string[] pair = line.Trim().Split('=', 2);
            if (pair.Length == 2 && pair[0] is "ID" or "ID_LIKE")
                ids.AddRange(pair[1].Trim().Trim('"', '\'').Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        if (ids.Any(id => id is "debian" or "ubuntu")) return HostKind.Debian;
        if (ids.Any(id => id is "fedora" or "rhel" or "centos")) return HostKind.Fedora;
        return HostKind.Other;
    }

    /// <summary>
    /// The commands that install an assembler and a linker for <paramref name="targetRuntimeIdentifier"/> on this host, each
    /// one complete alternative, the usual one first; empty on a host we have no package names for.
    /// </summary>
    public static IReadOnlyList<string> Commands(HostKind host, string hostRuntimeIdentifier, string targetRuntimeIdentifier)
    {
        string target = targetRuntimeIdentifier.Split('-')[0];
        string? triple = targetRuntimeIdentifier switch { "linux-x64" => "x86_64-linux-gnu", "linux-arm64" => "aarch64-linux-gnu", _ => null };
        bool native = hostRuntimeIdentifier == targetRuntimeIdentifier;
        return (host, target) switch
        {
            (HostKind.Debian, "linux") => [AptGet(native ? "binutils" : "binutils-" + triple!.Replace('_', '-')), AptGet("llvm", "lld")],
            (HostKind.Debian, "osx") => [AptGet("llvm", "lld")],
            (HostKind.Debian, "win") => [AptGet("binutils-mingw-w64-x86-64", "mingw-w64-x86-64-dev")],
            (HostKind.Fedora, "linux") => [Dnf(native ? "binutils" : "binutils-" + triple), Dnf("llvm", "lld")],
            (HostKind.Fedora, "osx") => [Dnf("llvm", "lld")],
            (HostKind.Fedora, "win") => [Dnf("mingw64-binutils", "mingw64-crt")],
            (HostKind.MacOS, "osx") => ["xcode-select --install", "brew install llvm lld"],
            (HostKind.MacOS, "linux") => ["brew install llvm lld"],
            (HostKind.MacOS, "win") => ["brew install mingw-w64"],
            (HostKind.Windows, "linux" or "osx") => ["winget install LLVM.LLVM"],
            (HostKind.Windows, "win") => ["winget install MSYS2.MSYS2"],
            _ => [],
        };
    }

    /// <summary>The install part of a MARU0901 message: this host's commands, or the tool commands to provide when we know no package.</summary>
    public static string Install(HostKind host, string hostRuntimeIdentifier, string targetRuntimeIdentifier, IEnumerable<string> toolCommands)
    {
        IReadOnlyList<string> commands = Commands(host, hostRuntimeIdentifier, targetRuntimeIdentifier);
        return commands.Count > 0
            ? $"install with '{string.Join("' or '", commands)}'"
            : $"install a package that provides {string.Join(" or ", toolCommands.Distinct().Select(c => $"'{c}'"))}";
    }

    /// <summary>The prerequisites page at the target's section.</summary>
    public static string Page(string targetRuntimeIdentifier) => $"{PrerequisitesPage}#{targetRuntimeIdentifier}";

    private static string AptGet(params string[] packages) => "sudo apt-get install " + string.Join(' ', packages);

    private static string Dnf(params string[] packages) => "sudo dnf install " + string.Join(' ', packages);
}
