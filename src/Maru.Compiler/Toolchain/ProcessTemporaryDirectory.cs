using System.Diagnostics;
using System.Globalization;

namespace Maru.Compiler.Toolchain;

/// <summary>
/// Temporary directories named after the process that owns them, <c>maru-PURPOSE-PID-RANDOM</c> in the temporary folder,
/// so that those of a process that ended without deleting them (killed, crashed) are found and deleted by the next process
/// that creates one. This is the scheme of Maru.Runtime's module directories (<c>maru-module-PID-...</c>).
/// </summary>
public static class ProcessTemporaryDirectory
{
    private const string Prefix = "maru-";
    private static readonly Lazy<bool> Swept = new(() => { DeleteAbandoned(); return true; });

    /// <summary>Creates a new, empty directory of this process for <paramref name="purpose"/> (a word without '-', e.g. <c>build</c>).</summary>
    /// <exception cref="IOException">The temporary folder cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The temporary folder cannot be written.</exception>
    public static string Create(string purpose)
    {
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        if (purpose.Contains('-')) throw new ArgumentException("the purpose is one word, without '-'", nameof(purpose));
        DeleteAbandonedOnce();
        return Directory.CreateTempSubdirectory($"{Prefix}{purpose}-{Environment.ProcessId}-").FullName;
    }

    /// <summary>Runs <see cref="DeleteAbandoned"/> the first time it is called in this process, and does nothing after.</summary>
    public static void DeleteAbandonedOnce() => _ = Swept.Value;

    /// <summary>
    /// Deletes the directories named as <see cref="Create"/> names them whose process has ended. One whose process still
    /// runs, or whose id was reused by a process that runs, is left alone; so is one that cannot be deleted.
    /// </summary>
    public static void DeleteAbandoned()
    {
        try
        {
            foreach (string directory in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
            {
                if (OwnerOf(Path.GetFileName(directory)) is int pid && pid != Environment.ProcessId && !IsRunning(pid))
                    AtomicOutput.DeleteQuietly(directory);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Clean-up must not fail the build that does it.
        }
    }

    /// <summary>The process id in a name <c>maru-PURPOSE-PID-RANDOM</c>; null for any other name.</summary>
    internal static int? OwnerOf(string name)
    {
        string[] parts = name.Split('-');
        return parts.Length == 4 && parts[0] + "-" == Prefix && parts[1].Length > 0 && parts[3].Length > 0
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0
            ? pid : null;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
