using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Syntax;

/// <summary>A read s-expression with the span it came from.</summary>
public abstract class Form
{
    protected Form(SourceSpan span) => Span = span;
    public SourceSpan Span { get; }
}

/// <summary>An integer or character literal (characters are read as their code point).</summary>
public sealed class IntegerForm(SourceSpan span, long value) : Form(span)
{
    public long Value { get; } = value;
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A string literal: its UTF-8 bytes, without the trailing NUL.</summary>
public sealed class StringForm(SourceSpan span, byte[] bytes) : Form(span)
{
    public byte[] Bytes { get; } = bytes;
    public override string ToString() => "\"" + System.Text.Encoding.UTF8.GetString(Bytes) + "\"";
}

public sealed class SymbolForm(SourceSpan span, string name) : Form(span)
{
    public string Name { get; } = name;
    public override string ToString() => Name;
}

/// <summary>A parenthesised list; <c>()</c> is an empty ListForm. <c>'x</c> is read as <c>(quote x)</c>.</summary>
public sealed class ListForm(SourceSpan span, IReadOnlyList<Form> items) : Form(span)
{
    public IReadOnlyList<Form> Items { get; } = items;
    public int Count => Items.Count;
    public Form this[int index] => Items[index];

    /// <summary>The head symbol's name, or null when the list is empty or starts with a non-symbol.</summary>
    public string? Head => Items.Count > 0 && Items[0] is SymbolForm s ? s.Name : null;

    public override string ToString() => "(" + string.Join(" ", Items) + ")";
}
