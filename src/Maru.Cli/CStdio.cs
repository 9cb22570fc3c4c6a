using System.Runtime.InteropServices;

namespace Maru.Cli;

/// <summary>The C library's standard I/O, which native code writes through and .NET's Console does not.</summary>
internal static partial class CStdio
{
    /// <summary>
    /// Writes out what native code left in the C library's stream buffers (printf to a pipe is fully buffered),
    /// so that it appears before anything the tool prints after the call.
    /// </summary>
    public static void FlushAll() => Flush(IntPtr.Zero);

    [LibraryImport("libc", EntryPoint = "fflush")]
    private static partial int Flush(IntPtr stream);
}
