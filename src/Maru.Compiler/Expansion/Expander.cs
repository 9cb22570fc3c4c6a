using System.Runtime.CompilerServices;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Semantics;
using Maru.Compiler.Syntax;

namespace Maru.Compiler.Expansion;

/// <summary>A top-level definition after expansion. Bodies hold core forms only (see <see cref="Expander"/>).</summary>
public abstract record TopLevelDefinition(SymbolForm Name, SourceSpan Span);

/// <param name="Body">The body: core forms, or the forms as read when <paramref name="PendingExpansion"/> is set.</param>
/// <param name="PendingExpansion">The expander that still has to expand the body (see <see cref="Expander.Expand"/>).</param>
public sealed record FunctionDefinition(SymbolForm Name, SourceSpan Span, IReadOnlyList<SymbolForm> Parameters, string? Documentation,
    IReadOnlyList<Form> Body, Expander? PendingExpansion = null)
    : TopLevelDefinition(Name, Span)
{
    /// <summary>The body as core forms, expanding it now if that was deferred.</summary>
    public IReadOnlyList<Form> ExpandedBody() => PendingExpansion is null ? Body : PendingExpansion.ExpandAll(Body);
}

/// <summary>A global word; <see cref="Initializer"/> is null for <c>(define name)</c>.</summary>
public sealed record GlobalDefinition(SymbolForm Name, SourceSpan Span, Form? Initializer) : TopLevelDefinition(Name, Span);

/// <param name="FixedParameters">For <c>(extern 'cname n)</c>, a variadic C function: its number of fixed parameters.</param>
public sealed record ExternDefinition(SymbolForm Name, SourceSpan Span, string CName, int? FixedParameters = null) : TopLevelDefinition(Name, Span);

/// <summary>A structure's name stands for its size in bytes; its accessors are expanded away.</summary>
public sealed record StructureDefinition(SymbolForm Name, SourceSpan Span, IReadOnlyList<SymbolForm> Fields) : TopLevelDefinition(Name, Span);

/// <param name="UnsupportedDefinitions">Names defined by forms reported as not supported (define-form ...): their uses are not errors again.</param>
public sealed record ExpandedUnit(IReadOnlyList<TopLevelDefinition> Definitions, IReadOnlyList<SymbolForm> Exports, bool HasExportForm,
    IReadOnlySet<string> UnsupportedDefinitions);

/// <summary>
/// Rewrites the built-in macros of the language into core forms:
/// <c>let</c> (parallel), <c>if</c> (exactly three operands), <c>while</c>, <c>and</c>, <c>or</c>, <c>set</c> of a name,
/// <c>return</c>, <c>address-of</c>, operator applications and calls.
/// <c>cond when unless until for loop let* incr decr</c>, <c>set</c> of an accessor and structure accessors disappear here.
/// </summary>
public sealed class Expander
{
    private readonly DiagnosticBag _diagnostics;
    private readonly Dictionary<string, (int Offset, bool IsSetter)> _accessors = new(StringComparer.Ordinal);
    private int _temporaryCounter;
    private bool _deferBodies;
    private readonly HashSet<string> _unsupportedDefinitions = new(StringComparer.Ordinal);

    private Expander(DiagnosticBag diagnostics) => _diagnostics = diagnostics;

