using System.Text;

namespace Maru.Compiler.Tests.BadInput;

/// <summary>
/// Random programs from a small grammar of the language (spec sections 2–5 and 10): macros built with quasiquote (before
/// the code that uses them), structures, constant globals, symbol macros, functions of 0 to 9 parameters whose bodies
/// are random expressions (lets, loops, conditionals, calls direct and indirect, macro calls, memory and structure
/// access), and a main. Names are used where they are in scope and calls match their arity, so most programs compile:
/// they exercise the back ends, where a mutant of the corpus mostly stops at the first diagnostic.
/// </summary>
public sealed class FuzzProgramGenerator
{
    private enum MacroKind { Operator, Variadic, Guard, Repeat, Folded, Mapped, Helper, Definer }

    private static readonly string[] BinaryOperators = ["+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", "<", "<=", "=", "!=", ">=", ">"];
    private static readonly string[] Numbers = ["0", "1", "2", "3", "7", "10", "42", "-1", "-42", "255", "0x7f", "?a", "?\\n", "0xffffffffffffffff", "9223372036854775807", "-9223372036854775808", "010"];

    private readonly Random _random;
    private readonly StringBuilder _text = new();
    private readonly List<(string Name, int Arity)> _functions = new();
    private readonly List<string> _globals = new();       // integer globals: assignable
    private readonly List<string> _values = new();        // other names that are words: string globals, symbol macros
    private readonly List<(string Name, string[] Fields)> _structures = new();
    private readonly List<(string Name, MacroKind Kind)> _macros = new();
    private bool _hasPrintf;
    private int _fresh;

    private FuzzProgramGenerator(Random random) => _random = random;

    public static string Generate(Random random) => new FuzzProgramGenerator(random).Program();

    private string Program()
    {
        bool region = Chance(2);
        if (region)
            Line("(define-function fz-doubled (forms) (map (lambda (x) `(* 2 ,x)) forms))");
        for (int i = 0, n = _random.Next(5); i < n; i++) Macro(region);
        if (region) Line("(compile-begin)");

        if (Chance(2))
        {
            Line("(define printf (extern 'printf))");
            _hasPrintf = true;
        }
        for (int i = 0, n = _random.Next(3); i < n; i++)
        {
            string name = $"<s{i}>";
            var fields = Enumerable.Range(0, _random.Next(1, 4)).Select(f => $"f{f}").ToArray();
            _structures.Add((name, fields));
            Line($"(define-structure {name} ({string.Join(" ", fields)}))");
        }

        int functions = _random.Next(1, 7);
        for (int i = 0; i < functions; i++) _functions.Add(($"fn{i}", _random.Next(0, 10)));
        for (int i = 0, n = _random.Next(4); i < n; i++) Global(i);
        if (Chance(3))
        {
            Line($"(define-constant k0 {Pick(Numbers)})");
            _values.Add("k0");
        }

        foreach (var (name, arity) in _functions.ToList()) Function(name, arity);
        foreach (var (name, kind) in _macros.Where(m => m.Kind == MacroKind.Definer).ToList())
        {
            string defined = $"fd{_fresh++}";
            Line($"({name} {defined} {Expression(2, [])})");
            _functions.Add((defined, 0));
        }
        Function("main", Chance(2) ? 0 : 2);
        if (region) Line("(compile-end)");
        return _text.ToString();
    }

    private void Line(string line) => _text.Append(line).Append('\n');
    private bool Chance(int n) => _random.Next(n) == 0;
    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private void Macro(bool region)
    {
        var kinds = Enum.GetValues<MacroKind>().Where(k => region || k != MacroKind.Helper).ToArray();
        var kind = kinds[_random.Next(kinds.Length)];
        string name = $"m{_macros.Count}";
        _macros.Add((name, kind));
        Line(kind switch
        {
            MacroKind.Operator => $"(define-form {name} (a b) `({Pick(BinaryOperators)} ,a ,b))",
            MacroKind.Variadic => $"(define-form {name} args `(+ 0 ,@args))",
            MacroKind.Guard => $"(define-form {name} (c . body) `(if ,c (let () ,@body) 0))",
            MacroKind.Repeat => $"(define-form {name} (v n . body) `(let ((,v 0)) (while (< ,v ,n) ,@body (set ,v (+ ,v 1))) ,v))",
            MacroKind.Folded => $"(define-form {name} (n) (if (long? n) (* n 3) n))",
            MacroKind.Mapped => $"(define-form {name} args `(+ 0 ,@(map (lambda (x) `(- ,x 1)) args)))",
            MacroKind.Helper => $"(define-form {name} args `(+ 1 ,@(fz-doubled args)))",
            _ => $"(define-form {name} (name value) `(define-function ,name () ,value))",
        });
    }

