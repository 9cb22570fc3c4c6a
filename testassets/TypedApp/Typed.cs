using System.Runtime.InteropServices;

namespace TypedApp;

/// <summary>The functions of typed.l, one declaration for each kind of parameter and result.</summary>
internal static unsafe partial class Typed
{
    [Maru.MaruFunction("sum-array")] internal static partial long SumArray(ReadOnlySpan<long> values, long count);
    [Maru.MaruFunction("sum-array")] internal static partial long SumArrayOfArray(long[]? values, int count);
    [Maru.MaruFunction("sum-int32s")] internal static partial int SumInts(Span<int> values, int count);
    [Maru.MaruFunction("sum-bytes")] internal static partial uint SumBytes(byte[] values, nint count);
    [Maru.MaruFunction("sum-doubles")] internal static partial double SumDoubles(ReadOnlySpan<double> values, long count);
    [Maru.MaruFunction("hypot")] internal static partial double Hypot(double x, double y);
    [Maru.MaruFunction("half")] internal static partial float Half(float x);
    [Maru.MaruFunction("utf8-length")] internal static partial int Utf8Length(string? text);
    [Maru.MaruFunction("first-byte")] internal static partial byte FirstByte(string text);
    [Maru.MaruFunction("even?")] internal static partial bool IsEven(long x);
    [Maru.MaruFunction("pick")] internal static partial short Pick(bool flag, short a, short b);
    [Maru.MaruFunction("identity")] internal static partial long WidenSByte(sbyte x);
    [Maru.MaruFunction("identity")] internal static partial long WidenByte(byte x);
    [Maru.MaruFunction("identity")] internal static partial long WidenShort(short x);
    [Maru.MaruFunction("identity")] internal static partial long WidenUShort(ushort x);
    [Maru.MaruFunction("identity")] internal static partial long WidenInt(int x);
    [Maru.MaruFunction("identity")] internal static partial long WidenUInt(uint x);
    [Maru.MaruFunction("identity")] internal static partial long WidenNInt(nint x);
    [Maru.MaruFunction("identity")] internal static partial ulong IdentityULong(ulong x);
    [Maru.MaruFunction("identity")] internal static partial nuint IdentityNUInt(nuint x);
    [Maru.MaruFunction("identity")] internal static partial sbyte NarrowSByte(long x);
    [Maru.MaruFunction("identity")] internal static partial ushort NarrowUShort(long x);
    [Maru.MaruFunction("identity")] internal static partial uint NarrowUInt(long x);
    [Maru.MaruFunction("identity")] internal static partial nint NarrowNInt(long x);
    [Maru.MaruFunction("identity")] internal static partial bool NonZero(long x);
    [Maru.MaruFunction("identity")] internal static partial long BoolBits(bool b);
    [Maru.MaruFunction("identity")] internal static partial long DoubleBits(double d);
    [Maru.MaruFunction("identity")] internal static partial long FloatBits(float f);
    [Maru.MaruFunction("identity")] internal static partial nint AddressOf(long[]? values);
    [Maru.MaruFunction("identity")] internal static partial nint AddressOfSpan(Span<byte> values);
    [Maru.MaruFunction("identity")] internal static partial nint AddressOfString(string? text);
    [Maru.MaruFunction("identity")] internal static partial byte* IdentityPointer(byte* p);
    [Maru.MaruFunction("apply-twice")] internal static partial long ApplyTwice(delegate* unmanaged<long, long> f, long x);
    [Maru.MaruFunction("store-answer")] internal static partial void StoreAnswer(long* p);

    /// <summary>What apply-twice calls back.</summary>
    [UnmanagedCallersOnly]
    internal static long Triple(long x) => 3 * x;
}
