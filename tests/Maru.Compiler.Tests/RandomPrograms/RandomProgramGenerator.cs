using System.Text;

namespace Maru.Compiler.Tests.RandomPrograms;

/// <summary>
/// Random programs that always terminate and whose output is defined by the spec, for checking the compiler against
/// <see cref="ReferenceEvaluator"/>. A program has integer globals, a 16-word block from calloc (indices masked into
/// range) read and written in every memory width, a 64-word block of doubles, and functions that each call only the
/// ones before them, of four kinds: ordinary ones of up to nine parameters (stack arguments on every ABI), small leaves
/// (inlining), fib-like recursion on a depth argument that every call bounds and every recursive call decreases, and
/// self or mutual tail recursion on a counter. Bodies use every word operator (divisors and shift counts include 0, -1
/// and counts beyond 63), short-circuit forms, conditionals with constant tests, loops with a fixed small trip count
/// over invariant and repeated subexpressions, assignments, early returns, double arithmetic, and loops that store two
/// or four adjacent doubles per iteration (SLP vectorisation's shape, over sources that may overlap). <c>main</c> prints
/// every function's result on three inputs, then the globals and checksums of the blocks. A static cost bound keeps
/// calls inside loops from multiplying the run time.
/// </summary>
public sealed class RandomProgramGenerator
{
    private enum Kind { Ordinary, Leaf, Recursive, TailRecursive }

    private sealed record Function(string Name, int Arity, Kind Kind, long Cost);

    /// <summary>
    /// What an expression may name: readable words, those it may assign, the counters of the loops around it (each
    /// between 0 and 7 wherever the body can see it), how often it runs per call, and whether it may call functions.
    /// </summary>
    private sealed record Scope(IReadOnlyList<string> Readable, IReadOnlyList<string> Assignable, IReadOnlyList<string> Counters, long Repeats, bool Calls);

    private readonly record struct Code(string Text, long Cost);

    /// <summary>The most steps one call made in a generated body may cost, counting the loops around it.</summary>
    private const long CallBudget = 4_000;

    private const string Block = "mem";
    private const int BlockWords = 16;

    /// <summary>
    /// A block of doubles, read only through <c>double->long</c> and comparisons: the bits of a NaN an operation makes
    /// are not defined (spec section 11), so they may be stored here but never show.
    /// </summary>
    private const string DoubleBlock = "dmem";
    private const int DoubleBlockWords = 64;

    /// <summary>The memory widths of spec section 11 on the integer block: load, store, bytes.</summary>
    private static readonly (string Load, string Store, int Size)[] Widths =
    [
        ("oop-at", "set-oop-at", 8), ("oop-at", "set-oop-at", 8), ("string-at", "set-string-at", 1), ("int64-at", "set-int64-at", 8),
        ("int32-at", "set-int32-at", 4), ("uint32-at", "set-uint32-at", 4), ("int16-at", "set-int16-at", 2),
        ("uint16-at", "set-uint16-at", 2), ("int8-at", "set-int8-at", 1), ("uint8-at", "set-uint8-at", 1),
    ];

    private static readonly string[] Literals =
    [
        "0", "1", "-1", "2", "3", "5", "7", "8", "10", "42", "63", "64", "65", "100", "255", "256", "-7", "-42", "-128", "1000000",
        "0x7fffffffffffffff", "0x8000000000000000", "-9223372036854775808", "9223372036854775807", "0xff", "0xffffffff", "-0x10",
    ];

    private static readonly string[] Divisors = ["0", "-1", "1", "2", "3", "-3", "7", "8", "-8", "16"];
    private static readonly string[] ShiftCounts = ["0", "1", "3", "31", "32", "63", "64", "65", "127", "-1", "-63"];
    // + - ^ more often than the operators that tend to make every value 0 or -1.
    private static readonly string[] Arithmetic = ["+", "+", "-", "-", "*", "^", "^", "&", "|"];
    private static readonly string[] Comparisons = ["<", "<=", "=", "!=", ">=", ">"];
    private static readonly string[] DoubleLiterals = ["0.5", "1.5", "-2.25", "3.0", "1e10", "-0.0", "0.1", "1e300", "2.5e-3", "-7.75", "1e-310"];