    /// <param name="deferBodies">
    /// Leave function bodies as read, to be expanded by <see cref="FunctionDefinition.ExpandedBody"/> just before they are
    /// compiled: the compiler streams one function at a time so its intermediate forms die young.
    /// </param>
    public static ExpandedUnit Expand(IReadOnlyList<IReadOnlyList<Form>> files, DiagnosticBag diagnostics, bool deferBodies = false)
    {
        var expander = new Expander(diagnostics) { _deferBodies = deferBodies };
        var topLevel = files.SelectMany(f => f).ToList();
        var structures = expander.CollectStructures(topLevel);
        var definitions = new List<TopLevelDefinition>(structures);
        var exports = new List<SymbolForm>();
        bool hasExportForm = false;
        foreach (var form in topLevel)
        {
            if (diagnostics.IsFull) break;
            if (form is ListForm { Head: "define-structure" }) continue;
            if (form is ListForm { Head: "export" } export)
            {
                hasExportForm = true;
                foreach (var item in export.Items.Skip(1))
                {
                    if (item is SymbolForm name) exports.Add(name);
                    else expander.Error(item, DiagnosticCodes.MalformedForm, "export takes function names");
                }
                continue;
            }
            var definition = expander.ExpandTopLevel(form);
            if (definition is not null) definitions.Add(definition);
        }
        return new ExpandedUnit(definitions, exports, hasExportForm, expander._unsupportedDefinitions);
    }

