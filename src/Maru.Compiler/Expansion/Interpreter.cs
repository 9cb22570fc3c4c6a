using System.Runtime.CompilerServices;
using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Expansion;

/// <summary>
/// Compile-time Maru (spec section 10): Maru's expander, its encoder and an evaluator over Maru's dynamic data. One
/// instance serves one compilation; nothing is shared between instances but the frozen base symbols.
/// </summary>
/// <remarks>
/// Where Maru's own evaluator (eval.l) would crash or loop, this one raises a <see cref="MaruError"/> instead:
/// compile time is bounded by <see cref="MaxSteps"/> calls and loop iterations and by <see cref="MaxDepth"/> nested
/// calls and macro expansions, and an error becomes a diagnostic at the form being expanded or evaluated.
/// Differences from eval.l, all where eval.l fails: a global may be used before it is defined (it is looked up when
/// first evaluated); a let's initial values see the earlier bindings of the same let but not their own; a lambda's
/// body is encoded when it is first called, so the body of a function that is only compiled is checked by the
/// analyser, with its diagnostics, and never by the encoder.
/// </remarks>
public sealed partial class Interpreter
{
    /// <summary>Calls, macro expansions and loop iterations one compilation may run.</summary>
    public const long MaxSteps = 50_000_000;
    /// <summary>How deeply calls and macro expansions may nest.</summary>
    public const int MaxDepth = 20_000;

    internal static readonly MaruSymbol True = SymbolTable.Known("t");
    internal static readonly MaruSymbol QuoteSymbol = SymbolTable.Known("quote");
    internal static readonly MaruSymbol SetSymbol = SymbolTable.Known("set");
    internal static readonly MaruSymbol GlobalsSymbol = SymbolTable.Known("*globals*");
    private static readonly MaruSymbol ExpandersSymbol = SymbolTable.Known("*expanders*");
    private static readonly MaruSymbol ApplicatorsSymbol = SymbolTable.Known("*applicators*");

    private long _steps;
    private int _depth;

    private readonly MaruEnvironment? _preludeEnvironment;
    private readonly object?[]? _preludeValues;

    /// <summary>An interpreter with the primitives only (the prelude is loaded into one of these once per process).</summary>
    public Interpreter()
    {
        Symbols = new SymbolTable();
        Globals = new MaruEnvironment(null);
        DefinePrimitives();
        GlobalsVariable = Globals.Define(GlobalsSymbol, Globals);
    }

    /// <summary>
    /// An interpreter over the shared prelude: its globals are a child of the prelude's environment, and it has its
    /// own copy of the prelude's values, so redefining a prelude name or filling the structure registry changes
    /// nothing for other compilations.
    /// </summary>
    internal Interpreter(PreludeSnapshot prelude)
    {
        Symbols = new SymbolTable();
        _preludeEnvironment = prelude.Environment;
        _preludeValues = prelude.CopyValues();
        Globals = new MaruEnvironment(prelude.Environment);
        GlobalsVariable = Globals.Define(GlobalsSymbol, Globals);
    }

    /// <summary>What compile time does that belongs to the unit being compiled: load and compile-end.</summary>
    public ICompileTimeHost? Host { get; set; }

    /// <summary>A variable's value in this interpreter (a prelude variable's value is this interpreter's copy).</summary>
    public object? ValueOf(Variable variable) => variable.PreludeSlot >= 0 ? _preludeValues![variable.PreludeSlot] : variable.Value;

    public void Assign(Variable variable, object? value)
    {
        variable.Name.Holds(value);
        if (variable.PreludeSlot >= 0) _preludeValues![variable.PreludeSlot] = value;
        else variable.Value = value;
    }

    /// <summary>The value a name has in an environment, or null when it is not defined.</summary>
    public object? Lookup(MaruEnvironment environment, MaruSymbol name) => environment.Find(name) is { } variable ? ValueOf(variable) : null;

