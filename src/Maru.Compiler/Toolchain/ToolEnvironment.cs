namespace Maru.Compiler.Toolchain;

/// <summary>What tool discovery looks at: the host, environment variables, and folders where LLVM and Apple SDKs are usually installed.</summary>
/// <param name="Variable">An environment variable's value, or null.</param>
/// <param name="ToolFolders">Folders searched after PATH, in order: where LLVM installs without putting itself on PATH.</param>
/// <param name="AppleSdkFolders">macOS SDKs to link against when SDKROOT is not set (on a Mac, those of Xcode).</param>
internal sealed record ToolEnvironment(
    string HostRuntimeIdentifier,
    Func<string, string?> Variable,
    IReadOnlyList<string> ToolFolders,
    IReadOnlyList<string> AppleSdkFolders)
{
    /// <summary>This process's host and environment.</summary>
    public static ToolEnvironment Current => new(
        NativeToolchain.HostRuntimeIdentifier,
        Environment.GetEnvironmentVariable,
        LlvmFolders(),
        OperatingSystem.IsMacOS()
            ? ["/Library/Developer/CommandLineTools/SDKs/MacOSX.sdk", "/Applications/Xcode.app/Contents/Developer/Platforms/MacOSX.platform/Developer/SDKs/MacOSX.sdk"]
            : [])
    { Host = InstallHints.Current };

    /// <summary>The kind of host, for the install commands of MARU0901; a test gives its own.</summary>
    public HostKind Host { get; init; } = HostKind.Other;

    /// <summary>PATH's directories, then <see cref="ToolFolders"/>.</summary>
    public IEnumerable<string> SearchDirectories =>
        (Variable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(ToolFolders);

    /// <summary>The folder of the macOS SDK: SDKROOT if it names one, else the first of <see cref="AppleSdkFolders"/> that exists; null without one.</summary>
    public string? AppleSdk =>
        Variable("SDKROOT") is { Length: > 0 } root && Directory.Exists(root) ? root : AppleSdkFolders.FirstOrDefault(Directory.Exists);

    // Debian's versioned LLVMs (newest first: an older one may lack a newer target), then Homebrew's and Windows' installs.
    private static IReadOnlyList<string> LlvmFolders()
    {
        IEnumerable<string> debian = Directory.Exists("/usr/lib")
            ? Directory.GetDirectories("/usr/lib", "llvm-*")
                .Select(folder => (folder, version: int.TryParse(Path.GetFileName(folder)["llvm-".Length..], out int v) ? v : -1))
                .Where(f => f.version >= 0)
                .OrderByDescending(f => f.version)
                .Select(f => Path.Combine(f.folder, "bin"))
            : [];
        string programFiles = Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles);
        return
        [
            .. debian,
            "/usr/local/opt/llvm/bin", "/opt/homebrew/opt/llvm/bin", "/usr/local/opt/lld/bin", "/opt/homebrew/opt/lld/bin",
            .. programFiles.Length > 0 ? [Path.Combine(programFiles, "LLVM", "bin")] : Array.Empty<string>(),
        ];
    }
}
