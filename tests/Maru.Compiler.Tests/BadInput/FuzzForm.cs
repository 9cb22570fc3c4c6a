using System.Text;
using System.Text.RegularExpressions;

namespace Maru.Compiler.Tests.BadInput;

public enum FuzzFormKind { Atom, List, Prefix }

/// <summary>
/// Maru text as the fuzzer edits it: an atom (one token: a symbol, number, character or string), a list with its two
/// brackets, or a prefix (<c>' ` , ,@</c>) and its form. Comments are dropped. A list's brackets may be set to "" or to
/// a bracket of another kind, so a mutant can unbalance its parentheses; printing never checks anything.
/// </summary>
public sealed partial class FuzzForm
{
    public FuzzFormKind Kind { get; private init; }
    /// <summary>An atom's text, a prefix, or a list's opening bracket.</summary>
    public string Text { get; set; } = "";
    /// <summary>A list's closing bracket.</summary>
    public string Close { get; set; } = "";
    /// <summary>A list's items, or a prefix's one form; empty for an atom.</summary>
    public List<FuzzForm> Items { get; } = new();
    /// <summary>The whole program: its items are printed one a line.</summary>
    public bool IsProgram { get; private init; }

    public static FuzzForm Atom(string text) => new() { Kind = FuzzFormKind.Atom, Text = text };
    public static FuzzForm List(string open, string close, IEnumerable<FuzzForm> items)
    {
        var list = new FuzzForm { Kind = FuzzFormKind.List, Text = open, Close = close };
        list.Items.AddRange(items);
        return list;
    }
    public static FuzzForm Prefix(string prefix, FuzzForm form) => new() { Kind = FuzzFormKind.Prefix, Text = prefix, Items = { form } };

    public bool IsNumber => Kind == FuzzFormKind.Atom && NumberStart().IsMatch(Text);
    public bool IsCharacter => Kind == FuzzFormKind.Atom && Text.StartsWith('?');
    public bool IsSymbol => Kind == FuzzFormKind.Atom && !IsNumber && !IsCharacter && !Text.StartsWith('"') && Text != "."
        && Text.Length > 0 && !"()[]{}".Contains(Text[0]);

    public FuzzForm Clone()
    {
        // Iterative, as printing: a form may nest thousands of levels deep.
        var copy = ShallowCopy(this);
        var work = new Stack<(FuzzForm From, FuzzForm To)>();
        work.Push((this, copy));
        while (work.Count > 0)
        {
            var (from, to) = work.Pop();
            foreach (var item in from.Items)
            {
                var itemCopy = ShallowCopy(item);
                to.Items.Add(itemCopy);
                work.Push((item, itemCopy));
            }
        }
        return copy;

        static FuzzForm ShallowCopy(FuzzForm form) => new() { Kind = form.Kind, Text = form.Text, Close = form.Close, IsProgram = form.IsProgram };
    }

    /// <summary>This form and every form inside it, outermost first.</summary>
    public IEnumerable<FuzzForm> All()
    {
        var stack = new Stack<FuzzForm>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var form = stack.Pop();
            yield return form;
            for (int i = form.Items.Count - 1; i >= 0; i--) stack.Push(form.Items[i]);
        }
    }

    public bool Contains(FuzzForm other) => All().Any(f => ReferenceEquals(f, other));

    public override string ToString()
    {
        var text = new StringBuilder();
        Print(text);
        return text.ToString();
    }

    private void Print(StringBuilder text)
    {
        // Iterative: a mutant may nest thousands of levels deep. The stack holds forms and text still to print.
        var work = new Stack<object>();
        work.Push(this);
        while (work.Count > 0)
        {
            object next = work.Pop();
            if (next is string s) { text.Append(s); continue; }
            var form = (FuzzForm)next;
            if (form.Kind == FuzzFormKind.Atom) { text.Append(form.Text); continue; }
            work.Push(form.Close);
            for (int i = form.Items.Count - 1; i >= 0; i--)
            {
                work.Push(form.Items[i]);
                if (i > 0) work.Push(form.IsProgram ? "\n" : " ");
            }
            work.Push(form.Text);
        }
    }

    // ---- reading ----

    /// <summary>The tokens of Maru text: brackets, prefixes, strings, characters and atoms; comments and a #! line dropped.</summary>
    public static List<string> Tokens(string text)
    {
        if (text.StartsWith("#!")) text = text.Contains('\n') ? text[text.IndexOf('\n')..] : "";
        return Token().Matches(text).Select(m => m.Value).Where(t => !t.StartsWith(';')).ToList();
    }

    /// <summary>
    /// A program as one list (no brackets, items on lines of their own). Tolerant: a stray closer is an atom, a list
    /// left open at the end is closed, a prefix with nothing after it is an atom.
    /// </summary>
    public static FuzzForm Read(string text)
    {
        var root = new FuzzForm { Kind = FuzzFormKind.List, IsProgram = true };
        var open = new Stack<FuzzForm>();
        open.Push(root);
        foreach (string token in Tokens(text))
        {
            switch (token)
            {
                case "(" or "[" or "{":
                    open.Push(List(token, token switch { "(" => ")", "[" => "]", _ => "}" }, []));
                    break;
                case ")" or "]" or "}" when open.Count > 1:
                    var list = open.Pop();
                    Add(open, list);
                    break;
                case "'" or "`" or "," or ",@":
                    // A prefix is a list of one item: it is finished by the first form added to it.
                    open.Push(new FuzzForm { Kind = FuzzFormKind.Prefix, Text = token });
                    break;
                default:
                    Add(open, Atom(token));
                    break;
            }
        }
        while (open.Count > 1)
        {
            var form = open.Pop();
            Add(open, form.Kind == FuzzFormKind.Prefix && form.Items.Count == 0 ? Atom(form.Text) : form);
        }
        return root;

        static void Add(Stack<FuzzForm> open, FuzzForm form)
        {
            while (true)
            {
                var top = open.Peek();
                if (top.Kind == FuzzFormKind.Prefix && top.Items.Count == 0 && open.Count > 1)
                {
                    top.Items.Add(form);
                    form = open.Pop();
                    continue;
                }
                top.Items.Add(form);
                return;
            }
        }
    }

    [GeneratedRegex("""^-?\d""")]
    private static partial Regex NumberStart();

    // Order matters: comments, strings (may span lines), characters ('?' and one code point or an escape, then up to a
    // delimiter, as the reader reads them), brackets and prefixes, then atoms up to a delimiter.
    [GeneratedRegex("""
        ;[^\n]*
        |"(?:[^"\\]|\\.)*"?
        |\?(?:\\.[^\s()\[\]{};"]*|[\uD800-\uDBFF][\uDC00-\uDFFF]|.)?
        |,@|[()\[\]{}'`,]
        |[^\s()\[\]{}'`,;"]+
        """, RegexOptions.Singleline | RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex Token();
}
