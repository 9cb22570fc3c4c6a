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

/// <summary>
/// A list: <c>(...)</c>, <c>[...]</c> or <c>{...}</c>; <c>()</c> is an empty ListForm. A prefix reads as a list of
/// two: <c>'x</c> is <c>(quote x)</c>, <c>`x</c> <c>(quasiquote x)</c>, <c>,x</c> <c>(unquote x)</c> and
/// <c>,@x</c> <c>(unquote-splicing x)</c>. A dotted list <c>(a b . c)</c> has the items <c>a b</c> and the
/// <see cref="Tail"/> <c>c</c>.
/// </summary>
public sealed class ListForm(SourceSpan span, Form[] items, Form? tail = null) : Form(span)
{
    // An array, not an interface: every pass over forms indexes items, and this keeps that a plain load.
    private readonly Form[] _items = items;

    public IReadOnlyList<Form> Items => _items;

    /// <summary>
    /// The form after the <c>.</c> of a dotted list; null for a proper list. The reader keeps the tail as written:
    /// <c>(a . (b c))</c> has the one item <c>a</c> and the tail <c>(b c)</c>, the same data as <c>(a b c)</c>.
    /// </summary>
    public Form? Tail { get; } = tail;

    public int Count => _items.Length;
    public Form this[int index] => _items[index];

    /// <summary>The head symbol's name, or null when the list is empty or starts with a non-symbol.</summary>
    public string? Head => _items.Length > 0 && _items[0] is SymbolForm s ? s.Name : null;

    public override string ToString() => "(" + string.Join(" ", Items) + (Tail is null ? "" : " . " + Tail) + ")";
}