    public SymbolTable Symbols { get; }
    /// <summary>The outermost environment: the prelude's definitions and the host's.</summary>
    public MaruEnvironment Globals { get; }
    /// <summary><c>*globals*</c>: where define puts new definitions (a compile region while one is open).</summary>
    public Variable GlobalsVariable { get; }

    public MaruEnvironment CurrentGlobals =>
        ValueOf(GlobalsVariable) as MaruEnvironment ?? throw new MaruError("*globals* does not hold an environment");

    /// <summary>
    /// Called after every define with the variable, whether it is new, its value before, and the define form, so a
    /// compile region can see what is defined where (and refuse a compiled definition made twice).
    /// </summary>
    public Action<Variable, bool, object?, Pair>? DefinitionObserver { get; set; }

    /// <summary>Whether compile-time code changed a cell read from a file (set-car, set-cdr ...): then read lists are converted anew.</summary>
    public bool ReadCellsChanged { get; internal set; }

    /// <summary>Everything compile-time code printed.</summary>
    public System.Text.StringBuilder Output { get; } = new();

    public MaruSymbol Intern(string name) => Symbols.Intern(name);

    // ---- limits ----

    /// <summary>Whether the step limit was reached: any further evaluation fails.</summary>
    internal bool OutOfSteps => _steps > MaxSteps;

    internal void Step()
    {
        if (++_steps > MaxSteps)
            throw new MaruError($"compile-time evaluation ran more than {MaxSteps:N0} steps (calls, expansions, loop iterations, and one for every {BytesPerStep} bytes made, copied, compared or walked): is there a loop or a recursion without end?",
                DiagnosticCodes.CompileTimeLimit);
    }

    /// <summary>
    /// How many bytes a primitive may make, copy, compare or walk for one step. Primitives that convert text (format,
    /// string->symbol) take several nanoseconds a byte, so a word a step keeps their loops as short as the evaluator's.
    /// </summary>
    public const int BytesPerStep = 8;

    /// <summary>
    /// Counts the work of a primitive, or of expanding a list, over <paramref name="bytes"/> bytes (a word or a list
    /// element is 8), so that a loop that makes ever longer strings, or compares, copies or expands a long one each
    /// time, stops at the step limit.
    /// </summary>
    internal void StepBytes(long bytes)
    {
        _steps += bytes / BytesPerStep;
        Step();
    }

    /// <summary>Counts one more nested call or expansion; every Enter that returns is matched by a <see cref="Leave"/>.</summary>
    private void Enter()
    {
        Step();
        if (_depth >= MaxDepth)
            throw new MaruError($"compile-time calls and macro expansions nest more than {MaxDepth:N0} deep: is there a recursion without end?",
                DiagnosticCodes.CompileTimeLimit);
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new MaruError("compile-time calls and macro expansions nest too deeply", DiagnosticCodes.CompileTimeLimit);
        _depth++;
    }

    private void Leave() => _depth--;

    // ---- evaluation ----

    /// <summary>Encodes an expanded form in <paramref name="environment"/> and evaluates it (Maru's eval after expand).</summary>
    public object? Eval(object? form, MaruEnvironment environment, SourceSpan span = default)
    {
        var scope = new Scope(environment, CurrentGlobals);
        var node = Encode(form, scope, span);
        var frame = scope.Owner.Size == 0 ? null : new Frame(scope.Owner.Size, null);
        return node.Eval(this, frame);
    }

    internal static object? EvalBody(Interpreter interpreter, Node[] body, Frame? frame)
    {
        object? result = null;
        foreach (var node in body) result = node.Eval(interpreter, frame);
        return result;
    }

    /// <summary>How many times Maru code (a closure) has been called: while it stays the same, no Maru code saw anything.</summary>
    internal long ClosureCalls { get; private set; }

