using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Syntax;

/// <summary>
/// Characters to forms, as section 1 of the language spec says. It works on the file's bytes (never one
/// string of the whole file), keeps open lists on an explicit stack so no input can overflow the native
/// stack, and never throws for any input: every lexical error becomes a diagnostic and reading goes on.
/// </summary>
/// <remarks>
/// Decisions where the spec is silent:
/// <list type="bullet">
/// <item>A token that starts with <c>?</c> is always a character literal, so no symbol starts with <c>?</c>
/// (<c>?ab</c> is MARU0008); <c>?</c> may appear later in a symbol (<c>empty?</c>).</item>
/// <item>As in Maru's reader, <c>?</c> takes whatever code point follows it: <c>?(</c> is 40, <c>? </c> is 32.</item>
/// <item>A number or symbol is a maximal run of symbol characters, and what follows it is read on its own:
/// <c>12'x</c> is 12 then <c>'x</c>, <c>a,b</c> is <c>a</c> then <c>,b</c>, <c>a[b]</c> is <c>a</c> then the list
/// <c>[b]</c>, while <c>12abc</c> is one malformed token. A non-ASCII code point is a symbol character when it is
/// a letter.</item>
/// <item>Octal literals have the decimal range. A <c>-</c> before a hexadecimal literal negates the word it
/// spells, wrapping: <c>-0x8000000000000000</c> is -2^63 and <c>-0xffffffffffffffff</c> is 1.</item>
/// <item>A prefix (<c>'</c>, <c>`</c>, <c>,</c>, <c>,@</c>) nests the form after it, so it counts as one level of
/// nesting, like a parenthesis. A prefix with nothing after it (<c>')</c>, or at the end of the file) is MARU0010
/// at the prefix.</item>
/// <item><c>[...]</c> and <c>{...}</c> read exactly as <c>(...)</c> (Maru's C host wrapped them in a symbol; the
/// spec makes them plain lists). A closer of the wrong kind is MARU0004 at the closer, and it closes the innermost
/// list anyway.</item>
/// <item>Only a token that is exactly <c>.</c> is the dot of a dotted list; <c>a.b</c>, <c>...</c> and <c>.5</c> are
/// symbols. Each malformed dotted list gets one MARU0011 and reads as well as it can: a <c>.</c> outside a list or
/// first in a list is dropped, <c>(a .)</c> is <c>(a)</c>, forms after the tail are dropped, and a prefixed dot
/// (<c>'.</c>) is the symbol <c>.</c> so that the prefix still has its form.</item>
/// <item>A file that ends inside lists gets one MARU0003, at the outermost open bracket: the start of
/// the top-level form that runs off the end.</item>
/// <item>A run of characters that start no token is one MARU0010, as a run of bad bytes is one MARU0001.</item>
/// <item>A malformed number or character literal reads as 0, so one error does not also change the shape
/// of the list around it.</item>
/// <item>A UTF-8 byte order mark at the very start of the file is skipped.</item>
/// <item>As in Maru's reader, <c>\</c> followed by a character that is not an ASCII letter or digit stands for that
/// character (<c>?\(</c> is 40, <c>"\!"</c> is "!", <c>?\ </c> is 32, <c>?\é</c> is 233); after an ASCII letter or
/// digit that is not an escape, it is MARU0007.</item>
/// </list>
/// </remarks>
public static class Reader
{
    /// <summary>How deeply lists and prefixes may nest: valid programs of this depth compile; deeper is MARU0009.</summary>
    public const int MaxNestingDepth = 10_000;

    /// <summary>Reads all top-level forms of a file. Never throws for any input; reports every lexical error to <paramref name="diagnostics"/>.</summary>
    public static IReadOnlyList<Form> Read(SourceFile file, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(diagnostics);
        return new Scanner(file, diagnostics).ReadAll();
    }

    // ASCII symbol characters: letters, digits and the punctuation of spec section 1.
    private static readonly SearchValues<byte> SymbolBytes = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&*+-./:<=>?@\\^_|~"u8);

    private static bool IsWhitespace(byte b) =>
        b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f' or (byte)'\v';

    private static bool IsDelimiter(byte b) =>
        IsWhitespace(b) || b is (byte)'(' or (byte)')' or (byte)'[' or (byte)']' or (byte)'{' or (byte)'}' or (byte)';' or (byte)'"';

    private static byte Opener(byte closer) => closer switch { (byte)']' => (byte)'[', (byte)'}' => (byte)'{', _ => (byte)'(' };

