using System.Text;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Syntax;

namespace Maru.Compiler.Tests.Syntax;

[TestClass]
public sealed class ReaderTests
{
    private const string Path = "test.l";

    // ---- helpers ----

    private static IReadOnlyList<Form> Read(byte[] bytes, out DiagnosticBag diagnostics)
    {
        diagnostics = new DiagnosticBag();
        return Reader.Read(new SourceFile(Path, bytes), diagnostics);
    }

    private static IReadOnlyList<Form> Read(string text, out DiagnosticBag diagnostics) => Read(Encoding.UTF8.GetBytes(text), out diagnostics);

    /// <summary>Rows that need bytes which are not UTF-8 spell each byte as one char U+0000..U+00FF.</summary>
    private static byte[] Latin1(string bytes) => Encoding.Latin1.GetBytes(bytes);

    /// <summary>Diagnostics as "CODE@line,column" joined with "; ", so a row can state all of them exactly.</summary>
    private static string Describe(DiagnosticBag diagnostics) =>
        string.Join("; ", diagnostics.Items.Select(d => $"{d.Code}@{d.Line},{d.Column}"));

    private static IReadOnlyList<Form> ReadClean(string text)
    {
        var forms = Read(text, out var diagnostics);
        Assert.AreEqual("", Describe(diagnostics), "expected no diagnostics");
        return forms;
    }

    private static Form ReadOne(string text)
    {
        var forms = ReadClean(text);
        Assert.AreEqual(1, forms.Count, "expected exactly one form");
        return forms[0];
    }

    private static Form ReadOneFrom(byte[] source)
    {
        var forms = Read(source, out var diagnostics);
        Assert.AreEqual("", Describe(diagnostics), "expected no diagnostics");
        Assert.AreEqual(1, forms.Count, "expected exactly one form");
        return forms[0];
    }

    private static T Cast<T>(Form form) where T : Form =>
        form as T ?? throw new AssertFailedException($"expected {typeof(T).Name} but read {form.GetType().Name} {form}");

    private static string Show(IReadOnlyList<Form> forms) => string.Join(" ", forms);

    private static string SpanText(byte[] source, Form form) => Encoding.UTF8.GetString(source, form.Span.Start, form.Span.Length);

    private static string Repeat(string text, int count) => string.Concat(Enumerable.Repeat(text, count));

    // ---- integers ----

    [TestMethod]
    [DataRow("0", 0L)]
    [DataRow("42", 42L)]
    [DataRow("-7", -7L)]
    [DataRow("-0", 0L)]
    [DataRow("9223372036854775807", long.MaxValue)]
    [DataRow("-9223372036854775808", long.MinValue)]
    [DataRow("010", 8L)]
    [DataRow("007", 7L)]
    [DataRow("00", 0L)]
    [DataRow("0777", 511L)]
    [DataRow("-010", -8L)]
    [DataRow("0777777777777777777777", long.MaxValue)]
    [DataRow("-01000000000000000000000", long.MinValue)]
    [DataRow("0x10", 16L)]
    [DataRow("0XFF", 255L)]
    [DataRow("0xff", 255L)]
    [DataRow("0xAbC", 2748L)]
    [DataRow("-0x10", -16L)]
    [DataRow("0x7fffffffffffffff", long.MaxValue)]
    [DataRow("0x8000000000000000", long.MinValue)]
    [DataRow("0xffffffffffffffff", -1L)]
    [DataRow("0x000000000000000000000000001", 1L)]
    [DataRow("-0x8000000000000000", long.MinValue)]
    [DataRow("-0xffffffffffffffff", 1L)] // '-' negates the word the hexadecimal spells, wrapping
    public void Integer_HasItsValue(string text, long expected)
    {
        var form = Cast<IntegerForm>(ReadOne(text));
        Assert.AreEqual(expected, form.Value);
        Assert.AreEqual(0, form.Span.Start);
        Assert.AreEqual(text.Length, form.Span.Length);
    }

    [TestMethod]
    [DataRow("9223372036854775808")]
    [DataRow("-9223372036854775809")]
    [DataRow("18446744073709551615")]
    [DataRow("99999999999999999999999999")]
    [DataRow("0x10000000000000000")]
    [DataRow("0x1ffffffffffffffff")]
    [DataRow("-0x10000000000000000")]
    [DataRow("01000000000000000000000")]
    [DataRow("01777777777777777777777")]
    public void Integer_OutOfRange_IsMaru0006(string text)
    {
        Read(text, out var diagnostics);
        Assert.AreEqual("MARU0006@1,1", Describe(diagnostics));
    }

    [TestMethod]
    [DataRow("08")]
    [DataRow("09")]
    [DataRow("-08")]
    [DataRow("0779")]
    [DataRow("12abc")]
    [DataRow("1+")]
    [DataRow("1?")]
    [DataRow("12#")]
    [DataRow("0x")]
    [DataRow("-0x")]
    [DataRow("0xg")]
    [DataRow("0x1g")]
    [DataRow("0x-1")]
    [DataRow("1.")]
    [DataRow("1.e5")]
    [DataRow("-1.")]
    [DataRow("1e")]
    [DataRow("1e+")]
    [DataRow("1.5e")]
    [DataRow("1.5.2")]
    [DataRow("1e5.0")]
    [DataRow("1.5x")]
    [DataRow("0x1.5")]
    [DataRow("1..5")]
    [DataRow("1e5e5")]
    [DataRow("-1a")]
    [DataRow("1é")]
    [DataRow("99999999999999999999x")]
    public void Integer_Malformed_IsMaru0005(string text)
    {
        Read(text, out var diagnostics);
        Assert.AreEqual("MARU0005@1,1", Describe(diagnostics));
    }

    /// <summary>Spec 11: the word holds the bits of the nearest binary64, ties to even, subnormals and zero on underflow.</summary>
    [TestMethod]
    [DataRow("1.5", 0x3FF8000000000000)]
    [DataRow("-0.25", unchecked((long)0xBFD0000000000000))]
    [DataRow("6.02e23", 0x44DFDE9F10A8D361)]
    [DataRow("1e-3", 0x3F50624DD2F1A9FC)]
    [DataRow("2E10", 0x4212A05F20000000)]
    [DataRow("2e+10", 0x4212A05F20000000)]
    [DataRow("010.5", 0x4025000000000000)]
    [DataRow("-0.0", long.MinValue)]
    [DataRow("0.0", 0L)]
    [DataRow("0e0", 0L)]
    [DataRow("0.1", 0x3FB999999999999A)]
    [DataRow("1e23", 0x44B52D02C7E14AF6)]
    [DataRow("9007199254740993.0", 0x4340000000000000)] // a tie between 2^53 and 2^53 + 2: the even one
    [DataRow("9007199254740995.0", 0x4340000000000002)]
    [DataRow("4.9406564584124654e-324", 1L)]            // the smallest subnormal
    [DataRow("2.4703282292062328e-324", 1L)]            // just above half of it rounds up
    [DataRow("2.4703282292062327e-324", 0L)]            // just below half underflows to zero
    [DataRow("-1e-400", long.MinValue)]
    [DataRow("1.7976931348623157e308", 0x7FEFFFFFFFFFFFFF)]
    [DataRow("1.797693134862315807e308", 0x7FEFFFFFFFFFFFFF)] // still below the point where it would round to infinity
    public void Double_IsTheBitsOfTheNearestBinary64(string text, long bits)
    {
        var form = (IntegerForm)ReadOne(text);
        Assert.AreEqual(bits, form.Value, $"{text}: {form.Value:x16}");
    }