    /// <summary>Applies a function to evaluated arguments followed by the elements of the list <paramref name="dottedTail"/>.</summary>
    public object? Apply(object? function, object?[] arguments, object? dottedTail = null)
    {
        switch (function)
        {
            case Closure closure:
                ClosureCalls++;
                Enter();
                try { return Call(closure, arguments, dottedTail); }
                finally { Leave(); }
            case Primitive primitive:
                if (dottedTail is not null) arguments = [.. arguments, .. ListToArray(dottedTail)];
                StepBytes(8L * arguments.Length);
                return primitive.Implementation(this, arguments);
            case Fixed fixedFunction:
                return Apply(fixedFunction.Function, arguments, dottedTail);
            case SpecialForm special:
                throw new MaruError($"'{special.Name}' is a special form and cannot be applied to evaluated arguments");
            case ExternValue external:
                throw new MaruError($"the C function '{external.CName.Name}' cannot be called at compile time (only compiled code calls C)",
                    DiagnosticCodes.MachineAtCompileTime);
        }
        // boot.l's define-apply: the applicator of the callee's type gets the callee and the arguments.
        if (TypeOf(function) is var type and >= 0
            && Lookup(Globals, ApplicatorsSymbol) is MaruArray applicators
            && type < applicators.Count && applicators.Items[(int)type] is { } applicator)
            return Apply(applicator, [function, .. arguments], dottedTail);
        throw new MaruError($"cannot apply {Printer.Describe(function)}: it is not a function", DiagnosticCodes.NotAFunction);
    }

    /// <summary>
    /// Calls a closure. Its parameters take the arguments, then the elements of <paramref name="moreArguments"/> (a
    /// list); a rest parameter gets what remains, sharing the cells of that list as Maru does (a macro's body
    /// parameter is the very list of forms the macro call holds).
    /// </summary>
    private object? Call(Closure closure, object?[] arguments, object? moreArguments)
    {
        var code = closure.Code;
        if (code.PendingScope is not null) EncodeBody(code);
        var frame = new Frame(code.FrameSize, closure.Frame);
        int bound = Math.Min(arguments.Length, code.FixedCount);
        Array.Copy(arguments, frame.Slots, bound);
        object? rest = moreArguments;
        for (; bound < code.FixedCount && rest is Pair cell; rest = cell.Tail) frame.Slots[bound++] = cell.Head;
        if (bound < code.FixedCount || (!code.HasRest && (arguments.Length > code.FixedCount || rest is not null)))
        {
            int given = arguments.Length + ListToArray(moreArguments).Length;
            string name = closure.Name is MaruSymbol s ? $"'{s.Name}'" : "a function";
            string expected = code.HasRest ? $"at least {code.FixedCount}" : code.FixedCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
            throw new MaruError($"{name} expects {expected} argument{(code.FixedCount == 1 ? "" : "s")} but is given {given}",
                DiagnosticCodes.WrongArgumentCount);
        }
        if (code.HasRest)
        {
            for (int i = arguments.Length - 1; i >= code.FixedCount; i--) rest = new Pair(arguments[i], rest);
            frame.Slots[code.FixedCount] = rest;
        }
        return EvalBody(this, code.Body, frame);
    }

    /// <summary>Defines a name, as Maru's define: a closure or extern is named after the first name it is defined under.</summary>
    internal void Define(MaruEnvironment environment, MaruSymbol name, object? value, Pair form)
    {
        switch (value)
        {
            case Closure { Name: null } closure: closure.Name = name; break;
            case ExternValue { Name: null } external: external.Name = name; break;
        }
        if (ReferenceEquals(environment, Globals) && Globals.FindLocal(name) is null && _preludeEnvironment?.FindLocal(name) is { } preludeVariable)
        {
            Assign(preludeVariable, value); // redefining a prelude name, as Maru redefines boot.l's
            return;
        }
        var existing = environment.FindLocal(name);
        object? previous = existing is null ? null : ValueOf(existing);
        var variable = environment.Define(name, value);
        DefinitionObserver?.Invoke(variable, existing is null, previous, form);
    }

