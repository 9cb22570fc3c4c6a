using System.Runtime.CompilerServices;
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
                if (symbol.MayNameForm && Lookup(environment, symbol) is MaruForm { SymbolFunction: { } expander })
                    return ExpandMacroCall(expander, symbol, [environment, symbol], default, environment, null);
                return symbol;
            case null:
                return null;
            default:
                if (Lookup(Globals, ExpandersSymbol) is MaruArray expanders
                    && TypeOf(form) is var type && type < expanders.Count && expanders.Items[(int)type] is { } typeExpander)
                    return Apply(typeExpander, [form]);
                return form;
        }
    }

    private object? ExpandPair(Pair pair, MaruEnvironment environment)
    {
        // A list that holds itself (a macro can make one) would be expanded without end.
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new MaruError("a form nests too deeply to expand (or contains itself)", DiagnosticCodes.CompileTimeLimit);
        object? head = Expand(pair.Head, environment);
        if (head is MaruSymbol { MayNameForm: true } name && Lookup(environment, name) is MaruForm { Function: { } function })
            return ExpandMacroCall(function, name, [environment], pair.Span, environment, pair.Tail, pair);

        if (head is MaruSymbol setter && SetterOfAccessor(setter, pair, environment) is { } assignment)
            return Expand(assignment, environment);

        if (head is MaruSymbol { Name: "extern" } externHead && Lookup(environment, externHead) is Primitive { Name: "extern" }
            && ListToArray(pair.Tail) is [var cname, var parameterTypes, var resultType])
        {
            // (extern 'cname (T ...) R): the C signature is types, not expressions to evaluate (spec section 11).
            var quoted = new Pair(cname, new Pair(Quote(parameterTypes, pair.Span), new Pair(Quote(resultType, pair.Span), null)));
            return Pair.PlacedAs(head, quoted, pair);
        }

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
        return headSpan == pair.HeadSpan ? Pair.PlacedAs(head, tail, pair) : new Pair(head, tail, pair.Span, headSpan);
    }

    private static Pair Quote(object? form, SourceSpan span) => new(QuoteSymbol, new Pair(form, null), span, default);

    /// <summary>
    /// <c>(set-f a... v)</c> where <c>set-f</c> is not defined and <c>f</c> is a macro (a structure accessor) is
    /// <c>(set (f a...) v)</c>: spec section 2 writes structure fields that way. Null when it is not such a call.
    /// </summary>
    private Pair? SetterOfAccessor(MaruSymbol head, Pair call, MaruEnvironment environment)
    {
        if (!head.Name.StartsWith("set-", StringComparison.Ordinal) || head.Name.Length == 4 || environment.Find(head) is not null) return null;
        var accessor = Intern(head.Name[4..]);
        if (!accessor.MayNameForm || Lookup(environment, accessor) is not MaruForm { Function: not null }) return null;
        var operands = ListToArray(call.Tail);
        if (operands.Length == 0) return null;
        var place = Pair.PlacedAs(accessor, ArrayToList(operands, 0, null, operands.Length - 1), call);
        return Pair.PlacedAs(SetSymbol, new Pair(place, new Pair(operands[^1], null)), call);
    }

    /// <summary>Expands every element of a list (and a dotted tail), returning the same list when nothing changed.</summary>
    private object? ExpandList(object? list, MaruEnvironment environment)
    {
        if (list is not Pair) return Expand(list, environment);
        // Most lists come out unchanged: nothing is allocated until an element changes.
        List<object?>? changedHeads = null;
        int firstChanged = 0, count = 0;
        object? rest = list;
        var cycle = new CycleWatch(list);
        for (; rest is Pair cell; rest = cell.Tail, count++)
        {
            if (count > 0 && cycle.CameBack(rest))
                throw new MaruError("a list that contains itself cannot be expanded", DiagnosticCodes.CompileTimeLimit);
            var head = Expand(cell.Head, environment);
            if (changedHeads is null)
            {
                if (ReferenceEquals(head, cell.Head)) continue;
                changedHeads = [];
                firstChanged = count;
            }
            changedHeads.Add(head);
        }
        StepBytes(8L * count);
        object? result = Expand(rest, environment);
        if (changedHeads is null)
        {
            if (ReferenceEquals(result, rest)) return list;
            firstChanged = count;
        }
        var cells = new Pair[count];
        rest = list;
        for (int i = 0; i < count; i++, rest = ((Pair)rest!).Tail) cells[i] = (Pair)rest!;
        for (int i = count - 1; i >= 0; i--)
        {
            var head = i >= firstChanged ? changedHeads![i - firstChanged] : cells[i].Head;
            result = Pair.PlacedAs(head, result, cells[i]);
        }
        return result;
    }

    private static object? Append(object? front, object? back, SourceSpan span)
    {
        var items = ListToArray(front);
        object? result = back;
        for (int i = items.Length - 1; i >= 0; i--) result = new Pair(items[i], result, span, span);
        return result;
    }

    /// <summary>
    /// Where the macro call being expanded is in the user's file: a call inside another's expansion is placed at that
    /// other call, unless it was written inside that call (then it is user code, and its own place is the better one).
    /// A macro call taken from a quoted template in a macro's definition is so placed at the use of that macro.
    /// </summary>
    private SourceSpan _expansionSite;

    /// <summary>The place of the macro call being expanded (for what a C# macro reports).</summary>
    internal SourceSpan CurrentSite => _expansionSite;

    private SourceSpan SiteOf(SourceSpan call) =>
        _expansionSite.File is null || call.File is null ? (call.File is not null ? call : _expansionSite)
        : ReferenceEquals(call.File, _expansionSite.File) && call.Start >= _expansionSite.Start && call.End <= _expansionSite.End ? call
        : _expansionSite;

    /// <summary>
    /// Applies a macro to a call's operands (after the environment) and expands what it gives. An error is reported
    /// at the call (see <see cref="SiteOf"/>), naming the innermost macro; the cells the macro made get the call's
    /// place, or for a name it moved, the place of that name in the call.
    /// </summary>
    private object? ExpandMacroCall(object? function, MaruSymbol name, object?[] arguments, SourceSpan span, MaruEnvironment environment,
        object? dottedTail, Pair? call = null)
    {
        var site = SiteOf(span);
        int operands = arguments.Length - 1 + ListToArray(dottedTail).Length;
        if (function is Closure { Code: var code } && (operands + 1 < code.FixedCount || (!code.HasRest && operands + 1 > code.FixedCount)))
        {
            int expected = code.FixedCount - 1, given = operands;
            throw new MaruError(
                $"'{name.Name}' expects {(code.HasRest ? "at least " : "")}{expected} operand{(expected == 1 ? "" : "s")} but is given {given}",
                DiagnosticCodes.WrongOperandCount) { Span = site, NamesMacro = true };
        }
        var outerSite = _expansionSite;
        _expansionSite = site;
        object? result;
        Enter();
        try
        {
            result = function is Primitive { MacroExpander: { } expander } && arguments.Length == 1
                ? expander(this, dottedTail)
                : Apply(function, arguments, dottedTail);
            if (site.File is not null) GiveSpan(result, site, call);
            return Expand(result, environment);
        }
        catch (MaruError error) when (error.NameMacro(name.Name, site))
        {
            throw; // never: NameMacro answers false
        }
        finally
        {
            Leave();
            _expansionSite = outerSite;
        }
    }

    /// <summary>
    /// Gives the cells a macro made (those without a place) the place of the macro call. A cell holding a name that
    /// the call has near its top (a defined name, a loop variable, a limit) gets that name's place in the call: the
    /// n-th such cell, in reading order, the place of the n-th occurrence of the name (the first when there are fewer).
    /// </summary>
    private static void GiveSpan(object? value, SourceSpan span, Pair? call)
    {
        if (value is not Pair { Span.File: null, Frozen: false }) return;
        OperandPlaces? places = null;
        var pending = new Stack<Pair>();
        pending.Push((Pair)value);
        while (pending.Count > 0)
        {
            var cell = pending.Pop();
            if (cell.Span.File is not null || cell.Frozen) continue;
            var headSpan = cell.HeadSpan.File is not null ? cell.HeadSpan
                : cell.Head is MaruSymbol symbol && call?.Tail is Pair operands ? (places ??= new OperandPlaces(operands)).Next(symbol) ?? span : span;
            cell.SetPlaces(span, headSpan);
            // Tail first, so the head is handled first: cells are given places in reading order.
            if (cell.Tail is Pair { Span.File: null } tail) pending.Push(tail);
            if (cell.Head is Pair { Span.File: null } head) pending.Push(head);
        }
    }

    /// <summary>
    /// The places of names in the first three levels of a macro call's operands (their first 10 000 cells). Each name
    /// is looked for once, in one walk that finds all its occurrences: walking again for every cell that holds it was
    /// quadratic (a macro that passed on 20 000 occurrences of a name took minutes). Only the names the made cells hold
    /// are looked for: indexing every name of the operands cost more than it saved on ordinary macros.
    /// </summary>
    private sealed class OperandPlaces(Pair operands)
    {
        private const int MaxCells = 10_000;
        private readonly Dictionary<MaruSymbol, Occurrences> _byName = new(ReferenceEqualityComparer.Instance);

        private sealed class Occurrences
        {
            public List<SourceSpan>? Places; // null: the name is not there
            public int Taken;
        }

        /// <summary>The place of the name's next occurrence (its first once all are taken); null when it has none.</summary>
        public SourceSpan? Next(MaruSymbol name)
        {
            if (!_byName.TryGetValue(name, out var occurrences))
            {
                occurrences = new Occurrences();
                int budget = MaxCells;
                Find(name, operands, 0, ref budget, occurrences);
                _byName.Add(name, occurrences);
            }
            if (occurrences.Places is not { } places) return null;
            int index = occurrences.Taken++;
            return index < places.Count ? places[index] : places[0];
        }

        private static void Find(MaruSymbol name, Pair list, int depth, ref int budget, Occurrences occurrences)
        {
            for (object? rest = list; rest is Pair cell; rest = cell.Tail)
            {
                if (--budget < 0) return;
                if (ReferenceEquals(cell.Head, name) && cell.HeadSpan.File is not null) (occurrences.Places ??= []).Add(cell.HeadSpan);
                else if (cell.Head is Pair inner && depth < 2) Find(name, inner, depth + 1, ref budget, occurrences);
            }
        }
    }
}
