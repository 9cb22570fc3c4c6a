using System.Runtime.CompilerServices;

namespace Maru.Runtime;

// The call patterns behind typed delegates, one per arity: CallN<T1, ..., TN, TResult> calls a native function of N words.
// Invoke is bound to Func<...> (and to custom delegate types of the same signature), InvokeAction to Action<...> (with
// TResult = NoResult). Each call first checks that the module is not disposed. When every parameter is a value type the
// JIT folds the IsValueType test away and the call is the conversions and the native call alone; a string or array
// argument takes InvokePinned, which pins arrays and copies strings for the duration of the call.

internal sealed unsafe class Call0<TResult>(MaruModule module, IntPtr address)
{
    private readonly delegate* unmanaged<long> _function = (delegate* unmanaged<long>)address;

    public TResult Invoke()
    {
        module.ThrowIfDisposed();
        return Words.To<TResult>(_function());
    }

    public void InvokeAction() => Invoke();
}

internal sealed unsafe class Call1<T1, TResult>(MaruModule module, IntPtr address)
{
    private readonly delegate* unmanaged<long, long> _function = (delegate* unmanaged<long, long>)address;

    public TResult Invoke(T1 a1)
    {
        module.ThrowIfDisposed();
        if (typeof(T1).IsValueType)
            return Words.To<TResult>(_function(Words.From(a1)));
        return InvokePinned(a1);
    }

    public void InvokeAction(T1 a1) => Invoke(a1);

    [SkipLocalsInit]
    private TResult InvokePinned(T1 a1)
    {
        Utf8Arguments.StackBuffer stack;
        var strings = new Utf8Arguments((byte*)&stack);
        fixed (byte* p1 = &Pinned.Data(a1))
        {
            long word = _function(Pinned.Word(a1, p1, ref strings));
            strings.KeepAlive();
            return Words.To<TResult>(word);
        }
    }
}

internal sealed unsafe class Call2<T1, T2, TResult>(MaruModule module, IntPtr address)
{
    private readonly delegate* unmanaged<long, long, long> _function = (delegate* unmanaged<long, long, long>)address;

    public TResult Invoke(T1 a1, T2 a2)
    {
        module.ThrowIfDisposed();
        if (typeof(T1).IsValueType && typeof(T2).IsValueType)
            return Words.To<TResult>(_function(Words.From(a1), Words.From(a2)));
        return InvokePinned(a1, a2);
    }

    public void InvokeAction(T1 a1, T2 a2) => Invoke(a1, a2);

    [SkipLocalsInit]
    private TResult InvokePinned(T1 a1, T2 a2)
    {
        Utf8Arguments.StackBuffer stack;
        var strings = new Utf8Arguments((byte*)&stack);
        fixed (byte* p1 = &Pinned.Data(a1))
        fixed (byte* p2 = &Pinned.Data(a2))
        {
            long word = _function(Pinned.Word(a1, p1, ref strings), Pinned.Word(a2, p2, ref strings));
            strings.KeepAlive();
            return Words.To<TResult>(word);
        }
    }
}

internal sealed unsafe class Call3<T1, T2, T3, TResult>(MaruModule module, IntPtr address)
{
    private readonly delegate* unmanaged<long, long, long, long> _function = (delegate* unmanaged<long, long, long, long>)address;

    public TResult Invoke(T1 a1, T2 a2, T3 a3)
    {
        module.ThrowIfDisposed();
        if (typeof(T1).IsValueType && typeof(T2).IsValueType && typeof(T3).IsValueType)
            return Words.To<TResult>(_function(Words.From(a1), Words.From(a2), Words.From(a3)));
        return InvokePinned(a1, a2, a3);
    }

    public void InvokeAction(T1 a1, T2 a2, T3 a3) => Invoke(a1, a2, a3);

    [SkipLocalsInit]
    private TResult InvokePinned(T1 a1, T2 a2, T3 a3)
    {
        Utf8Arguments.StackBuffer stack;
        var strings = new Utf8Arguments((byte*)&stack);
        fixed (byte* p1 = &Pinned.Data(a1))
        fixed (byte* p2 = &Pinned.Data(a2))
        fixed (byte* p3 = &Pinned.Data(a3))
        {
            long word = _function(
                Pinned.Word(a1, p1, ref strings),
                Pinned.Word(a2, p2, ref strings),
                Pinned.Word(a3, p3, ref strings));
            strings.KeepAlive();
            return Words.To<TResult>(word);
        }
    }
}

internal sealed unsafe class Call4<T1, T2, T3, T4, TResult>(MaruModule module, IntPtr address)
{
    private readonly delegate* unmanaged<long, long, long, long, long> _function = (delegate* unmanaged<long, long, long, long, long>)address;

