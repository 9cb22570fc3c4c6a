namespace Maru.Compiler.Diagnostics;

/// <summary>One source file: its path as given (used in diagnostics) and its raw bytes.</summary>
public sealed class SourceFile
{
    private int[]? _lineStarts;

    public SourceFile(string path, byte[] content)
    {
        Path = path;
        Content = content;
    }

    public static SourceFile FromText(string path, string text) => new(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>The most bytes a source file may have (the spec's "huge" input is 100 MB: it is read and diagnosed).</summary>
    public const int MaxBytes = 256 * 1024 * 1024;

    /// <summary>
    /// Reads a source file from disk, at most <see cref="MaxBytes"/> of it, so that a device such as /dev/zero or an
    /// endless pipe is an error rather than unbounded memory. Null, with <paramref name="error"/> saying why, when the
    /// file cannot be read, is a directory, or is too large.
    /// </summary>
    public static SourceFile? ReadFromDisk(string path, out string? error)
    {
        error = null;
        try
        {
            if (Directory.Exists(path))
            {
                error = "it is a directory";
                return null;
            }
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.SequentialScan);
            var buffer = new MemoryStream();
            var chunk = new byte[1 << 16];
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > MaxBytes)
                {
                    error = $"it is larger than {MaxBytes / (1024 * 1024)} MB, the most a source file may be";
                    return null;
                }
            }
            return new SourceFile(path, buffer.ToArray());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = e.Message;
            return null;
        }
    }

    public string Path { get; }
    public byte[] Content { get; }

    /// <summary>1-based line and column of a byte offset. Columns count UTF-8 code points, as editors do.</summary>
    public (int Line, int Column) LineColumn(int offset)
    {
        _lineStarts ??= ComputeLineStarts(Content);
        offset = Math.Clamp(offset, 0, Content.Length);
        int line = Array.BinarySearch(_lineStarts, offset);
        if (line < 0) line = ~line - 1;
        int column = 1;
        for (int i = _lineStarts[line]; i < offset; i++)
            if ((Content[i] & 0xC0) != 0x80) column++;
        return (line + 1, column);
    }

    private static int[] ComputeLineStarts(byte[] content)
    {
        var starts = new List<int> { 0 };
        for (int i = 0; i < content.Length; i++)
            if (content[i] == (byte)'\n') starts.Add(i + 1);
        return starts.ToArray();
    }
}

/// <summary>A range of bytes in one source file.</summary>
public readonly record struct SourceSpan(SourceFile File, int Start, int Length)
{
    public int End => Start + Length;
}