    // The symbols that prefixes read as. Interned first, so a symbol read from the text shares the instance.
    private const string Quote = "quote", Quasiquote = "quasiquote", Unquote = "unquote", UnquoteSplicing = "unquote-splicing";

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private enum EscapeKind { Byte, CodePoint, Invalid, EndOfFile }

    /// <summary>An open list, or a prefix waiting for its form. Items of open lists live in one shared list.</summary>
    private struct Frame
    {
        /// <summary>Offset of the opening bracket, or of the prefix.</summary>
        public int Start;
        public int ItemsStart;
        /// <summary>The closer that matches a list's opener: ')', ']' or '}'; 0 for a prefix.</summary>
        public byte Closer;
        /// <summary>The symbol a prefix reads as (quote, quasiquote, unquote, unquote-splicing); null for a list.</summary>
        public string? Prefix;
        /// <summary>After a list's '.': the index in the shared items where its tail goes; -1 before, or without, one.</summary>
        public int TailIndex;
        /// <summary>Offset of the list's '.'.</summary>
        public int Dot;
        /// <summary>A MARU0011 about this list's tail was reported: report no more for it.</summary>
        public bool DotReported;

        public readonly bool IsPrefix => Prefix is not null;

        public static Frame List(int start, int itemsStart, byte closer) =>
            new() { Start = start, ItemsStart = itemsStart, Closer = closer, TailIndex = -1, Dot = -1 };

        public static Frame ForPrefix(int start, int itemsStart, string prefix) =>
            new() { Start = start, ItemsStart = itemsStart, Prefix = prefix, TailIndex = -1, Dot = -1 };
    }

    /// <summary>The state of one Read call; nothing is shared between calls, so reads may run in parallel.</summary>
    private sealed class Scanner
    {
        private readonly SourceFile _file;
        private readonly DiagnosticBag _diagnostics;
        private readonly byte[] _source;
        private int _pos;

        // The completed forms of every open list, innermost last; below the first frame's ItemsStart are the
        // top-level forms. One shared list keeps a list's items in a right-sized array only once it closes.
        private readonly List<Form> _items = new();
        private readonly List<Frame> _frames = new();

        private readonly HashSet<string> _names = new(StringComparer.Ordinal);
        private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _nameLookup;
        private char[] _nameChars = new char[64];
        private readonly ArrayBufferWriter<byte> _stringBytes = new();

        // Set when the diagnostic bag is full (see Error): reading ends there.
        private bool _stopped;

        // End of the last run of invalid UTF-8 reported, so that a run of bad bytes gives one error.
        private int _invalidUtf8End = -1;

        // After MARU0009 the rest of the top-level form is skipped: tokens are still read (and their errors
        // reported) but only parentheses are counted until the form closes.
        private bool _skipping;
        private int _skipDepth;
        private int _skipOuterParen;

        public Scanner(SourceFile file, DiagnosticBag diagnostics)
        {
            _file = file;
            _diagnostics = diagnostics;
            _source = file.Content;
            _nameLookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
            _names.Add(Quote);
            _names.Add(Quasiquote);
            _names.Add(Unquote);
            _names.Add(UnquoteSplicing);
        }

        public List<Form> ReadAll()
        {
            SkipPrologue();
            while (true)
            {
                SkipWhitespaceAndComments();
                if (_pos >= _source.Length || _stopped) break;
                switch (_source[_pos])
                {
                    case (byte)'(': OpenList((byte)')'); break;
                    case (byte)'[': OpenList((byte)']'); break;
                    case (byte)'{': OpenList((byte)'}'); break;
                    case (byte)')' or (byte)']' or (byte)'}': CloseList(); break;
                    case (byte)'\'': OpenPrefix(Quote, 1); break;
                    case (byte)'`': OpenPrefix(Quasiquote, 1); break;
                    case (byte)',':
                        if (_pos + 1 < _source.Length && _source[_pos + 1] == '@') OpenPrefix(UnquoteSplicing, 2);
                        else OpenPrefix(Unquote, 1);
                        break;
                    case (byte)'"': ReadString(); break;
                    case (byte)'?': ReadCharacter(); break;
                    default: ReadAtom(); break;
                }
            }
            ReportUnclosedAtEnd();
            return _items;
        }

        private void SkipPrologue()
        {
            ReadOnlySpan<byte> byteOrderMark = "\uFEFF"u8;
            if (_source.AsSpan().StartsWith(byteOrderMark)) _pos = byteOrderMark.Length;
            if (_source.AsSpan(_pos).StartsWith("#!"u8)) SkipLine();
        }