    public TResult Invoke(T1 a1, T2 a2, T3 a3, T4 a4)
    {
        module.ThrowIfDisposed();
        if (typeof(T1).IsValueType &&
            typeof(T2).IsValueType &&
            typeof(T3).IsValueType &&
            typeof(T4).IsValueType)
            return Words.To<TResult>(_function(Words.From(a1), Words.From(a2), Words.From(a3), Words.From(a4)));
        return InvokePinned(a1, a2, a3, a4);
    }

    public void InvokeAction(T1 a1, T2 a2, T3 a3, T4 a4) => Invoke(a1, a2, a3, a4);

    [SkipLocalsInit]
    private TResult InvokePinned(T1 a1, T2 a2, T3 a3, T4 a4)
    {
        Utf8Arguments.StackBuffer stack;
        var strings = new Utf8Arguments((byte*)&stack);
        fixed (byte* p1 = &Pinned.Data(a1))
        fixed (byte* p2 = &Pinned.Data(a2))
        fixed (byte* p3 = &Pinned.Data(a3))
        fixed (byte* p4 = &Pinned.Data(a4))
        {
            long word = _function(
                Pinned.Word(a1, p1, ref strings),
                Pinned.Word(a2, p2, ref strings),
                Pinned.Word(a3, p3, ref strings),
                Pinned.Word(a4, p4, ref strings));
            strings.KeepAlive();
            return Words.To<TResult>(word);
        }
    }
}

internal sealed unsafe class Call5<T1, T2, T3, T4, T5, TResult>(MaruModule module, IntPtr address)
{
    private readonly delegate* unmanaged<long, long, long, long, long, long> _function = (delegate* unmanaged<long, long, long, long, long, long>)address;

    public TResult Invoke(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5)
    {
        module.ThrowIfDisposed();
        if (typeof(T1).IsValueType &&
            typeof(T2).IsValueType &&
            typeof(T3).IsValueType &&
            typeof(T4).IsValueType &&
            typeof(T5).IsValueType)
            return Words.To<TResult>(_function(Words.From(a1), Words.From(a2), Words.From(a3), Words.From(a4), Words.From(a5)));
        return InvokePinned(a1, a2, a3, a4, a5);
    }

    public void InvokeAction(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5) => Invoke(a1, a2, a3, a4, a5);

    [SkipLocalsInit]
    private TResult InvokePinned(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5)
    {
        Utf8Arguments.StackBuffer stack;
        var strings = new Utf8Arguments((byte*)&stack);
        fixed (byte* p1 = &Pinned.Data(a1))
        fixed (byte* p2 = &Pinned.Data(a2))
        fixed (byte* p3 = &Pinned.Data(a3))
        fixed (byte* p4 = &Pinned.Data(a4))
        fixed (byte* p5 = &Pinned.Data(a5))
        {
            long word = _function(
                Pinned.Word(a1, p1, ref strings),
                Pinned.Word(a2, p2, ref strings),
                Pinned.Word(a3, p3, ref strings),
                Pinned.Word(a4, p4, ref strings),
                Pinned.Word(a5, p5, ref strings));
            strings.KeepAlive();
            return Words.To<TResult>(word);
        }
    }
}

internal sealed unsafe class Call6<T1, T2, T3, T4, T5, T6, TResult>(MaruModule module, IntPtr address)
{
    private readonly delegate* unmanaged<long, long, long, long, long, long, long> _function = (delegate* unmanaged<long, long, long, long, long, long, long>)address;

    public TResult Invoke(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6)
    {
        module.ThrowIfDisposed();
        if (typeof(T1).IsValueType &&
            typeof(T2).IsValueType &&
            typeof(T3).IsValueType &&
            typeof(T4).IsValueType &&
            typeof(T5).IsValueType &&
            typeof(T6).IsValueType)
            return Words.To<TResult>(_function(
                Words.From(a1),
                Words.From(a2),
                Words.From(a3),
                Words.From(a4),
                Words.From(a5),
                Words.From(a6)));
        return InvokePinned(a1, a2, a3, a4, a5, a6);
    }

    public void InvokeAction(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6) => Invoke(a1, a2, a3, a4, a5, a6);

    [SkipLocalsInit]
    private TResult InvokePinned(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6)
    {
        Utf8Arguments.StackBuffer stack;
        var strings = new Utf8Arguments((byte*)&stack);
        fixed (byte* p1 = &Pinned.Data(a1))
        fixed (byte* p2 = &Pinned.Data(a2))
        fixed (byte* p3 = &Pinned.Data(a3))
        fixed (byte* p4 = &Pinned.Data(a4))
        fixed (byte* p5 = &Pinned.Data(a5))
        fixed (byte* p6 = &Pinned.Data(a6))
        {
            long word = _function(
                Pinned.Word(a1, p1, ref strings),
                Pinned.Word(a2, p2, ref strings),
                Pinned.Word(a3, p3, ref strings),
                Pinned.Word(a4, p4, ref strings),
                Pinned.Word(a5, p5, ref strings),
                Pinned.Word(a6, p6, ref strings));
            strings.KeepAlive();
            return Words.To<TResult>(word);
        }
    }
}