    // ---- lists ----

    internal static object?[] ListToArray(object? list)
    {
        if (list is null) return [];
        var items = new List<object?>();
        var cycle = new CycleWatch(list);
        for (; list is Pair pair; list = pair.Tail)
        {
            items.Add(pair.Head);
            if (cycle.CameBack(pair.Tail)) throw new MaruError("a list that contains itself has no end", DiagnosticCodes.CompileTimeLimit);
        }
        return items.ToArray();
    }

    internal static object? ArrayToList(IReadOnlyList<object?> items, int start = 0, object? tail = null, int end = -1)
    {
        object? list = tail;
        for (int i = (end < 0 ? items.Count : end) - 1; i >= start; i--) list = new Pair(items[i], list);
        return list;
    }

    public static long TypeOf(object? value) => value switch
    {
        null => MaruTypes.Undefined,
        long => MaruTypes.Long,
        MaruString => MaruTypes.String,
        MaruSymbol => MaruTypes.Symbol,
        Pair => MaruTypes.Pair,
        MaruArray => MaruTypes.Array,
        Closure => MaruTypes.Expr,
        MaruForm => MaruTypes.Form,
        Fixed or SpecialForm => MaruTypes.Fixed,
        Primitive => MaruTypes.Subr,
        Variable => MaruTypes.Variable,
        MaruEnvironment => MaruTypes.Env,
        StructureInstance instance => instance.Type,
        _ => MaruTypes.Data,
    };

    // ---- the encoder ----

    /// <summary>The names visible while encoding: one let or lambda's locals, inside those of the enclosing ones.</summary>
    private sealed class Scope
    {
        public Scope(MaruEnvironment globals, MaruEnvironment definitions)
        {
            Globals = globals;
            Definitions = definitions;
            Owner = new LambdaScope(null, null);
        }

        public Scope(Scope outer, LambdaScope owner)
        {
            Globals = outer.Globals;
            Definitions = outer.Definitions;
            Outer = outer;
            Owner = owner;
        }

        public MaruEnvironment Globals { get; }
        /// <summary>Where define puts names: <c>*globals*</c> when the form was encoded.</summary>
        public MaruEnvironment Definitions { get; }
        public Scope? Outer { get; }
        public LambdaScope Owner { get; }
        // A scope has few names (a lambda's parameters, one let's bindings): a list searched from its end is
        // cheaper to make and to search than a dictionary, and the last of two equal names wins.
        private readonly List<(MaruSymbol Name, int Slot)> _names = [];

        public void Bind(MaruSymbol name, int slot) => _names.Add((name, slot));

        public bool TryFind(MaruSymbol name, out int slot)
        {
            for (int i = _names.Count - 1; i >= 0; i--)
            {
                if (!ReferenceEquals(_names[i].Name, name)) continue;
                slot = _names[i].Slot;
                return true;
            }
            slot = 0;
            return false;
        }
    }

    /// <summary>One frame's worth of slots: a lambda's parameters and the locals of every let in its body.</summary>
    private sealed class LambdaScope(LambdaScope? outer, Lambda? code)
    {
        public LambdaScope? Outer { get; } = outer;
        public Lambda? Code { get; } = code;
        public int Size { get; set; }
    }

    private Node Encode(object? form, Scope scope, SourceSpan span)
    {
        switch (form)
        {
            case MaruSymbol symbol:
                return EncodeName(symbol, scope, span);
            case Pair pair:
                if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
                    throw new MaruError("a form nests too deeply to evaluate at compile time", DiagnosticCodes.CompileTimeLimit);
                return EncodePair(pair, scope);
            default:
                return new ConstantNode(form);
        }
    }

    private Node EncodeName(MaruSymbol symbol, Scope scope, SourceSpan span)
    {
        if (FindLocal(symbol, scope) is var (depth, index) && depth >= 0) return new LocalNode(depth, index);
        return new GlobalNode(symbol, scope.Globals, span);
    }

