using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Maru.Runtime;

/// <summary>The result type of a call pattern that stands for an <c>Action</c>: its word is ignored.</summary>
internal readonly struct NoResult;

/// <summary>
/// How a scalar C# value travels as a word, and back. Each method is instantiated per value type, where the JIT folds
/// every <c>typeof</c> test away: a conversion costs what the cast or bit copy itself costs.
/// </summary>
/// <remarks>The types are those <see cref="TypedSignature"/> accepts; it has already refused any other.</remarks>
internal static class Words
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long From<T>(T value)
    {
        if (typeof(T) == typeof(long)) return Unsafe.As<T, long>(ref value);
        // Section 11: a double is a word holding its binary64 bits; a float is widened to a double first.
        if (typeof(T) == typeof(double)) return BitConverter.DoubleToInt64Bits(Unsafe.As<T, double>(ref value));
        if (typeof(T) == typeof(float)) return BitConverter.DoubleToInt64Bits(Unsafe.As<T, float>(ref value));
        if (typeof(T) == typeof(bool)) return Unsafe.As<T, bool>(ref value) ? 1 : 0;
        if (typeof(T) == typeof(int)) return Unsafe.As<T, int>(ref value);
        if (typeof(T) == typeof(uint)) return Unsafe.As<T, uint>(ref value);
        if (typeof(T) == typeof(short)) return Unsafe.As<T, short>(ref value);
        if (typeof(T) == typeof(ushort)) return Unsafe.As<T, ushort>(ref value);
        if (typeof(T) == typeof(sbyte)) return Unsafe.As<T, sbyte>(ref value);
        if (typeof(T) == typeof(byte)) return Unsafe.As<T, byte>(ref value);
        if (typeof(T) == typeof(ulong)) return unchecked((long)Unsafe.As<T, ulong>(ref value));
        if (typeof(T) == typeof(nint)) return Unsafe.As<T, nint>(ref value);
        if (typeof(T) == typeof(nuint)) return unchecked((long)(ulong)Unsafe.As<T, nuint>(ref value));
        throw new UnreachableException($"{typeof(T)} is not a scalar parameter type");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T To<T>(long word)
    {
        if (typeof(T) == typeof(long)) return Unsafe.As<long, T>(ref word);
        if (typeof(T) == typeof(NoResult)) return default!;
        if (typeof(T) == typeof(double)) return As<double, T>(BitConverter.Int64BitsToDouble(word));
        if (typeof(T) == typeof(float)) return As<float, T>((float)BitConverter.Int64BitsToDouble(word));
        if (typeof(T) == typeof(bool)) return As<bool, T>(word != 0);
        // Narrower results keep the word's low bits, as a C cast does.
        if (typeof(T) == typeof(int)) return As<int, T>(unchecked((int)word));
        if (typeof(T) == typeof(uint)) return As<uint, T>(unchecked((uint)word));
        if (typeof(T) == typeof(short)) return As<short, T>(unchecked((short)word));
        if (typeof(T) == typeof(ushort)) return As<ushort, T>(unchecked((ushort)word));
        if (typeof(T) == typeof(sbyte)) return As<sbyte, T>(unchecked((sbyte)word));
        if (typeof(T) == typeof(byte)) return As<byte, T>(unchecked((byte)word));
        if (typeof(T) == typeof(ulong)) return As<ulong, T>(unchecked((ulong)word));
        if (typeof(T) == typeof(nint)) return As<nint, T>(unchecked((nint)word));
        if (typeof(T) == typeof(nuint)) return As<nuint, T>(unchecked((nuint)(ulong)word));
        throw new UnreachableException($"{typeof(T)} is not a result type");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TTo As<TFrom, TTo>(TFrom value) => Unsafe.As<TFrom, TTo>(ref value);
}

/// <summary>
/// Arguments that are references: an array is pinned by the call pattern (a <c>fixed</c> over <see cref="Data{T}"/>) and
/// passed as the address of its first element; a string is copied as NUL-terminated UTF-8 into <see cref="Utf8Arguments"/>.
/// A null array or string, and an empty array, are passed as 0 (as C#'s <c>fixed</c> gives for them).
/// </summary>
internal static unsafe class Pinned
{
    /// <summary>The reference to pin for an argument: an array's first element, else a null reference (pins nothing).</summary>
    public static ref byte Data<T>(T value)
    {
        if (typeof(T).IsValueType || value is not Array { Length: > 0 } array) return ref Unsafe.NullRef<byte>();
        return ref MemoryMarshal.GetArrayDataReference(array);
    }

    /// <summary>The word of an argument whose <see cref="Data{T}"/> is pinned at <paramref name="data"/>.</summary>
    public static long Word<T>(T value, byte* data, ref Utf8Arguments strings)
    {
        if (typeof(T).IsValueType) return Words.From(value);
        if (value is string text) return (long)strings.Add(text);
        return (long)data;
    }
}

/// <summary>
/// The UTF-8 copies of one call's string arguments: in a buffer on the caller's stack while they fit (no allocation), else
/// each in an array of its own, kept alive by this value until <see cref="KeepAlive"/> after the call.
/// </summary>
internal unsafe ref struct Utf8Arguments(byte* stack)
{
    /// <summary>The bytes of stack every call with a string argument reserves for them (as <c>LibraryImport</c>'s 256 per string).</summary>
    public const int StackBytes = 512;

    private int _used;
    private List<byte[]>? _arrays;

    public byte* Add(string? text)
    {
        if (text is null) return null;
        int free = StackBytes - _used;
        int length = Encoding.UTF8.GetMaxByteCount(text.Length) < free ? -1 : Encoding.UTF8.GetByteCount(text);
        byte* target;
        if (length < free)
        {
            target = stack + _used;
            length = Encoding.UTF8.GetBytes(text, new Span<byte>(target, free - 1));
            _used += length + 1;
        }
        else
        {
            // Pinned, so its address holds until the call returns; the list keeps it alive that long.
            byte[] array = GC.AllocateUninitializedArray<byte>(length + 1, pinned: true);
            (_arrays ??= []).Add(array);
            target = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
            Encoding.UTF8.GetBytes(text, array);
        }
        target[length] = 0;
        return target;
    }

    /// <summary>Called after the native call: the arrays must not be collected before it returns.</summary>
    public readonly void KeepAlive() => GC.KeepAlive(_arrays);
}
