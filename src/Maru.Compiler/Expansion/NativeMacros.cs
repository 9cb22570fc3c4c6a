using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Expansion;

/// <summary>
/// The prelude's macros written in C#: those that long programs use so much that they must be fast and must not
/// recurse once per element (a cond of 100 000 clauses, a let* of 100 000 bindings). Each expands exactly as boot.l's
/// macro of the same name does, so expansions print the same; they also check their shape, as the prelude does.
/// </summary>
internal static class NativeMacros
{
    public static void Define(Interpreter interpreter)
    {
        Form(interpreter, "quasiquote", (it, operands) => new Quasiquote(it).Object((operands as Pair)?.Head));
        Form(interpreter, "cond", Cond);
        Form(interpreter, "let*", LetStar);
        Form(interpreter, "define-function", DefineFunction);
    }

    /// <summary><c>(define-function name (p...) body...)</c>: <c>(define name (lambda (p...) body...))</c>.</summary>
    private static object? DefineFunction(Interpreter it, object? operands)
    {
        int count = Interpreter.ListToArray(operands).Length;
        if (count < 2)
            throw new MaruError($"'define-function' expects at least 2 operands but is given {count}", DiagnosticCodes.WrongOperandCount);
        var (name, rest) = ((Pair)operands!, ((Pair)operands!).Tail as Pair);
        if (name.Head is not MaruSymbol)
            throw new MaruError("define-function expects a name and a parameter list: (define-function name (p1 p2 ...) body...)", DiagnosticCodes.MalformedForm);
        return List(it.Intern("define"), name.Head, new Pair(it.Intern("lambda"), rest));
    }

    private static void Form(Interpreter interpreter, string name, Func<Interpreter, object?, object?> expander) =>
        interpreter.Globals.Define(interpreter.Intern(name), new MaruForm(Primitive.Macro(name, expander), null));

    /// <summary>The body of a clause as one form: <c>(let () body...)</c> for several forms, the form itself for one (boot.l's %progn).</summary>
    private static object? Progn(Interpreter it, object? body) =>
        body is Pair { Tail: not null } ? new Pair(it.Intern("let"), new Pair(null, body)) : (body as Pair)?.Head;

    /// <summary><c>(cond (test body...) ... (else body...))</c>: nested ifs, built from the last clause back.</summary>
    private static object? Cond(Interpreter it, object? operands)
    {
        var clauses = Interpreter.ListToArray(operands);
        var @else = it.Intern("else");
        var arrow = it.Intern("=>");
        object? result = null;
        for (int i = clauses.Length - 1; i >= 0; i--)
        {
            if (clauses[i] is not Pair { Head: var test, Tail: var body })
                throw new MaruError("a cond clause is (test body...)", DiagnosticCodes.MalformedForm);
            if (ReferenceEquals(test, @else))
                result = Progn(it, body);
            else if (body is Pair { Head: var first, Tail: var function } && ReferenceEquals(first, arrow))
            {
                // (test => function): (let ((_ test)) (if _ (function _) rest))
                var underscore = it.Intern("_");
                result = List(it.Intern("let"), List(List(underscore, test)),
                    List(it.Intern("if"), underscore, List(Progn(it, function), underscore), result));
            }
            else
                result = List(it.Intern("if"), test, Progn(it, body), result);
        }
        return result;
    }

    /// <summary>
    /// <c>(let* (b1 b2 ...) body...)</c>: <c>(let (b1) (let (b2) ... (let (bn) body...)))</c>. A binding whose name is
    /// a list unpacks a list value: <c>((a b) v)</c> binds <c>_%let_values_</c> to v, then a to its car and b to its cadr.
    /// </summary>
    private static object? LetStar(Interpreter it, object? operands)
    {
        if (operands is not Pair { Head: Pair or null, Tail: var body } arguments)
            throw new MaruError("let* expects a list of bindings: (let* ((name value) ...) body...)", DiagnosticCodes.MalformedForm);
        var bindings = new List<object?>();
        var values = it.Intern("_%let_values_");
        for (object? rest = arguments.Head; rest is Pair cell; rest = cell.Tail)
        {
            if (cell.Head is Pair { Head: Pair names, Tail: var value })
            {
                bindings.Add(new Pair(values, value));
                object? getter = values;
                object? name = names;
                for (; name is Pair n; name = n.Tail, getter = List(it.Intern("cdr"), getter))
                    bindings.Add(List(n.Head, List(it.Intern("car"), getter)));
                if (name is MaruSymbol restName) bindings.Add(List(restName, getter));
            }
            else
            {
                bindings.Add(cell.Head);
            }
        }
        var let = it.Intern("let");
        // The innermost let holds the last binding (or none) and the body; each earlier binding wraps it.
        object? result = new Pair(let, new Pair(bindings.Count == 0 ? null : new Pair(bindings[^1], null), body));
        for (int i = bindings.Count - 2; i >= 0; i--) result = List(let, List(bindings[i]), result);
        return result;
    }

    private static Pair List(params object?[] items) => (Pair)Interpreter.ArrayToList(items)!;
}

/// <summary>
/// Quasiquote as Maru's boot.l expands it, so expansions print the same: a template becomes calls of <c>cons</c>,
/// <c>concat-list</c> (for <c>,@</c>) and <c>quote</c>; <c>,x</c> is <c>x</c>; nested quasiquotes are not levels.
/// </summary>
internal sealed class Quasiquote(Interpreter interpreter)
{
    private readonly MaruSymbol _quote = interpreter.Intern("quote");
    private readonly MaruSymbol _unquote = interpreter.Intern("unquote");
    private readonly MaruSymbol _splice = interpreter.Intern("unquote-splicing");
    private readonly MaruSymbol _cons = interpreter.Intern("cons");
    private readonly MaruSymbol _concatList = interpreter.Intern("concat-list");

    public object? Object(object? value) =>
        value is Pair pair
            ? ReferenceEquals(pair.Head, _unquote) ? Second(pair) : List(pair)
            : Call(_quote, value);

    /// <summary>The list from <paramref name="list"/> on, built from its end so a long list does not recurse.</summary>
    private object? List(Pair list)
    {
        var cells = new List<Pair>();
        object? rest = list;
        for (; rest is Pair cell; rest = cell.Tail) cells.Add(cell);
        object? result = Call(_quote, rest);
        for (int i = cells.Count - 1; i >= 0; i--)
        {
            var item = cells[i].Head;
            bool last = i == cells.Count - 1 && rest is null;
            if (item is Pair splice && ReferenceEquals(splice.Head, _splice))
                result = last ? Second(splice) : Call(_concatList, Second(splice), result);
            else if (ReferenceEquals(item, _unquote) && i == cells.Count - 2 && rest is null)
                result = cells[i + 1].Head; // (a . ,b) reads as (a unquote b)
            else
                result = Call(_cons, Object(item), result);
        }
        return result;
    }

    private static object? Second(Pair pair) => (pair.Tail as Pair)?.Head;

    private static Pair Call(MaruSymbol function, object? a) => new(function, new Pair(a, null));
    private static Pair Call(MaruSymbol function, object? a, object? b) => new(function, new Pair(a, new Pair(b, null)));
}
