// fnv: FNV-1a (64-bit) over a 4 MiB buffer filled by an LCG, repeated. Same algorithm as ../c/fnv.c; the buffer
// comes from malloc (NativeMemory) as in C and Maru.
using System.Runtime.InteropServices;

namespace MaruBench;

static unsafe class Fnv
{
    const long Size = 4194304;

    public static string Run()
    {
        byte* buf = (byte*)NativeMemory.Alloc((nuint)Size);
        ulong x = 12345;
        for (long i = 0; i < Size; i++)
        {
            x = x * 6364136223846793005u + 1442695040888963407u;
            buf[i] = (byte)((long)x >> 33);
        }
        ulong hash = 0xcbf29ce484222325u;
        for (long r = 0; r < 200; r++)
            for (long i = 0; i < Size; i++)
                hash = (hash ^ buf[i]) * 0x100000001b3u;
        NativeMemory.Free(buf);
        return $"fnv: {(long)hash}";
    }
}
