using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Maru.Runtime;

/// <summary>Typed delegates over native functions of words (see CallPatterns.cs), and calls by name with words.</summary>
internal static unsafe class TypedCalls
{
    private static readonly Type[] Patterns =
    [
        typeof(Call0<>), typeof(Call1<,>), typeof(Call2<,,>), typeof(Call3<,,,>), typeof(Call4<,,,,>),
        typeof(Call5<,,,,,>), typeof(Call6<,,,,,,>), typeof(Call7<,,,,,,,>), typeof(Call8<,,,,,,,,>),
    ];

    /// <summary>
    /// A delegate of <paramref name="delegateType"/> that calls the function at <paramref name="address"/>. <c>Func</c>s of
    /// <c>long</c>s are built without reflection (so they work under NativeAOT, as do other delegate types of longs, whose
    /// call pattern is then compiled); any other type instantiates its call pattern at run time.
    /// </summary>
    /// <exception cref="NotSupportedException">Under NativeAOT, the call pattern of this signature was not compiled ahead of time.</exception>
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.PublicConstructors, typeof(Call0<>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.PublicConstructors, typeof(Call1<,>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.PublicConstructors, typeof(Call2<,,>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.PublicConstructors, typeof(Call3<,,,>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.PublicConstructors, typeof(Call4<,,,,>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.PublicConstructors, typeof(Call5<,,,,,>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.PublicConstructors, typeof(Call6<,,,,,,>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.PublicConstructors, typeof(Call7<,,,,,,,>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.PublicConstructors, typeof(Call8<,,,,,,,,>))]
    public static Delegate Create(Type delegateType, TypedSignature signature, MaruModule module, IntPtr address)
    {
        if (CreateFuncOfLongs(delegateType, module, address) is { } funcOfLongs) return funcOfLongs;
        try
        {
            Type result = signature.Result is null ? typeof(NoResult) : TypedSignature.PatternType(signature.Result);
            Type[] arguments = [.. signature.Parameters.Select(TypedSignature.PatternType), result];
            Type pattern = Patterns[signature.Parameters.Length].MakeGenericType(arguments);
            object call = Activator.CreateInstance(pattern, module, address)!;
            string invoke = signature.Result is null ? "InvokeAction" : "Invoke";
            if (signature.HasPointers) return BindWithPointers(delegateType, call, pattern.GetMethod(invoke)!);
            return Delegate.CreateDelegate(delegateType, call, invoke);
        }
        catch (NotSupportedException e) when (!RuntimeFeature.IsDynamicCodeSupported)
        {
            // NativeAOT compiled only the instantiations it saw: those of Func<long, ..., long> (above).
            throw new NotSupportedException(
                $"{TypedSignature.CSharpName(delegateType)} needs code generated at run time, which NativeAOT does not allow: " +
                "under NativeAOT use Func<long, ..., long>, a delegate type of your own with only long parameters and result, or GetFunctionPointer",
                e);
        }
    }

    /// <summary>
    /// A delegate with pointer parameters or result over a call pattern that has <c>nint</c> there instead.
    /// <see cref="Delegate.CreateDelegate(Type, object, MethodInfo)"/> refuses another signature, so the delegate is made
    /// as C#'s <c>new D(call.Invoke)</c> makes one, from its target and the method's entry point: to the IL and the ABI a
    /// pointer and an <c>nint</c> are the same native integer.
    /// </summary>
    private static Delegate BindWithPointers(Type delegateType, object call, MethodInfo invoke) =>
        (Delegate)Activator.CreateInstance(delegateType, call, invoke.MethodHandle.GetFunctionPointer())!;

    private static Delegate? CreateFuncOfLongs(Type delegateType, MaruModule module, IntPtr address)
    {
        if (delegateType == typeof(Func<long>)) return new Func<long>(new Call0<long>(module, address).Invoke);
        if (delegateType == typeof(Func<long, long>)) return new Func<long, long>(new Call1<long, long>(module, address).Invoke);
        if (delegateType == typeof(Func<long, long, long>)) return new Func<long, long, long>(new Call2<long, long, long>(module, address).Invoke);
        if (delegateType == typeof(Func<long, long, long, long>))
            return new Func<long, long, long, long>(new Call3<long, long, long, long>(module, address).Invoke);
        if (delegateType == typeof(Func<long, long, long, long, long>))
            return new Func<long, long, long, long, long>(new Call4<long, long, long, long, long>(module, address).Invoke);
        if (delegateType == typeof(Func<long, long, long, long, long, long>))
            return new Func<long, long, long, long, long, long>(new Call5<long, long, long, long, long, long>(module, address).Invoke);
        if (delegateType == typeof(Func<long, long, long, long, long, long, long>))
            return new Func<long, long, long, long, long, long, long>(
                new Call6<long, long, long, long, long, long, long>(module, address).Invoke);
        if (delegateType == typeof(Func<long, long, long, long, long, long, long, long>))
            return new Func<long, long, long, long, long, long, long, long>(
                new Call7<long, long, long, long, long, long, long, long>(module, address).Invoke);
        if (delegateType == typeof(Func<long, long, long, long, long, long, long, long, long>))
            return new Func<long, long, long, long, long, long, long, long, long>(
                new Call8<long, long, long, long, long, long, long, long, long>(module, address).Invoke);
        return null;
    }

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
