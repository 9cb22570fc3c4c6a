using System.Globalization;
using TypedApp;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

long[] longs = [4, 9, 6];
Console.WriteLine($"sum-array span = {Typed.SumArray(longs, longs.Length)}");
Console.WriteLine($"sum-array array = {Typed.SumArrayOfArray(longs, 2)}, empty = {Typed.SumArrayOfArray([], 0)}, null = {Typed.SumArrayOfArray(null, 0)}");
int[] ints = [1, -20, 300];
Console.WriteLine($"sum-int32s = {Typed.SumInts(ints, ints.Length)}");
Console.WriteLine($"sum-bytes = {Typed.SumBytes([255, 1, 7], 3)}");
double[] doubles = [0.5, 0.25, 2];
Console.WriteLine($"sum-doubles = {Typed.SumDoubles(doubles, doubles.Length)}");
Console.WriteLine($"hypot = {Typed.Hypot(3, 4)}, half = {Typed.Half(3f)}");
Console.WriteLine($"utf8-length = {Typed.Utf8Length("héllo")}, long = {Typed.Utf8Length(new string('é', 300))}, empty = {Typed.Utf8Length("")}, null = {Typed.Utf8Length(null)}");
Console.WriteLine($"first-byte = {Typed.FirstByte("é")}");
Console.WriteLine($"even? = {Typed.IsEven(10)} {Typed.IsEven(7)}, non-zero = {Typed.NonZero(2)} {Typed.NonZero(0)}");
Console.WriteLine($"pick = {Typed.Pick(true, 3, 4)} {Typed.Pick(false, 3, 4)}");
Console.WriteLine($"widen = {Typed.WidenSByte(-5)} {Typed.WidenByte(200)} {Typed.WidenShort(-300)} {Typed.WidenUShort(65535)} {Typed.WidenInt(int.MinValue)} {Typed.WidenUInt(uint.MaxValue)} {Typed.WidenNInt(-7)}");
Console.WriteLine($"identity = {Typed.IdentityULong(ulong.MaxValue)} {Typed.IdentityNUInt(nuint.MaxValue)}");
Console.WriteLine($"narrow = {Typed.NarrowSByte(0x1FF)} {Typed.NarrowUShort(-1)} {Typed.NarrowUInt(-2)} {Typed.NarrowNInt(-3)}");
Console.WriteLine($"bits = {Typed.BoolBits(true)} {Typed.BoolBits(false)} {Typed.DoubleBits(1.5):X} {Typed.FloatBits(1.5f):X}");
Console.WriteLine($"null and empty = {Typed.AddressOf(null)} {Typed.AddressOf([])} {Typed.AddressOfSpan([])} {Typed.AddressOfString(null)} {Typed.AddressOf([1]) != 0}");
unsafe
{
    byte b = 7;
    Console.WriteLine($"pointer = {Typed.IdentityPointer(&b) == &b}");
    Console.WriteLine($"apply-twice = {Typed.ApplyTwice(&Typed.Triple, 5)}");
    long answer = 0;
    Typed.StoreAnswer(&answer);
    Console.WriteLine($"store-answer = {answer}");
}