        private void SkipWhitespaceAndComments()
        {
            while (_pos < _source.Length)
            {
                byte b = _source[_pos];
                if (IsWhitespace(b)) _pos++;
                else if (b == ';') SkipLine();
                else return;
            }
        }

        /// <summary>Skips to the end of the line (not past its newline), checking that the text is UTF-8.</summary>
        private void SkipLine()
        {
            int newline = _source.AsSpan(_pos).IndexOf((byte)'\n');
            int end = newline < 0 ? _source.Length : _pos + newline;
            CopyUtf8(_pos, end, output: null);
            _pos = end;
        }

        // ---- lists and prefixes ----

        private void OpenList(byte closer)
        {
            if (_skipping)
            {
                if (_skipDepth == 0) _skipOuterParen = _pos;
                _skipDepth++;
            }
            else if (_frames.Count >= MaxNestingDepth)
            {
                StartSkipping(triggeredByParen: true);
            }
            else
            {
                _frames.Add(Frame.List(_pos, _items.Count, closer));
            }
            _pos++;
        }

        private void CloseList()
        {
            if (_skipping)
            {
                // Only reachable at depth 0 when a quote went too deep outside any list: this ')' is then
                // not part of the skipped form, so it is read again as a stray parenthesis.
                if (_skipDepth == 0)
                {
                    StopSkipping();
                    return;
                }
                _pos++;
                if (--_skipDepth == 0) StopSkipping();
                return;
            }

            int close = _pos++;
            byte closer = _source[close];
            if (_frames.Count > 0 && _frames[^1].IsPrefix) ReportDanglingPrefix();
            if (_frames.Count == 0)
            {
                Error(close, 1, DiagnosticCodes.UnexpectedCloseParen, $"'{(char)closer}' has no matching '{(char)Opener(closer)}'");
                return;
            }

            Frame frame = _frames[^1];
            if (frame.Closer != closer)
            {
                // Reported, and the innermost list closed anyway: the likeliest mistake is the kind of the closer.
                var (line, column) = _file.LineColumn(frame.Start);
                Error(close, 1, DiagnosticCodes.UnexpectedCloseParen,
                    $"'{(char)closer}' does not match the '{(char)_source[frame.Start]}' at line {line}, column {column}");
            }
            _frames.RemoveAt(_frames.Count - 1);

            int end = _items.Count;
            Form? tail = null;
            if (frame.TailIndex >= 0)
            {
                if (end > frame.TailIndex)
                {
                    // Forms after the tail were never added (see Emit), so the tail is the last item.
                    tail = _items[frame.TailIndex];
                    end = frame.TailIndex;
                }
                else if (!frame.DotReported)
                {
                    Error(frame.Dot, 1, DiagnosticCodes.MalformedDottedList,
                        $"'.' must be followed by exactly one form before the list's '{(char)frame.Closer}'");
                }
            }
            int count = end - frame.ItemsStart;
            var items = count == 0 ? Array.Empty<Form>() : new Form[count];
            _items.CopyTo(frame.ItemsStart, items, 0, count);
            _items.RemoveRange(frame.ItemsStart, _items.Count - frame.ItemsStart);
            Emit(new ListForm(Span(frame.Start, _pos), items, tail));
        }

        /// <summary>Starts a prefix (<c>'</c>, <c>`</c>, <c>,</c> or <c>,@</c>) of <paramref name="length"/> bytes, which wraps the next form.</summary>
        private void OpenPrefix(string prefix, int length)
        {
            if (!_skipping)
            {
                if (_frames.Count >= MaxNestingDepth) StartSkipping(triggeredByParen: false);
                else _frames.Add(Frame.ForPrefix(_pos, _items.Count, prefix));
            }
            _pos += length;
        }

        /// <summary>
        /// Adds a completed form to the innermost open list, first wrapping it in any prefixes waiting for it.
        /// A form after a dotted list's tail is reported and dropped.
        /// </summary>
        private void Emit(Form form)
        {
            if (_skipping)
            {
                if (_skipDepth == 0) StopSkipping();
                return;
            }
            while (_frames.Count > 0 && _frames[^1].IsPrefix)
            {
                Frame prefix = _frames[^1];
                _frames.RemoveAt(_frames.Count - 1);
                var head = new SymbolForm(Span(prefix.Start, prefix.Start + PrefixLength(prefix.Prefix!)), prefix.Prefix!);
                form = new ListForm(Span(prefix.Start, form.Span.End), new Form[] { head, form });
            }
            if (_frames.Count > 0)
            {
                ref Frame list = ref CollectionsMarshal.AsSpan(_frames)[^1];
                if (list.TailIndex >= 0 && _items.Count > list.TailIndex)
                {
                    if (!list.DotReported)
                    {
                        list.DotReported = true;
                        Error(form.Span, DiagnosticCodes.MalformedDottedList,
                            "a dotted list has exactly one form after its '.', and this is a second one");
                    }
                    return;
                }
            }
            _items.Add(form);
        }