    /// <summary>The frame depth and slot of a local, or depth -1.</summary>
    private static (int Depth, int Index) FindLocal(MaruSymbol symbol, Scope scope)
    {
        int depth = 0;
        for (Scope? s = scope; s is not null; s = s.Outer)
        {
            if (s.TryFind(symbol, out int index)) return (depth, index);
            if (s.Outer is not null && s.Outer.Owner != s.Owner) depth++;
        }
        return (-1, 0);
    }

    private Node[] EncodeSequence(object? forms, Scope scope, Pair parent)
    {
        var nodes = new List<Node>();
        for (; forms is Pair pair; forms = pair.Tail) nodes.Add(Encode(pair.Head, scope, HeadSpan(pair, parent)));
        return nodes.ToArray();
    }

    private static SourceSpan HeadSpan(Pair cell, Pair parent) =>
        cell.Head is Pair inner && inner.Span.File is not null ? inner.Span
        : cell.HeadSpan.File is not null ? cell.HeadSpan
        : parent.Span;

    private Node EncodePair(Pair pair, Scope scope)
    {
        if (pair.Head is MaruSymbol head && FindLocal(head, scope).Depth < 0 && Lookup(scope.Globals, head) is SpecialForm special)
            return EncodeSpecial(special.Name, pair, scope);
        var callee = Encode(pair.Head, scope, HeadSpan(pair, pair));
        var arguments = new List<Node>();
        object? rest = pair.Tail;
        for (; rest is Pair argument; rest = argument.Tail) arguments.Add(Encode(argument.Head, scope, HeadSpan(argument, pair)));
        if (rest is not null) throw new MaruError("a call's argument list must not be dotted") { Span = pair.Span };
        return new CallNode(callee, arguments.ToArray(), pair);
    }

    private Node EncodeSpecial(string name, Pair form, Scope scope)
    {
        switch (name)
        {
            case "quote":
                return new ConstantNode(Operand(form, 0) is Pair cell ? cell.Head : null);
            case "if":
                return new IfNode(EncodeOperand(form, 0, scope), EncodeOperand(form, 1, scope), EncodeSequence(Nth(form.Tail, 2), scope, form));
            case "while":
                return new WhileNode(EncodeOperand(form, 0, scope), EncodeSequence(Nth(form.Tail, 1), scope, form));
            case "and":
                return new AndNode(EncodeSequence(form.Tail, scope, form));
            case "or":
                return new OrNode(EncodeSequence(form.Tail, scope, form));
            case "set":
            {
                if (Operand(form, 0) is not Pair { Head: MaruSymbol target })
                    throw new MaruError("set expects a variable name and a value", DiagnosticCodes.MalformedForm) { Span = form.Span };
                var value = EncodeOperand(form, 1, scope);
                if (FindLocal(target, scope) is var (depth, index) && depth >= 0) return new SetLocalNode(depth, index, value);
                return new SetGlobalNode(new GlobalNode(target, scope.Globals, OperandSpan(form, 0)), value);
            }
            case "define":
            {
                if (Operand(form, 0) is not Pair { Head: MaruSymbol defined, Tail: var value } || value is Pair { Tail: not null })
                    throw new MaruError("define expects a name and at most one value: (define name value)", DiagnosticCodes.MalformedForm) { Span = form.Span };
                return new DefineNode(defined, scope.Definitions, value is null ? null : EncodeOperand(form, 1, scope), form);
            }
            case "lambda":
                return new LambdaNode(EncodeLambda(form, scope));
            case "let":
                return EncodeLet(form, scope);
            default:
                throw new InvalidOperationException("unknown special form " + name);
        }
    }

    /// <summary>The cell holding a form's operand <paramref name="index"/> (0 is the first after the head), or null.</summary>
    private static Pair? Operand(Pair form, int index)
    {
        object? cell = form.Tail;
        for (int i = 0; i < index && cell is Pair pair; i++) cell = pair.Tail;
        return cell as Pair;
    }