    private void Global(int index)
    {
        string name = $"g{index}";
        switch (_random.Next(5))
        {
            case 0: Line($"(define {name})"); _globals.Add(name); break;
            case 1: Line($"(define {name} \"global {index}\")"); _values.Add(name); break;
            case 2: Line($"(define {name} {Pick(_functions).Name})"); _values.Add(name); break;
            default: Line($"(define {name} ({Pick(BinaryOperators)} {Pick(Numbers)} {Pick(Numbers)}))"); _globals.Add(name); break;
        }
    }

    private void Function(string name, int arity)
    {
        List<string> parameters = name == "main" && arity == 2 ? ["argc", "argv"] : Enumerable.Range(0, arity).Select(i => $"p{i}").ToList();
        string documentation = Chance(4) ? "\"Generated.\" " : "";
        string body = string.Join(" ", Enumerable.Range(0, _random.Next(1, 4)).Select(_ => Expression(4, parameters)));
        Line($"(define-function {name} ({string.Join(" ", parameters)}) {documentation}{body})");
    }

    private string Expressions(int depth, List<string> locals, int most) =>
        string.Join(" ", Enumerable.Range(0, _random.Next(1, most + 1)).Select(_ => Expression(depth, locals)));

    private string Expression(int depth, List<string> locals)
    {
        if (depth <= 0 || Chance(4)) return Leaf(locals);
        int d = depth - 1;
        switch (_random.Next(22))
        {
            case 0 or 1: return $"({Pick(BinaryOperators)} {Expression(d, locals)} {Expression(d, locals)})";
            case 2: return $"({Pick(["-", "~", "not"])} {Expression(d, locals)})";
            case 3: return $"({Pick(["+", "*", "&", "|", "^", "and", "or"])} {Expressions(d, locals, 4)})";
            case 4: return $"(if {Expression(d, locals)} {Expression(d, locals)}{(Chance(3) ? "" : " " + Expression(d, locals))})";
            case 5:
                return $"(cond ({Expression(d, locals)} {Expression(d, locals)}) ({Expression(d, locals)}){(Chance(2) ? $" (else {Expression(d, locals)})" : "")})";
            case 6: return $"({Pick(["when", "unless"])} {Expression(d, locals)} {Expressions(d, locals, 3)})";
            case 7 or 8: return Let(d, locals);
            case 9 or 10: return Call(d, locals);
            case 11: return MacroCall(d, locals) ?? Call(d, locals);
            case 12 when locals.Count + _globals.Count > 0:
                string target = Pick([.. locals, .. _globals]);
                return Pick([$"(set {target} {Expression(d, locals)})", $"(incr {target})", $"(decr {target} {Expression(d, locals)})"]);
            case 13: return Loop(d, locals);
            case 14 when _structures.Count > 0: return Structure(d, locals);
            case 15:
                return Pick([$"(oop-at {Expression(d, locals)} {Expression(d, locals)})", $"(string-at {Expression(d, locals)} {Expression(d, locals)})",
                    $"(set-oop-at {Expression(d, locals)} {Expression(d, locals)} {Expression(d, locals)})",
                    $"(set (byte-at {Expression(d, locals)} {Expression(d, locals)}) {Expression(d, locals)})"]);
            case 16: return $"(return {Expression(d, locals)})";
            case 17 when locals.Count + _globals.Count > 0: return $"(address-of {Pick([.. locals, .. _globals])})";
            case 18 when _hasPrintf: return $"(printf \"%lld %s\\n\" {Expression(d, locals)} \"text\")";
            case 19:
                string first = Fresh(), second = Fresh();
                return $"(let* (({first} {Expression(d, locals)}) ({second} {Expression(d, [.. locals, first])})) {Expression(d, [.. locals, first, second])})";
            default: return Leaf(locals);
        }
    }

