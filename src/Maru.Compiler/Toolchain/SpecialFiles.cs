using System.Runtime.InteropServices;

namespace Maru.Compiler.Toolchain;

/// <summary>
/// Tells devices, FIFOs and sockets from regular files and directories. .NET does not say what kind of file a path is
/// (<see cref="FileAttributes"/> has nothing for it on Unix), so this asks the C library: <c>statx</c> on Linux, whose
/// buffer has one layout on every architecture, and <c>stat</c> on macOS. Elsewhere (Windows) every file counts as regular.
/// </summary>
internal static class SpecialFiles
{
    private const int FileTypeMask = 0xF000;       // S_IFMT, the same on Linux and macOS
    private const int RegularFile = 0x8000;        // S_IFREG
    private const int Directory = 0x4000;          // S_IFDIR

    private const int CurrentDirectory = -100;     // AT_FDCWD: a relative path is taken from the current directory
    private const uint TypeField = 0x1;            // STATX_TYPE
    private const int StatxModeOffset = 28;        // struct statx: stx_mode (u16)
    private const int MacStatModeOffset = 4;       // struct stat (64-bit inodes): st_mode (u16), after st_dev (s32)
    private const int BufferSize = 256;            // more than either struct needs

    /// <summary>
    /// True when <paramref name="path"/> (its link's target, for a link) exists and is neither a regular file nor a directory.
    /// False when it does not exist, cannot be examined, or this platform has no such files.
    /// </summary>
    public static bool IsSpecial(string path)
    {
        int? mode = Mode(path);
        return mode is { } m && (m & FileTypeMask) is not (RegularFile or Directory);
    }

    private static int? Mode(string path)
    {
        var buffer = new byte[BufferSize];
        try
        {
            if (OperatingSystem.IsLinux())
                return LinuxStatx(CurrentDirectory, path, 0, TypeField, buffer) == 0 ? BitConverter.ToUInt16(buffer, StatxModeOffset) : null;
            if (OperatingSystem.IsMacOS())
            {
                // x86-64 keeps the old struct stat under the plain name; arm64 has only the 64-bit-inode one.
                int result = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? MacStatInode64(path, buffer) : MacStat(path, buffer);
                return result == 0 ? BitConverter.ToUInt16(buffer, MacStatModeOffset) : null;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // A C library without statx (glibc before 2.28, older musl): take the path as a regular file, as before.
        }
        return null;
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int LinuxStatx(int directory, string path, int flags, uint mask, [Out] byte[] buffer);

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int MacStat(string path, [Out] byte[] buffer);

    [DllImport("libc", EntryPoint = "stat$INODE64", SetLastError = true)]
    private static extern int MacStatInode64(string path, [Out] byte[] buffer);
}
