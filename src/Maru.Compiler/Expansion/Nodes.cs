using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Expansion;

// Encoded compile-time Maru: what Maru's encoder makes of an expanded form, as a tree of nodes that evaluate
// themselves. Locals are resolved to frame slots when encoded; globals are looked up when first evaluated (so a
// function may use a global defined after it) and the variable is kept.

/// <summary>The locals of one lambda activation (or of top-level code with let); closures keep it alive.</summary>
public sealed class Frame(int size, Frame? parent)
{
    public readonly object?[] Slots = new object?[size];
    public readonly Frame? Parent = parent;
}

/// <summary>The code of a lambda, and the expanded source it was encoded from (what a compiled function is made of).</summary>
public sealed class Lambda
{
    public required int FixedCount { get; init; }
    public required bool HasRest { get; init; }
    public int FrameSize { get; set; }
    public Node[] Body { get; set; } = [];
    /// <summary>The parameter list as written: a list of symbols, possibly dotted, or one symbol.</summary>
    public required object? Parameters { get; init; }
    /// <summary>The body forms, expanded.</summary>
    public required object? BodySource { get { Remake(); return _bodySource; } init => _bodySource = value; }
    public required SourceSpan Span { get; init; }
    /// <summary>The encoder's scope for the body while it is not encoded yet (see <see cref="Interpreter"/>).</summary>
    internal object? PendingScope { get; set; }
    /// <summary>The lambda form, for the places of the body's parts.</summary>
    internal Pair? Form { get { Remake(); return _form; } init => _form = value; }

    /// <summary>Whether this is the code of <paramref name="lambda"/> (false once the cells are let go).</summary>
    internal bool IsMadeFrom(Pair lambda) => ReferenceEquals(_form, lambda);

    /// <summary>The body as the analyser's forms while its cells are let go (see <see cref="LetGoOfCells"/>).</summary>
    internal IReadOnlyList<Syntax.Form>? BodyForms { get; private set; }

    private object? _bodySource;
    private Pair? _form;
    private Func<(object? Body, Pair Form)>? _remake;

    /// <summary>
    /// Drops the cells of the body and of the lambda form, keeping the body as forms. <paramref name="remake"/> makes
    /// equal cells if Maru code ever needs them (a call at compile time, a look at the body); from then on the cells
    /// are what counts, since that code may change them.
    /// </summary>
    internal void LetGoOfCells(IReadOnlyList<Syntax.Form> bodyForms, Func<(object? Body, Pair Form)> remake)
    {
        BodyForms = bodyForms;
        _remake = remake;
        _bodySource = null;
        _form = null;
    }

    private void Remake()
    {
        if (_remake is null) return;
        (_bodySource, _form) = _remake();
        _remake = null;
        BodyForms = null;
    }
}

public abstract class Node
{
    public abstract object? Eval(Interpreter interpreter, Frame? frame);
}

internal sealed class ConstantNode(object? value) : Node
{
    public readonly object? Value = value;
    public override object? Eval(Interpreter interpreter, Frame? frame) => Value;
}

internal sealed class LocalNode(int depth, int index) : Node
{
    public override object? Eval(Interpreter interpreter, Frame? frame)
    {
        for (int i = 0; i < depth; i++) frame = frame!.Parent;
        return frame!.Slots[index];
    }
}

internal sealed class SetLocalNode(int depth, int index, Node value) : Node
{
    public override object? Eval(Interpreter interpreter, Frame? frame)
    {
        object? result = value.Eval(interpreter, frame);
        for (int i = 0; i < depth; i++) frame = frame!.Parent;
        frame!.Slots[index] = result;
        return result;
    }
}

internal sealed class GlobalNode(MaruSymbol name, MaruEnvironment environment, SourceSpan span) : Node
{
    private Variable? _variable;

    public Variable Resolve()
    {
        if (_variable is not null) return _variable;
        var variable = environment.Find(name)
            ?? throw new MaruError($"'{name.Name}' is not defined", DiagnosticCodes.UndefinedName) { Span = span };
        return _variable = variable;
    }

