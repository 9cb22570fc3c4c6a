namespace Maru.Runtime;

/// <summary>How <see cref="MaruModule.Compile(string, MaruCompileOptions?)"/> compiles: tools and cache.</summary>
public sealed record MaruCompileOptions
{
    /// <summary>The options used when none are given: the default cache, tools from MARU_AS/MARU_LD or PATH.</summary>
    public static MaruCompileOptions Default { get; } = new();

    /// <summary>The assembler to run on a cache miss; null: <c>MARU_AS</c>, else <c>as</c> on PATH.</summary>
    public string? AssemblerPath { get; init; }

    /// <summary>The linker to run on a cache miss; null: <c>MARU_LD</c>, else <c>ld</c> on PATH.</summary>
    public string? LinkerPath { get; init; }

    /// <summary>The compiled-code cache to look in and store to; null disables caching. Default: <see cref="MaruCodeCache.Default"/>.</summary>
    public MaruCodeCache? Cache { get; init; } = MaruCodeCache.Default;
}
