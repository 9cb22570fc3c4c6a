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
