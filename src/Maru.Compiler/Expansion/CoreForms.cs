using System.Runtime.CompilerServices;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Semantics;
using Maru.Compiler.Syntax;

namespace Maru.Compiler.Expansion;

/// <summary>A top-level definition after expansion. Bodies hold core forms only (see <see cref="CoreForms"/>).</summary>
/// <remarks><see cref="File"/> is the unit's source file whose output holds the definition (a loaded file's definitions
/// go with the file that loaded it).</remarks>
public abstract record TopLevelDefinition(SymbolForm Name, SourceSpan Span)
{
    public SourceFile File { get; init; } = Span.File;
}

/// <param name="Body">The body: core forms, or expanded forms still to be made core forms when <paramref name="PendingExpansion"/> is set.</param>
/// <param name="PendingExpansion">What still has to turn the body into core forms (see <see cref="FunctionDefinition.ExpandedBody"/>).</param>
public sealed record FunctionDefinition(SymbolForm Name, SourceSpan Span, IReadOnlyList<SymbolForm> Parameters, string? Documentation,
    IReadOnlyList<Form> Body, CoreForms? PendingExpansion = null)
    : TopLevelDefinition(Name, Span)
{
    /// <summary>The body as core forms, making them now if that was deferred.</summary>
    public IReadOnlyList<Form> ExpandedBody() => PendingExpansion is null ? Body : PendingExpansion.ExpandAll(Body);
}

/// <summary>A global word; <see cref="Initializer"/> is null for <c>(define name)</c>.</summary>
public sealed record GlobalDefinition(SymbolForm Name, SourceSpan Span, Form? Initializer) : TopLevelDefinition(Name, Span);

/// <param name="FixedParameters">For <c>(extern 'cname n)</c>, a variadic C function: its number of fixed parameters.</param>
/// <param name="Signature">For <c>(extern 'cname (T ...) R)</c>, its C signature.</param>
public sealed record ExternDefinition(SymbolForm Name, SourceSpan Span, string CName, int? FixedParameters = null, CSignature? Signature = null) : TopLevelDefinition(Name, Span);

public sealed record ExpandedUnit(IReadOnlyList<TopLevelDefinition> Definitions, IReadOnlyList<SymbolForm> Exports, bool HasExportForm);

/// <summary>
/// Turns the expanded body of a compiled function into the analyser's core forms: <c>let</c> with every binding a
/// list, <c>if</c> with exactly three operands, <c>while</c>, <c>and</c>, <c>or</c>, <c>set</c> of a name,
/// <c>return</c>, <c>address-of</c>, operator applications and calls; and reports, at their own place, core forms
/// of the wrong shape and what compiled code cannot hold (quoted data, closures, extern outside a define).
/// Macros (cond, let*, for, structure accessors ...) are gone by now: compile-time Maru expanded them.
/// </summary>
public sealed class CoreForms
{
    private readonly DiagnosticBag _diagnostics;

    public CoreForms(DiagnosticBag diagnostics) => _diagnostics = diagnostics;

    /// <summary>
    /// A compiled function's definition from its expanded parameters and body; a first body string followed by more
    /// forms is the documentation. The body is made core forms when it is compiled (the compiler streams functions).
    /// </summary>
    public static FunctionDefinition Function(SymbolForm name, SourceSpan span, IReadOnlyList<SymbolForm> parameters, IReadOnlyList<Form> body,
        SourceFile file, DiagnosticBag diagnostics)
    {
        string? documentation = null;
        if (body.Count > 1 && body[0] is StringForm doc)
        {
            documentation = System.Text.Encoding.UTF8.GetString(doc.Bytes);
            body = body.Skip(1).ToList();
        }
        return new FunctionDefinition(name, span, parameters, documentation, body, new CoreForms(diagnostics)) { File = file };
    }