        /// <summary>A token that is exactly <c>.</c>: the dot of a dotted list, the symbol <c>.</c> after a quote, or a MARU0011.</summary>
        private void ReadDot(int dot)
        {
            if (_skipping) return;
            if (_frames.Count == 0)
            {
                Error(dot, 1, DiagnosticCodes.MalformedDottedList, "'.' may appear only inside a list, before the list's last form");
                return;
            }
            ref Frame top = ref CollectionsMarshal.AsSpan(_frames)[^1];
            if (top.IsPrefix)
            {
                // As in Maru's reader, a prefixed dot is the symbol '.': boot.l makes method names with (concat-symbol '. name).
                Emit(new SymbolForm(Span(dot, dot + 1), Intern(dot, dot + 1)));
                return;
            }
            if (top.TailIndex >= 0)
            {
                if (!top.DotReported)
                {
                    top.DotReported = true;
                    Error(dot, 1, DiagnosticCodes.MalformedDottedList, _items.Count > top.TailIndex
                        ? "a dotted list has exactly one form after its '.', and this is a second one"
                        : "'.' must be followed by a form, not by another '.'");
                }
                return;
            }
            if (_items.Count == top.ItemsStart)
            {
                Error(dot, 1, DiagnosticCodes.MalformedDottedList, "'.' must follow at least one form of its list");
                return;
            }
            top.TailIndex = _items.Count;
            top.Dot = dot;
        }

        private static int PrefixLength(string prefix) => prefix == UnquoteSplicing ? 2 : 1;

        private static string DescribePrefix(string prefix) => prefix switch
        {
            Quote => "a quote",
            Quasiquote => "a backquote",
            Unquote => "a comma",
            _ => "',@'",
        };

        /// <summary>Reports the innermost prefix, which has nothing to wrap, and drops the prefixes waiting on top of the stack.</summary>
        private void ReportDanglingPrefix()
        {
            Frame prefix = _frames[^1];
            Error(prefix.Start, PrefixLength(prefix.Prefix!), DiagnosticCodes.UnexpectedCharacter, $"{DescribePrefix(prefix.Prefix!)} must be followed by a form");
            while (_frames.Count > 0 && _frames[^1].IsPrefix) _frames.RemoveAt(_frames.Count - 1);
        }

        private void StartSkipping(bool triggeredByParen)
        {
            Error(_pos, 1, DiagnosticCodes.NestingTooDeep,
                $"forms are nested more than {MaxNestingDepth} levels deep; the rest of this top-level form is skipped");
            _skipping = true;
            _skipDepth = triggeredByParen ? 1 : 0;
            _skipOuterParen = triggeredByParen ? _pos : -1;
            for (int i = _frames.Count - 1; i >= 0; i--)
            {
                if (_frames[i].IsPrefix) continue;
                _skipDepth++;
                _skipOuterParen = _frames[i].Start;
            }
        }

        /// <summary>Ends skipping at the end of the too-deep top-level form, dropping everything read of it.</summary>
        private void StopSkipping()
        {
            _skipping = false;
            int start = _frames[0].ItemsStart;
            _items.RemoveRange(start, _items.Count - start);
            _frames.Clear();
        }

        private void ReportUnclosedAtEnd()
        {
            if (_skipping)
            {
                if (_skipDepth > 0) ReportUnterminatedList(_skipOuterParen);
            }
            else if (_frames.Count > 0)
            {
                if (_frames[^1].IsPrefix) ReportDanglingPrefix();
                int outermostList = _frames.FindIndex(frame => !frame.IsPrefix);
                if (outermostList >= 0) ReportUnterminatedList(_frames[outermostList].Start);
            }
            if (_frames.Count == 0) return;
            // The top-level form that runs off the end is incomplete: drop what was read of it.
            int start = _frames[0].ItemsStart;
            _items.RemoveRange(start, _items.Count - start);
        }

