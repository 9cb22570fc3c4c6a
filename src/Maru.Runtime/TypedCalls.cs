namespace Maru.Runtime;

/// <summary>Typed delegates over native functions of words; each call first checks that its module is not disposed.</summary>
/// <remarks>One pattern per arity, 0 to <see cref="MaxParameters"/> <c>long</c> parameters.</remarks>
internal static unsafe class TypedCalls
{
    public const int MaxParameters = 8;

    private static readonly Type[] FuncTypes =
    [
        typeof(Func<long>),
        typeof(Func<long, long>),
        typeof(Func<long, long, long>),
        typeof(Func<long, long, long, long>),
        typeof(Func<long, long, long, long, long>),
        typeof(Func<long, long, long, long, long, long>),
        typeof(Func<long, long, long, long, long, long, long>),
        typeof(Func<long, long, long, long, long, long, long, long>),
        typeof(Func<long, long, long, long, long, long, long, long, long>),
    ];

    /// <summary>The number of parameters of a supported delegate type, or null.</summary>
    public static int? ParameterCount(Type delegateType)
    {
        int index = Array.IndexOf(FuncTypes, delegateType);
        return index < 0 ? null : index;
    }

    public static Delegate Create(MaruModule module, IntPtr address, int count) => count switch
    {
        0 => new Func<long>(() => { module.ThrowIfDisposed(); return ((delegate* unmanaged<long>)address)(); }),
        1 => new Func<long, long>((a0) => { module.ThrowIfDisposed(); return ((delegate* unmanaged<long, long>)address)(a0); }),
        2 => new Func<long, long, long>((a0, a1) => { module.ThrowIfDisposed(); return ((delegate* unmanaged<long, long, long>)address)(a0, a1); }),
        3 => new Func<long, long, long, long>((a0, a1, a2) => { module.ThrowIfDisposed(); return ((delegate* unmanaged<long, long, long, long>)address)(a0, a1, a2); }),
        4 => new Func<long, long, long, long, long>((a0, a1, a2, a3) => { module.ThrowIfDisposed(); return ((delegate* unmanaged<long, long, long, long, long>)address)(a0, a1, a2, a3); }),
        5 => new Func<long, long, long, long, long, long>((a0, a1, a2, a3, a4) => { module.ThrowIfDisposed(); return ((delegate* unmanaged<long, long, long, long, long, long>)address)(a0, a1, a2, a3, a4); }),
        6 => new Func<long, long, long, long, long, long, long>((a0, a1, a2, a3, a4, a5) => { module.ThrowIfDisposed(); return ((delegate* unmanaged<long, long, long, long, long, long, long>)address)(a0, a1, a2, a3, a4, a5); }),
        7 => new Func<long, long, long, long, long, long, long, long>((a0, a1, a2, a3, a4, a5, a6) => { module.ThrowIfDisposed(); return ((delegate* unmanaged<long, long, long, long, long, long, long, long>)address)(a0, a1, a2, a3, a4, a5, a6); }),
        8 => new Func<long, long, long, long, long, long, long, long, long>((a0, a1, a2, a3, a4, a5, a6, a7) => { module.ThrowIfDisposed(); return ((delegate* unmanaged<long, long, long, long, long, long, long, long, long>)address)(a0, a1, a2, a3, a4, a5, a6, a7); }),
        _ => throw new ArgumentOutOfRangeException(nameof(count)),
    };

    public static long Invoke(MaruModule module, IntPtr address, ReadOnlySpan<long> a)
    {
        module.ThrowIfDisposed();
        return a.Length switch
        {
            0 => ((delegate* unmanaged<long>)address)(),
            1 => ((delegate* unmanaged<long, long>)address)(a[0]),
            2 => ((delegate* unmanaged<long, long, long>)address)(a[0], a[1]),
            3 => ((delegate* unmanaged<long, long, long, long>)address)(a[0], a[1], a[2]),
            4 => ((delegate* unmanaged<long, long, long, long, long>)address)(a[0], a[1], a[2], a[3]),
            5 => ((delegate* unmanaged<long, long, long, long, long, long>)address)(a[0], a[1], a[2], a[3], a[4]),
            6 => ((delegate* unmanaged<long, long, long, long, long, long, long>)address)(a[0], a[1], a[2], a[3], a[4], a[5]),
            7 => ((delegate* unmanaged<long, long, long, long, long, long, long, long>)address)(a[0], a[1], a[2], a[3], a[4], a[5], a[6]),
            8 => ((delegate* unmanaged<long, long, long, long, long, long, long, long, long>)address)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]),
            _ => throw new ArgumentOutOfRangeException(nameof(a), a.Length, "at most 8 arguments"),
        };
    }
}