    // Kept out of ExpandExpression: its lambda would make every call of that method allocate a closure.
    private Form ExpandIf(ListForm list)
    {
        var span = list.Span;
        if (list.Count == 4) return ExpandItems(list);
        if (list.Count > 4) // several else forms run in sequence
            return List(span, Sym("if", span), ExpandExpression(list[1]), ExpandExpression(list[2]), Sequence(span, list.Items.Skip(3)));
        return List(span, new Form[] { Sym("if", span) }.Concat(Enumerable.Range(1, 3).Select(i => i < list.Count ? ExpandExpression(list[i]) : Zero(span))).ToArray());
    }

    public List<Form> ExpandAll(IEnumerable<Form> forms)
    {
        var expanded = new List<Form>();
        foreach (var form in forms) expanded.Add(ExpandExpression(form));
        return expanded;
    }

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
            case "if":
                return ExpandIf(list);
            case "while":
                RequireOperands(list, 1);
                return list.Count > 1 ? ExpandItems(list) : List(span, Sym("while", span), Zero(span));
            case "set":
                return ExpandSet(list);
            case "quote":
                Error(list, DiagnosticCodes.QuoteOutsideExtern, "quoted data is not supported; a quote may appear only in (extern 'name)");
                return Zero(span);
            case "extern":
                Error(list, DiagnosticCodes.MalformedForm, "extern may appear only as the value of a top-level define: (define name (extern 'cname))");
                return Zero(span);
            case "lambda":
                Error(list, DiagnosticCodes.NotSupported, "a lambda inside a compiled function would be a closure; closures exist only at compile time (spec section 9)");
                return Zero(span);
            case "define":
                Error(list, DiagnosticCodes.MalformedForm, "define inside a compiled function: definitions belong at top level");
                return Zero(span);
            default:
                return ExpandItems(list);
        }
    }

    /// <summary>A call or operator application: its items (from <paramref name="first"/>) expanded, and the same list when none of them changed.</summary>
    private ListForm ExpandItems(ListForm list, int first = 0)
    {
        Form[]? changed = null;
        for (int i = first; i < list.Count; i++)
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
        // Nothing is allocated while the let is already a core form: every binding a list, no item changed.
        List<Form>? expanded = null;
        for (int i = 0; i < bindings.Count; i++)
        {
            var binding = bindings[i];
            Form? core = binding switch
            {
                SymbolForm bare => List(bare.Span, bare),
                ListForm { Count: >= 1 } b when b[0] is SymbolForm => ExpandItems(b), // b[0] is a name: it stays
                _ => null,
            };
            if (core is null) Error(binding, DiagnosticCodes.MalformedForm, "a let binding is (name value...) or a name");
            if (expanded is null && !ReferenceEquals(core, binding)) expanded = bindings.Items.Take(i).ToList();
            if (expanded is not null && core is not null) expanded.Add(core);
        }
        var body = ExpandItems(list, 2);
        if (expanded is null && ReferenceEquals(body, list)) return list;
        var items = body.Items.ToArray();
        if (expanded is not null) items[1] = List(bindings.Span, expanded.ToArray());
        return new ListForm(list.Span, items);
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

    /// <summary>A body of several forms as one expression: <c>(let () forms...)</c>.</summary>
    private Form Sequence(SourceSpan span, IEnumerable<Form> forms) =>
        List(span, new Form[] { Sym("let", span), List(span) }.Concat(ExpandAll(forms)).ToArray());

    private void RequireOperands(ListForm list, int count)
    {
        if (list.Count - 1 < count)
            Error(list, DiagnosticCodes.WrongOperandCount, $"{list.Head} expects at least {count} operand{(count == 1 ? "" : "s")}");
    }

    private static ListForm List(SourceSpan span, params Form[] items) => new(span, items);
    private static SymbolForm Sym(string name, SourceSpan span) => new(span, name);
    private static IntegerForm Zero(SourceSpan span) => new(span, 0);

    private void Error(Form form, string code, string message) => _diagnostics.Error(form.Span, code, message);
}