internal sealed unsafe class Call7<T1, T2, T3, T4, T5, T6, T7, TResult>(MaruModule module, IntPtr address)
{
    private readonly delegate* unmanaged<long, long, long, long, long, long, long, long> _function = (delegate* unmanaged<long, long, long, long, long, long, long, long>)address;

    public TResult Invoke(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7)
    {
        module.ThrowIfDisposed();
        if (typeof(T1).IsValueType &&
            typeof(T2).IsValueType &&
            typeof(T3).IsValueType &&
            typeof(T4).IsValueType &&
            typeof(T5).IsValueType &&
            typeof(T6).IsValueType &&
            typeof(T7).IsValueType)
            return Words.To<TResult>(_function(
                Words.From(a1),
                Words.From(a2),
                Words.From(a3),
                Words.From(a4),
                Words.From(a5),
                Words.From(a6),
                Words.From(a7)));
        return InvokePinned(a1, a2, a3, a4, a5, a6, a7);
    }

    public void InvokeAction(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7) => Invoke(a1, a2, a3, a4, a5, a6, a7);

    [SkipLocalsInit]
    private TResult InvokePinned(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7)
    {
        Utf8Arguments.StackBuffer stack;
        var strings = new Utf8Arguments((byte*)&stack);
        fixed (byte* p1 = &Pinned.Data(a1))
        fixed (byte* p2 = &Pinned.Data(a2))
        fixed (byte* p3 = &Pinned.Data(a3))
        fixed (byte* p4 = &Pinned.Data(a4))
        fixed (byte* p5 = &Pinned.Data(a5))
        fixed (byte* p6 = &Pinned.Data(a6))
        fixed (byte* p7 = &Pinned.Data(a7))
        {
            long word = _function(
                Pinned.Word(a1, p1, ref strings),
                Pinned.Word(a2, p2, ref strings),
                Pinned.Word(a3, p3, ref strings),
                Pinned.Word(a4, p4, ref strings),
                Pinned.Word(a5, p5, ref strings),
                Pinned.Word(a6, p6, ref strings),
                Pinned.Word(a7, p7, ref strings));
            strings.KeepAlive();
            return Words.To<TResult>(word);
        }
    }
}

internal sealed unsafe class Call8<T1, T2, T3, T4, T5, T6, T7, T8, TResult>(MaruModule module, IntPtr address)
{
    private readonly delegate* unmanaged<long, long, long, long, long, long, long, long, long> _function = (delegate* unmanaged<long, long, long, long, long, long, long, long, long>)address;

    public TResult Invoke(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8)
    {
        module.ThrowIfDisposed();
        if (typeof(T1).IsValueType &&
            typeof(T2).IsValueType &&
            typeof(T3).IsValueType &&
            typeof(T4).IsValueType &&
            typeof(T5).IsValueType &&
            typeof(T6).IsValueType &&
            typeof(T7).IsValueType &&
            typeof(T8).IsValueType)
            return Words.To<TResult>(_function(
                Words.From(a1),
                Words.From(a2),
                Words.From(a3),
                Words.From(a4),
                Words.From(a5),
                Words.From(a6),
                Words.From(a7),
                Words.From(a8)));
        return InvokePinned(a1, a2, a3, a4, a5, a6, a7, a8);
    }

    public void InvokeAction(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8) => Invoke(a1, a2, a3, a4, a5, a6, a7, a8);

    [SkipLocalsInit]
    private TResult InvokePinned(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8)
    {
        Utf8Arguments.StackBuffer stack;
        var strings = new Utf8Arguments((byte*)&stack);
        fixed (byte* p1 = &Pinned.Data(a1))
        fixed (byte* p2 = &Pinned.Data(a2))
        fixed (byte* p3 = &Pinned.Data(a3))
        fixed (byte* p4 = &Pinned.Data(a4))
        fixed (byte* p5 = &Pinned.Data(a5))
        fixed (byte* p6 = &Pinned.Data(a6))
        fixed (byte* p7 = &Pinned.Data(a7))
        fixed (byte* p8 = &Pinned.Data(a8))
        {
            long word = _function(
                Pinned.Word(a1, p1, ref strings),
                Pinned.Word(a2, p2, ref strings),
                Pinned.Word(a3, p3, ref strings),
                Pinned.Word(a4, p4, ref strings),
                Pinned.Word(a5, p5, ref strings),
                Pinned.Word(a6, p6, ref strings),
                Pinned.Word(a7, p7, ref strings),
                Pinned.Word(a8, p8, ref strings));
            strings.KeepAlive();
            return Words.To<TResult>(word);
        }
    }
}