    private readonly Random _random;
    private readonly StringBuilder _text = new();
    private readonly List<Function> _functions = new();
    private readonly List<string> _globals = new();
    private int _fresh;

    private RandomProgramGenerator(Random random) => _random = random;

    /// <summary>A program of <paramref name="functions"/> functions and a main, from the random numbers only.</summary>
    public static string Generate(Random random, int functions) => new RandomProgramGenerator(random).Program(functions);

    private string Program(int functions)
    {
        Line("(define printf (extern 'printf))");
        Line("(define calloc (extern 'calloc))");
        Line($"(define {Block})");
        Line($"(define {DoubleBlock})");
        for (int i = 0, n = _random.Next(1, 5); i < n; i++)
        {
            string name = $"g{i}";
            _globals.Add(name);
            Line(Chance(4) ? $"(define {name})" : $"(define {name} {(Chance(3) ? $"({Pick(Arithmetic)} {Pick(Literals)} {Pick(Literals)})" : Pick(Literals))})");
        }
        for (int i = 0; i < functions; i++)
        {
            var kind = _random.Next(10) switch { < 5 => Kind.Ordinary, < 7 => Kind.Leaf, < 8 => Kind.Recursive, _ => Kind.TailRecursive };
            string name = $"f{i}";
            if (kind == Kind.TailRecursive && Chance(2))
            {
                _functions.AddRange(MutuallyTailRecursive(name));
                continue;
            }
            _functions.Add(kind switch
            {
                Kind.Leaf => Leaf(name),
                Kind.Recursive => Recursive(name),
                Kind.TailRecursive => SelfTailRecursive(name),
                _ => Ordinary(name),
            });
        }
        Main();
        return _text.ToString();
    }

    private void Line(string line) => _text.Append(line).Append('\n');
    private bool Chance(int n) => _random.Next(n) == 0;
    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
    private string Fresh(string prefix) => $"{prefix}{_fresh++}";

    private static List<string> Parameters(int count) => Enumerable.Range(0, count).Select(i => $"p{i}").ToList();

    private Scope FunctionScope(IReadOnlyList<string> readable, IReadOnlyList<string> assignable, bool calls = true) =>
        new([.. readable, .. _globals], [.. assignable, .. _globals], [], 1, calls);

    private Function Ordinary(string name)
    {
        var parameters = Parameters(_random.Next(0, 10));
        var scope = FunctionScope(parameters, parameters);
        var body = Enumerable.Range(0, _random.Next(1, 4)).Select(_ => Expression(4, scope)).ToList();
        if (Chance(2))
        {
            // Every form's value goes into the result, so a wrong value anywhere shows in the output.
            string hash = Fresh("h");
            var hashed = body.Select(b => $"(set {hash} (^ (* {hash} 31) {b.Text}))");
            Line($"(define-function {name} ({string.Join(" ", parameters)})\n  (let (({hash} 0))\n    {string.Join("\n    ", hashed)}))");
            return new Function(name, parameters.Count, Kind.Ordinary, body.Sum(b => b.Cost) + 1);
        }
        // Often the last form is a call: a tail call to a function before this one.
        if (Chance(3) && Call(2, scope) is { } tail) body.Add(tail);
        Line($"(define-function {name} ({string.Join(" ", parameters)})\n  {string.Join("\n  ", body.Select(b => b.Text))})");
        return new Function(name, parameters.Count, Kind.Ordinary, body.Sum(b => b.Cost) + 1);
    }

    private Function Leaf(string name)
    {
        var parameters = Parameters(_random.Next(1, 4));
        var body = Expression(2, FunctionScope(parameters, [], calls: false));
        Line($"(define-function {name} ({string.Join(" ", parameters)}) {body.Text})");
        return new Function(name, parameters.Count, Kind.Leaf, body.Cost + 1);
    }

