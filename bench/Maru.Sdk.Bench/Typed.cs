namespace Maru.Sdk.Bench;

/// <summary>The typed declarations of calls.l that the benchmarks compare with the raw bindings in <see cref="Native"/>.</summary>
internal static partial class Typed
{
    [Maru.MaruFunction("add")] internal static partial long Add(long a, long b);
    [Maru.MaruFunction("add")] internal static partial int AddInt(int a, int b);
    [Maru.MaruFunction("fl-add")] internal static partial double FlAdd(double a, double b);
    [Maru.MaruFunction("less?")] internal static partial bool Less(long a, long b);
    [Maru.MaruFunction("sum-array")] internal static partial long SumArray(ReadOnlySpan<long> values, long count);
}
