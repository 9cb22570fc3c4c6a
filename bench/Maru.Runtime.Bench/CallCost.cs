using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace Maru.Runtime.Bench;

/// <summary>The cost of one call of a compiled one-line function: through the delegate, through the function pointer, and of the same C# method.</summary>
public unsafe class CallCost
{
    private MaruModule _module = null!;
    private Func<long, long> _delegate = null!;
    private delegate* unmanaged<long, long> _pointer;
    private long _x = 41;

    [GlobalSetup]
    public void Setup()
    {
        _module = MaruModule.Compile(CompileToCallable.MaruSource, new MaruCompileOptions { Cache = null });
        _delegate = _module.GetFunction<Func<long, long>>("add1");
        _pointer = (delegate* unmanaged<long, long>)_module.GetFunctionPointer("add1", 1);
    }

    [GlobalCleanup]
    public void Cleanup() => _module.Dispose();

    [Benchmark(Baseline = true, Description = "C# method (not inlined)")]
    public long CSharp() => Add1(_x);

    [Benchmark(Description = "Maru through Func<long, long>")]
    public long Delegate() => _delegate(_x);

    [Benchmark(Description = "Maru through delegate* unmanaged")]
    public long FunctionPointer() => _pointer(_x);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Add1(long x) => x + 1;
}