    /// <summary>Fib-like: <c>d</c> is never assigned, every call gives it at most 7 and each recursive call decreases it.</summary>
    private Function Recursive(string name)
    {
        var parameters = Parameters(_random.Next(1, 4));
        var all = new List<string> { "d" }.Concat(parameters).ToList();
        var scope = FunctionScope(all, parameters);
        var baseCase = Expression(3, scope);
        string Arguments(string depth) => string.Join(" ", [depth, .. parameters.Select(p => Expression(1, scope with { Calls = false }).Text)]);
        string recursion = _random.Next(3) switch
        {
            0 => $"({Pick(Arithmetic)} {Expression(1, scope with { Calls = false }).Text} ({name} {Arguments("(- d 1)")}))",
            _ => $"({Pick(Arithmetic)} ({name} {Arguments("(- d 1)")}) ({name} {Arguments("(- d 2)")}))",
        };
        string test = Pick(["(< d 2)", "(<= d 1)", "(not (> d 1))"]);
        Line($"(define-function {name} ({string.Join(" ", all)})\n  (if {test}\n    {baseCase.Text}\n    {recursion}))");
        // fib(7) makes 41 calls.
        return new Function(name, all.Count, Kind.Recursive, 41 * (baseCase.Cost + 10));
    }

    /// <summary>
    /// A tail call, to itself or to its partner of a mutually recursive pair, on a counter <c>n</c> that is never
    /// assigned, at most 31 at every call and decreased by each. Partners may differ in arity, beyond the register
    /// arguments of every ABI.
    /// </summary>
    private Function TailRecursive(string name, int extra, string callee, int calleeExtra)
    {
        var parameters = Parameters(extra);
        var all = new List<string> { "n", "acc" }.Concat(parameters).ToList();
        var scope = FunctionScope(all, ["acc", .. parameters]);
        var step = Expression(3, scope);
        string others = string.Concat(Enumerable.Range(0, calleeExtra).Select(k =>
            " " + (k < parameters.Count && !Chance(3) ? parameters[k] : Expression(1, scope with { Calls = false }).Text)));
        string call = $"({callee} (- n 1) {step.Text}{others})";
        string body = _random.Next(3) switch
        {
            0 => $"(if (<= n 0) acc {call})",
            1 => $"(cond ((< n 1) acc) (else {call}))",
            _ => $"(if (> n 0) (let ((t{_fresh++} {Expression(1, scope with { Calls = false }).Text})) {call}) acc)",
        };
        Line($"(define-function {name} ({string.Join(" ", all)})\n  {body})");
        return new Function(name, all.Count, Kind.TailRecursive, 32 * (step.Cost + 10));
    }

    private Function SelfTailRecursive(string name)
    {
        int extra = _random.Next(1, 5);
        return TailRecursive(name, extra, name, extra);
    }

    private IEnumerable<Function> MutuallyTailRecursive(string name)
    {
        string partner = name + "m";
        int extra = _random.Next(1, 9), partnerExtra = _random.Next(1, 9);
        var first = TailRecursive(name, extra, partner, partnerExtra);
        var second = TailRecursive(partner, partnerExtra, name, extra);
        long cost = Math.Max(first.Cost, second.Cost);
        return [first with { Cost = cost }, second with { Cost = cost }];
    }

    private void Main()
    {
        var lines = new List<string>
        {
            $"(set {Block} (calloc {BlockWords} 8))",
            $"(set {DoubleBlock} (calloc {DoubleBlockWords} 8))",
            $"(for (i 0 {DoubleBlockWords}) (set-double-at {DoubleBlock} i (fl* (long->double (- (* i 37) 1000)) 0.125)))",
        };
        foreach (var function in _functions)
            for (int input = 0; input < 3; input++)
            {
                var arguments = Enumerable.Range(0, function.Arity).Select(i => i == 0 && function.Kind switch
                {
                    Kind.Recursive => true,
                    Kind.TailRecursive => true,
                    _ => false,
                } ? _random.Next(function.Kind == Kind.Recursive ? 8 : 32).ToString() : Pick(Literals));
                lines.Add($"(printf \"%lld\\n\" ({string.Join(" ", [function.Name, .. arguments])}))");
            }
        foreach (string global in _globals) lines.Add($"(printf \"%lld\\n\" {global})");
        lines.Add($"(let ((i 0) (sum 0)) (while (< i {BlockWords}) (set sum (+ (* sum 31) (oop-at {Block} i))) (set i (+ i 1))) (printf \"%lld\\n\" sum))");
        lines.Add($"(let ((sum 0)) (for (i 0 {DoubleBlockWords}) (set sum (+ (* sum 31) (double->long (fl* (double-at {DoubleBlock} i) 1000.0))))) (printf \"%lld\\n\" sum))");
        lines.Add("0");
        Line($"(define-function main ()\n  {string.Join("\n  ", lines)})");
    }

