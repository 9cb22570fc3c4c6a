using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Expansion;

public sealed partial class Interpreter
{
    /// <summary>
    /// Maru's expander: expands a form fully in <paramref name="environment"/>. The head of a list is expanded first; a
    /// head naming a form (macro) is replaced by the macro's result, which is expanded again; <c>quote</c> stops
    /// expansion; a symbol bound to a symbol macro is replaced; <c>(set (f a...) v)</c> becomes <c>(set-f a... v)</c>;
    /// other atoms go to the expander of their type in <c>*expanders*</c>. Cells a macro makes get the call's place.
    /// </summary>
    public object? Expand(object? form, MaruEnvironment environment)
    {
        switch (form)
        {
            case Pair pair:
                return ExpandPair(pair, environment);
            case MaruSymbol symbol:
                if (Lookup(environment, symbol) is MaruForm { SymbolFunction: { } expander })
                    return ExpandMacroCall(expander, symbol, [environment, symbol], default, environment, null);
                return symbol;
            case null:
                return null;
            default:
                if (Lookup(Globals, Intern("*expanders*")) is MaruArray expanders
                    && TypeOf(form) is var type && type < expanders.Count && expanders.Items[(int)type] is { } typeExpander)
                    return Apply(typeExpander, [form]);
                return form;
        }
    }

    private object? ExpandPair(Pair pair, MaruEnvironment environment)
    {
        object? head = Expand(pair.Head, environment);
        if (head is MaruSymbol name && Lookup(environment, name) is MaruForm { Function: { } function })
            return ExpandMacroCall(function, name, [environment], pair.Span, environment, pair.Tail, pair);

        if (head is MaruSymbol setter && SetterOfAccessor(setter, pair, environment) is { } assignment)
            return Expand(assignment, environment);

        object? tail = ReferenceEquals(head, QuoteSymbol) ? pair.Tail : ExpandList(pair.Tail, environment);
        var headSpan = pair.HeadSpan;
        if (ReferenceEquals(head, SetSymbol) && tail is Pair { Head: Pair { Head: MaruSymbol accessor } place } setTail)
        {
            // (set (f a...) v) => (set-f a... v)
            head = Intern("set-" + accessor.Name);
            headSpan = place.HeadSpan;
            tail = Append(place.Tail, setTail.Tail, place.Span);
        }
        if (ReferenceEquals(head, pair.Head) && ReferenceEquals(tail, pair.Tail)) return pair;
        return new Pair(head, tail) { Span = pair.Span, HeadSpan = headSpan };
    }

    /// <summary>
    /// <c>(set-f a... v)</c> where <c>set-f</c> is not defined and <c>f</c> is a macro (a structure accessor) is
    /// <c>(set (f a...) v)</c>: spec section 2 writes structure fields that way. Null when it is not such a call.
    /// </summary>
    private Pair? SetterOfAccessor(MaruSymbol head, Pair call, MaruEnvironment environment)
    {
        if (!head.Name.StartsWith("set-", StringComparison.Ordinal) || head.Name.Length == 4 || environment.Find(head) is not null) return null;
        var accessor = Intern(head.Name[4..]);
        if (Lookup(environment, accessor) is not MaruForm { Function: not null }) return null;
        var operands = ListToArray(call.Tail);
        if (operands.Length == 0) return null;
        var place = new Pair(accessor, ArrayToList(operands, 0, null, operands.Length - 1)) { Span = call.Span, HeadSpan = call.HeadSpan };
        return new Pair(SetSymbol, new Pair(place, new Pair(operands[^1], null))) { Span = call.Span, HeadSpan = call.HeadSpan };
    }

    /// <summary>Expands every element of a list (and a dotted tail), returning the same list when nothing changed.</summary>
    private object? ExpandList(object? list, MaruEnvironment environment)
    {
        if (list is not Pair) return Expand(list, environment);
        var cells = new List<Pair>();
        object? rest = list;
        for (; rest is Pair cell; rest = cell.Tail) cells.Add(cell);
        object? result = Expand(rest, environment);
        bool changed = !ReferenceEquals(result, rest);
        var heads = new object?[cells.Count];
        for (int i = 0; i < cells.Count; i++)
        {
            heads[i] = Expand(cells[i].Head, environment);
            changed |= !ReferenceEquals(heads[i], cells[i].Head);
        }
        if (!changed) return list;
        for (int i = cells.Count - 1; i >= 0; i--)
            result = new Pair(heads[i], result) { Span = cells[i].Span, HeadSpan = cells[i].HeadSpan };
        return result;
    }