        private void ReportUnterminatedList(int opener) =>
            Error(opener, 1, DiagnosticCodes.UnterminatedList, $"'{(char)_source[opener]}' is not closed before the end of the file");

        // ---- atoms ----

        private void ReadAtom()
        {
            int start = _pos;
            byte b = _source[start];
            if (b < 0x80)
            {
                if (SymbolBytes.Contains(b))
                {
                    ReadToken(start);
                    return;
                }
            }
            else
            {
                if (!TryDecode(start, out int codePoint, out int length))
                {
                    _pos += length;
                    return;
                }
                if (Rune.IsLetter(new Rune(codePoint)))
                {
                    ReadToken(start);
                    return;
                }
            }
            SkipUnexpectedCharacters(start);
        }

        private void SkipUnexpectedCharacters(int start)
        {
            Rune.DecodeFromUtf8(_source.AsSpan(start), out Rune first, out int length);
            Error(start, length, DiagnosticCodes.UnexpectedCharacter, $"unexpected character {Describe(first)}");
            _pos = start + length;
            while (_pos < _source.Length && StartsNoToken(_pos, out length)) _pos += length;
        }

        /// <summary>Whether the character at <paramref name="at"/> is valid UTF-8 that cannot start or continue any token.</summary>
        private bool StartsNoToken(int at, out int length)
        {
            byte b = _source[at];
            length = 1;
            if (b < 0x80) return !(IsDelimiter(b) || b is (byte)'\'' or (byte)'`' or (byte)',' || SymbolBytes.Contains(b));
            return Rune.DecodeFromUtf8(_source.AsSpan(at), out Rune rune, out length) == OperationStatus.Done && !Rune.IsLetter(rune);
        }

        private static string Describe(Rune rune) =>
            rune.Value is < 0x20 or 0x7F ? $"U+{rune.Value:X4}"
            : rune.IsAscii ? $"'{rune}'"
            : $"'{rune}' (U+{rune.Value:X4})";

        /// <summary>A symbol or a number: a maximal run of symbol characters.</summary>
        private void ReadToken(int start)
        {
            int end = ScanSymbolCharacters(start);
            _pos = end;
            byte first = _source[start];
            if (first == '.' && end - start == 1)
                ReadDot(start);
            else if (IsDigit(first) || (first == '-' && end - start > 1 && IsDigit(_source[start + 1])))
                ReadNumber(start, end);
            else
                Emit(new SymbolForm(Span(start, end), Intern(start, end)));
        }

        private int ScanSymbolCharacters(int start)
        {
            int i = start;
            while (true)
            {
                int run = _source.AsSpan(i).IndexOfAnyExcept(SymbolBytes);
                if (run < 0) return _source.Length;
                i += run;
                // Bad bytes end the token here; the main loop reports them.
                if (_source[i] < 0x80
                    || Rune.DecodeFromUtf8(_source.AsSpan(i), out Rune rune, out int length) != OperationStatus.Done
                    || !Rune.IsLetter(rune))
                    return i;
                i += length;
            }
        }

        private string Intern(int start, int end)
        {
            var bytes = _source.AsSpan(start, end - start);
            // UTF-8 never decodes to more UTF-16 code units than it has bytes.
            if (_nameChars.Length < bytes.Length) _nameChars = new char[Math.Max(bytes.Length, 2 * _nameChars.Length)];
            var chars = _nameChars.AsSpan(0, Encoding.UTF8.GetChars(bytes, _nameChars));
            if (_nameLookup.TryGetValue(chars, out string? name)) return name;
            name = chars.ToString();
            _names.Add(name);
            return name;
        }