    private Code Expression(int depth, Scope scope)
    {
        if (depth <= 0 || Chance(5)) return Atom(scope);
        int d = depth - 1;
        switch (_random.Next(30))
        {
            case 0 or 1 or 2:
                return Combine(Pick(Arithmetic), Expressions(d, scope, Chance(4) ? 3 : 2));
            case 3:
                return Combine(Pick(["/", "%"]), [Chance(4) ? new Code("0x8000000000000000", 0) : Expression(d, scope), Divisor(d, scope)]);
            case 4:
                return Combine(Pick(["<<", ">>"]), [Expression(d, scope), Chance(2) ? new Code(Pick(ShiftCounts), 0) : Expression(d, scope)]);
            case 5 or 6:
                return Combine(Pick(Comparisons), Expressions(d, scope, 2));
            case 7:
                return Combine(Pick(["-", "~", "not"]), [Expression(d, scope)]);
            case 8:
                return Combine(Pick(["and", "or"]), Expressions(d, scope, _random.Next(2, 4)));
            case 9 or 10:
                var ifParts = Expressions(d, scope, Chance(4) ? 2 : 3);
                return Combine("if", ifParts) with { Cost = ifParts.Sum(p => p.Cost) + 1 };
            case 11:
                // A constant test: the optimiser keeps one branch.
                string constant = Pick(["0", "1", "(< 2 3)", "(= 1 2)", "(and 1 0)", "(or 0 5)", "(not 0)"]);
                return Combine("if", [new Code(constant, 0), .. Expressions(d, scope, 2)]);
            case 12:
                return Pick(["cond", "when", "unless"]) switch
                {
                    "when" => Combine("when", Expressions(d, scope, _random.Next(2, 4))),
                    "unless" => Combine("unless", Expressions(d, scope, _random.Next(2, 4))),
                    _ => Cond(d, scope),
                };
            case 13 or 14:
                return Let(d, scope);
            case 15 when scope.Assignable.Count > 0:
                var value = Expression(d, scope);
                return new Code($"(set {Pick(scope.Assignable)} {value.Text})", value.Cost + 1);
            case 16 or 17:
                return Call(d, scope) ?? Atom(scope);
            case 18:
                return Memory(d, scope);
            case 19 or 20:
                return Loop(d, scope);
            case 21:
                // A repeated subexpression: value numbering may compute it once (when it has no effects).
                var repeated = Expression(Math.Min(d, 2), scope);
                return Combine(Pick(Arithmetic), [repeated, Expression(d, scope), repeated]);
            case 22:
                return Double(d, scope);
            case 24 or 25:
                return Lanes(d, scope);
            case 23 when Chance(2):
                // An early return, from anywhere in an expression.
                var returned = Expression(d, scope);
                return Combine("if", [Expression(d, scope), new Code($"(return {returned.Text})", returned.Cost)]);
            default:
                return Atom(scope);
        }
    }

    private List<Code> Expressions(int depth, Scope scope, int count) => Enumerable.Range(0, count).Select(_ => Expression(depth, scope)).ToList();

    private static Code Combine(string head, IReadOnlyList<Code> parts) =>
        new($"({head} {string.Join(" ", parts.Select(p => p.Text))})", parts.Sum(p => p.Cost) + 1);

