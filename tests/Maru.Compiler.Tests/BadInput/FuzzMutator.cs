namespace Maru.Compiler.Tests.BadInput;

/// <summary>
/// Mutates programs of the conformance corpus at the form and token level: deletes, duplicates and swaps forms, grafts
/// in forms of other programs, changes numbers and characters to edge values, swaps symbols for other symbols of the
/// corpus, inserts quote, quasiquote, unquote and dots, nests a form deeply and unbalances brackets. The token-level
/// mutations of <see cref="Semantics.NeverCrashesTests"/> (a pool of tokens, on a dozen snippets) are not repeated here.
/// </summary>
public sealed class FuzzMutator
{
    private static readonly string[] EdgeNumbers =
    [
        "0", "1", "-1", "2", "3", "7", "8", "31", "32", "63", "64", "65", "127", "128", "-128", "255", "256", "1000", "20000", "100000",
        "2147483647", "-2147483648", "4294967295", "4294967296", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "0x7fffffffffffffff", "0x8000000000000000", "0xffffffffffffffff", "0x10000000000000000",
        "-0x8000000000000000", "-0x1", "0777", "00", "?\\0", "?\\xff", "?\\377", "?\\uFFFF", "?\\U0010FFFF", "?é",
    ];

    /// <summary>Symbols a swap may bring in besides the corpus's: compile-time machinery and reserved names.</summary>
    private static readonly string[] SyntaxSymbols =
    [
        "quote", "quasiquote", "unquote", "unquote-splicing", "define-form", "form", "eval", "load", "error", "compile-begin",
        "compile-end", "define-constant", "define-structure", "lambda", "return", "address-of", "sizeof", "extern", "export",
        "define", "define-function", "set", "let", "let*", "while", "if", "cond", "else", "t", "apply", "map", "cons", "car", "cdr",
    ];

    /// <summary>Wrappers a form is nested in, many levels deep; <c>_</c> is where the form goes.</summary>
    private static readonly FuzzForm[] Wrappers =
        new[] { "(let () _)", "(+ 1 _)", "(when 1 _)", "(_)", "`(_)", "`(a ,_)", "`(,@_)", "(list _)", "(if 0 0 _)", "[_]", "'_", "(quasiquote _)", "(let ((x _)) x)" }
        .Select(w => FuzzForm.Read(w).Items[0]).ToArray();

    private static readonly int[] NestingDepths = [2, 5, 20, 100, 500, 2000];

    private readonly IReadOnlyList<FuzzForm> _corpus;
    private readonly IReadOnlyList<string> _symbols;

    public FuzzMutator(IReadOnlyList<FuzzForm> corpus)
    {
        _corpus = corpus;
        _symbols = corpus.SelectMany(p => p.All()).Where(f => f.IsSymbol).Select(f => f.Text).Distinct().ToList();
    }

    /// <summary>One to three mutations of <paramref name="program"/> (which is not changed): the mutant and what was done.</summary>
    public (string Text, string Mutations) Mutate(FuzzForm program, Random random)
    {
        var mutant = program.Clone();
        var applied = new List<string>();
        int wanted = random.Next(1, 3);
        for (int attempt = 0; applied.Count < wanted && attempt < 20; attempt++)
        {
            if (Mutate1(mutant, random) is { } name) applied.Add(name);
        }
        return (mutant.ToString(), string.Join(", ", applied));
    }

