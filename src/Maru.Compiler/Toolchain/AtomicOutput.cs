using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Toolchain;

/// <summary>Replaces an output file as a whole, so no reader ever sees half of one, and leaves no temporary file behind.</summary>
public static class AtomicOutput
{
    /// <summary>
    /// Has <paramref name="write"/> produce the output at a temporary path beside <paramref name="outputPath"/>, then renames it
    /// over the output, unless writing added errors to <paramref name="diagnostics"/>; an unwritable output is MARU0904.
    /// </summary>
    internal static void Replace(string outputPath, DiagnosticBag diagnostics, Action<string> write)
    {
        string output = Path.GetFullPath(outputPath);
        string temporary = TemporaryNameFor(output);
        int errors = diagnostics.ErrorCount;
        try
        {
            // Creating the temporary file ourselves turns an unwritable output into MARU0904 rather than a tool's message.
            Directory.CreateDirectory(Path.GetDirectoryName(temporary)!);
            new FileStream(temporary, FileMode.CreateNew).Dispose();
            write(temporary);
            if (diagnostics.ErrorCount == errors) File.Move(temporary, output, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(Diagnostic.General(DiagnosticCodes.CannotWriteOutput, $"cannot write the output: {e.Message}", outputPath));
        }
        finally
        {
            DeleteQuietly(temporary);
        }
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
