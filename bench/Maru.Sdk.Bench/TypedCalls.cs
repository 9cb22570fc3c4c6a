using BenchmarkDotNet.Attributes;

namespace Maru.Sdk.Bench;

/// <summary>
/// One call of a Maru function through a typed declaration against the same call through the raw <c>long</c> binding, the
/// conversions written by hand where the types are not <c>long</c> (what users wrote before typed declarations).
/// </summary>
public class TypedCalls
{
    private long _a = 40, _b = 2;
    private double _x = 1.5, _y = 2.25;
    private readonly long[] _values = [.. Enumerable.Range(1, 16).Select(i => (long)i)];

    [Benchmark(Baseline = true)]
    public long RawLong() => Native.Add(_a, _b);

    [Benchmark]
    public long TypedLong() => Typed.Add(_a, _b);

    [Benchmark]
    public long RawIntByHand() => (int)Native.Add((int)_a, (int)_b);

    [Benchmark]
    public long TypedInt() => Typed.AddInt((int)_a, (int)_b);

    [Benchmark]
    public double RawDoubleByHand() =>
        BitConverter.Int64BitsToDouble(Native.FlAdd(BitConverter.DoubleToInt64Bits(_x), BitConverter.DoubleToInt64Bits(_y)));

    [Benchmark]
    public double TypedDouble() => Typed.FlAdd(_x, _y);

    [Benchmark]
    public bool RawBoolByHand() => Native.Less(_a, _b) != 0;

    [Benchmark]
    public bool TypedBool() => Typed.Less(_a, _b);

    [Benchmark]
    public unsafe long RawSpanByHand()
    {
        fixed (long* p = _values) return Native.SumArray((long)p, _values.Length);
    }

    [Benchmark]
    public long TypedSpan() => Typed.SumArray(_values, _values.Length);
}
