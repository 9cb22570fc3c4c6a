using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Toolchain;

/// <summary>Replaces an output file as a whole, so no reader ever sees half of one, and leaves no temporary file behind.</summary>
public static class AtomicOutput
{
    /// <summary>
    /// Has <paramref name="write"/> produce the output at a temporary path beside <paramref name="outputPath"/>, then renames it
    /// over the output, unless writing added errors to <paramref name="diagnostics"/>; an unwritable output is MARU0904.
    /// A symbolic link is followed: its final target is what is replaced (replacing the link would leave the file it points to
    /// stale), atomically beside the target. A device or a FIFO (<c>/dev/null</c>, a pipe to another program) is opened and
    /// written, never replaced by a regular file; the temporary file is then in a directory of our own.
    /// </summary>
    internal static void Replace(string outputPath, DiagnosticBag diagnostics, Action<string> write)
    {
        int errors = diagnostics.ErrorCount;
        string? temporary = null;
        string? scratch = null;
        try
        {
            string output = FinalTarget(Path.GetFullPath(outputPath));
            bool inPlace = SpecialFiles.IsSpecial(output);
            if (inPlace)
            {
                scratch = ProcessTemporaryDirectory.Create("build");
                temporary = Path.Combine(scratch, Path.GetFileName(output));
            }
            else
            {
                temporary = TemporaryNameFor(output);
                Directory.CreateDirectory(Path.GetDirectoryName(temporary)!);
            }
            // Creating the temporary file ourselves turns an unwritable output into MARU0904 rather than a tool's message.
            new FileStream(temporary, FileMode.CreateNew).Dispose();
            write(temporary);
            if (diagnostics.ErrorCount != errors) return;
            if (inPlace) CopyInto(temporary, output);
            else File.Move(temporary, output, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(Diagnostic.General(DiagnosticCodes.CannotWriteOutput, $"cannot write the output: {e.Message}", outputPath));
        }
        finally
        {
            DeleteQuietly(temporary);
            DeleteQuietly(scratch);
        }
    }

    /// <summary>The file a path finally names: itself, or the last target of a chain of symbolic links (which may not exist yet).</summary>
    private static string FinalTarget(string path) =>
        new FileInfo(path).LinkTarget is null ? path : File.ResolveLinkTarget(path, returnFinalTarget: true)!.FullName;

    // Opened for writing as it is (no O_CREAT, no O_TRUNC), as a shell's '>' would: a FIFO blocks here until it has a reader.
    private static void CopyInto(string source, string special)
    {
        using FileStream from = File.OpenRead(source);
        using var to = new FileStream(special, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        from.CopyTo(to);
    }

    /// <summary>A unique hidden name beside <paramref name="path"/>, in its folder so that renaming over it is atomic.</summary>
    public static string TemporaryNameFor(string path)
    {
        string full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
    }

    /// <summary>
    /// Deletes a file or a directory with its contents. Clean-up must not hide the build's own result, so one that
    /// cannot be deleted is left alone.
    /// </summary>
    public static void DeleteQuietly(string? path)
    {
        if (string.IsNullOrEmpty(path)) return;
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