    public override object? Eval(Interpreter interpreter, Frame? frame)
    {
        object? value = interpreter.ValueOf(Resolve());
        if (value is Deferred) throw new MaruError($"'{name.Name}' is not defined yet", DiagnosticCodes.UndefinedName) { Span = span };
        return value;
    }
}

internal sealed class SetGlobalNode(GlobalNode target, Node value) : Node
{
    public override object? Eval(Interpreter interpreter, Frame? frame)
    {
        object? result = value.Eval(interpreter, frame);
        interpreter.Assign(target.Resolve(), result);
        return result;
    }
}

internal sealed class DefineNode(MaruSymbol name, MaruEnvironment environment, Node? value, Pair form) : Node
{
    public override object? Eval(Interpreter interpreter, Frame? frame)
    {
        object? result = value?.Eval(interpreter, frame);
        interpreter.Define(environment, name, result, form);
        return result;
    }
}

internal sealed class IfNode(Node test, Node then, Node[] otherwise) : Node
{
    public override object? Eval(Interpreter interpreter, Frame? frame)
    {
        if (test.Eval(interpreter, frame) is not null) return then.Eval(interpreter, frame);
        object? result = null;
        foreach (var node in otherwise) result = node.Eval(interpreter, frame);
        return result;
    }
}

internal sealed class WhileNode(Node test, Node[] body) : Node
{
    public override object? Eval(Interpreter interpreter, Frame? frame)
    {
        while (test.Eval(interpreter, frame) is not null)
        {
            interpreter.Step();
            foreach (var node in body) node.Eval(interpreter, frame);
        }
        return null;
    }
}

internal sealed class AndNode(Node[] operands) : Node
{
    public override object? Eval(Interpreter interpreter, Frame? frame)
    {
        object? result = Interpreter.True;
        foreach (var operand in operands)
            if ((result = operand.Eval(interpreter, frame)) is null) return null;
        return result;
    }
}

internal sealed class OrNode(Node[] operands) : Node
{
    public override object? Eval(Interpreter interpreter, Frame? frame)
    {
        foreach (var operand in operands)
            if (operand.Eval(interpreter, frame) is { } result) return result;
        return null;
    }
}

internal sealed class SequenceNode(Node[] body) : Node
{
    public override object? Eval(Interpreter interpreter, Frame? frame) => Interpreter.EvalBody(interpreter, body, frame);
}

/// <summary>A let's bindings: each slot gets the value of the last of its initial expressions (nil for none).</summary>
internal sealed class LetNode(int[] slots, Node[][] initializers, Node[] body) : Node
{
    public override object? Eval(Interpreter interpreter, Frame? frame)
    {
        for (int i = 0; i < slots.Length; i++)
            frame!.Slots[slots[i]] = Interpreter.EvalBody(interpreter, initializers[i], frame);
        return Interpreter.EvalBody(interpreter, body, frame);
    }
}

internal sealed class LambdaNode(Lambda code) : Node
{
    public override object? Eval(Interpreter interpreter, Frame? frame) => new Closure(code, frame);
}

/// <summary>
/// An application. A callee that is a &lt;fixed&gt; gets its arguments unevaluated (as the forms of <c>form</c>), any
/// other gets them evaluated left to right.
/// </summary>
internal sealed class CallNode(Node callee, Node[] arguments, Pair form) : Node
{
    public override object? Eval(Interpreter interpreter, Frame? frame)
    {
        try
        {
            object? function = callee.Eval(interpreter, frame);
            if (function is Fixed fixedFunction) return interpreter.Apply(fixedFunction.Function, [], form.Tail);
            var values = arguments.Length == 0 ? [] : new object?[arguments.Length];
            for (int i = 0; i < arguments.Length; i++) values[i] = arguments[i].Eval(interpreter, frame);
            return interpreter.Apply(function, values);
        }
        catch (MaruError error) when (error.Locate(form.Span))
        {
            throw; // never: Locate answers false, so the error passes on without being caught and thrown again
        }
    }
}
