using System.Runtime.InteropServices;

namespace Maru.Cli;

/// <summary>Calls a loaded native function that takes and returns 64-bit words, in the platform's C calling convention.</summary>
internal static unsafe class NativeCall
{
    public const int MaxArguments = 10;

    public static long Invoke(IntPtr function, ReadOnlySpan<long> a) => a.Length switch
    {
        0 => ((delegate* unmanaged<long>)function)(),
        1 => ((delegate* unmanaged<long, long>)function)(a[0]),
        2 => ((delegate* unmanaged<long, long, long>)function)(a[0], a[1]),
        3 => ((delegate* unmanaged<long, long, long, long>)function)(a[0], a[1], a[2]),
        4 => ((delegate* unmanaged<long, long, long, long, long>)function)(a[0], a[1], a[2], a[3]),
        5 => ((delegate* unmanaged<long, long, long, long, long, long>)function)(a[0], a[1], a[2], a[3], a[4]),
        6 => ((delegate* unmanaged<long, long, long, long, long, long, long>)function)(a[0], a[1], a[2], a[3], a[4], a[5]),
        7 => ((delegate* unmanaged<long, long, long, long, long, long, long, long>)function)(a[0], a[1], a[2], a[3], a[4], a[5], a[6]),
        8 => ((delegate* unmanaged<long, long, long, long, long, long, long, long, long>)function)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]),
        9 => ((delegate* unmanaged<long, long, long, long, long, long, long, long, long, long>)function)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]),
        10 => ((delegate* unmanaged<long, long, long, long, long, long, long, long, long, long, long>)function)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]),
        _ => throw new ArgumentOutOfRangeException(nameof(a), a.Length, $"at most {MaxArguments} arguments"),
    };

    /// <summary>Calls a C-style <c>main</c>: with no arguments, or with argc and a NUL-terminated argv of UTF-8 strings.</summary>
    public static long InvokeMain(IntPtr function, int parameterCount, IReadOnlyList<string> argv)
    {
        if (parameterCount == 0) return ((delegate* unmanaged<long>)function)();

        var vector = (IntPtr*)NativeMemory.AllocZeroed((nuint)(argv.Count + 1), (nuint)sizeof(IntPtr));
        try
        {
            for (int i = 0; i < argv.Count; i++) vector[i] = Marshal.StringToCoTaskMemUTF8(argv[i]);
            return ((delegate* unmanaged<long, IntPtr*, long>)function)(argv.Count, vector);
        }
        finally
        {
            for (int i = 0; i < argv.Count; i++) Marshal.FreeCoTaskMem(vector[i]);
            NativeMemory.Free(vector);
        }
    }
}