    /// <summary>Operand <paramref name="index"/> encoded; nil when there is none.</summary>
    private Node EncodeOperand(Pair form, int index, Scope scope) =>
        Operand(form, index) is Pair cell ? Encode(cell.Head, scope, HeadSpan(cell, form)) : new ConstantNode(null);

    private static object? Nth(object? list, int n)
    {
        for (int i = 0; i < n && list is Pair pair; i++) list = pair.Tail;
        return n > 0 && list is not Pair ? null : list;
    }

    private static SourceSpan OperandSpan(Pair form, int index) => Operand(form, index) is Pair cell ? HeadSpan(cell, form) : form.Span;

    private Lambda EncodeLambda(Pair form, Scope scope)
    {
        if (form.Tail is not Pair { Head: var parameters, Tail: var body })
            throw new MaruError("lambda expects a parameter list: (lambda (p1 p2 ...) body...)", DiagnosticCodes.MalformedForm) { Span = form.Span };
        var names = new List<MaruSymbol>();
        MaruSymbol? rest = null;
        object? walk = parameters;
        for (; walk is Pair parameter; walk = parameter.Tail)
        {
            if (parameter.Head is not MaruSymbol name)
                throw new MaruError($"a parameter must be a name, not {Printer.Describe(parameter.Head)}", DiagnosticCodes.MalformedForm) { Span = HeadSpan(parameter, form) };
            names.Add(name);
        }
        if (walk is MaruSymbol restName) rest = restName;
        else if (walk is not null)
            throw new MaruError($"a lambda's parameter list must end in a name or (), not {Printer.Describe(walk)}", DiagnosticCodes.MalformedForm) { Span = form.Span };

        var code = new Lambda { FixedCount = names.Count, HasRest = rest is not null, Parameters = parameters, BodySource = body, Span = form.Span, Form = form };
        var inner = new Scope(scope, new LambdaScope(scope.Owner, code));
        foreach (var name in names) inner.Bind(name, inner.Owner.Size++);
        if (rest is not null) inner.Bind(rest, inner.Owner.Size++);
        code.PendingScope = inner;
        if (EncodeEagerly) EncodeBody(code);
        return code;
    }

    /// <summary>Encodes every lambda's body when it is made rather than when it is first called (the shared prelude must not change later).</summary>
    internal bool EncodeEagerly { get; set; }

    private void EncodeBody(Lambda code)
    {
        var inner = (Scope)code.PendingScope!;
        code.Body = EncodeSequence(code.BodySource, inner, code.Form!);
        code.FrameSize = inner.Owner.Size;
        code.PendingScope = null;
    }

    private Node EncodeLet(Pair form, Scope scope)
    {
        object? bindings = form.Tail is Pair p ? p.Head : null;
        var inner = new Scope(scope, scope.Owner);
        var slots = new List<int>();
        var initializers = new List<Node[]>();
        for (; bindings is Pair binding; bindings = binding.Tail)
        {
            MaruSymbol name;
            Node[] initializer = [];
            switch (binding.Head)
            {
                case MaruSymbol bare:
                    name = bare;
                    break;
                case Pair { Head: MaruSymbol named } withValue:
                    name = named;
                    initializer = EncodeSequence(withValue.Tail, inner, withValue);
                    break;
                default:
                    throw new MaruError($"a let binding must be a name or (name value...), not {Printer.Describe(binding.Head)}", DiagnosticCodes.MalformedForm)
                        { Span = HeadSpan(binding, form) };
            }
            int slot = scope.Owner.Size++;
            inner.Bind(name, slot);
            slots.Add(slot);
            initializers.Add(initializer);
        }
        var body = EncodeSequence(form.Tail is Pair q ? q.Tail : null, inner, form);
        return new LetNode(slots.ToArray(), initializers.ToArray(), body);
    }
}
