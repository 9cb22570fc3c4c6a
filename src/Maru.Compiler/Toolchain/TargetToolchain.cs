namespace Maru.Compiler.Toolchain;

/// <summary>
/// The assembler and linker command lines of one runtime identifier. Adding a platform (linux-arm64, osx-*, win-x64)
/// means adding one entry to <see cref="Platforms"/>: its tools, their arguments and its file suffixes.
/// </summary>
internal sealed record TargetToolchain(
    string RuntimeIdentifier,
    ToolDescription Assembler,
    ToolDescription Linker,
    string ObjectExtension,
    Func<string, string, IReadOnlyList<string>> AssemblerArguments,
    Func<IReadOnlyList<string>, string, string, IReadOnlyList<string>> LinkerArguments)
{
    private static readonly Dictionary<string, Func<TargetToolchain>> Platforms = new()
    {
        ["linux-x64"] = () => LinuxX64(native: NativeToolchain.HostRuntimeIdentifier == "linux-x64"),
        ["win-x64"] = WindowsX64,
    };

    public static IEnumerable<string> SupportedRuntimeIdentifiers => Platforms.Keys;

    /// <summary>The toolchain that builds for <paramref name="runtimeIdentifier"/> on this host, or null when there is none.</summary>
    public static TargetToolchain? For(string runtimeIdentifier) =>
        Platforms.TryGetValue(runtimeIdentifier, out var create) ? create() : null;

    // On an x86-64 Linux host the plain binutils build for it; elsewhere Debian's cross binutils do, under prefixed names.
    private static TargetToolchain LinuxX64(bool native)
    {
        string prefix = native ? "" : "x86_64-linux-gnu-";
        string package = native ? "binutils" : "binutils-x86-64-linux-gnu";
        return new TargetToolchain(
            "linux-x64",
            new ToolDescription("assembler", prefix + "as", "MARU_AS", nameof(ToolchainOptions.AssemblerPath), package),
            new ToolDescription("linker", prefix + "ld", "MARU_LD", nameof(ToolchainOptions.LinkerPath), package),
            ".o",
            (source, obj) => ["--64", "-o", obj, source],
            // -z now: an extern that no loaded library defines fails when the library is loaded, not mid-run.
            // -Bsymbolic: the compiler emits direct calls and leaq to exported (default-visibility) symbols,
            // which the linker accepts in a shared object only when they bind inside it.
            (objects, output, soname) =>
                ["-m", "elf_x86_64", "-shared", "-Bsymbolic", "-z", "noexecstack", "-z", "now", "-soname", soname, "-o", output, .. objects]);
    }

    // MinGW-w64's GNU binutils (package binutils-mingw-w64-x86-64) build a DLL from Linux: they read the .seh_* and
    // .drectve directives the compiler writes, and link against the import libraries of the Windows C runtime
    // (msvcrt.dll, present on every Windows) and kernel32 from mingw-w64-x86-64-dev, on the linker's default search path.
    // C99 functions that msvcrt.dll lacks or gets wrong (snprintf) come from MinGW's static libmingwex, which calls back
    // into msvcrt: hence the group.
    // --exclude-all-symbols: only the functions the .drectve sections export are exported, even when there is none.
    // No entry point: there is no C runtime start-up to run, and the loader calls none when the entry is 0.
    // --no-insert-timestamp: the same input gives the same DLL.
    private static TargetToolchain WindowsX64() => new(
        "win-x64",
        new ToolDescription("assembler", "x86_64-w64-mingw32-as", "MARU_AS", nameof(ToolchainOptions.AssemblerPath), "binutils-mingw-w64-x86-64"),
        new ToolDescription("linker", "x86_64-w64-mingw32-ld", "MARU_LD", nameof(ToolchainOptions.LinkerPath), "binutils-mingw-w64-x86-64"),
        ".obj",
        (source, obj) => ["--64", "-o", obj, source],
        (objects, output, _) =>
            ["-m", "i386pep", "-shared", "--exclude-all-symbols", "--no-insert-timestamp", "-o", output, .. objects,
             "--start-group", "-lmingwex", "-lmsvcrt", "-lkernel32", "--end-group"]);
}