        private void ReadNumber(int start, int end)
        {
            int i = start;
            bool negative = _source[i] == '-';
            if (negative) i++;
            bool hex = end - i > 1 && _source[i] == '0' && (_source[i + 1] | 0x20) == 'x';
            // C's strtol with base 0, which Maru's reader uses: 0x is hexadecimal, another leading 0 octal.
            int radix = hex ? 16 : _source[i] == '0' ? 8 : 10;
            if (hex) i += 2;
            else if (LooksLikeDouble(i, end))
            {
                ReadDouble(start, end);
                return;
            }

            int digitsStart = i;
            ulong magnitude = 0;
            bool overflow = false;
            for (; i < end; i++)
            {
                int digit = HexValue(_source[i]);
                if (digit < 0 || digit >= radix) break;
                if (magnitude > (ulong.MaxValue - (ulong)digit) / (ulong)radix) overflow = true;
                else magnitude = magnitude * (ulong)radix + (ulong)digit;
            }

            var span = Span(start, end);
            if (i < end || i == digitsStart)
            {
                Error(span, DiagnosticCodes.MalformedNumber, MalformedNumberMessage(start, end, i, radix));
                Emit(new IntegerForm(span, 0));
                return;
            }

            long value;
            if (hex)
            {
                if (overflow)
                {
                    Error(span, DiagnosticCodes.IntegerOutOfRange, $"'{Excerpt(start, end)}' does not fit in 64 bits");
                    value = 0;
                }
                else
                {
                    value = negative ? unchecked(-(long)magnitude) : unchecked((long)magnitude);
                }
            }
            else if (overflow || magnitude > (negative ? 1UL << 63 : (ulong)long.MaxValue))
            {
                Error(span, DiagnosticCodes.IntegerOutOfRange,
                    $"'{Excerpt(start, end)}' is out of range: decimal and octal literals range over -9223372036854775808 to 9223372036854775807 (only hexadecimal may spell the upper half of the 64 bits)");
                value = 0;
            }
            else
            {
                value = negative ? unchecked((long)(0 - magnitude)) : (long)magnitude;
            }
            Emit(new IntegerForm(span, value));
        }

        /// <summary>Whether the decimal digits from <paramref name="i"/> are followed by a '.' or an exponent: a double literal or an error.</summary>
        private bool LooksLikeDouble(int i, int end)
        {
            while (i < end && IsDigit(_source[i])) i++;
            return i < end && _source[i] is (byte)'.' or (byte)'e' or (byte)'E';
        }

        /// <summary>
        /// A double literal of spec section 11: digits, then '.' and digits and/or an exponent; the word holds the bits of
        /// the nearest binary64 (.NET parses correctly rounded, ties to even, underflowing to subnormals and zero).
        /// </summary>
        private void ReadDouble(int start, int end)
        {
            var span = Span(start, end);
            int i = start;
            if (_source[i] == '-') i++;
            i = SkipDigits(i, end, out _);
            bool wellFormed = true;
            if (i < end && _source[i] == '.') i = SkipDigits(i + 1, end, out wellFormed);
            if (wellFormed && i < end && (_source[i] | 0x20) == 'e')
            {
                i++;
                if (i < end && _source[i] is (byte)'+' or (byte)'-') i++;
                i = SkipDigits(i, end, out wellFormed);
            }
            if (!wellFormed || i < end)
            {
                Error(span, DiagnosticCodes.MalformedNumber,
                    $"'{Excerpt(start, end)}' is not a number: a double literal is digits, then '.' and digits and/or an exponent (e, an optional sign, digits), as in 1.5, 2e10 or 1.5e-3");
                Emit(new IntegerForm(span, 0));
                return;
            }
            double value = double.Parse(Encoding.ASCII.GetString(_source, start, end - start), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture);
            if (double.IsInfinity(value))
            {
                Error(span, DiagnosticCodes.DoubleOutOfRange, $"'{Excerpt(start, end)}' is too large for a double: it rounds to infinity (the largest double is about 1.7976931348623157e308)");
                value = 0;
            }
            Emit(new IntegerForm(span, BitConverter.DoubleToInt64Bits(value)));
        }

        /// <summary>Skips decimal digits; <paramref name="any"/> says whether there was at least one.</summary>
        private int SkipDigits(int i, int end, out bool any)
        {
            int from = i;
            while (i < end && IsDigit(_source[i])) i++;
            any = i > from;
            return i;
        }

        private string MalformedNumberMessage(int start, int end, int bad, int radix)
        {
            string token = Excerpt(start, end);
            if (bad == end) return $"'{token}' has no digits after its '0x'";
            byte c = _source[bad];
            if (radix == 8 && IsDigit(c)) return $"'{token}' is not a number: a leading 0 makes it octal, which has no digit {(char)c}";
            return $"'{token}' is not a number: a token that starts with a digit must be a whole number";
        }