    /// <summary>One mutation at a random place; null when it does not apply there.</summary>
    private string? Mutate1(FuzzForm program, Random random)
    {
        var places = program.All().SelectMany(parent => parent.Items.Select((_, index) => (Parent: parent, Index: index))).ToList();
        if (places.Count == 0) return null;
        var (parent, index) = places[random.Next(places.Count)];
        var form = parent.Items[index];
        bool inList = parent.Kind == FuzzFormKind.List;

        switch (random.Next(11))
        {
            case 0 when inList:
                parent.Items.RemoveAt(index);
                return $"delete {Excerpt(form)}";
            case 1 when inList:
                parent.Items.Insert(index, form.Clone());
                return $"duplicate {Excerpt(form)}";
            case 2:
                var (otherParent, otherIndex) = places[random.Next(places.Count)];
                var other = otherParent.Items[otherIndex];
                if (form.Contains(other) || other.Contains(form)) return null;
                parent.Items[index] = other;
                otherParent.Items[otherIndex] = form;
                return $"swap {Excerpt(form)} and {Excerpt(other)}";
            case 3:
                var donor = _corpus[random.Next(_corpus.Count)].All().Skip(1).ToList();
                if (donor.Count == 0) return null;
                var graft = donor[random.Next(donor.Count)];
                parent.Items[index] = graft.Clone();
                return $"graft {Excerpt(graft)} over {Excerpt(form)}";
            case 4:
                var numbers = program.All().Where(f => f.IsNumber || f.IsCharacter).ToList();
                if (numbers.Count == 0) return null;
                var number = numbers[random.Next(numbers.Count)];
                string old = number.Text;
                number.Text = EdgeNumbers[random.Next(EdgeNumbers.Length)];
                return $"number {old} to {number.Text}";
            case 5:
                var symbols = program.All().Where(f => f.IsSymbol).ToList();
                if (symbols.Count == 0) return null;
                var symbol = symbols[random.Next(symbols.Count)];
                string was = symbol.Text;
                symbol.Text = AnySymbol(random);
                return $"symbol {was} to {symbol.Text}";
            case 6:
                string prefix = new[] { "'", "`", ",", ",@" }[random.Next(4)];
                parent.Items[index] = FuzzForm.Prefix(prefix, form);
                return $"prefix {prefix}{Excerpt(form)}";
            case 7:
                var lists = Lists(program);
                if (lists.Count == 0) return null;
                var dotted = lists[random.Next(lists.Count)];
                dotted.Items.Insert(random.Next(dotted.Items.Count + 1), FuzzForm.Atom("."));
                return $"dot in {Excerpt(dotted)}";
            case 8:
                int depth = NestingDepths[random.Next(NestingDepths.Length)];
                var wrapper = Wrappers[random.Next(Wrappers.Length)];
                parent.Items[index] = Nest(form, wrapper, depth);
                return $"nest {Excerpt(form)} {depth} deep in {wrapper}";
            case 9:
                return Unbalance(program, random);
            case 10 when inList:
                string inserted = AnySymbol(random);
                parent.Items.Insert(index, FuzzForm.Atom(inserted));
                return $"insert {inserted}";
            default:
                return null;
        }
    }

    private string AnySymbol(Random random) =>
        random.Next(5) == 0 ? SyntaxSymbols[random.Next(SyntaxSymbols.Length)] : _symbols[random.Next(_symbols.Count)];

    private static List<FuzzForm> Lists(FuzzForm program) =>
        program.All().Where(f => f.Kind == FuzzFormKind.List && !f.IsProgram).ToList();

    private static string? Unbalance(FuzzForm program, Random random)
    {
        var lists = Lists(program);
        if (lists.Count == 0) return null;
        var list = lists[random.Next(lists.Count)];
        switch (random.Next(5))
        {
            case 0: list.Text = ""; return $"unbalance: no opener for {Excerpt(list)}";
            case 1: list.Close = ""; return $"unbalance: no closer for {Excerpt(list)}";
            case 2: list.Close = list.Close == "]" ? "}" : "]"; return $"unbalance: {list.Close} closes {Excerpt(list)}";
            case 3: list.Items.Insert(random.Next(list.Items.Count + 1), FuzzForm.Atom("(")); return $"unbalance: ( in {Excerpt(list)}";
            default: list.Items.Insert(random.Next(list.Items.Count + 1), FuzzForm.Atom(")")); return $"unbalance: ) in {Excerpt(list)}";
        }
    }

    /// <summary><paramref name="form"/> inside <paramref name="depth"/> copies of <paramref name="wrapper"/>, each in the next's <c>_</c>.</summary>
    private static FuzzForm Nest(FuzzForm form, FuzzForm wrapper, int depth)
    {
        for (int level = 0; level < depth; level++)
        {
            var outer = wrapper.Clone();
            var hole = outer.All().First(f => f.Items.Any(i => i.Text == "_" && i.Kind == FuzzFormKind.Atom));
            hole.Items[hole.Items.FindIndex(i => i.Text == "_")] = form;
            form = outer;
        }
        return form;
    }

    private static string Excerpt(FuzzForm form)
    {
        // Only the outermost levels: the form may be nested thousands deep.
        string text = form.Kind == FuzzFormKind.Atom ? form.Text : Shallow(form, 3);
        return text.Length <= 40 ? text : text[..37] + "...";
    }

    private static string Shallow(FuzzForm form, int levels) => form.Kind switch
    {
        FuzzFormKind.Atom => form.Text,
        _ when levels == 0 => "…",
        FuzzFormKind.Prefix => form.Text + string.Concat(form.Items.Select(i => Shallow(i, levels - 1))),
        _ => form.Text + string.Join(" ", form.Items.Select(i => Shallow(i, levels - 1))) + form.Close,
    };
}
