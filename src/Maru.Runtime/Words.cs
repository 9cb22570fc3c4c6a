using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Maru.Runtime;

/// <summary>The result type of a call pattern that stands for an <c>Action</c>: its word is ignored.</summary>
internal readonly struct NoResult;

/// <summary>
/// How a scalar C# value travels as a word, and back. Each method is instantiated per value type, where the JIT folds
/// every <c>typeof</c> test and every box of <c>(T)(object)</c> away: a conversion costs what the cast or bit copy itself
/// costs (a typed double call costs what a <c>long</c> call with <c>BitConverter</c> by hand does).
/// </summary>
/// <remarks>The types are those <see cref="TypedSignature"/> accepts; it has already refused any other.</remarks>
internal static class Words
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long From<T>(T value)
    {
        if (typeof(T) == typeof(long)) return (long)(object)value!;
        // Section 11: a double is a word holding its binary64 bits; a float is widened to a double first.
        if (typeof(T) == typeof(double)) return BitConverter.DoubleToInt64Bits((double)(object)value!);
        if (typeof(T) == typeof(float)) return BitConverter.DoubleToInt64Bits((float)(object)value!);
        if (typeof(T) == typeof(bool)) return (bool)(object)value! ? 1 : 0;
        if (typeof(T) == typeof(int)) return (int)(object)value!;
        if (typeof(T) == typeof(uint)) return (uint)(object)value!;
        if (typeof(T) == typeof(short)) return (short)(object)value!;
        if (typeof(T) == typeof(ushort)) return (ushort)(object)value!;
        if (typeof(T) == typeof(sbyte)) return (sbyte)(object)value!;
        if (typeof(T) == typeof(byte)) return (byte)(object)value!;
        if (typeof(T) == typeof(ulong)) return unchecked((long)(ulong)(object)value!);
        if (typeof(T) == typeof(nint)) return (nint)(object)value!;
        if (typeof(T) == typeof(nuint)) return unchecked((long)(ulong)(nuint)(object)value!);
        throw new UnreachableException($"{typeof(T)} is not a scalar parameter type");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T To<T>(long word)
    {
        if (typeof(T) == typeof(long)) return (T)(object)word;
        if (typeof(T) == typeof(NoResult)) return default!;
        if (typeof(T) == typeof(double)) return (T)(object)BitConverter.Int64BitsToDouble(word);
        if (typeof(T) == typeof(float)) return (T)(object)(float)BitConverter.Int64BitsToDouble(word);
        if (typeof(T) == typeof(bool)) return (T)(object)(word != 0);
        // Narrower results keep the word's low bits, as a C cast does.
        if (typeof(T) == typeof(int)) return (T)(object)unchecked((int)word);
        if (typeof(T) == typeof(uint)) return (T)(object)unchecked((uint)word);
        if (typeof(T) == typeof(short)) return (T)(object)unchecked((short)word);
        if (typeof(T) == typeof(ushort)) return (T)(object)unchecked((ushort)word);
        if (typeof(T) == typeof(sbyte)) return (T)(object)unchecked((sbyte)word);
        if (typeof(T) == typeof(byte)) return (T)(object)unchecked((byte)word);
        if (typeof(T) == typeof(ulong)) return (T)(object)unchecked((ulong)word);
        if (typeof(T) == typeof(nint)) return (T)(object)unchecked((nint)word);
        if (typeof(T) == typeof(nuint)) return (T)(object)unchecked((nuint)(ulong)word);
        throw new UnreachableException($"{typeof(T)} is not a result type");
    }
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
        // A reference argument is a string or an array (TypedSignature has refused any other): a string is not pinned.
        if (typeof(T).IsValueType || value is null or string || Unsafe.As<Array>(value).Length == 0)
            return ref Unsafe.NullRef<byte>();
        return ref MemoryMarshal.GetArrayDataReference(Unsafe.As<Array>(value));
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
    /// <summary>The bytes of stack a call with a string or array argument reserves for strings (<c>LibraryImport</c> reserves 256 per string).</summary>
    public const int StackBytes = 512;

    /// <summary>The buffer, a local of the call's own frame (a <c>stackalloc</c> would make the frame dynamic, which costs more).</summary>
    [InlineArray(StackBytes)]
    public struct StackBuffer
    {
        private byte _first;
    }

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