    private Code Atom(Scope scope) =>
        scope.Readable.Count > 0 && !Chance(3) ? new Code(Pick(scope.Readable), 0) : new Code(Chance(4) ? _random.NextInt64(-1000, 1000).ToString() : Pick(Literals), 0);

    private Code Divisor(int depth, Scope scope) => _random.Next(3) switch
    {
        0 => new Code(Pick(Divisors), 0),
        1 => Atom(scope),
        _ => Expression(depth, scope),
    };

    private Code Cond(int depth, Scope scope)
    {
        var clauses = new List<Code>();
        for (int i = 0, n = _random.Next(1, 4); i < n; i++) clauses.Add(Group(Expressions(depth, scope, Chance(5) ? 1 : 2)));
        if (Chance(2)) clauses.Add(Combine("else", [Expression(depth, scope)]));
        return Combine("cond", clauses);
    }

    /// <summary>Parenthesised parts with no head, as a cond clause.</summary>
    private static Code Group(IReadOnlyList<Code> parts) => new($"({string.Join(" ", parts.Select(p => p.Text))})", parts.Sum(p => p.Cost));

    private Code Let(int depth, Scope scope)
    {
        bool sequential = Chance(3);
        var names = new List<string>();
        var bindings = new List<Code>();
        var inner = scope;
        for (int i = 0, n = _random.Next(1, 4); i < n; i++)
        {
            string name = Fresh("v");
            var init = Expression(depth, sequential ? inner : scope);
            bindings.Add(new Code($"({name} {init.Text})", init.Cost));
            names.Add(name);
            if (sequential) inner = inner with { Readable = [.. inner.Readable, name], Assignable = [.. inner.Assignable, name] };
        }
        inner = scope with { Readable = [.. scope.Readable, .. names], Assignable = [.. scope.Assignable, .. names] };
        var body = Expressions(depth, inner, _random.Next(1, 3));
        return new Code($"({(sequential ? "let*" : "let")} ({string.Join(" ", bindings.Select(b => b.Text))}) {string.Join(" ", body.Select(b => b.Text))})",
            bindings.Sum(b => b.Cost) + body.Sum(b => b.Cost) + 1);
    }

    /// <summary>A call of an earlier function, when its cost, times the loops around it, fits the budget.</summary>
    private Code? Call(int depth, Scope scope)
    {
        if (!scope.Calls) return null;
        var callable = _functions.Where(f => f.Cost * scope.Repeats <= CallBudget).ToList();
        if (callable.Count == 0) return null;
        var function = Pick(callable);
        var arguments = Expressions(Math.Min(depth, 2), scope, function.Arity);
        if (function.Kind is Kind.Recursive or Kind.TailRecursive)
            arguments[0] = arguments[0] with { Text = $"(& {arguments[0].Text} {(function.Kind == Kind.Recursive ? 7 : 31)})" };
        return new Code($"({string.Join(" ", [function.Name, .. arguments.Select(a => a.Text)])})", arguments.Sum(a => a.Cost) + function.Cost);
    }

    /// <summary>
    /// A load or store in the block. Inside loops the index is often made of the counters, in range without a mask, as
    /// an array walk is (strength reduction and addressing modes); elsewhere any expression, masked into range.
    /// </summary>
    private Code Memory(int depth, Scope scope)
    {
        var (load, store, size) = Pick(Widths);
        int elements = BlockWords * 8 / size; // 16 to 128
        Code index;
        if (scope.Counters.Count > 0 && !Chance(3))
        {
            // Counters are 0 to 7, so every index is in range for 16 elements or more.
            string i = Pick(scope.Counters), j = Pick(scope.Counters);
            index = new Code(Pick([i, $"(+ {i} 8)", $"(+ {i} {j})", $"(- {elements - 1} {i})", $"(+ (* {i} 2) 1)",
                $"(+ (* {i} {elements / 8}) {_random.Next(elements / 8)})", $"(+ {i} {j} {elements - 16})"]), 0);
        }
        else
        {
            var any = Expression(depth, scope);
            index = any with { Text = $"(& {any.Text} {elements - 1})" };
        }
        if (Chance(2)) return new Code($"({load} {Block} {index.Text})", index.Cost + 1);
        var value = Expression(depth, scope);
        return new Code($"({store} {Block} {index.Text} {value.Text})", index.Cost + value.Cost + 1);
    }

