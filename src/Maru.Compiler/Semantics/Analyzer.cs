using System.Runtime.CompilerServices;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Expansion;
using Maru.Compiler.Syntax;

namespace Maru.Compiler.Semantics;

/// <summary>
/// Resolves names and scopes, checks arity, evaluates constant globals, decides exports and native symbols.
/// Every semantic error of the language is reported here.
/// </summary>
public sealed class Analyzer
{
    private readonly DiagnosticBag _diagnostics;
    private readonly Dictionary<string, Symbol> _symbols = new(StringComparer.Ordinal);
    private readonly Dictionary<GlobalSymbol, Form?> _globalInitializers = new();
    private readonly Dictionary<GlobalSymbol, bool> _globalEvaluated = new(); // false while being evaluated: a cycle
    /// <summary>Each visible name's bindings, innermost last: lookups stay O(1) however deep lets nest.</summary>
    private readonly Dictionary<string, List<LocalVariable>> _locals = new(StringComparer.Ordinal);
    private int _localCount;

    private Analyzer(DiagnosticBag diagnostics) => _diagnostics = diagnostics;

    private readonly Dictionary<FunctionSymbol, FunctionDefinition> _definitions = new();

    /// <summary>The program's declarations, checked; function bodies are bound by <see cref="BindBody"/>.</summary>
    public BoundProgram Program { get; private set; } = null!;

    /// <summary>Checks a unit and binds every function body (<see cref="FunctionSymbol.Body"/>).</summary>
    public static BoundProgram Analyze(ExpandedUnit unit, DiagnosticBag diagnostics)
    {
        var analyzer = Declare(unit, diagnostics);
        foreach (var function in analyzer.Program.Functions)
        {
            if (diagnostics.IsFull) break;
            function.Body = analyzer.BindBody(function);
        }
        return analyzer.Program;
    }

    /// <summary>Checks everything but function bodies: names, arity of definitions, constant globals, exports, symbols.</summary>
    public static Analyzer Declare(ExpandedUnit unit, DiagnosticBag diagnostics)
    {
        var analyzer = new Analyzer(diagnostics);
        analyzer.Program = analyzer.Run(unit);
        return analyzer;
    }

    /// <summary>Expands (if that was deferred) and checks one function's body.</summary>
    public BoundExpression BindBody(FunctionSymbol symbol)
    {
        var definition = _definitions[symbol];
        _localCount = symbol.Parameters.Count;
        _locals.Clear();
        EnterScope(symbol.Parameters.DistinctBy(p => p.Name).ToList()); // a duplicate is reported already
        var body = BindSequence(definition.Span, definition.ExpandedBody());
        symbol.LocalCount = _localCount;
        return body;
    }