    private List<StructureDefinition> CollectStructures(List<Form> topLevel)
    {
        var result = new List<StructureDefinition>();
        foreach (var form in topLevel)
        {
            if (form is not ListForm { Head: "define-structure" } list) continue;
            if (list.Count != 3 || list[1] is not SymbolForm name || list[2] is not ListForm fieldList)
            {
                Error(form, DiagnosticCodes.MalformedForm, "define-structure expects a name and a list of field names: (define-structure <name> (f1 f2 ...))");
                continue;
            }
            var fields = new List<SymbolForm>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var field in fieldList.Items)
            {
                if (field is not SymbolForm fieldName)
                {
                    Error(field, DiagnosticCodes.MalformedForm, "a structure field must be a name");
                    continue;
                }
                if (!seen.Add(fieldName.Name))
                {
                    Error(field, DiagnosticCodes.DuplicateBinding, $"field '{fieldName.Name}' appears twice in structure '{name.Name}'");
                    continue;
                }
                int offset = fields.Count;
                fields.Add(fieldName);
                _accessors[$"{name.Name}-{fieldName.Name}"] = (offset, false);
                _accessors[$"set-{name.Name}-{fieldName.Name}"] = (offset, true);
            }
            result.Add(new StructureDefinition(name, list.Span, fields));
        }
        return result;
    }

    /// <summary>The accessor names a structure defines, so the analyser can check them against other definitions.</summary>
    public static IEnumerable<string> AccessorNames(StructureDefinition structure) =>
        structure.Fields.SelectMany(f => new[] { $"{structure.Name.Name}-{f.Name}", $"set-{structure.Name.Name}-{f.Name}" });

    private TopLevelDefinition? ExpandTopLevel(Form form)
    {
        if (form is not ListForm list || list.Count == 0)
        {
            Error(form, DiagnosticCodes.InvalidTopLevelForm, "only definitions may appear at top level (define, define-function, define-structure, export)");
            return null;
        }
        switch (list.Head)
        {
            case "compile-begin" or "compile-end":
                return null;
            case "define-function":
                if (list.Count < 3 || list[1] is not SymbolForm fname || list[2] is not ListForm)
                {
                    Error(form, DiagnosticCodes.MalformedForm, "define-function expects a name and a parameter list: (define-function name (p1 p2 ...) body...)");
                    return null;
                }
                return ExpandFunction(fname, list.Span, (ListForm)list[2], list.Items.Skip(3).ToList());
            case "define":
                return ExpandDefine(list);
            case string head when Builtins.Unsupported.Contains(head):
                Error(form, DiagnosticCodes.NotSupported, $"'{head}' is not supported yet");
                if (list.Count > 1 && list[1] is SymbolForm defined) _unsupportedDefinitions.Add(defined.Name);
                return null;
            case string head:
                Error(form, DiagnosticCodes.InvalidTopLevelForm,
                    $"'{head}' is not a definition: only define, define-function, define-structure and export may appear at top level (there is no compile-time evaluation yet)");
                return null;
            default:
                Error(form, DiagnosticCodes.InvalidTopLevelForm,
                    "only definitions may appear at top level (define, define-function, define-structure, export); there is no compile-time evaluation yet");
                return null;
        }
    }

    private TopLevelDefinition? ExpandDefine(ListForm list)
    {
        if (list.Count < 2 || list.Count > 3 || list[1] is not SymbolForm name)
        {
            Error(list, DiagnosticCodes.MalformedForm, "define expects a name and at most one value: (define name value)");
            return null;
        }
        if (list.Count == 2) return new GlobalDefinition(name, list.Span, null);
        var value = list[2];
        if (value is ListForm { Head: "lambda" } lambda)
        {
            if (lambda.Count < 2 || lambda[1] is not ListForm parameters)
            {
                Error(lambda, DiagnosticCodes.MalformedForm, "lambda expects a parameter list: (lambda (p1 p2 ...) body...)");
                return null;
            }
            return ExpandFunction(name, list.Span, parameters, lambda.Items.Skip(2).ToList());
        }
        if (value is ListForm { Head: "extern" } ext)
        {
            if (ext.Count is 2 or 3 && ext[1] is ListForm { Head: "quote", Count: 2 } quoted && quoted[1] is SymbolForm cname)
            {
                if (!IsCIdentifier(cname.Name))
                {
                    Error(cname, DiagnosticCodes.MalformedForm, $"'{cname.Name}' is not a C function name (letters, digits and _, not starting with a digit)");
                    return null;
                }
                if (ext.Count == 2) return new ExternDefinition(name, list.Span, cname.Name);
                if (ext[2] is IntegerForm { Value: >= 0 and <= MaxFixedParameters } count)
                    return new ExternDefinition(name, list.Span, cname.Name, (int)count.Value);
                Error(ext[2], DiagnosticCodes.InvalidFixedParameterCount,
                    $"the number of fixed parameters of the variadic C function '{cname.Name}' must be an integer from 0 to {MaxFixedParameters}, not {ext[2]}");
                return null;
            }
            Error(ext, DiagnosticCodes.MalformedForm, "extern expects one quoted C name, and for a variadic C function its number of fixed parameters: (extern 'puts), (extern 'printf 1)");
            return null;
        }
        return new GlobalDefinition(name, list.Span, ExpandExpression(value));
    }

    /// <summary>The most fixed parameters a variadic extern may declare (C requires compilers to accept 127).</summary>
    public const int MaxFixedParameters = 127;

    private static bool IsCIdentifier(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private FunctionDefinition ExpandFunction(SymbolForm name, SourceSpan span, ListForm parameterList, List<Form> body)
    {
        var parameters = new List<SymbolForm>();
        foreach (var p in parameterList.Items)
        {
            if (p is SymbolForm symbol) parameters.Add(symbol);
            else Error(p, DiagnosticCodes.MalformedForm, "a parameter must be a name");
        }
        string? documentation = null;
        if (body.Count > 1 && body[0] is StringForm doc)
        {
            documentation = System.Text.Encoding.UTF8.GetString(doc.Bytes);
            body = body.Skip(1).ToList();
        }
        return _deferBodies
            ? new FunctionDefinition(name, span, parameters, documentation, body, this)
            : new FunctionDefinition(name, span, parameters, documentation, ExpandAll(body));
    }

    // Kept out of ExpandExpression: its lambda would make every call of that method allocate a closure.
    private Form ExpandIf(ListForm list)
    {
        var span = list.Span;
        if (list.Count > 4) // several else forms run in sequence
            return List(span, Sym("if", span), ExpandExpression(list[1]), ExpandExpression(list[2]), Sequence(span, list.Items.Skip(3)));
        return List(span, new Form[] { Sym("if", span) }.Concat(Enumerable.Range(1, 3).Select(i => i < list.Count ? ExpandExpression(list[i]) : Zero(span))).ToArray());
    }

    public List<Form> ExpandAll(IEnumerable<Form> forms) => forms.Select(ExpandExpression).ToList();

    /// <summary>Expands one expression to core forms.</summary>
    public Form ExpandExpression(Form form)
    {
        if (form is not ListForm list || list.Count == 0) return form;
        RuntimeHelpers.EnsureSufficientExecutionStack();
        var span = list.Span;
        switch (list.Head)
        {
            case "let":
                return ExpandLet(list);
            case "let*":
                return ExpandLetStar(list);
            case "if":
                return ExpandIf(list);
            case "cond":
                return ExpandCond(list, 1);
            case "when":
                RequireOperands(list, 1);
                return List(span, Sym("and", span), ExpandExpression(OperandOrZero(list, 1)), Sequence(span, list.Items.Skip(2)));
            case "unless":
                RequireOperands(list, 1);
                return List(span, Sym("or", span), ExpandExpression(OperandOrZero(list, 1)), Sequence(span, list.Items.Skip(2)));
            case "while":
                RequireOperands(list, 1);
                return List(span, new Form[] { Sym("while", span), ExpandExpression(OperandOrZero(list, 1)) }.Concat(ExpandAll(list.Items.Skip(2))).ToArray());
            case "until":
                RequireOperands(list, 1);
                return List(span, new Form[] { Sym("while", span), List(span, Sym("not", span), ExpandExpression(OperandOrZero(list, 1))) }
                    .Concat(ExpandAll(list.Items.Skip(2))).ToArray());
            case "for":
                return ExpandFor(list);
            case "loop":
                return ExpandLoop(list);
            case "incr" or "decr":
                return ExpandIncrement(list);
            case "set":
                return ExpandSet(list);
            case "quote":
                Error(list, DiagnosticCodes.QuoteOutsideExtern, "quoted data is not supported; a quote may appear only in (extern 'name)");
                return Zero(span);
            case "extern":
                Error(list, DiagnosticCodes.MalformedForm, "extern may appear only as the value of a top-level define: (define name (extern 'cname))");
                return Zero(span);
            case string head when _accessors.TryGetValue(head, out var accessor):
                return ExpandAccessor(list, accessor.Offset, accessor.IsSetter);
            default:
                return ExpandItems(list);
        }
    }

    /// <summary>A call or operator application: its items expanded, and the same list when none of them changed.</summary>
    private ListForm ExpandItems(ListForm list)
    {
        Form[]? changed = null;
        for (int i = 0; i < list.Count; i++)
        {
            var expanded = ExpandExpression(list[i]);
            if (ReferenceEquals(expanded, list[i])) continue;
            changed ??= list.Items.ToArray();
            changed[i] = expanded;
        }
        return changed is null ? list : new ListForm(list.Span, changed);
    }

    private Form ExpandLet(ListForm list)
    {
        if (list.Count < 2 || list[1] is not ListForm bindings)
        {
            Error(list, DiagnosticCodes.MalformedForm, "let expects a list of bindings: (let ((name value) ...) body...)");
            return Zero(list.Span);
        }
        var expanded = new List<Form>();
        foreach (var binding in bindings.Items)
        {
            if (binding is SymbolForm bare) { expanded.Add(List(bare.Span, bare)); continue; }
            if (binding is ListForm { Count: >= 1 } b && b[0] is SymbolForm)
            {
                expanded.Add(List(b.Span, new[] { b[0] }.Concat(ExpandAll(b.Items.Skip(1))).ToArray()));
                continue;
            }
            Error(binding, DiagnosticCodes.MalformedForm, "a let binding is (name value...) or a name");
        }
        return List(list.Span, new Form[] { Sym("let", list.Span), List(bindings.Span, expanded.ToArray()) }.Concat(ExpandAll(list.Items.Skip(2))).ToArray());
    }

    private Form ExpandLetStar(ListForm list)
    {
        if (list.Count < 2 || list[1] is not ListForm bindings)
        {
            Error(list, DiagnosticCodes.MalformedForm, "let* expects a list of bindings: (let* ((name value) ...) body...)");
            return Zero(list.Span);
        }
        // (let* (b1 b2 ...) body...) => (let (b1) (let* (b2 ...) body...)); built innermost first, iteratively.
        Form inner = List(list.Span, new Form[] { Sym("let", list.Span), List(bindings.Span) }.Concat(list.Items.Skip(2)).ToArray());
        for (int i = bindings.Count - 1; i >= 0; i--)
            inner = List(list.Span, Sym("let", list.Span), List(bindings[i].Span, bindings[i]), inner);
        return ExpandExpression(inner);
    }

    private Form ExpandCond(ListForm list, int clauseIndex)
    {
        // Built from the last clause backwards so long conds do not recurse deeply.
        Form result = Zero(list.Span);
        for (int i = list.Count - 1; i >= clauseIndex; i--)
        {
            if (list[i] is not ListForm { Count: >= 1 } clause)
            {
                Error(list[i], DiagnosticCodes.MalformedForm, "a cond clause is (test body...)");
                continue;
            }
            if (clause.Count >= 2 && clause[1] is SymbolForm { Name: "=>" })
            {
                Error(clause[1], DiagnosticCodes.NotSupported, "the cond clause form (test => function) is not supported");
                continue;
            }
            var body = Sequence(clause.Span, clause.Items.Skip(1));
            result = clause[0] is SymbolForm { Name: "else" }
                ? body
                : List(clause.Span, Sym("if", clause.Span), ExpandExpression(clause[0]), body, result);
        }
        return result;
    }

    private Form ExpandFor(ListForm list)
    {
        if (list.Count < 2 || list[1] is not ListForm { Count: 3 or 4 } spec || spec[0] is not SymbolForm variable)
        {
            Error(list, DiagnosticCodes.MalformedForm, "for expects (for (name init limit [step]) body...)");
            return Zero(list.Span);
        }
        var span = list.Span;
        var limit = Temporary("limit", span);
        var step = spec.Count == 4 ? ExpandExpression(spec[3]) : One(span);
        var body = ExpandAll(list.Items.Skip(2));
        body.Add(List(span, Sym("set", span), variable, List(span, Sym("+", span), variable, step)));
        var loop = List(span, new Form[] { Sym("while", span), List(span, Sym("<", span), variable, limit) }.Concat(body).ToArray());
        return List(span, Sym("let", span),
            List(spec.Span, List(spec.Span, variable, ExpandExpression(spec[1])), List(spec.Span, limit, ExpandExpression(spec[2]))),
            loop);
    }

    private Form ExpandLoop(ListForm list)
    {
        if (list.Count < 3 || list[1] is not ListForm specs)
        {
            Error(list, DiagnosticCodes.MalformedForm, "loop expects (loop ((name init step) ...) test body...)");
            return Zero(list.Span);
        }
        var span = list.Span;
        var bindings = new List<Form>();
        var steps = new List<Form>();
        foreach (var s in specs.Items)
        {
            if (s is not ListForm { Count: 3 } triple || triple[0] is not SymbolForm name)
            {
                Error(s, DiagnosticCodes.MalformedForm, "a loop variable is (name init step)");
                continue;
            }
            bindings.Add(List(triple.Span, name, ExpandExpression(triple[1])));
            steps.Add(List(triple.Span, Sym("set", triple.Span), name, ExpandExpression(triple[2])));
        }
        var body = ExpandAll(list.Items.Skip(3)).Concat(steps);
        var loop = List(span, new Form[] { Sym("while", span), ExpandExpression(list[2]) }.Concat(body).ToArray());
        return List(span, Sym("let", span), List(specs.Span, bindings.ToArray()), loop);
    }

    private Form ExpandIncrement(ListForm list)
    {
        var span = list.Span;
        string op = list.Head == "incr" ? "+" : "-";
        if (list.Count is < 2 or > 3)
        {
            Error(list, DiagnosticCodes.WrongOperandCount, $"{list.Head} expects a place and an optional amount");
            return Zero(span);
        }
        var amount = list.Count == 3 ? ExpandExpression(list[2]) : One(span);
        if (list[1] is SymbolForm variable)
            return List(span, Sym("set", span), variable, List(span, Sym(op, span), variable, amount));
        if (list[1] is ListForm { Count: >= 1 } place && place.Head is string getter)
        {
            // Evaluate the place's operands once: (let ((t1 a1) ...) (set (getter t1 ...) (op (getter t1 ...) amount)))
            var temporaries = place.Items.Skip(1).Select(a => Temporary("place", a.Span)).ToArray();
            var bindings = temporaries.Select((t, i) => (Form)List(place[i + 1].Span, t, place[i + 1])).ToArray();
            var read = List(place.Span, new[] { place[0] }.Concat(temporaries).ToArray());
            var assign = List(span, Sym("set", span), read, List(span, Sym(op, span), read, list.Count == 3 ? list[2] : One(span)));
            return ExpandExpression(List(span, Sym("let", span), List(place.Span, bindings), assign));
        }
        Error(list[1], DiagnosticCodes.NotAssignable, $"{list.Head} expects a variable or an accessor such as (oop-at p i)");
        return Zero(span);
    }

    private Form ExpandSet(ListForm list)
    {
        var span = list.Span;
        if (list.Count != 3)
        {
            Error(list, DiagnosticCodes.WrongOperandCount, "set expects a place and a value: (set name value)");
            return Zero(span);
        }
        if (list[1] is SymbolForm)
            return List(span, Sym("set", span), list[1], ExpandExpression(list[2]));
        if (list[1] is ListForm { Count: >= 1 } place && place.Head is string getter)
        {
            // (set (acc a...) v) => (set-acc a... v)
            var setter = List(span, new Form[] { Sym("set-" + getter, place[0].Span) }.Concat(place.Items.Skip(1)).Append(list[2]).ToArray());
            return ExpandExpression(setter);
        }
        Error(list[1], DiagnosticCodes.NotAssignable, "set expects a variable or an accessor such as (oop-at p i)");
        return Zero(span);
    }

    private Form ExpandAccessor(ListForm list, int offset, bool isSetter)
    {
        var span = list.Span;
        int operands = isSetter ? 2 : 1;
        if (list.Count - 1 != operands)
        {
            Error(list, DiagnosticCodes.WrongOperandCount,
                $"'{list.Head}' expects {operands} operand{(operands == 1 ? "" : "s")} but is given {list.Count - 1}");
            return Zero(span);
        }
        var index = new IntegerForm(span, offset);
        return isSetter
            ? List(span, Sym("set-oop-at", span), ExpandExpression(list[1]), index, ExpandExpression(list[2]))
            : List(span, Sym("oop-at", span), ExpandExpression(list[1]), index);
    }

    /// <summary>A body of several forms as one expression: <c>(let () forms...)</c>.</summary>
    private Form Sequence(SourceSpan span, IEnumerable<Form> forms) =>
        List(span, new Form[] { Sym("let", span), List(span) }.Concat(ExpandAll(forms)).ToArray());

    private void RequireOperands(ListForm list, int count)
    {
        if (list.Count - 1 < count)
            Error(list, DiagnosticCodes.WrongOperandCount, $"{list.Head} expects at least {count} operand{(count == 1 ? "" : "s")}");
    }

    private static Form OperandOrZero(ListForm list, int index) => index < list.Count ? list[index] : Zero(list.Span);

    /// <summary>A name no program can write (it holds a space), for values the expansion must hold.</summary>
    private SymbolForm Temporary(string purpose, SourceSpan span) => new(span, $"{purpose} {++_temporaryCounter}");

    private static ListForm List(SourceSpan span, params Form[] items) => new(span, items);
    private static SymbolForm Sym(string name, SourceSpan span) => new(span, name);
    private static IntegerForm Zero(SourceSpan span) => new(span, 0);
    private static IntegerForm One(SourceSpan span) => new(span, 1);

    private void Error(Form form, string code, string message) => _diagnostics.Error(form.Span, code, message);
}