    /// <summary>
    /// A loop that stores 2 or 4 adjacent doubles of the double block in each iteration, every lane the same tree of
    /// double arithmetic over its own lane of a source (the shape SLP vectorisation packs), now and then with the last
    /// lane different (another operator, or another lane's load), which must not be packed as if it were the same.
    /// Source and destination start anywhere in the first 16 words, so they overlap either way or not at all.
    /// </summary>
    private Code Lanes(int depth, Scope scope)
    {
        int lanes = Chance(3) ? 4 : 2;
        string counter = Fresh("i"), destination = Fresh("pd"), source = Fresh("ps");
        // Indices reach at most 15 + lanes * trips - 1, inside the block.
        int mostTrips = (DoubleBlockWords - 15) / lanes;
        string trips = Chance(2) ? _random.Next(0, mostTrips + 1).ToString() : $"(& {Atom(scope).Text} {(lanes == 4 ? 7 : 15)})";
        string Base() => Chance(2) ? $"(+ {DoubleBlock} {8 * _random.Next(16)})" : $"(+ {DoubleBlock} (* 8 (& {Atom(scope).Text} 15)))";
        string sourceBase = Chance(4) ? destination : Base();
        string Element(string pointer, int lane) => $"(double-at {pointer} (+ (* {counter} {lanes}) {lane}))";

        // A tree of operators whose leaves are rendered per lane: the lane's element of the source or destination, a
        // value the loop does not change (its own for each lane), or one it does.
        int leaves = 0;
        Func<int, bool, string> Tree(int levels)
        {
            if (levels > 0 && !Chance(4))
            {
                string op = Pick(["fl+", "fl-", "fl*", "fl*", "fl/"]);
                var left = Tree(levels - 1);
                var right = Tree(levels - 1);
                string other = Pick(["fl+", "fl-", "fl*", "fl/"]);
                return (lane, odd) => $"({(odd && Chance(3) ? other : op)} {left(lane, odd)} {right(lane, odd)})";
            }
            leaves++;
            switch (_random.Next(5))
            {
                case 0 or 1:
                    string pointer = Chance(3) ? destination : sourceBase == destination ? destination : source;
                    return (lane, odd) => Element(pointer, odd && Chance(3) ? (lane + 1) % lanes : lane);
                case 2:
                    var values = Enumerable.Range(0, lanes)
                        .Select(_ => Chance(2) ? Pick(DoubleLiterals) : $"(long->double {Atom(scope).Text})").ToArray();
                    return (lane, _) => values[lane];
                case 3:
                    return (_, _) => $"(long->double {counter})";
                default:
                    return (lane, _) => $"(long->double (+ {counter} {lane}))";
            }
        }
        var tree = Tree(_random.Next(1, 4));
        bool oddLastLane = Chance(4);
        var stores = Enumerable.Range(0, lanes)
            .Select(lane => $"(set-double-at {destination} (+ (* {counter} {lanes}) {lane}) {tree(lane, oddLastLane && lane == lanes - 1)})");
        string bindings = sourceBase == destination ? $"({destination} {Base()})" : $"({destination} {Base()}) ({source} {sourceBase})";
        return new Code($"(let ({bindings}) (for ({counter} 0 {trips}) {string.Join(" ", stores)}))", mostTrips * lanes * (leaves + 2));
    }