    [TestMethod]
    [DataRow("1e309")]
    [DataRow("-1e309")]
    [DataRow("1.7976931348623159e308")]
    [DataRow("17976931348623159" + "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        + "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000.0")]
    public void Double_ThatRoundsToInfinity_IsMaru0012(string text)
    {
        var forms = Read(text, out var diagnostics);
        Assert.AreEqual("MARU0012@1,1", Describe(diagnostics));
        Assert.AreEqual("0", Show(forms));
    }

    [TestMethod]
    public void Double_StartingWithADot_IsASymbol()
    {
        Assert.IsInstanceOfType<SymbolForm>(ReadOne(".5"));
        Assert.IsInstanceOfType<SymbolForm>(ReadOne("-.5"));
    }

    [TestMethod]
    public void Integer_Errors_PointAtTheTokenAndReadAsZero()
    {
        var forms = Read("(f 9223372036854775808 08 x)", out var diagnostics);
        Assert.AreEqual("MARU0006@1,4; MARU0005@1,24", Describe(diagnostics));
        Assert.AreEqual("(f 0 0 x)", Show(forms));
    }

    [TestMethod]
    public void Integer_FollowedByQuoteOrString_EndsAtTheSymbolCharacters()
    {
        Assert.AreEqual("12 (quote x) 3 \"s\"", Show(ReadClean("12'x 3\"s\"")));
    }

    // ---- symbols ----

    [TestMethod]
    [DataRow("foo")]
    [DataRow("+5")]
    [DataRow("+")]
    [DataRow("-")]
    [DataRow("--5")]
    [DataRow("-a")]
    [DataRow("-x1")]
    [DataRow("...")]
    [DataRow("a1")]
    [DataRow("a?b")]
    [DataRow("empty?")]
    [DataRow("set-x!")]
    [DataRow("<=")]
    [DataRow("a\\b")]
    [DataRow("!#$%&*+-./:<=>?@\\^_|~")]
    [DataRow("ABCXYZabcxyz0189")]
    [DataRow("λ")]
    [DataRow("café")]
    [DataRow("日本語")]
    [DataRow("𝔘𝔫𝔦")]
    public void Symbol_HasItsName(string text)
    {
        var form = Cast<SymbolForm>(ReadOne(text));
        Assert.AreEqual(text, form.Name);
        Assert.AreEqual(Encoding.UTF8.GetByteCount(text), form.Span.Length);
    }

    [TestMethod]
    public void Symbol_NamesAreInterned()
    {
        var list = Cast<ListForm>(ReadOne("(foo bar foo)"));
        Assert.AreSame(Cast<SymbolForm>(list[0]).Name, Cast<SymbolForm>(list[2]).Name);
    }

    [TestMethod]
    public void Symbol_EndsBeforeAQuoteOrString()
    {
        Assert.AreEqual("a (quote b) c \"s\"", Show(ReadClean("a'b c\"s\"")));
    }

    // ---- characters ----

    [TestMethod]
    [DataRow("?a", 97L)]
    [DataRow("?Z", 90L)]
    [DataRow("?\\n", 10L)]
    [DataRow("?\\t", 9L)]
    [DataRow("?\\r", 13L)]
    [DataRow("?\\0", 0L)]
    [DataRow("?\\a", 7L)]
    [DataRow("?\\b", 8L)]
    [DataRow("?\\f", 12L)]
    [DataRow("?\\v", 11L)]
    [DataRow("?\\e", 27L)]
    [DataRow("?\\\\", 92L)]
    [DataRow("?\\\"", 34L)]
    [DataRow("?\\'", 39L)]
    [DataRow("?\\x41", 65L)]
    [DataRow("?\\xfF", 255L)]
    [DataRow("?\\7", 7L)]
    [DataRow("?\\77", 63L)]
    [DataRow("?\\101", 65L)]
    [DataRow("?\\377", 255L)]
    [DataRow("?\\u00e9", 233L)]
    [DataRow("?\\u20AC", 0x20ACL)]
    [DataRow("?\\U0001F600", 0x1F600L)]
    [DataRow("?\\U0010FFFF", 0x10FFFFL)]
    [DataRow("?é", 233L)]
    [DataRow("?€", 0x20ACL)]
    [DataRow("?😀", 0x1F600L)]
    [DataRow("?(", 40L)]
    [DataRow("?)", 41L)]
    [DataRow("?;", 59L)]
    [DataRow("?\"", 34L)]
    [DataRow("?'", 39L)]
    [DataRow("??", 63L)]
    [DataRow("? ", 32L)]
    public void Character_IsItsCodePoint(string text, long expected)
    {
        var form = Cast<IntegerForm>(ReadOne(text));
        Assert.AreEqual(expected, form.Value);
        Assert.AreEqual(Encoding.UTF8.GetByteCount(text), form.Span.Length);
    }

    [TestMethod]
    public void Character_IsEndedByEveryDelimiter()
    {
        Assert.AreEqual("(97 98) 99 100 (e) 102 \"g\"", Show(ReadClean("(?a ?b)?c;x\n?d(e)?f\"g\"")));
        Assert.AreEqual("(97) (98) (99 (100))", Show(ReadClean("[?a]{?b}(?c[?d])")));
    }

    [TestMethod]
    [DataRow("?", "MARU0008@1,1")]
    [DataRow("?ab", "MARU0008@1,1")]
    [DataRow("?foo", "MARU0008@1,1")]
    [DataRow("(x ?ab)", "MARU0008@1,4")]
    [DataRow("?\\x41x", "MARU0008@1,1")]
    [DataRow("?\\1234", "MARU0008@1,1")]
    [DataRow("?aé", "MARU0008@1,1")]
    [DataRow("?\\", "MARU0008@1,1")]
    [DataRow("?\\q", "MARU0007@1,2")]
    [DataRow("?\\400", "MARU0007@1,2")]
    [DataRow("?\\x", "MARU0007@1,2")]
    [DataRow("?\\x4", "MARU0007@1,2")]
    [DataRow("?\\xg1", "MARU0007@1,2")]
    [DataRow("?\\u123", "MARU0007@1,2")]
    [DataRow("?\\uD800", "MARU0007@1,2")]
    [DataRow("?\\uDFFF", "MARU0007@1,2")]
    [DataRow("?\\U0000004", "MARU0007@1,2")]
    [DataRow("?\\U00110000", "MARU0007@1,2")]
    public void Character_Errors(string text, string expected)
    {
        Read(text, out var diagnostics);
        Assert.AreEqual(expected, Describe(diagnostics));
    }

    [TestMethod]
    public void Character_Error_ReadsAsZeroAndReadingGoesOn()
    {
        var forms = Read("(a ?bc ?\\q d)", out var diagnostics);
        Assert.AreEqual("MARU0008@1,4; MARU0007@1,9", Describe(diagnostics));
        Assert.AreEqual("(a 0 0 d)", Show(forms));
    }

    // ---- strings ----

    [TestMethod]
    [DataRow("\"text\"", "74657874")]
    [DataRow("\"\"", "")]
    [DataRow("\"\\n\\t\\r\\a\\b\\f\\v\\e\\\\\\\"\\'\"", "0A090D07080C0B1B5C2227")]
    [DataRow("\"\\0\"", "00")]
    [DataRow("\"\\x41\\101\"", "4141")]
    [DataRow("\"\\xff\"", "FF")]
    [DataRow("\"\\xFF\\x00\"", "FF00")]
    [DataRow("\"\\377\\0\"", "FF00")]
    [DataRow("\"\\1234\"", "5334")]
    [DataRow("\"\\x414\"", "4134")]
    [DataRow("\"\\08\"", "0038")]
    [DataRow("\"é\"", "C3A9")]
    [DataRow("\"\\u00e9\"", "C3A9")]
    [DataRow("\"\\u20ac\"", "E282AC")]
    [DataRow("\"\\U0001F600\"", "F09F9880")]
    [DataRow("\"😀\"", "F09F9880")]
    [DataRow("\"a;b(c)'?[\"", "613B6228632927 3F5B")]
    [DataRow("\"line1\nline2\"", "6C696E65310A6C696E6532")]
    [DataRow("\"\r\n\"", "0D0A")]
    [DataRow("\"\t\u0001\"", "0901")]
    public void String_HasItsBytes(string text, string expectedHex)
    {
        var form = Cast<StringForm>(ReadOne(text));
        Assert.AreEqual(expectedHex.Replace(" ", ""), Convert.ToHexString(form.Bytes));
        Assert.AreEqual(Encoding.UTF8.GetByteCount(text), form.Span.Length);
    }

    [TestMethod]
    [DataRow("\"abc", "MARU0002@1,1")]
    [DataRow("\"abc\\", "MARU0002@1,1")]
    [DataRow("\"abc\\\"", "MARU0002@1,1")]
    [DataRow("x\n  \"abc\n", "MARU0002@2,3")]
    [DataRow("(f \"abc", "MARU0002@1,4; MARU0003@1,1")]
    [DataRow("\"a\\qb\"", "MARU0007@1,3")]
    [DataRow("\"\\400\"", "MARU0007@1,2")]
    [DataRow("\"\\777\"", "MARU0007@1,2")]
    [DataRow("\"\\x\"", "MARU0007@1,2")]
    [DataRow("\"\\x4\"", "MARU0007@1,2")]
    [DataRow("\"\\u12\"", "MARU0007@1,2")]
    [DataRow("\"\\uD800\"", "MARU0007@1,2")]
    [DataRow("\"\\U00110000\"", "MARU0007@1,2")]
    [DataRow("\"\\U0010FFF\"", "MARU0007@1,2")]
    [DataRow("\"\\8\"", "MARU0007@1,2")]
    [DataRow("\"é\\q\"", "MARU0007@1,3")]
    [DataRow("\"\\x4\" \"\\q\"", "MARU0007@1,2; MARU0007@1,8")]
    public void String_Errors(string text, string expected)
    {
        Read(text, out var diagnostics);
        Assert.AreEqual(expected, Describe(diagnostics));
    }

    [TestMethod]
    public void String_BadEscape_KeepsTheRestOfTheString()
    {
        var forms = Read("\"a\\qb\\x4\" next", out var diagnostics);
        Assert.AreEqual("MARU0007@1,3; MARU0007@1,6", Describe(diagnostics));
        Assert.AreEqual(2, forms.Count);
        Assert.AreEqual("6162", Convert.ToHexString(Cast<StringForm>(forms[0]).Bytes));
        Assert.AreEqual("next", Cast<SymbolForm>(forms[1]).Name);
    }

    // ---- lists, quote, spans ----

    [TestMethod]
    public void EmptyList_IsAnEmptyListForm()
    {
        var list = Cast<ListForm>(ReadOne("()"));
        Assert.AreEqual(0, list.Count);
        Assert.AreEqual(0, list.Span.Start);
        Assert.AreEqual(2, list.Span.Length);
    }

    [TestMethod]
    [DataRow("(a (b c) 1 \"s\" ?x)", "(a (b c) 1 \"s\" 120)")]
    [DataRow("( a\n\t( ) )", "(a ())")]
    [DataRow("'x", "(quote x)")]
    [DataRow("' x", "(quote x)")]
    [DataRow("'; comment\nx", "(quote x)")]
    [DataRow("''x", "(quote (quote x))")]
    [DataRow("'(a b)", "(quote (a b))")]
    [DataRow("'()", "(quote ())")]
    [DataRow("(extern 'printf)", "(extern (quote printf))")]
    [DataRow("(a) (b)", "(a) (b)")]
    public void List_HasItsItems(string text, string expected)
    {
        Assert.AreEqual(expected, Show(ReadClean(text)));
    }

    [TestMethod]
    public void Quote_IsAListOfTheSymbolQuoteAndTheForm()
    {
        byte[] source = Encoding.UTF8.GetBytes("(extern 'printf)");
        var forms = Read(source, out var diagnostics);
        Assert.AreEqual("", Describe(diagnostics));
        var quoted = Cast<ListForm>(Cast<ListForm>(forms[0])[1]);
        Assert.AreEqual("quote", quoted.Head);
        Assert.AreEqual(2, quoted.Count);
        Assert.AreEqual("'", SpanText(source, quoted[0]));
        Assert.AreEqual("printf", Cast<SymbolForm>(quoted[1]).Name);
        Assert.AreEqual("'printf", SpanText(source, quoted));
    }

    [TestMethod]
    public void Spans_CoverEachFormsText()
    {
        byte[] source = Encoding.UTF8.GetBytes("  (a  \"s\\n\" ?b -12 ?\\x41)\n'λx ;c\n(f ( ))");
        var forms = Read(source, out var diagnostics);
        Assert.AreEqual("", Describe(diagnostics));
        Assert.AreEqual(3, forms.Count);
        var list = Cast<ListForm>(forms[0]);
        Assert.AreEqual("(a  \"s\\n\" ?b -12 ?\\x41)", SpanText(source, list));
        string[] items = ["a", "\"s\\n\"", "?b", "-12", "?\\x41"];
        CollectionAssert.AreEqual(items, list.Items.Select(item => SpanText(source, item)).ToArray());
        Assert.AreEqual("'λx", SpanText(source, forms[1]));
        Assert.AreEqual("λx", SpanText(source, Cast<ListForm>(forms[1])[1]));
        Assert.AreEqual("(f ( ))", SpanText(source, forms[2]));
        Assert.AreEqual("( )", SpanText(source, Cast<ListForm>(forms[2])[1]));
        Assert.AreSame(forms[0].Span.File, forms[2].Span.File);
    }

    // ---- quasiquote, unquote, unquote-splicing ----

    [TestMethod]
    [DataRow("`x", "(quasiquote x)")]
    [DataRow(",x", "(unquote x)")]
    [DataRow(",@x", "(unquote-splicing x)")]
    [DataRow("` x", "(quasiquote x)")]
    [DataRow(", x", "(unquote x)")]
    [DataRow(",@ x", "(unquote-splicing x)")]
    [DataRow(",;c\nx", "(unquote x)")]
    [DataRow(", @x", "(unquote @x)")]
    [DataRow(",@@x", "(unquote-splicing @x)")]
    [DataRow("`x ,y ,@z 'w", "(quasiquote x) (unquote y) (unquote-splicing z) (quote w)")]
    [DataRow("`(a ,b ,@c)", "(quasiquote (a (unquote b) (unquote-splicing c)))")]
    [DataRow("`(,@a b ,@c)", "(quasiquote ((unquote-splicing a) b (unquote-splicing c)))")]
    [DataRow("`(,@a)", "(quasiquote ((unquote-splicing a)))")]
    [DataRow("(a . ,@b)", "(a . (unquote-splicing b))")]
    [DataRow("`(a . ,b)", "(quasiquote (a . (unquote b)))")]
    [DataRow("``(a ,,b ,',c)", "(quasiquote (quasiquote (a (unquote (unquote b)) (unquote (quote (unquote c))))))")]
    [DataRow(",@'(a)", "(unquote-splicing (quote (a)))")]
    [DataRow("`()", "(quasiquote ())")]
    [DataRow("`[a ,b]", "(quasiquote (a (unquote b)))")]
    [DataRow(",\"s\" ,?a ,12", "(unquote \"s\") (unquote 97) (unquote 12)")]
    [DataRow("a,b a`b a,@b", "a (unquote b) a (quasiquote b) a (unquote-splicing b)")]
    [DataRow("12,x -3`y", "12 (unquote x) -3 (quasiquote y)")]
    [DataRow("(define-form twice (x) `(let ((t ,x)) (+ t t)))", "(define-form twice (x) (quasiquote (let ((t (unquote x))) (+ t t))))")]
    public void Prefix_IsAListOfItsSymbolAndTheForm(string text, string expected)
    {
        Assert.AreEqual(expected, Show(ReadClean(text)));
    }

    [TestMethod]
    public void Prefix_HeadSpansThePrefixAndTheListSpansThePrefixedForm()
    {
        byte[] source = Encoding.UTF8.GetBytes("(f 'a `b ,c ,@(d e))");
        var forms = Read(source, out var diagnostics);
        Assert.AreEqual("", Describe(diagnostics));
        var list = Cast<ListForm>(forms[0]);
        string[] heads = ["quote", "quasiquote", "unquote", "unquote-splicing"];
        string[] headTexts = ["'", "`", ",", ",@"];
        string[] formTexts = ["'a", "`b", ",c", ",@(d e)"];
        for (int i = 0; i < 4; i++)
        {
            var prefixed = Cast<ListForm>(list[i + 1]);
            Assert.AreEqual(2, prefixed.Count);
            Assert.IsNull(prefixed.Tail);
            Assert.AreEqual(heads[i], prefixed.Head);
            Assert.AreEqual(headTexts[i], SpanText(source, prefixed[0]));
            Assert.AreEqual(formTexts[i], SpanText(source, prefixed));
            Assert.AreEqual(formTexts[i][headTexts[i].Length..], SpanText(source, prefixed[1]));
        }
    }

    [TestMethod]
    public void Prefix_NestedSpans()
    {
        byte[] source = Encoding.UTF8.GetBytes("  `(a ,@ ,b)");
        var outer = Cast<ListForm>(ReadOneFrom(source));
        Assert.AreEqual("`(a ,@ ,b)", SpanText(source, outer));
        var splice = Cast<ListForm>(Cast<ListForm>(outer[1])[1]);
        Assert.AreEqual(",@ ,b", SpanText(source, splice));
        Assert.AreEqual(",@", SpanText(source, splice[0]));
        Assert.AreEqual(",b", SpanText(source, splice[1]));
        Assert.AreEqual(",", SpanText(source, Cast<ListForm>(splice[1])[0]));
    }

    [TestMethod]
    public void Prefix_SymbolNamesAreTheInternedNames()
    {
        var list = Cast<ListForm>(ReadOne("(quasiquote unquote-splicing `a ,@b)"));
        Assert.AreSame(Cast<SymbolForm>(list[0]).Name, Cast<ListForm>(list[2]).Head);
        Assert.AreSame(Cast<SymbolForm>(list[1]).Name, Cast<ListForm>(list[3]).Head);
    }

    [TestMethod]
    [DataRow("`", "MARU0010@1,1")]
    [DataRow(",", "MARU0010@1,1")]
    [DataRow(",@", "MARU0010@1,1")]
    [DataRow("x\n  ,@", "MARU0010@2,3")]
    [DataRow("(a ,)", "MARU0010@1,4")]
    [DataRow("(a ,@)", "MARU0010@1,4")]
    [DataRow("(a `)", "MARU0010@1,4")]
    [DataRow("(a `]", "MARU0010@1,4; MARU0004@1,5")]
    [DataRow("(a ,@", "MARU0010@1,4; MARU0003@1,1")]
    [DataRow("`,)", "MARU0010@1,2; MARU0004@1,3")]
    [DataRow(",@;only a comment", "MARU0010@1,1")]
    public void Prefix_WithNothingAfterIt_IsMaru0010(string text, string expected)
    {
        Read(text, out var diagnostics);
        Assert.AreEqual(expected, Describe(diagnostics));
    }

    [TestMethod]
    [DataRow("'", "a quote must be followed by a form")]
    [DataRow("`", "a backquote must be followed by a form")]
    [DataRow(",", "a comma must be followed by a form")]
    [DataRow(",@", "',@' must be followed by a form")]
    public void Prefix_WithNothingAfterIt_NamesThePrefix(string text, string message)
    {
        Read(text, out var diagnostics);
        Assert.AreEqual(1, diagnostics.Items.Count);
        Assert.AreEqual(message, diagnostics.Items[0].Message);
    }

    [TestMethod]
    public void Prefix_WithNothingAfterIt_ReadingGoesOn()
    {
        var forms = Read("(a ,) `b", out var diagnostics);
        Assert.AreEqual("MARU0010@1,4", Describe(diagnostics));
        Assert.AreEqual("(a) (quasiquote b)", Show(forms));
    }

    // ---- brackets and braces ----

    [TestMethod]
    [DataRow("[a b]", "(a b)")]
    [DataRow("{a b}", "(a b)")]
    [DataRow("[]", "()")]
    [DataRow("{}", "()")]
    [DataRow("(a [b {c}] d)", "(a (b (c)) d)")]
    [DataRow("'[a] `{b}", "(quote (a)) (quasiquote (b))")]
    [DataRow("[a . b] {c . d}", "(a . b) (c . d)")]
    [DataRow("a[b]c{d}", "a (b) c (d)")]
    [DataRow("[12]{-5}[0x1f]", "(12) (-5) (31)")]
    [DataRow("[?a]{?b}", "(97) (98)")]
    [DataRow("[?]]{?}}", "(93) (125)")]
    [DataRow("[\"s\"]{\"t\"}", "(\"s\") (\"t\")")]
    [DataRow("[a;]\n]", "(a)")]
    public void Brackets_AreLists(string text, string expected)
    {
        Assert.AreEqual(expected, Show(ReadClean(text)));
    }

    [TestMethod]
    public void Brackets_SpanFromOpenerToCloser()
    {
        byte[] source = Encoding.UTF8.GetBytes(" [a {b}] ");
        var list = Cast<ListForm>(ReadOneFrom(source));
        Assert.AreEqual("[a {b}]", SpanText(source, list));
        Assert.AreEqual("{b}", SpanText(source, list[1]));
    }

    [TestMethod]
    [DataRow("(a]", "MARU0004@1,3", "(a)")]
    [DataRow("[a)", "MARU0004@1,3", "(a)")]
    [DataRow("{a]", "MARU0004@1,3", "(a)")]
    [DataRow("[a}", "MARU0004@1,3", "(a)")]
    [DataRow("(a [b) c]", "MARU0004@1,6; MARU0004@1,9", "(a (b) c)")]
    [DataRow("(a [b] c} d", "MARU0004@1,9", "(a (b) c) d")]
    [DataRow("(define x\n  [1 2)\n", "MARU0004@2,7; MARU0003@1,1", "")]
    [DataRow("]", "MARU0004@1,1", "")]
    [DataRow("}", "MARU0004@1,1", "")]
    [DataRow("(a)] b", "MARU0004@1,4", "(a) b")]
    [DataRow("[", "MARU0003@1,1", "")]
    [DataRow("{a", "MARU0003@1,1", "")]
    [DataRow("x [a (b", "MARU0003@1,3", "x")]
    [DataRow("(a . b]", "MARU0004@1,7", "(a . b)")]
    public void Brackets_ClosersMustMatch(string text, string expected, string expectedForms)
    {
        var forms = Read(text, out var diagnostics);
        Assert.AreEqual(expected, Describe(diagnostics));
        Assert.AreEqual(expectedForms, Show(forms));
    }

    [TestMethod]
    [DataRow("\n\n    (a]", "']' does not match the '(' at line 3, column 5")]
    [DataRow("[é}", "'}' does not match the '[' at line 1, column 1")]
    [DataRow("({a)}", "')' does not match the '{' at line 1, column 2")]
    [DataRow("]", "']' has no matching '['")]
    [DataRow("}", "'}' has no matching '{'")]
    [DataRow(")", "')' has no matching '('")]
    [DataRow("[", "'[' is not closed before the end of the file")]
    [DataRow("{", "'{' is not closed before the end of the file")]
    public void Brackets_MessagesNameTheBrackets(string text, string message)
    {
        Read(text, out var diagnostics);
        Assert.AreEqual(message, diagnostics.Items[0].Message);
    }

    // ---- dotted lists ----

    [TestMethod]
    [DataRow("(a . b)", "(a . b)")]
    [DataRow("(a b . c)", "(a b . c)")]
    [DataRow("(a . 1) (a . \"s\") (a . ?b)", "(a . 1) (a . \"s\") (a . 98)")]
    [DataRow("(a . (b c))", "(a . (b c))")]
    [DataRow("(a . ())", "(a . ())")]
    [DataRow("((a . b) . (c . d))", "((a . b) . (c . d))")]
    [DataRow("(lambda (a b . rest) rest)", "(lambda (a b . rest) rest)")]
    [DataRow("'(a . b)", "(quote (a . b))")]
    [DataRow("(a . 'b)", "(a . (quote b))")]
    [DataRow("(a .(b))", "(a . (b))")]
    [DataRow("(a .;c\n b)", "(a . b)")]
    [DataRow("(a\n.\nb\n)", "(a . b)")]
    [DataRow("(a .b)", "(a .b)")]
    [DataRow("(a. b)", "(a. b)")]
    [DataRow("(a .. b)", "(a .. b)")]
    [DataRow("(a ... b)", "(a ... b)")]
    [DataRow("(self.name .5x a.b)", "(self.name .5x a.b)")]
    public void DottedList_HasItsItemsAndTail(string text, string expected)
    {
        Assert.AreEqual(expected, Show(ReadClean(text)));
    }

    [TestMethod]
    public void DottedList_TailIsNotAnItem()
    {
        byte[] source = Encoding.UTF8.GetBytes("(a b . c)");
        var list = Cast<ListForm>(ReadOneFrom(source));
        Assert.AreEqual(2, list.Count);
        Assert.AreEqual("a", Cast<SymbolForm>(list[0]).Name);
        Assert.AreEqual("b", Cast<SymbolForm>(list[1]).Name);
        Assert.AreEqual("c", Cast<SymbolForm>(list.Tail!).Name);
        Assert.AreEqual("c", SpanText(source, list.Tail!));
        Assert.AreEqual("(a b . c)", SpanText(source, list));
        Assert.IsNull(Cast<ListForm>(ReadOne("(a b c)")).Tail);
    }

    [TestMethod]
    public void DottedList_ConstructorDefaultsToAProperList()
    {
        var span = new SourceSpan(new SourceFile(Path, []), 0, 0);
        var proper = new ListForm(span, [new SymbolForm(span, "a")]);
        Assert.IsNull(proper.Tail);
        Assert.AreEqual("(a)", proper.ToString());
        Assert.AreEqual("(a . b)", new ListForm(span, [new SymbolForm(span, "a")], new SymbolForm(span, "b")).ToString());
    }

    [TestMethod]
    [DataRow("(. a)", "MARU0011@1,2", "(a)")]
    [DataRow("[. a]", "MARU0011@1,2", "(a)")]
    [DataRow("(a .)", "MARU0011@1,4", "(a)")]
    [DataRow("(a . b c)", "MARU0011@1,8", "(a . b)")]
    [DataRow("(a . b c d)", "MARU0011@1,8", "(a . b)")]
    [DataRow("(a . b (c d))", "MARU0011@1,8", "(a . b)")]
    [DataRow("(a .\n  b c\n  d)", "MARU0011@2,5", "(a . b)")]
    [DataRow("(a . b . c)", "MARU0011@1,8", "(a . b)")]
    [DataRow("(a . . b)", "MARU0011@1,6", "(a . b)")]
    [DataRow(".", "MARU0011@1,1", "")]
    [DataRow("a . b", "MARU0011@1,3", "a b")]
    [DataRow("(a . ')", "MARU0010@1,6; MARU0011@1,4", "(a)")]
    [DataRow("(a . (b) (c 08))", "MARU0005@1,13; MARU0011@1,10", "(a . (b))")]
    [DataRow("(a .]", "MARU0004@1,5; MARU0011@1,4", "(a)")]
    [DataRow("(a . b", "MARU0003@1,1", "")]
    [DataRow("((. a) (b .) (c . d e))", "MARU0011@1,3; MARU0011@1,11; MARU0011@1,21", "((a) (b) (c . d))")]
    public void DottedList_Malformed_IsMaru0011(string text, string expected, string expectedForms)
    {
        var forms = Read(text, out var diagnostics);
        Assert.AreEqual(expected, Describe(diagnostics));
        Assert.AreEqual(expectedForms, Show(forms));
    }

    [TestMethod]
    [DataRow("(. a)", "'.' must follow at least one form of its list")]
    [DataRow("(a .)", "'.' must be followed by exactly one form before the list's ')'")]
    [DataRow("[a .]", "'.' must be followed by exactly one form before the list's ']'")]
    [DataRow("(a . b c)", "a dotted list has exactly one form after its '.', and this is a second one")]
    [DataRow("(a . b . c)", "a dotted list has exactly one form after its '.', and this is a second one")]
    [DataRow("(a . . b)", "'.' must be followed by a form, not by another '.'")]
    [DataRow(".", "'.' may appear only inside a list, before the list's last form")]
    public void DottedList_Messages(string text, string message)
    {
        Read(text, out var diagnostics);
        Assert.AreEqual(1, diagnostics.Items.Count);
        Assert.AreEqual(DiagnosticCodes.MalformedDottedList, diagnostics.Items[0].Code);
        Assert.AreEqual(message, diagnostics.Items[0].Message);
    }

    [TestMethod]
    [DataRow("'.", "(quote .)")]
    [DataRow("`.", "(quasiquote .)")]
    [DataRow(",.", "(unquote .)")]
    [DataRow(",@.", "(unquote-splicing .)")]
    [DataRow("(a '.)", "(a (quote .))")]
    public void APrefixedDotIsTheSymbolDotAsInMaru(string text, string expectedForms)
    {
        // boot.l makes method names with (concat-symbol '. name).
        var forms = Read(text, out var diagnostics);
        Assert.IsEmpty(diagnostics.Items);
        Assert.AreEqual(expectedForms, Show(forms));
    }

    [TestMethod]
    public void DottedList_NumbersStillMustBeWellFormed()
    {
        var forms = Read("(1. .5 -1.x 1.2.3)", out var diagnostics);
        Assert.AreEqual("MARU0005@1,2; MARU0005@1,8; MARU0005@1,13", Describe(diagnostics));
        Assert.AreEqual("(0 .5 0 0)", Show(forms));
    }

    // ---- escapes that stand for their character ----

    [TestMethod]
    [DataRow("?\\(", 40L)]
    [DataRow("?\\)", 41L)]
    [DataRow("?\\;", 59L)]
    [DataRow("?\\[", 91L)]
    [DataRow("?\\]", 93L)]
    [DataRow("?\\{", 123L)]
    [DataRow("?\\}", 125L)]
    [DataRow("?\\!", 33L)]
    [DataRow("?\\?", 63L)]
    [DataRow("?\\.", 46L)]
    [DataRow("?\\,", 44L)]
    [DataRow("?\\`", 96L)]
    [DataRow("?\\@", 64L)]
    [DataRow("?\\_", 95L)]
    [DataRow("?\\ ", 32L)]
    [DataRow("?\\\t", 9L)]
    [DataRow("?\\\u0001", 1L)]
    [DataRow("?\\é", 233L)]
    [DataRow("?\\€", 0x20ACL)]
    [DataRow("?\\😀", 0x1F600L)]
    public void Escape_OfAnotherCharacter_IsThatCharacter(string text, long expected)
    {
        var form = Cast<IntegerForm>(ReadOne(text));
        Assert.AreEqual(expected, form.Value);
        Assert.AreEqual(Encoding.UTF8.GetByteCount(text), form.Span.Length);
    }

    [TestMethod]
    [DataRow("\"\\!\"", "21")]
    [DataRow("\"\\(\\)\\[\\]\\{\\}\"", "2829 5B5D 7B7D")]
    [DataRow("\"\\;\\?\\ \"", "3B3F20")]
    [DataRow("\"a\\\nb\"", "610A62")]
    [DataRow("\"\\é\"", "C3A9")]
    [DataRow("\"\\😀!\"", "F09F9880 21")]
    public void Escape_OfAnotherCharacter_InAString_IsItsBytes(string text, string expectedHex)
    {
        var form = Cast<StringForm>(ReadOne(text));
        Assert.AreEqual(expectedHex.Replace(" ", ""), Convert.ToHexString(form.Bytes));
    }

    [TestMethod]
    public void Escape_OfAParenthesis_DoesNotCloseTheList()
    {
        Assert.AreEqual("(40 41 \")\") 59", Show(ReadClean("(?\\( ?\\) \"\\)\") ?\\;")));
    }

    [TestMethod]
    [DataRow("?\\q", "MARU0007@1,2")]
    [DataRow("?\\s", "MARU0007@1,2")]
    [DataRow("?\\z", "MARU0007@1,2")]
    [DataRow("?\\Q", "MARU0007@1,2")]
    [DataRow("?\\X", "MARU0007@1,2")]
    [DataRow("?\\8", "MARU0007@1,2")]
    [DataRow("?\\9", "MARU0007@1,2")]
    [DataRow("\"\\q\"", "MARU0007@1,2")]
    [DataRow("\"\\s\"", "MARU0007@1,2")]
    [DataRow("\"\\Z\"", "MARU0007@1,2")]
    [DataRow("\"\\9\"", "MARU0007@1,2")]
    public void Escape_OfAnotherLetterOrDigit_IsStillMaru0007(string text, string expected)
    {
        Read(text, out var diagnostics);
        Assert.AreEqual(expected, Describe(diagnostics));
        Assert.AreEqual($"unknown escape '{text.Substring(text.IndexOf('\\'), 2)}'", diagnostics.Items[0].Message);
    }

    // ---- comments, #!, whitespace, byte order mark ----

    [TestMethod]
    [DataRow("", "")]
    [DataRow("   \t\r\n\f\v ", "")]
    [DataRow("; only a comment", "")]
    [DataRow(";", "")]
    [DataRow("; c\n42 ; tail", "42")]
    [DataRow("a;b\nc", "a c")]
    [DataRow("(a ; ) not closing\n b)", "(a b)")]
    [DataRow("#!/usr/bin/env maru\n(f)", "(f)")]
    [DataRow("#!/usr/bin/env maru", "")]
    [DataRow("#!", "")]
    [DataRow("(f)\n#!x", "(f) #!x")]
    [DataRow(" #!x", "#!x")]
    [DataRow("\uFEFF(f)", "(f)")]
    [DataRow("\uFEFF#!maru\n1", "1")]
    [DataRow("(a\r\n  b)\r\n; c\r\n", "(a b)")]
    public void CommentsAndWhitespace_AreSkipped(string text, string expected)
    {
        Assert.AreEqual(expected, Show(ReadClean(text)));
    }

    // ---- positions: lines, CRLF, code point columns ----

    [TestMethod]
    [DataRow("(a\r\n  b)\r\n)", "MARU0004@3,1")]
    [DataRow("(a\r\n  \u0001)", "MARU0010@2,3")]
    [DataRow("\"é\" )", "MARU0004@1,5")]
    [DataRow("; 日本\r\n  ]", "MARU0004@2,3")]
    [DataRow("é é 1x", "MARU0005@1,5")]
    [DataRow("\"😀\" 08", "MARU0005@1,5")]
    [DataRow("#!/bin/maru\n\n   )", "MARU0004@3,4")]
    [DataRow("(😀 \u0001)", "MARU0010@1,2; MARU0010@1,4")]
    [DataRow("(😀 ])", "MARU0010@1,2; MARU0004@1,4; MARU0004@1,5")]
    [DataRow("[é\n é}", "MARU0004@2,3")]
    public void Diagnostics_CountLinesAndCodePointColumns(string text, string expected)
    {
        Read(text, out var diagnostics);
        Assert.AreEqual(expected, Describe(diagnostics));
    }

    [TestMethod]
    public void Diagnostics_NameTheFileAndAreErrors()
    {
        Read("(a \u007f", out var diagnostics);
        Assert.AreEqual(2, diagnostics.Items.Count);
        Assert.IsTrue(diagnostics.Items.All(d => d.Path == Path && d.IsError));
        Assert.AreEqual("test.l(1,4): error MARU0010: unexpected character U+007F", diagnostics.Items[0].ToString());
        Assert.AreEqual("test.l(1,1): error MARU0003: '(' is not closed before the end of the file", diagnostics.Items[1].ToString());
    }

    // ---- each lexical error code ----

    [TestMethod]
    [DataRow("(a \u00ff b)", "MARU0001@1,4")]
    [DataRow("\u00ff\u00fe\u00fd", "MARU0001@1,1")]
    [DataRow("\u00ff a \u00ff", "MARU0001@1,1; MARU0001@1,5")]
    [DataRow("\u00c0\u0080", "MARU0001@1,1")]
    [DataRow("\u00ed\u00a0\u0080", "MARU0001@1,1")]
    [DataRow("\u00f4\u0090\u0080\u0080", "MARU0001@1,1")]
    [DataRow("\u0080", "MARU0001@1,1")]
    [DataRow("a \u00e6\u0097", "MARU0001@1,3")]
    [DataRow("a \u00e6\u0097 b", "MARU0001@1,3")]
    [DataRow("; \u00ff\n1", "MARU0001@1,3")]
    [DataRow("#! \u00ff\n1", "MARU0001@1,4")]
    [DataRow("\"a\u00ffb\"", "MARU0001@1,3")]
    [DataRow("?\u00ff", "MARU0001@1,2")]
    [DataRow("?a\u00ff", "MARU0008@1,1; MARU0001@1,3")]
    [DataRow("\"\\\u00ff\"", "MARU0007@1,2; MARU0001@1,3")]
    [DataRow("\u00e6\u0097\u00a5\u00ff", "MARU0001@1,2")]
    public void InvalidUtf8_IsMaru0001_OncePerRun(string bytes, string expected)
    {
        Read(Latin1(bytes), out var diagnostics);
        Assert.AreEqual(expected, Describe(diagnostics));
    }

    [TestMethod]
    public void InvalidUtf8_IsSkippedAndReadingGoesOn()
    {
        var forms = Read(Latin1("(abc\u00ffdef \"x\u00fe\u00fdy\")"), out var diagnostics);
        Assert.AreEqual("MARU0001@1,5; MARU0001@1,12", Describe(diagnostics));
        Assert.AreEqual("(abc def \"xy\")", Show(forms));
    }

    [TestMethod]
    [DataRow("(", "MARU0003@1,1")]
    [DataRow("(a (b)", "MARU0003@1,1")]
    [DataRow("((a)\n(b", "MARU0003@1,1")]
    [DataRow("(a)\n  (b (c)", "MARU0003@2,3")]
    public void UnterminatedList_IsMaru0003_AtTheOutermostOpenParen(string text, string expected)
    {
        Read(text, out var diagnostics);
        Assert.AreEqual(expected, Describe(diagnostics));
    }

    [TestMethod]
    public void UnterminatedList_KeepsTheFormsBeforeIt()
    {
        var forms = Read("(a) b (c (d)", out var diagnostics);
        Assert.AreEqual("MARU0003@1,7", Describe(diagnostics));
        Assert.AreEqual("(a) b", Show(forms));
    }

    [TestMethod]
    [DataRow(")", "MARU0004@1,1", "")]
    [DataRow("(a))", "MARU0004@1,4", "(a)")]
    [DataRow("a\n  )", "MARU0004@2,3", "a")]
    [DataRow(")) x", "MARU0004@1,1; MARU0004@1,2", "x")]
    public void StrayCloseParen_IsMaru0004(string text, string expected, string expectedForms)
    {
        var forms = Read(text, out var diagnostics);
        Assert.AreEqual(expected, Describe(diagnostics));
        Assert.AreEqual(expectedForms, Show(forms));
    }

    [TestMethod]
    [DataRow("\u0000", "MARU0010@1,1")]
    [DataRow("\u0001", "MARU0010@1,1")]
    [DataRow("\u001b", "MARU0010@1,1")]
    [DataRow("\u007f", "MARU0010@1,1")]
    [DataRow("\u00a0", "MARU0010@1,1")]
    [DataRow("→", "MARU0010@1,1")]
    [DataRow("\u0001\u0002\u0003\u007f→", "MARU0010@1,1")]
    [DataRow("\u0001 \u0001", "MARU0010@1,1; MARU0010@1,3")]
    [DataRow("a\u00010\u0002", "MARU0010@1,2; MARU0010@1,4")]
    [DataRow("\u0001,x", "MARU0010@1,1")]
    [DataRow("\u0001`x", "MARU0010@1,1")]
    [DataRow("\u0001[x]", "MARU0010@1,1")]
    [DataRow("(a ')", "MARU0010@1,4")]
    [DataRow("'", "MARU0010@1,1")]
    [DataRow("(a '", "MARU0010@1,4; MARU0003@1,1")]
    [DataRow("')", "MARU0010@1,1; MARU0004@1,2")]
    public void UnexpectedCharacter_IsMaru0010(string text, string expected)
    {
        Read(text, out var diagnostics);
        Assert.AreEqual(expected, Describe(diagnostics));
    }

    [TestMethod]
    public void UnexpectedCharacter_IsSkippedAndReadingGoesOn()
    {
        var forms = Read("(a \u0001b\u0002 \u0003c \u001fd)", out var diagnostics);
        Assert.AreEqual("MARU0010@1,4; MARU0010@1,6; MARU0010@1,8; MARU0010@1,11", Describe(diagnostics));
        Assert.AreEqual("(a b c d)", Show(forms));
    }

    [TestMethod]
    public void ManyErrors_ReadingStopsWhenTheBagIsFull()
    {
        // Two errors per "] 08 ": the 101st is the ']' of the 51st repetition, after fifty 08s were read as 0.
        var forms = Read(Repeat("] 08 ", 300) + "ok", out var diagnostics);
        Assert.AreEqual(DiagnosticBag.MaxErrors + 1, diagnostics.Items.Count);
        Assert.AreEqual("MARU0099@1,251", Describe(diagnostics).Split("; ")[^1]);
        Assert.AreEqual(50, forms.Count);
    }

    // ---- nesting ----

    [TestMethod]
    public void Nesting_AtTheLimit_IsRead()
    {
        var form = ReadOne(Repeat("(", Reader.MaxNestingDepth) + "x" + Repeat(")", Reader.MaxNestingDepth));
        int depth = 0;
        while (form is ListForm list)
        {
            depth++;
            Assert.AreEqual(1, list.Count);
            form = list[0];
        }
        Assert.AreEqual(Reader.MaxNestingDepth, depth);
        Assert.AreEqual("x", Cast<SymbolForm>(form).Name);
    }

    [TestMethod]
    public void Nesting_QuotesAtTheLimit_AreRead()
    {
        var form = ReadOne(Repeat("'", Reader.MaxNestingDepth) + "x");
        Assert.AreEqual(Reader.MaxNestingDepth + 1, form.Span.Length);
        int depth = 0;
        while (form is ListForm { Head: "quote", Count: 2 } quote)
        {
            depth++;
            form = quote[1];
        }
        Assert.AreEqual(Reader.MaxNestingDepth, depth);
        Assert.AreEqual("x", Cast<SymbolForm>(form).Name);
    }

    [TestMethod]
    public void Nesting_OneTooDeep_IsOneMaru0009AndTheTopLevelFormIsSkipped()
    {
        // "(a" is level 1 and the repeated parentheses levels 2 to MaxNestingDepth, so "(x)" is one too deep.
        int inner = Reader.MaxNestingDepth - 1;
        var forms = Read("(a " + Repeat("(", inner) + "(x) (y)" + Repeat(")", inner) + " b) (after)", out var diagnostics);
        Assert.AreEqual($"MARU0009@1,{3 + Reader.MaxNestingDepth}", Describe(diagnostics));
        Assert.AreEqual("(after)", Show(forms));
    }

    [TestMethod]
    public void Nesting_100000Open_GivesMaru0009AndMaru0003()
    {
        var forms = Read(Repeat("(", 100_000), out var diagnostics);
        Assert.AreEqual($"MARU0009@1,{Reader.MaxNestingDepth + 1}; MARU0003@1,1", Describe(diagnostics));
        Assert.AreEqual(0, forms.Count);
    }

    [TestMethod]
    public void Nesting_100000Balanced_GivesOneMaru0009AndReadingGoesOn()
    {
        var forms = Read("(first) " + Repeat("(", 100_000) + Repeat(")", 100_000) + " (ok)\n)", out var diagnostics);
        Assert.AreEqual($"MARU0009@1,{9 + Reader.MaxNestingDepth}; MARU0004@2,1", Describe(diagnostics));
        Assert.AreEqual("(first) (ok)", Show(forms));
    }

    [TestMethod]
    public void Nesting_SkippedForm_StillReportsItsLexicalErrors()
    {
        int open = 2 * Reader.MaxNestingDepth;
        var forms = Read(Repeat("(", open) + " 08 \"\\q\" " + Repeat(")", open) + " y", out var diagnostics);
        Assert.AreEqual($"MARU0009@1,{Reader.MaxNestingDepth + 1}; MARU0005@1,{open + 2}; MARU0007@1,{open + 6}", Describe(diagnostics));
        Assert.AreEqual("y", Show(forms));
    }

    [TestMethod]
    public void Nesting_100000Quotes_GivesOneMaru0009()
    {
        var forms = Read(Repeat("'", 100_000) + "x y", out var diagnostics);
        Assert.AreEqual($"MARU0009@1,{Reader.MaxNestingDepth + 1}", Describe(diagnostics));
        Assert.AreEqual("y", Show(forms));
    }

    [TestMethod]
    public void Nesting_TooManyQuotesBeforeACloseParen_LeaveTheParenStray()
    {
        var forms = Read(Repeat("'", Reader.MaxNestingDepth + 1) + ") w", out var diagnostics);
        Assert.AreEqual($"MARU0009@1,{Reader.MaxNestingDepth + 1}; MARU0004@1,{Reader.MaxNestingDepth + 2}", Describe(diagnostics));
        Assert.AreEqual("w", Show(forms));
    }

    [TestMethod]
    public void Nesting_QuotesAndParensCountTogether()
    {
        int pairs = Reader.MaxNestingDepth * 6 / 10; // each pair is two levels: 1.2 times the limit in all
        var forms = Read(Repeat("'(", pairs) + Repeat(")", pairs) + " z", out var diagnostics);
        Assert.AreEqual($"MARU0009@1,{Reader.MaxNestingDepth + 1}", Describe(diagnostics));
        Assert.AreEqual("z", Show(forms));
    }

    // ---- robustness and size ----

    [TestMethod]
    public void RandomBytes_NeverThrow_AndGiveSaneResults()
    {
        var random = new Random(20240611);
        byte[] syntax = Encoding.UTF8.GetBytes("()()'\"\"?\\\\;#!-0123456789xXabué\n \t[]{}`,@. . é😀");
        for (int iteration = 0; iteration < 5000; iteration++)
        {
            var bytes = new byte[random.Next(0, 300)];
            for (int i = 0; i < bytes.Length; i++)
                bytes[i] = random.Next(3) == 0 ? (byte)random.Next(256) : syntax[random.Next(syntax.Length)];

            var forms = Read(bytes, out var diagnostics);

            foreach (var d in diagnostics.Items)
            {
                Assert.IsTrue(System.Text.RegularExpressions.Regex.IsMatch(d.Code, "^MARU00(0[1-9]|1[01]|99)$"), d.ToString());
                Assert.IsTrue(d.Line >= 1 && d.Column >= 1, $"bad position {d} in iteration {iteration}");
            }
            AssertSpansNest(forms, bytes.Length);
        }
    }

    [TestMethod]
    public void RandomBytes_OneMegabyte_StopsReportingAtTheCap()
    {
        var bytes = new byte[1 << 20];
        new Random(7).NextBytes(bytes);
        Read(bytes, out var diagnostics);
        Assert.AreEqual(DiagnosticBag.MaxErrors + 1, diagnostics.Items.Count);
        Assert.AreEqual(DiagnosticCodes.TooManyErrors, diagnostics.Items[^1].Code);
    }

    /// <summary>Every form lies inside the file and every item inside its list, in order (walked without recursion).</summary>
    private static void AssertSpansNest(IReadOnlyList<Form> forms, int fileLength)
    {
        var pending = new Stack<(Form Form, int Start, int End)>();
        int previousEnd = 0;
        foreach (var form in forms)
        {
            Assert.IsTrue(form.Span.Start >= previousEnd, "top-level forms overlap");
            previousEnd = form.Span.End;
            pending.Push((form, 0, fileLength));
        }
        while (pending.Count > 0)
        {
            var (form, start, end) = pending.Pop();
            Assert.IsTrue(form.Span.Length > 0 && form.Span.Start >= start && form.Span.End <= end, $"span {form.Span.Start}+{form.Span.Length} outside {start}..{end}");
            if (form is not ListForm list) continue;
            int itemStart = form.Span.Start; // a prefix's first item, its symbol, starts where its list does
            foreach (var item in list.Items)
            {
                pending.Push((item, itemStart, form.Span.End));
                itemStart = item.Span.End;
            }
            if (list.Tail is not null)
            {
                Assert.IsTrue(list.Count > 0, "a dotted list without items");
                pending.Push((list.Tail, itemStart, form.Span.End));
            }
        }
    }

    [TestMethod]
    public void LargeFile_50Megabytes_IsRead()
    {
        byte[] unit = Encoding.UTF8.GetBytes(
            "(define-function fib (n)\n" +
            "  ; naive recursion\n" +
            "  (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))\n" +
            "(define-form twice (x) `(let ((t ,x)) [+ t t . ()] ,@{x} (?\\( . ?\\))))\n" +
            "(define greeting \"hello, world\\n\") (define mask 0xff00) (define c ?a) (define m -42)\n");
        const int FormsPerUnit = 6;
        int units = 50 * 1024 * 1024 / unit.Length + 1;
        var source = new byte[unit.Length * units];
        for (int i = 0; i < units; i++) unit.CopyTo(source, i * unit.Length);

        var forms = Read(source, out var diagnostics);

        Assert.AreEqual("", Describe(diagnostics));
        Assert.AreEqual(units * FormsPerUnit, forms.Count);
        Assert.AreEqual("(define m -42)", forms[^1].ToString());
        Assert.AreEqual(source.Length - 1, forms[^1].Span.End);
    }

    [TestMethod]
    public void ParallelReads_DoNotInterfere()
    {
        string[] texts = ["(a b 1)", "(\"x\" ?y 'z)", "(λ (k) 0x10)", "(c) (d e)"];
        string[] sources = texts.Select(text => Repeat(text + "\n", 2000)).ToArray();
        string[] expected = sources.Select(source => Show(ReadClean(source))).ToArray();
        var results = new string[64];
        Parallel.For(0, results.Length, i =>
        {
            var diagnostics = new DiagnosticBag();
            var forms = Reader.Read(SourceFile.FromText(Path, sources[i % sources.Length]), diagnostics);
            results[i] = diagnostics.HasErrors ? "error" : Show(forms);
        });
        for (int i = 0; i < results.Length; i++)
            Assert.AreEqual(expected[i % sources.Length], results[i]);
    }
}
