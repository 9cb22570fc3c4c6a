namespace Maru.Compiler.Toolchain;

/// <summary>How <see cref="NativeToolchain.BuildLibrary"/> assembles and links one unit.</summary>
/// <param name="RuntimeIdentifier">The platform the library is for, e.g. <c>linux-x64</c>; the assembly must have been compiled for it.</param>
public sealed record ToolchainOptions(string RuntimeIdentifier)
{
    /// <summary>
    /// The assembler to run; when null or empty, the <c>MARU_AS_&lt;RID&gt;</c> (e.g. <c>MARU_AS_OSX_ARM64</c>) or <c>MARU_AS</c> environment
    /// variable, else the first of the platform's assemblers found on PATH or in the usual LLVM folders.
    /// </summary>
    public string? AssemblerPath { get; init; }

    /// <summary>The linker to run; when null or empty, <c>MARU_LD_&lt;RID&gt;</c> or <c>MARU_LD</c>, else the first of the platform's linkers found.</summary>
    public string? LinkerPath { get; init; }

    /// <summary>
    /// C functions the process that loads the library provides (names the host application exports): externs may name them
    /// although the target's C library has no such function. Any other unknown name is MARU0910 at its extern.
    /// </summary>
    public IReadOnlyCollection<string> ProcessExterns { get; init; } = [];

    /// <summary>
    /// Whether a Linux library records the glibc it was checked against (<c>libc.so.6</c>, <c>libm.so.6</c>) as DT_NEEDED,
    /// when the external linker makes it. False for a musl target (<c>linux-musl-x64</c> builds as <c>linux-x64</c>), whose C
    /// library has other names: the library then records none and takes its C functions from the process.
    /// </summary>
    public bool RecordsCLibrary { get; init; } = true;

    /// <summary>When set, the generated <c>.s</c> files are written to (and kept in) this directory; else they live in a temporary one.</summary>
    public string? AssemblyOutputDirectory { get; init; }

    /// <summary>
    /// Assemble and link in process with the integrated assembler and linker instead of running the platform's tools
    /// (linux-x64 only: <see cref="NativeToolchain.HasIntegratedToolchain"/>). No tool is looked for or started then.
    /// </summary>
    public bool Integrated { get; init; }

    /// <summary>
    /// How long one assembler or linker run may take before it is killed, with every process it started, and reported
    /// (MARU0906); <see cref="Timeout.InfiniteTimeSpan"/> for no limit.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Zero or negative, other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public TimeSpan ToolTimeout
    {
        get => _toolTimeout;
        init
        {
            if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
                throw new ArgumentOutOfRangeException(nameof(ToolTimeout), value, "the tool timeout must be positive, or Timeout.InfiniteTimeSpan");
            _toolTimeout = value;
        }
    }

    private readonly TimeSpan _toolTimeout = DefaultToolTimeout;

    /// <summary>The <see cref="ToolTimeout"/> unless one is given: five minutes.</summary>
    public static TimeSpan DefaultToolTimeout { get; } = TimeSpan.FromMinutes(5);
}
