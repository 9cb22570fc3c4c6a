using Maru.Compiler.Toolchain;

namespace Maru.Runtime;

/// <summary>What assembles and links a module's library on a cache miss.</summary>
public enum MaruToolchain
{
    /// <summary>
    /// The integrated assembler and linker when the process runs on a platform that has them (linux-x64) and no
    /// <see cref="MaruCompileOptions.AssemblerPath"/> or <see cref="MaruCompileOptions.LinkerPath"/> is given; else the external tools.
    /// </summary>
    Automatic,
    /// <summary>In process, no tool started (linux-x64 only; elsewhere the compile fails with MARU0905).</summary>
    Integrated,
    /// <summary>The platform's assembler and linker (GNU as and ld on Linux), run as processes.</summary>
    External,
}

/// <summary>How <see cref="MaruModule.Compile(string, MaruCompileOptions?)"/> compiles: tools and cache.</summary>
public sealed record MaruCompileOptions
{
    /// <summary>The options used when none are given: the default cache, the integrated toolchain where there is one.</summary>
    public static MaruCompileOptions Default { get; } = new();

    /// <summary>Which assembler and linker build the library on a cache miss. Default: <see cref="MaruToolchain.Automatic"/>.</summary>
    public MaruToolchain Toolchain { get; init; }

    /// <summary>The external assembler to run on a cache miss; null: <c>MARU_AS</c>, else <c>as</c> on PATH. Setting it asks for the external tools.</summary>
    public string? AssemblerPath { get; init; }

    /// <summary>The external linker to run on a cache miss; null: <c>MARU_LD</c>, else <c>ld</c> on PATH. Setting it asks for the external tools.</summary>
    public string? LinkerPath { get; init; }

    /// <summary>
    /// C functions this process provides (exported by the host executable or a library it loaded globally): externs may
    /// name them although the C library has no such function; any other unknown name is MARU0910. Checked when a
    /// library is built, not on a cache hit.
    /// </summary>
    public IReadOnlyCollection<string> ProcessExterns { get; init; } = [];

    /// <summary>The compiled-code cache to look in and store to; null disables caching. Default: <see cref="MaruCodeCache.Default"/>.</summary>
    public MaruCodeCache? Cache { get; init; } = MaruCodeCache.Default;

    /// <summary>For tests: called when the library is about to be built, i.e. the cache did not have it.</summary>
    internal Action? OnBuild { get; init; }

    /// <summary>True when a cache miss is built in process: what <see cref="Toolchain"/> means on <paramref name="runtimeIdentifier"/>.</summary>
    internal bool UsesIntegratedToolchain(string runtimeIdentifier) => Toolchain switch
    {
        MaruToolchain.Integrated => true,
        MaruToolchain.External => false,
        _ => NativeToolchain.HasIntegratedToolchain(runtimeIdentifier) && AssemblerPath is null && LinkerPath is null,
    };
}