    private string Fresh() => $"v{_fresh++}";

    private string Leaf(List<string> locals)
    {
        int choice = _random.Next(10);
        if (choice < 4 && locals.Count > 0) return Pick(locals);
        if (choice == 4 && _globals.Count + _values.Count > 0) return Pick([.. _globals, .. _values]);
        if (choice == 5) return Pick(_functions).Name;
        if (choice == 6) return "\"s\"";
        return Pick(Numbers);
    }

    private string Let(int depth, List<string> locals)
    {
        var names = Enumerable.Range(0, _random.Next(0, 4)).Select(_ => Fresh()).ToList();
        string bindings = string.Join(" ", names.Select(n => Chance(5) ? $"({n})" : $"({n} {Expression(depth, locals)})"));
        return $"(let ({bindings}) {Expressions(depth, [.. locals, .. names], 3)})";
    }

    private string Call(int depth, List<string> locals)
    {
        var (name, arity) = Pick(_functions);
        string arguments = string.Concat(Enumerable.Range(0, arity).Select(_ => " " + Expression(Math.Min(depth, 2), locals)));
        if (!Chance(4)) return $"({name}{arguments})";
        // An indirect call through a local holding the function's address.
        string pointer = Fresh();
        return $"(let (({pointer} {name})) ({pointer}{arguments}))";
    }

    private string? MacroCall(int depth, List<string> locals)
    {
        var usable = _macros.Where(m => m.Kind != MacroKind.Definer).ToList();
        if (usable.Count == 0) return null;
        var (name, kind) = usable[_random.Next(usable.Count)];
        switch (kind)
        {
            case MacroKind.Operator: return $"({name} {Expression(depth, locals)} {Expression(depth, locals)})";
            case MacroKind.Guard: return $"({name} {Expression(depth, locals)} {Expressions(depth, locals, 3)})";
            case MacroKind.Repeat:
                string counter = Fresh();
                return $"({name} {counter} {Expression(depth, locals)} {Expressions(depth, [.. locals, counter], 2)})";
            case MacroKind.Folded: return $"({name} {Pick(Numbers)})";
            default: return $"({name} {Expressions(depth, locals, 4)})";
        }
    }

    private string Loop(int depth, List<string> locals)
    {
        string v = Fresh();
        var inner = new List<string>([.. locals, v]);
        switch (_random.Next(4))
        {
            case 0: return $"(let (({v} 0)) (while (< {v} {Expression(depth, locals)}) {Expressions(depth, inner, 2)} (incr {v})) {v})";
            case 1: return $"(for ({v} {Expression(depth, locals)} {Expression(depth, locals)}{(Chance(2) ? " 2" : "")}) {Expressions(depth, inner, 2)})";
            case 2:
                string acc = Fresh();
                return $"(loop (({v} 0 (+ {v} 1)) ({acc} 0 (+ {acc} {v}))) (< {v} {Expression(depth, locals)}) {Expressions(depth, [.. inner, acc], 2)})";
            default: return $"(let (({v} 10)) (until (= {v} 0) {Expressions(depth, inner, 2)} (decr {v})) {v})";
        }
    }

    private string Structure(int depth, List<string> locals)
    {
        var (name, fields) = _structures[_random.Next(_structures.Count)];
        string field = Pick(fields);
        string p = Expression(depth, locals);
        return _random.Next(5) switch
        {
            0 => $"({name}-{field} {p})",
            1 => $"(set ({name}-{field} {p}) {Expression(depth, locals)})",
            2 => $"(set-{name}-{field} {p} {Expression(depth, locals)})",
            3 => $"(incr ({name}-{field} {p}) {Expression(depth, locals)})",
            _ => $"(+ (sizeof {name}) {name})",
        };
    }
}