    private BoundProgram Run(ExpandedUnit unit)
    {
        var functions = new List<(FunctionSymbol Symbol, FunctionDefinition Definition)>();
        var globals = new List<GlobalSymbol>();
        var externs = new List<ExternSymbol>();
        var definedAt = new Dictionary<string, SymbolForm>(StringComparer.Ordinal);

        bool Declare(SymbolForm name, string what)
        {
            if (Builtins.IsReserved(name.Name))
            {
                Error(name, DiagnosticCodes.ReservedName, $"'{name.Name}' is a built-in {(Builtins.Operators.ContainsKey(name.Name) ? "operator" : "special form")} and cannot be defined as a {what}");
                return false;
            }
            if (definedAt.TryGetValue(name.Name, out var previous))
            {
                var (line, column) = previous.Span.File.LineColumn(previous.Span.Start);
                Error(name, DiagnosticCodes.DuplicateDefinition, $"'{name.Name}' is already defined at {previous.Span.File.Path}({line},{column})");
                return false;
            }
            definedAt[name.Name] = name;
            return true;
        }

        foreach (var definition in unit.Definitions)
        {
            var name = definition.Name;
            var file = definition.File;
            switch (definition)
            {
                case FunctionDefinition function:
                    if (!Declare(name, "function")) break;
                    var parameters = BindParameters(function.Parameters);
                    var symbol = new FunctionSymbol(name.Name, SymbolNames.Mangle(name.Name), file, parameters, function.Documentation) { DefinedAt = name.Span };
                    _symbols[name.Name] = symbol;
                    functions.Add((symbol, function));
                    break;
                case GlobalDefinition global:
                    if (!Declare(name, "global")) break;
                    var globalSymbol = new GlobalSymbol(name.Name, SymbolNames.Mangle(name.Name), file);
                    _symbols[name.Name] = globalSymbol;
                    _globalInitializers[globalSymbol] = global.Initializer;
                    globals.Add(globalSymbol);
                    break;
                case ExternDefinition ext:
                    if (!Declare(name, "extern")) break;
                    var externSymbol = new ExternSymbol(name.Name, ext.CName, file,
                        ext.FixedParameters ?? (ext.Signature is null ? VariadicCFunctions.FixedParameters(ext.CName) : null),
                        isDeclaredVariadic: ext.FixedParameters is not null, ext.Signature)
                    { DefinedAt = ext.Span };
                    _symbols[name.Name] = externSymbol;
                    externs.Add(externSymbol);
                    break;
            }
        }

        NoteUses(unit);
        foreach (var global in globals) EvaluateGlobal(global, _globalInitializers[global]?.Span ?? default);
        DecideExports(unit, functions.Select(f => f.Symbol).ToList());
        CheckSymbols(functions.Select(f => (Symbol)f.Symbol).Concat(globals).ToList(), externs, definedAt);
        CheckMain(functions);

        foreach (var (symbol, definition) in functions) _definitions[symbol] = definition;
        return new BoundProgram
        {
            Functions = functions.Select(f => f.Symbol).ToList(),
            Globals = globals,
            Externs = externs,
        };
    }