        private void ReadCharacter()
        {
            int start = _pos++;
            if (_pos >= _source.Length)
            {
                Error(start, 1, DiagnosticCodes.InvalidCharacterLiteral, "'?' must be followed by a character");
                return;
            }

            int value;
            bool valid;
            if (_source[_pos] == '\\')
            {
                EscapeKind kind = ReadEscape(out value);
                if (kind == EscapeKind.EndOfFile)
                {
                    Error(start, 2, DiagnosticCodes.InvalidCharacterLiteral, "'?\\' must be followed by an escape");
                    return;
                }
                valid = kind != EscapeKind.Invalid;
            }
            else
            {
                valid = TryDecode(_pos, out value, out int length);
                _pos += length;
            }

            if (_pos < _source.Length && !IsDelimiter(_source[_pos]))
            {
                if (valid)
                {
                    Error(start, _pos - start, DiagnosticCodes.InvalidCharacterLiteral,
                        "a character literal is '?' and one character or escape, followed by a space, a parenthesis or bracket, ';', '\"' or the end of the file");
                }
                valid = false;
                SkipToDelimiter();
            }
            Emit(new IntegerForm(Span(start, _pos), valid ? value : 0));
        }

        private void SkipToDelimiter()
        {
            while (_pos < _source.Length && !IsDelimiter(_source[_pos]))
            {
                TryDecode(_pos, out _, out int length);
                _pos += length;
            }
        }

        private void ReadString()
        {
            int start = _pos++;
            _stringBytes.ResetWrittenCount();
            while (true)
            {
                int stop = _source.AsSpan(_pos).IndexOfAny((byte)'"', (byte)'\\');
                int end = stop < 0 ? _source.Length : _pos + stop;
                CopyUtf8(_pos, end, _stringBytes);
                _pos = end;
                if (stop < 0)
                {
                    Error(start, 1, DiagnosticCodes.UnterminatedString, "string literal has no closing '\"'");
                    return;
                }
                if (_source[_pos] == '"') break;

                switch (ReadEscape(out int value))
                {
                    case EscapeKind.Byte:
                        _stringBytes.GetSpan(1)[0] = (byte)value;
                        _stringBytes.Advance(1);
                        break;
                    case EscapeKind.CodePoint:
                        _stringBytes.Advance(new Rune(value).EncodeToUtf8(_stringBytes.GetSpan(4)));
                        break;
                }
            }
            _pos++;
            Emit(new StringForm(Span(start, _pos), _stringBytes.WrittenSpan.ToArray()));
        }

        /// <summary>
        /// Reads the escape at the backslash under <c>_pos</c>, reporting it if invalid (but not if the file ends
        /// right after the backslash: the caller reports what the end of the file leaves unfinished).
        /// </summary>
        private EscapeKind ReadEscape(out int value)
        {
            int backslash = _pos;
            value = 0;
            if (backslash + 1 >= _source.Length)
            {
                _pos = _source.Length;
                return EscapeKind.EndOfFile;
            }
            byte letter = _source[backslash + 1];
            _pos = backslash + 2;
            switch (letter)
            {
                case (byte)'n': value = '\n'; return EscapeKind.Byte;
                case (byte)'t': value = '\t'; return EscapeKind.Byte;
                case (byte)'r': value = '\r'; return EscapeKind.Byte;
                case (byte)'a': value = 7; return EscapeKind.Byte;
                case (byte)'b': value = 8; return EscapeKind.Byte;
                case (byte)'f': value = 12; return EscapeKind.Byte;
                case (byte)'v': value = 11; return EscapeKind.Byte;
                case (byte)'e': value = 27; return EscapeKind.Byte;
                case (byte)'\\' or (byte)'"' or (byte)'\'': value = letter; return EscapeKind.Byte;
                case (byte)'x': return ReadHexEscape(backslash, 2, EscapeKind.Byte, out value);
                case (byte)'u': return ReadHexEscape(backslash, 4, EscapeKind.CodePoint, out value);
                case (byte)'U': return ReadHexEscape(backslash, 8, EscapeKind.CodePoint, out value);
                case >= (byte)'0' and <= (byte)'7':
                    value = letter - '0';
                    for (int digits = 1; digits < 3 && _pos < _source.Length && _source[_pos] is >= (byte)'0' and <= (byte)'7'; digits++)
                        value = value * 8 + (_source[_pos++] - '0');
                    if (value <= 255) return EscapeKind.Byte;
                    Error(backslash, _pos - backslash, DiagnosticCodes.InvalidEscape,
                        $"octal escape '{Excerpt(backslash, _pos)}' is more than \\377 (255)");
                    return EscapeKind.Invalid;
                default:
                    if (letter >= 0x80)
                    {
                        // As in Maru, any other character stands for itself: its code point, its UTF-8 in a string.
                        if (Rune.DecodeFromUtf8(_source.AsSpan(backslash + 1), out Rune rune, out int length) == OperationStatus.Done)
                        {
                            value = rune.Value;
                            _pos = backslash + 1 + length;
                            return EscapeKind.CodePoint;
                        }
                        // Leave the bad bytes to be read, and reported, as themselves.
                        _pos--;
                        Error(backslash, 1, DiagnosticCodes.InvalidEscape, "unknown escape: '\\' must be followed by an escape letter or a character");
                        return EscapeKind.Invalid;
                    }
                    if (char.IsAsciiLetterOrDigit((char)letter))
                    {
                        // Maru's reader rejects these too: a letter or digit is reserved for escapes.
                        Error(backslash, 2, DiagnosticCodes.InvalidEscape, $"unknown escape '\\{(char)letter}'");
                        return EscapeKind.Invalid;
                    }
                    value = letter;
                    return EscapeKind.Byte;
            }
        }

