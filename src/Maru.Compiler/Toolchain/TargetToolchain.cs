using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Toolchain;

/// <summary>
/// The tools that build a library for one runtime identifier: for each of assembler and linker, the programs that can do it,
/// in the order they are tried (the host's own tools, cross binutils, LLVM). Adding a platform means adding one entry to
/// <see cref="Platforms"/>.
/// </summary>
internal sealed record TargetToolchain(
    string RuntimeIdentifier,
    string ObjectExtension,
    IReadOnlyList<AssemblerCandidate> Assemblers,
    IReadOnlyList<LinkerCandidate> Linkers)
{
    private static readonly Dictionary<string, Func<ToolEnvironment, TargetToolchain>> Platforms = new()
    {
        ["linux-x64"] = environment => Elf("linux-x64", environment, "x86_64-linux-gnu", "elf_x86_64", ElfNeededStub.X86_64, ["--64"]),
        ["linux-arm64"] = environment => Elf("linux-arm64", environment, "aarch64-linux-gnu", "aarch64linux", ElfNeededStub.AArch64, []),
        ["osx-x64"] = environment => MachOLink.Toolchain("osx-x64", environment, "x86_64"),
        ["osx-arm64"] = environment => MachOLink.Toolchain("osx-arm64", environment, "arm64"),
        ["win-x64"] = WindowsX64,
    };

    public static IEnumerable<string> SupportedRuntimeIdentifiers => Platforms.Keys;

    /// <summary>The toolchain that builds for <paramref name="runtimeIdentifier"/> in <paramref name="environment"/>, or null when there is none.</summary>
    public static TargetToolchain? For(string runtimeIdentifier, ToolEnvironment environment) =>
        Platforms.TryGetValue(runtimeIdentifier, out var create) ? create(environment) : null;

    public IReadOnlyList<ToolCandidate> Candidates(ToolRole role) => role == ToolRole.Assembler ? Assemblers : Linkers;

    // The host's binutils when they build for it, else Debian's cross binutils under prefixed names, else LLVM.
    private static TargetToolchain Elf(string runtimeIdentifier, ToolEnvironment environment, string triple, string emulation, ushort machine,
        string[] gnuAssemblerFlags)
    {
        bool native = environment.HostRuntimeIdentifier == runtimeIdentifier;
        string prefix = native ? "" : triple + "-";
        // -z now: an extern that no loaded library defines fails when the library is loaded, not mid-run.
        // -Bsymbolic: the compiler emits direct calls and address loads of exported (default-visibility) symbols,
        // which the linker accepts in a shared object only when they bind inside it. GNU ld and ld.lld take the same flags.
        // --eh-frame-hdr: without the lookup table unwinders cannot find the CFI, and stack walks stop at a Maru frame.
        // Stubs of libc.so.6 and libm.so.6 after the objects: the library records both as DT_NEEDED (the integrated linker
        // records none yet), unless the target is musl (RecordsCLibrary).
        IReadOnlyList<string>? Link(LinkRequest request, DiagnosticBag diagnostics)
        {
            string[] needed = request.RecordsCLibrary ? ["libc.so.6", "libm.so.6"] : [];
            foreach (string soname in needed)
            {
                string path = Path.Combine(request.SupportDirectory, soname);
                try
                {
                    ElfNeededStub.Write(path, soname, machine);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    diagnostics.Add(Diagnostic.General(DiagnosticCodes.CannotWriteOutput, $"cannot write the {soname} stub: {e.Message}", path));
                    return null;
                }
            }
            return ["-m", emulation, "-shared", "-Bsymbolic", "-z", "noexecstack", "-z", "now", "--eh-frame-hdr",
                "-soname", request.LibraryFileName, "-o", request.Output, .. request.Objects,
                .. needed.Length > 0 ? ["--no-as-needed"] : Array.Empty<string>(), .. needed.Select(soname => Path.Combine(request.SupportDirectory, soname))];
        }
        return new TargetToolchain(runtimeIdentifier, ".o",
            [
                new AssemblerCandidate(prefix + "as", (source, obj) => [.. gnuAssemblerFlags, "-o", obj, source]),
                new AssemblerCandidate("llvm-mc", (source, obj) => ["-triple=" + triple, "-filetype=obj", "-o", obj, source]),
            ],
            [
                new LinkerCandidate(prefix + "ld", Link),
                new LinkerCandidate("ld.lld", Link),
            ]);
    }

    // MinGW-w64's GNU binutils (package binutils-mingw-w64-x86-64) build a DLL from Linux: they read the .seh_* and
    // .drectve directives the compiler writes, and link against the import libraries of the Windows C runtime
    // (msvcrt.dll, present on every Windows) and kernel32 from mingw-w64-x86-64-dev, on the linker's default search path.
    // C99 functions that msvcrt.dll lacks or gets wrong (snprintf) come from MinGW's static libmingwex, which calls back
    // into msvcrt: hence the group. The maths functions (sin, sqrt, pow ...) come from libmingwex too, and report
    // domain errors through __mingw_raise_matherr of libmingw32.
    // --exclude-all-symbols: only the functions the .drectve sections export are exported, even when there is none.
    // No entry point: there is no C runtime start-up to run, and the loader calls none when the entry is 0.
    // --no-insert-timestamp: the same input gives the same DLL.
    private static TargetToolchain WindowsX64(ToolEnvironment environment)
    {
        return new TargetToolchain("win-x64", ".obj",
            [new AssemblerCandidate("x86_64-w64-mingw32-as", (source, obj) => ["--64", "-o", obj, source])],
            [new LinkerCandidate("x86_64-w64-mingw32-ld", (request, _) =>
                ["-m", "i386pep", "-shared", "--exclude-all-symbols", "--no-insert-timestamp", "-o", request.Output, .. request.Objects,
                 "--start-group", "-lmingwex", "-lmsvcrt", "-lkernel32", "-lmingw32", "--end-group"])]);
    }
}