    private List<LocalVariable> BindParameters(IReadOnlyList<SymbolForm> names)
    {
        var result = new List<LocalVariable>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            CheckBindable(name, seen, "parameter");
            result.Add(new LocalVariable(name.Name, result.Count));
        }
        return result;
    }

    private void CheckBindable(SymbolForm name, HashSet<string> seen, string what)
    {
        if (Builtins.IsReserved(name.Name))
            Error(name, DiagnosticCodes.ReservedName, $"'{name.Name}' is a built-in {(Builtins.Operators.ContainsKey(name.Name) ? "operator" : "special form")} and cannot be bound as a {what}");
        else if (!seen.Add(name.Name))
            Error(name, DiagnosticCodes.DuplicateBinding, $"'{name.Name}' is bound twice in one {what} list");
    }

    private void DecideExports(ExpandedUnit unit, List<FunctionSymbol> functions)
    {
        if (!unit.HasExportForm)
        {
            foreach (var f in functions) f.IsExported = true;
            return;
        }
        foreach (var name in unit.Exports)
        {
            if (_symbols.TryGetValue(name.Name, out var symbol) && symbol is FunctionSymbol function) function.IsExported = true;
            else Error(name, DiagnosticCodes.ExportNotFunction, $"'{name.Name}' is exported but is not a function of this unit");
        }
        // A program's entry point must stay reachable by the loader that runs it.
        foreach (var f in functions.Where(f => f.Name == "main")) f.IsExported = true;
    }

    private void CheckSymbols(List<Symbol> defined, List<ExternSymbol> externs, Dictionary<string, SymbolForm> definedAt)
    {
        var owners = new Dictionary<string, Symbol>(StringComparer.Ordinal);
        foreach (var symbol in defined)
        {
            if (owners.TryGetValue(symbol.NativeName, out var other))
                Error(definedAt[symbol.Name], DiagnosticCodes.SymbolClash,
                    $"'{symbol.Name}' and '{other.Name}' both give the native symbol '{symbol.NativeName}'; rename one");
            else owners[symbol.NativeName] = symbol;
        }
        foreach (var ext in externs)
        {
            if (owners.TryGetValue(ext.NativeName, out var owner))
                Error(definedAt[ext.Name], DiagnosticCodes.SymbolClash,
                    $"extern '{ext.NativeName}' has the same native symbol as '{owner.Name}' of this unit; rename '{owner.Name}'");
        }
    }

    private void CheckMain(List<(FunctionSymbol Symbol, FunctionDefinition Definition)> functions)
    {
        foreach (var (symbol, definition) in functions)
        {
            if (symbol.Name == "main" && symbol.Parameters.Count is not (0 or 2))
                Error(definition.Name, DiagnosticCodes.InvalidMain,
                    $"'main' takes no parameters or two (argc argv), not {symbol.Parameters.Count}");
        }
    }

    // ---- uses of functions and globals, for the optimiser ----

    /// <summary>
    /// Counts the direct calls of each function, notes the functions whose address is taken and the globals that may
    /// change (<see cref="FunctionSymbol.CallSites"/>, <see cref="GlobalSymbol.MayChange"/>), before any body is bound:
    /// lowering streams functions and needs the whole unit's counts. Read on the expanded forms, names are not resolved
    /// against locals, so a local that shadows a name counts as that name: the counts can only be too high, which is safe.
    /// </summary>
    private void NoteUses(ExpandedUnit unit)
    {
        var pending = new Stack<Form>();
        foreach (var definition in unit.Definitions)
        {
            if (definition is FunctionDefinition function) foreach (var form in function.Body) pending.Push(form);
            else if (definition is GlobalDefinition { Initializer: { } initializer }) pending.Push(initializer);
        }
        while (pending.Count > 0)
        {
            var form = pending.Pop();
            if (form is SymbolForm name && _symbols.GetValueOrDefault(name.Name) is FunctionSymbol used) used.IsAddressTaken = true;
            if (form is not ListForm { Count: > 0 } list) continue;
            int first = 0;
            if (list[0] is SymbolForm head)
            {
                first = 1;
                if (_symbols.GetValueOrDefault(head.Name) is FunctionSymbol called) called.CallSites++;
                if (head.Name is "set" or "address-of" && list.Count > 1 && list[1] is SymbolForm target
                    && _symbols.GetValueOrDefault(target.Name) is GlobalSymbol changed)
                    changed.MayChange = true;
                // (set (acc a...) v) becomes a call of set-acc (CoreForms).
                if (head.Name == "set" && list.Count > 1 && list[1] is ListForm { Head: string getter }
                    && _symbols.GetValueOrDefault("set-" + getter) is FunctionSymbol setter)
                    setter.CallSites++;
            }
            for (int i = first; i < list.Count; i++) pending.Push(list[i]);
        }
    }

    // ---- constant globals ----

    private void EvaluateGlobal(GlobalSymbol global, SourceSpan referenceSite)
    {
        if (_globalEvaluated.TryGetValue(global, out bool done))
        {
            if (!done)
            {
                _diagnostics.Error(referenceSite, DiagnosticCodes.ConstantCycle, $"the initial value of '{global.Name}' depends on itself");
                _globalEvaluated[global] = true;
            }
            return;
        }
        _globalEvaluated[global] = false;
        var initializer = _globalInitializers[global];
        global.InitialValue = initializer switch
        {
            null => new ConstantValue(0),
            StringForm s => new AddressOfString(s.Bytes),
            SymbolForm name when _symbols.GetValueOrDefault(name.Name) is FunctionSymbol f => new AddressOfFunction(f),
            SymbolForm name when _symbols.GetValueOrDefault(name.Name) is ExternSymbol e => new AddressOfExtern(e),
            SymbolForm name when _symbols.GetValueOrDefault(name.Name) is GlobalSymbol other => InitialValueOf(other, name.Span),
            _ => new ConstantValue(EvaluateConstant(initializer)),
        };
        _globalEvaluated[global] = true;
    }

    private GlobalInitialValue InitialValueOf(GlobalSymbol global, SourceSpan referenceSite)
    {
        EvaluateGlobal(global, referenceSite);
        return global.InitialValue;
    }

    private long EvaluateConstant(Form form)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (form)
        {
            case IntegerForm integer:
                return integer.Value;
            case ListForm { Count: 0 }:
                return 0;
            case SymbolForm name when _symbols.GetValueOrDefault(name.Name) is GlobalSymbol global:
                if (InitialValueOf(global, name.Span) is ConstantValue value) return value.Value;
                Error(form, DiagnosticCodes.NotConstant, $"'{name.Name}' holds an address, which is not a constant number here");
                return 0;
            case SymbolForm name when _symbols.GetValueOrDefault(name.Name) is { } symbol:
                Error(form, DiagnosticCodes.NotConstant,
                    $"'{name.Name}' is a{(symbol is FunctionSymbol ? " function" : "n extern")}: its address is not a constant number; it can only be the whole initial value");
                return 0;
            case SymbolForm name:
                Error(form, DiagnosticCodes.UndefinedName, $"'{name.Name}' is not defined");
                return 0;
            case ListForm { Head: string head } list when Builtins.Operators.TryGetValue(head, out var op):
                if (WordArithmetic.IsMemoryAccess(op.Op))
                {
                    Error(form, DiagnosticCodes.NotConstant, $"'{head}' reads or writes memory, which a global's initial value cannot do");
                    return 0;
                }
                var operands = list.Items.Skip(1).Select(EvaluateConstant).ToList();
                if (!CheckOperandCount(list, head, op.Arity, operands.Count)) return 0;
                return FoldOperator(op.Op, op.Arity, operands);
            case ListForm { Head: string head }:
                Error(form, DiagnosticCodes.NotConstant,
                    $"'{head}' cannot be evaluated when the library is built: a global's initial value may use only literals, constant globals and operators");
                return 0;
            default:
                Error(form, DiagnosticCodes.NotConstant,
                    "a global's initial value must be a constant expression (literals, other constant globals and operators), or one function, extern or string");
                return 0;
        }
    }

    private static long FoldOperator(Operator op, int arity, List<long> operands)
    {
        if (arity == 1) return WordArithmetic.Unary(op, operands[0]);
        if (operands.Count == 1) return NegationOf(op) is { } negation ? WordArithmetic.Unary(negation, operands[0]) : operands[0];
        return operands.Skip(1).Aggregate(operands[0], (a, b) => WordArithmetic.Binary(op, a, b));
    }

    /// <summary>What <c>(- a)</c> and <c>(fl- a)</c> mean: the negation; null for the other variadic operators (one operand is itself).</summary>
    private static Operator? NegationOf(Operator op) => op switch { Operator.Sub => Operator.Neg, Operator.FSub => Operator.FNeg, _ => null };

    private bool CheckOperandCount(ListForm list, string name, int arity, int count)
    {
        bool ok = arity == -1 ? count >= 1 : count == arity;
        if (!ok)
        {
            string expected = arity == -1 ? "at least 1 operand" : $"{arity} operand{(arity == 1 ? "" : "s")}";
            Error(list, DiagnosticCodes.WrongOperandCount, $"'{name}' expects {expected} but is given {count}");
        }
        return ok;
    }

    // ---- expressions ----

    private BoundExpression BindSequence(SourceSpan span, IReadOnlyList<Form> forms, int from = 0)
    {
        var bound = BindAll(forms, from);
        return bound.Count == 1 ? bound[0] : new BoundSequence(span, bound);
    }

    /// <summary>Binds <paramref name="forms"/> from index <paramref name="from"/> on (a loop: binding runs per expression, LINQ would allocate).</summary>
    private List<BoundExpression> BindAll(IReadOnlyList<Form> forms, int from)
    {
        var bound = new List<BoundExpression>(Math.Max(0, forms.Count - from));
        for (int i = from; i < forms.Count; i++) bound.Add(Bind(forms[i]));
        return bound;
    }

    private BoundExpression Bind(Form form)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (form)
        {
            case IntegerForm integer:
                return new BoundConstant(form.Span, integer.Value);
            case StringForm str:
                return new BoundString(form.Span, str.Bytes);
            case SymbolForm symbol:
                return BindName(symbol);
            case ListForm { Count: 0 }:
                return new BoundConstant(form.Span, 0);
            case ListForm list:
                return BindList(list);
            default:
                throw new InvalidOperationException($"unknown form {form.GetType().Name}");
        }
    }

    private BoundExpression BindName(SymbolForm symbol)
    {
        var span = symbol.Span;
        if (LookupLocal(symbol.Name) is { } local) return new BoundLocal(span, local);
        switch (_symbols.GetValueOrDefault(symbol.Name))
        {
            case GlobalSymbol global: return new BoundGlobal(span, global);
            case FunctionSymbol function: return new BoundFunctionAddress(span, function);
            case ExternSymbol ext: return new BoundExternAddress(span, ext);
        }
        if (Builtins.IsReserved(symbol.Name))
            Error(symbol, DiagnosticCodes.UndefinedName, $"'{symbol.Name}' is a built-in {(Builtins.Operators.ContainsKey(symbol.Name) ? "operator" : "special form")}, not a value");
        else if (Builtins.Unsupported.Contains(symbol.Name))
            Error(symbol, DiagnosticCodes.NotSupported, $"'{symbol.Name}' is not supported yet");
        else
            Error(symbol, DiagnosticCodes.UndefinedName, $"'{symbol.Name}' is not defined");
        return new BoundConstant(span, 0);
    }

    private BoundExpression BindList(ListForm list)
    {
        var span = list.Span;
        int operandCount = list.Count - 1;
        if (list[0] is not SymbolForm head)
            return new BoundCall(span, CallKind.Indirect, null, Bind(list[0]), BindAll(list.Items, 1));

        if (LookupLocal(head.Name) is { } local)
            return new BoundCall(span, CallKind.Indirect, null, new BoundLocal(head.Span, local), BindAll(list.Items, 1));

        switch (head.Name)
        {
            case "let": return BindLet(list);
            case "if":
                return new BoundIf(span, Bind(list[1]), Bind(list[2]), Bind(list[3]));
            case "while":
                return new BoundWhile(span, Bind(list[1]), BindSequence(span, list.Items, 2));
            case "and" or "or":
                return BindLogical(list, head.Name == "and");
            case "set":
                return BindSet(list);
            case "return":
                if (operandCount > 1)
                {
                    Error(list, DiagnosticCodes.WrongOperandCount, $"'return' expects at most 1 operand but is given {operandCount}");
                    return new BoundConstant(span, 0);
                }
                return new BoundReturn(span, operandCount == 0 ? new BoundConstant(span, 0) : Bind(list[1]));
            case "address-of":
                return BindAddressOf(list);
        }

        if (Builtins.Operators.TryGetValue(head.Name, out var op))
        {
            if (!CheckOperandCount(list, head.Name, op.Arity, operandCount)) return new BoundConstant(span, 0);
            var bound = BindAll(list.Items, 1);
            if (op.Arity != -1) return new BoundOperation(span, op.Op, bound);
            if (bound.Count == 1) return NegationOf(op.Op) is { } negation ? new BoundOperation(span, negation, bound) : bound[0];
            // (- a b c) is (- (- a b) c): kept as one flat operation, folded left when lowered, so long operand lists stay shallow.
            return new BoundOperation(span, op.Op, bound);
        }

        switch (_symbols.GetValueOrDefault(head.Name))
        {
            case FunctionSymbol function:
                if (function.Parameters.Count != operandCount)
                {
                    int n = function.Parameters.Count;
                    Error(list, DiagnosticCodes.WrongArgumentCount,
                        $"'{head.Name}' expects {n} argument{(n == 1 ? "" : "s")} but is given {operandCount}");
                    return new BoundConstant(span, 0);
                }
                return new BoundCall(span, CallKind.Direct, function, null, BindAll(list.Items, 1));
            case ExternSymbol { Signature: { } signature } ext when signature.Parameters.Count != operandCount:
            {
                int n = signature.Parameters.Count;
                Error(list, DiagnosticCodes.WrongArgumentCount,
                    $"'{head.Name}' is the C function {ext.NativeName} declared {signature} with {n} argument{(n == 1 ? "" : "s")} but is given {operandCount}");
                return new BoundConstant(span, 0);
            }
            case ExternSymbol ext:
                // Only a declared count is checked: calls of C externs are otherwise unchecked (spec section 5).
                if (ext is { IsDeclaredVariadic: true, FixedParameters: int fixedCount } && operandCount < fixedCount)
                {
                    Error(list, DiagnosticCodes.TooFewFixedArguments,
                        $"'{head.Name}' is the variadic C function {ext.NativeName} with {fixedCount} fixed parameter{(fixedCount == 1 ? "" : "s")} but is given {operandCount} argument{(operandCount == 1 ? "" : "s")}");
                    return new BoundConstant(span, 0);
                }
                return new BoundCall(span, CallKind.Extern, ext, null, BindAll(list.Items, 1));
            case GlobalSymbol:
                return new BoundCall(span, CallKind.Indirect, null, BindName(head), BindAll(list.Items, 1));
        }
        if (Builtins.Unsupported.Contains(head.Name))
        {
            Error(head, DiagnosticCodes.NotSupported, $"'{head.Name}' is not supported yet");
            return new BoundConstant(span, 0);
        }
        Error(head, DiagnosticCodes.UndefinedName, $"'{head.Name}' is not defined");
        return new BoundConstant(span, 0);
    }

    private BoundExpression BindLet(ListForm list)
    {
        var bindings = (ListForm)list[1];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var bound = new List<(LocalVariable, BoundExpression)>();
        foreach (ListForm binding in bindings.Items.Cast<ListForm>())
        {
            var name = (SymbolForm)binding[0];
            var value = BindSequence(binding.Span, binding.Items, 1); // in the outer scope
            CheckBindable(name, seen, "let");
            bound.Add((new LocalVariable(name.Name, _localCount++), value));
        }
        var scope = bound.Select(b => b.Item1).DistinctBy(v => v.Name).ToList();
        EnterScope(scope);
        var body = BindSequence(list.Span, list.Items, 2);
        LeaveScope(scope);
        return bound.Count == 0 ? body : new BoundLet(list.Span, bound, body);
    }

    private BoundExpression BindLogical(ListForm list, bool isAnd)
    {
        if (list.Count == 1) return new BoundConstant(list.Span, isAnd ? 1 : 0);
        var operands = BindAll(list.Items, 1);
        return operands.Count == 1 ? operands[0] : new BoundLogical(list.Span, isAnd, operands);
    }

    private BoundExpression BindSet(ListForm list)
    {
        var name = (SymbolForm)list[1];
        var value = Bind(list[2]);
        if (LookupLocal(name.Name) is { } local) return new BoundAssignLocal(list.Span, local, value);
        switch (_symbols.GetValueOrDefault(name.Name))
        {
            case GlobalSymbol global: return new BoundAssignGlobal(list.Span, global, value);
            case Symbol other:
                Error(name, DiagnosticCodes.NotAssignable, $"'{other.Name}' is a {(other is FunctionSymbol ? "function" : "extern")} and cannot be assigned");
                return value;
        }
        Error(name, DiagnosticCodes.UndefinedName, $"'{name.Name}' is not defined");
        return value;
    }

    private BoundExpression BindAddressOf(ListForm list)
    {
        if (list.Count != 2)
        {
            Error(list, DiagnosticCodes.WrongOperandCount, "address-of expects one variable name");
            return new BoundConstant(list.Span, 0);
        }
        if (list[1] is not SymbolForm name)
        {
            Error(list[1], DiagnosticCodes.NotAssignable, "address-of needs a parameter, local or global, not an expression");
            return new BoundConstant(list.Span, 0);
        }
        if (LookupLocal(name.Name) is { } local)
        {
            local.AddressTaken = true;
            return new BoundAddressOfLocal(list.Span, local);
        }
        if (_symbols.GetValueOrDefault(name.Name) is GlobalSymbol global) return new BoundAddressOfGlobal(list.Span, global);
        if (_symbols.ContainsKey(name.Name))
            Error(name, DiagnosticCodes.NotAssignable, $"address-of needs a parameter, local or global; '{name.Name}' is not a variable");
        else
            Error(name, DiagnosticCodes.UndefinedName, $"'{name.Name}' is not defined");
        return new BoundConstant(list.Span, 0);
    }

    private void EnterScope(List<LocalVariable> variables)
    {
        foreach (var variable in variables)
        {
            if (!_locals.TryGetValue(variable.Name, out var bindings)) _locals[variable.Name] = bindings = new List<LocalVariable>();
            bindings.Add(variable);
        }
    }

    private void LeaveScope(List<LocalVariable> variables)
    {
        foreach (var variable in variables) _locals[variable.Name].RemoveAt(_locals[variable.Name].Count - 1);
    }

    private LocalVariable? LookupLocal(string name) =>
        _locals.TryGetValue(name, out var bindings) && bindings.Count > 0 ? bindings[^1] : null;

    private void Error(Form form, string code, string message) => _diagnostics.Error(form.Span, code, message);
}