        private EscapeKind ReadHexEscape(int backslash, int digits, EscapeKind kind, out int value)
        {
            uint number = 0;
            int count = 0;
            for (; count < digits && _pos < _source.Length && HexValue(_source[_pos]) is var digit and >= 0; count++, _pos++)
                number = number * 16 + (uint)digit;
            value = (int)Math.Min(number, int.MaxValue);
            char letter = (char)_source[backslash + 1];
            if (count < digits)
            {
                Error(backslash, _pos - backslash, DiagnosticCodes.InvalidEscape,
                    $"'\\{letter}' must be followed by exactly {digits} hexadecimal digits");
                return EscapeKind.Invalid;
            }
            if (kind == EscapeKind.CodePoint && !Rune.IsValid(number))
            {
                Error(backslash, _pos - backslash, DiagnosticCodes.InvalidEscape,
                    $"'{Excerpt(backslash, _pos)}' is not a Unicode scalar value (a surrogate, or above 10FFFF)");
                return EscapeKind.Invalid;
            }
            return kind;
        }

        // ---- UTF-8 ----

        /// <summary>Checks that bytes [from, to) are UTF-8, reporting bad runs, and appends the valid ones to <paramref name="output"/>.</summary>
        private void CopyUtf8(int from, int to, ArrayBufferWriter<byte>? output)
        {
            var text = _source.AsSpan(from, to - from);
            if (Utf8.IsValid(text))
            {
                output?.Write(text);
                return;
            }
            // Callers end the range at an ASCII byte or the end of the file, so no sequence crosses it.
            for (int i = from; i < to;)
            {
                bool valid = TryDecode(i, out _, out int length);
                if (valid) output?.Write(_source.AsSpan(i, length));
                i += length;
            }
        }

        /// <summary>Decodes one code point; bad bytes are reported (once per run) and <paramref name="length"/> says how many to skip.</summary>
        private bool TryDecode(int at, out int codePoint, out int length)
        {
            byte b = _source[at];
            if (b < 0x80)
            {
                codePoint = b;
                length = 1;
                return true;
            }
            if (Rune.DecodeFromUtf8(_source.AsSpan(at), out Rune rune, out length) == OperationStatus.Done)
            {
                codePoint = rune.Value;
                return true;
            }
            if (at > _invalidUtf8End)
                Error(at, length, DiagnosticCodes.InvalidUtf8, $"invalid UTF-8 (a bad sequence starting with byte 0x{b:X2})");
            _invalidUtf8End = Math.Max(_invalidUtf8End, at + length);
            codePoint = 0;
            return false;
        }

        // ---- helpers ----

        private SourceSpan Span(int start, int end) => new(_file, start, end - start);

        private void Error(int start, int length, string code, string message) =>
            Error(new SourceSpan(_file, start, length), code, message);

        private void Error(SourceSpan span, string code, string message)
        {
            if (_diagnostics.ErrorCount <= DiagnosticBag.MaxErrors) _diagnostics.Error(span, code, message);
            // Once the bag stops taking errors ("too many errors; compilation stopped"), reading stops too:
            // nothing more could be reported, and hostile input is not worth reading to its end.
            if (_diagnostics.ErrorCount > DiagnosticBag.MaxErrors) _stopped = true;
        }

        /// <summary>Source text for a message, shortened so a huge token cannot make a huge message.</summary>
        private string Excerpt(int start, int end)
        {
            const int MaxBytes = 40;
            return end - start <= MaxBytes
                ? Encoding.UTF8.GetString(_source, start, end - start)
                : Encoding.UTF8.GetString(_source, start, MaxBytes) + "…";
        }
    }
}