    private static object? Append(object? front, object? back, SourceSpan span)
    {
        var items = ListToArray(front);
        object? result = back;
        for (int i = items.Length - 1; i >= 0; i--) result = new Pair(items[i], result) { Span = span, HeadSpan = span };
        return result;
    }

    /// <summary>
    /// Applies a macro to a call's operands (after the environment) and expands what it gives. An error is reported
    /// at the call, naming the innermost macro; the cells the macro made get the call's place, or for a name it
    /// moved, the place of that name in the call.
    /// </summary>
    private object? ExpandMacroCall(object? function, MaruSymbol name, object?[] arguments, SourceSpan span, MaruEnvironment environment,
        object? dottedTail, Pair? call = null)
    {
        int operands = arguments.Length - 1 + ListToArray(dottedTail).Length;
        if (function is Closure { Code: var code } && (operands + 1 < code.FixedCount || (!code.HasRest && operands + 1 > code.FixedCount)))
        {
            int expected = code.FixedCount - 1, given = operands;
            throw new MaruError(
                $"'{name.Name}' expects {(code.HasRest ? "at least " : "")}{expected} operand{(expected == 1 && !code.HasRest ? "" : "s")} but is given {given}",
                DiagnosticCodes.WrongOperandCount) { Span = span, NamesMacro = true };
        }
        object? result;
        Enter();
        try
        {
            result = function is Primitive { MacroExpander: { } expander } && arguments.Length == 1
                ? expander(this, dottedTail)
                : Apply(function, arguments, dottedTail);
        }
        catch (MaruError error) when (error.NameMacro(name.Name, span))
        {
            throw; // never: NameMacro answers false
        }
        finally
        {
            Leave();
        }
        if (span.File is not null) GiveSpan(result, span, call);
        Enter();
        try { return Expand(result, environment); }
        finally { Leave(); }
    }

    /// <summary>
    /// Gives the cells a macro made (those without a place) the place of the macro call. A cell holding a name that
    /// the call has near its top (a defined name, a loop variable, a limit) gets that name's place in the call: the
    /// n-th such cell, in reading order, the place of the n-th occurrence of the name (the first when there are fewer).
    /// </summary>
    internal static void GiveSpan(object? value, SourceSpan span, Pair? call = null)
    {
        if (value is not Pair { Span.File: null, Frozen: false }) return;
        Dictionary<MaruSymbol, NamePlace>? names = null;
        var pending = new Stack<Pair>();
        pending.Push((Pair)value);
        while (pending.Count > 0)
        {
            var cell = pending.Pop();
            if (cell.Span.File is not null || cell.Frozen) continue;
            cell.Span = span;
            if (cell.HeadSpan.File is null)
            {
                if (cell.Head is MaruSymbol symbol && call is not null)
                    cell.HeadSpan = (names ??= NamePlaces(call)).TryGetValue(symbol, out var place) ? place.Next() : span;
                else
                    cell.HeadSpan = span;
            }
            // Tail first, so the head is handled first: cells are given places in reading order.
            if (cell.Tail is Pair { Span.File: null } tail) pending.Push(tail);
            if (cell.Head is Pair { Span.File: null } head) pending.Push(head);
        }
    }

    /// <summary>The places one name is written at in a macro call, handed out in order.</summary>
    private sealed class NamePlace(SourceSpan first)
    {
        private readonly List<SourceSpan> _places = [first];
        private int _next;
        public void Add(SourceSpan place) => _places.Add(place);
        public SourceSpan Next() => _next < _places.Count ? _places[_next++] : _places[0];
    }

    /// <summary>Where each name in the first three levels of a call is written, in reading order (at most 10 000 cells are looked at).</summary>
    private static Dictionary<MaruSymbol, NamePlace> NamePlaces(Pair call)
    {
        var places = new Dictionary<MaruSymbol, NamePlace>(ReferenceEqualityComparer.Instance);
        int budget = 10_000;
        void Walk(Pair list, int depth)
        {
            for (object? rest = list; rest is Pair cell; rest = cell.Tail)
            {
                if (--budget < 0) return;
                if (cell.Head is MaruSymbol name && cell.HeadSpan.File is not null)
                {
                    if (places.TryGetValue(name, out var place)) place.Add(cell.HeadSpan);
                    else places[name] = new NamePlace(cell.HeadSpan);
                }
                else if (cell.Head is Pair inner && depth < 2) Walk(inner, depth + 1);
            }
        }
        Walk(call.Tail as Pair ?? call, 0);
        return places;
    }
}