    /// <summary>
    /// A loop of at most 7 iterations whose counter the body cannot assign, accumulating into a local, with an
    /// expression of the outer scope only (invariant) in the body. Three shapes: while up, while down, and for.
    /// </summary>
    private Code Loop(int depth, Scope scope)
    {
        string counter = Fresh("i"), accumulator = Fresh("acc");
        var start = Expression(depth, scope);
        int trips = _random.Next(0, 8);
        string limit = Chance(3) ? $"(& {Atom(scope).Text} 7)" : trips.ToString();
        var inner = new Scope([.. scope.Readable, counter, accumulator], [.. scope.Assignable, accumulator], [.. scope.Counters, counter], scope.Repeats * 8, scope.Calls);
        var invariant = Expression(Math.Min(depth, 2), scope with { Repeats = inner.Repeats });
        var statements = Expressions(depth, inner, _random.Next(0, 3));
        if (Chance(2)) statements.Add(Memory(depth, inner));
        var update = Expression(depth, inner);
        // Not & | *: those soon make the accumulator 0 or -1 whatever the iterations compute.
        string op = Pick(["+", "-", "^"]);
        string body = string.Concat(statements.Select(s => s.Text + " ")) + $"(set {accumulator} ({op} {accumulator} {invariant.Text} {update.Text}))";
        long cost = start.Cost + 8 * (statements.Sum(s => s.Cost) + invariant.Cost + update.Cost + 3);
        string text = _random.Next(3) switch
        {
            0 => $"(let (({counter} 0) ({accumulator} {start.Text})) (while (< {counter} {limit}) {body} (set {counter} (+ {counter} 1))) {accumulator})",
            1 => $"(let (({counter} {limit}) ({accumulator} {start.Text})) (while (> {counter} 0) {body} (set {counter} (- {counter} 1))) {accumulator})",
            _ => $"(let (({accumulator} {start.Text})) (for ({counter} 0 {limit}) {body}) {accumulator})",
        };
        return new Code(text, cost);
    }

    /// <summary>A word from double arithmetic: a conversion back (saturating, NaN 0) or a comparison, so NaN bits never show.</summary>
    private Code Double(int depth, Scope scope) => _random.Next(4) switch
    {
        3 => Combine("double->long", [Combine("fl*", [DoubleElement(depth, scope), new Code("1000.0", 0)])]),
        0 => Combine(Pick(["fl<", "fl<=", "fl=", "fl!=", "fl>=", "fl>"]), [DoubleExpression(depth, scope), DoubleExpression(depth, scope)]),
        1 => Combine("double->long", [Combine("fl*", [DoubleExpression(depth, scope), new Code("1000.0", 0)])]),
        _ => Combine("double->long", [DoubleExpression(depth, scope)]),
    };

    /// <summary>An element of the double block, or a float or double read from the integer block, whose bits may be a NaN's.</summary>
    private Code DoubleElement(int depth, Scope scope)
    {
        var index = Expression(Math.Min(depth, 1), scope);
        return Chance(3)
            ? Combine(Pick(["float-at", "double-at"]), [new Code(Block, 0), index with { Text = $"(& {index.Text} {BlockWords - 1})" }])
            : Combine("double-at", [new Code(DoubleBlock, 0), index with { Text = $"(& {index.Text} {DoubleBlockWords - 1})" }]);
    }

    private Code DoubleExpression(int depth, Scope scope)
    {
        if (depth <= 0 || Chance(4))
            return _random.Next(5) switch
            {
                0 or 1 => new Code(Pick(DoubleLiterals), 0),
                2 => DoubleElement(0, scope),
                _ => Combine("long->double", [Atom(scope)]),
            };
        int d = depth - 1;
        return _random.Next(5) switch
        {
            0 => Combine(Pick(["fl+", "fl-", "fl*", "fl/"]), [DoubleExpression(d, scope), DoubleExpression(d, scope)]),
            1 => Combine(Pick(["fl-", "flabs", "flsqrt", "flfloor", "flceiling", "flround", "fltruncate"]), [DoubleExpression(d, scope)]),
            2 => Combine(Pick(["flmin", "flmax"]), [DoubleExpression(d, scope), DoubleExpression(d, scope)]),
            3 => Combine("long->double", [Expression(d, scope)]),
            _ => Combine(Pick(["fl+", "fl*"]), [DoubleExpression(d, scope), DoubleExpression(d, scope), DoubleExpression(d, scope)]),
        };
    }
}
