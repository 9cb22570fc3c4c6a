using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Semantics;

/// <summary>A parameter or let variable. Variables whose address is taken live in memory; the rest in registers.</summary>
public sealed class LocalVariable(string name, int id)
{
    public string Name { get; } = name;
    public int Id { get; } = id;
    public bool AddressTaken { get; set; }
    public override string ToString() => Name;
}

public abstract class Symbol(string name, string nativeName, SourceFile file)
{
    public string Name { get; } = name;
    /// <summary>The symbol in the object file (before any platform prefix).</summary>
    public string NativeName { get; } = nativeName;
    public SourceFile File { get; } = file;
    /// <summary>Where the name is defined (for diagnostics of later stages, such as the C# bindings).</summary>
    public SourceSpan DefinedAt { get; init; }
}

public sealed class FunctionSymbol(string name, string nativeName, SourceFile file, IReadOnlyList<LocalVariable> parameters, string? documentation)
    : Symbol(name, nativeName, file)
{
    public IReadOnlyList<LocalVariable> Parameters { get; } = parameters;
    public string? Documentation { get; } = documentation;
    public bool IsExported { get; set; }
    public BoundExpression Body { get; set; } = null!;
    public int LocalCount { get; set; }
    /// <summary>How many direct calls of it the unit's bodies hold, counted on their forms (see Analyzer): at least the bound calls.</summary>
    public int CallSites { get; set; }
    /// <summary>Whether its name is used other than as a call's head (its address taken), counted as <see cref="CallSites"/>.</summary>
    public bool IsAddressTaken { get; set; }
}

/// <param name="fixedParameters">For a variadic C function, its number of fixed parameters; null for any other.</param>
/// <param name="isDeclaredVariadic">The program declared the count, <c>(extern 'cname n)</c>, rather than taking the C library's.</param>
public sealed class ExternSymbol(string name, string cName, SourceFile file, int? fixedParameters, bool isDeclaredVariadic, CSignature? signature = null)
    : Symbol(name, cName, file)
{
    /// <summary>Its C signature when it declares one; else every argument and the result are words.</summary>
    public CSignature? Signature { get; } = signature;
    /// <summary>For a variadic C function, its number of fixed parameters (Apple's arm64 ABI passes the rest on the stack).</summary>
    public int? FixedParameters { get; } = fixedParameters;
    public bool IsDeclaredVariadic { get; } = isDeclaredVariadic;
}

/// <summary>What a global word holds when the library is loaded.</summary>
public abstract record GlobalInitialValue;
public sealed record ConstantValue(long Value) : GlobalInitialValue;
public sealed record AddressOfFunction(FunctionSymbol Function) : GlobalInitialValue;
public sealed record AddressOfExtern(ExternSymbol Extern) : GlobalInitialValue;
public sealed record AddressOfString(byte[] Bytes) : GlobalInitialValue;

public sealed class GlobalSymbol(string name, string nativeName, SourceFile file) : Symbol(name, nativeName, file)
{
    public GlobalInitialValue InitialValue { get; set; } = new ConstantValue(0);
    /// <summary>
    /// Whether the program may change it: some body of the unit assigns it or takes its address (the library keeps it
    /// to itself, spec section 6). Otherwise every read is <see cref="InitialValue"/>.
    /// </summary>
    public bool MayChange { get; set; }
}

/// <summary>A checked expression. <see cref="AssignsLocal"/> lets lowering keep left-to-right order cheaply.</summary>
public abstract class BoundExpression(SourceSpan span)
{
    public SourceSpan Span { get; } = span;
    public virtual bool AssignsLocal => false;
}

public sealed class BoundConstant(SourceSpan span, long value) : BoundExpression(span)
{
    public long Value { get; } = value;
}

public sealed class BoundString(SourceSpan span, byte[] bytes) : BoundExpression(span)
{
    public byte[] Bytes { get; } = bytes;
}

public sealed class BoundLocal(SourceSpan span, LocalVariable variable) : BoundExpression(span)
{
    public LocalVariable Variable { get; } = variable;
}

public sealed class BoundGlobal(SourceSpan span, GlobalSymbol global) : BoundExpression(span)
{
    public GlobalSymbol Global { get; } = global;
}

public sealed class BoundFunctionAddress(SourceSpan span, FunctionSymbol function) : BoundExpression(span)
{
    public FunctionSymbol Function { get; } = function;
}

public sealed class BoundExternAddress(SourceSpan span, ExternSymbol @extern) : BoundExpression(span)
{
    public ExternSymbol Extern { get; } = @extern;
}

public sealed class BoundAddressOfLocal(SourceSpan span, LocalVariable variable) : BoundExpression(span)
{
    public LocalVariable Variable { get; } = variable;
}

public sealed class BoundAddressOfGlobal(SourceSpan span, GlobalSymbol global) : BoundExpression(span)
{
    public GlobalSymbol Global { get; } = global;
}

public sealed class BoundAssignLocal(SourceSpan span, LocalVariable variable, BoundExpression value) : BoundExpression(span)
{
    public LocalVariable Variable { get; } = variable;
    public BoundExpression Value { get; } = value;
    public override bool AssignsLocal => true;
}

public sealed class BoundAssignGlobal(SourceSpan span, GlobalSymbol global, BoundExpression value) : BoundExpression(span)
{
    public GlobalSymbol Global { get; } = global;
    public BoundExpression Value { get; } = value;
    public override bool AssignsLocal => Value.AssignsLocal;
}

/// <summary>Expressions evaluated in order; the value is the last one's, 0 when there are none.</summary>
public sealed class BoundSequence(SourceSpan span, IReadOnlyList<BoundExpression> expressions) : BoundExpression(span)
{
    public IReadOnlyList<BoundExpression> Expressions { get; } = expressions;
    public override bool AssignsLocal { get; } = expressions.Any(e => e.AssignsLocal);
}

/// <summary>A let: the initialisers run in order in the outer scope, then the body runs with the variables bound.</summary>
public sealed class BoundLet(SourceSpan span, IReadOnlyList<(LocalVariable Variable, BoundExpression Value)> bindings, BoundExpression body)
    : BoundExpression(span)
{
    public IReadOnlyList<(LocalVariable Variable, BoundExpression Value)> Bindings { get; } = bindings;
    public BoundExpression Body { get; } = body;
    public override bool AssignsLocal { get; } = body.AssignsLocal || bindings.Any(b => b.Value.AssignsLocal);
}

public sealed class BoundIf(SourceSpan span, BoundExpression condition, BoundExpression then, BoundExpression @else) : BoundExpression(span)
{
    public BoundExpression Condition { get; } = condition;
    public BoundExpression Then { get; } = then;
    public BoundExpression Else { get; } = @else;
    public override bool AssignsLocal { get; } = condition.AssignsLocal || then.AssignsLocal || @else.AssignsLocal;
}

public sealed class BoundWhile(SourceSpan span, BoundExpression condition, BoundExpression body) : BoundExpression(span)
{
    public BoundExpression Condition { get; } = condition;
    public BoundExpression Body { get; } = body;
    public override bool AssignsLocal { get; } = condition.AssignsLocal || body.AssignsLocal;
}

/// <summary><c>and</c> (IsAnd) or <c>or</c> of one or more operands (the empty forms are constants by now).</summary>
public sealed class BoundLogical(SourceSpan span, bool isAnd, IReadOnlyList<BoundExpression> operands) : BoundExpression(span)
{
    public bool IsAnd { get; } = isAnd;
    public IReadOnlyList<BoundExpression> Operands { get; } = operands;
    public override bool AssignsLocal { get; } = operands.Any(e => e.AssignsLocal);
}

/// <summary>An operator applied to its operands (binary operators have exactly two; stores have three).</summary>
public sealed class BoundOperation(SourceSpan span, Operator op, IReadOnlyList<BoundExpression> operands) : BoundExpression(span)
{
    public Operator Operator { get; } = op;
    public IReadOnlyList<BoundExpression> Operands { get; } = operands;
    public override bool AssignsLocal { get; } = operands.Any(e => e.AssignsLocal);
}

public enum CallKind { Direct, Extern, Indirect }

public sealed class BoundCall(SourceSpan span, CallKind kind, Symbol? target, BoundExpression? callee, IReadOnlyList<BoundExpression> arguments)
    : BoundExpression(span)
{
    public CallKind Kind { get; } = kind;
    /// <summary>The function or extern called, for direct and extern calls.</summary>
    public Symbol? Target { get; } = target;
    /// <summary>The expression giving the address, for indirect calls.</summary>
    public BoundExpression? Callee { get; } = callee;
    public IReadOnlyList<BoundExpression> Arguments { get; } = arguments;
    public override bool AssignsLocal { get; } = (callee?.AssignsLocal ?? false) || arguments.Any(e => e.AssignsLocal);
}

public sealed class BoundReturn(SourceSpan span, BoundExpression value) : BoundExpression(span)
{
    public BoundExpression Value { get; } = value;
    public override bool AssignsLocal => Value.AssignsLocal;
}

/// <summary>The checked unit: everything later stages need, nothing of the syntax.</summary>
public sealed class BoundProgram
{
    public required IReadOnlyList<FunctionSymbol> Functions { get; init; }
    public required IReadOnlyList<GlobalSymbol> Globals { get; init; }
    public required IReadOnlyList<ExternSymbol> Externs { get; init; }
}

public static class BoundTreeWalk
{
    /// <summary><paramref name="e"/> and every expression inside it, walked without recursion (bodies can be deep).</summary>
    public static IEnumerable<BoundExpression> SelfAndDescendants(this BoundExpression e)
    {
        var pending = new Stack<BoundExpression>();
        pending.Push(e);
        while (pending.Count > 0)
        {
            var next = pending.Pop();
            yield return next;
            PushChildren(next, pending);
        }
    }

    /// <summary>Pushes the expressions directly inside <paramref name="e"/>, without allocating per expression.</summary>
    private static void PushChildren(BoundExpression e, Stack<BoundExpression> pending)
    {
        switch (e)
        {
            case BoundAssignLocal a: pending.Push(a.Value); break;
            case BoundAssignGlobal g: pending.Push(g.Value); break;
            case BoundSequence s: PushAll(s.Expressions, pending); break;
            case BoundLet l:
                for (int i = 0; i < l.Bindings.Count; i++) pending.Push(l.Bindings[i].Value);
                pending.Push(l.Body);
                break;
            case BoundIf i: pending.Push(i.Condition); pending.Push(i.Then); pending.Push(i.Else); break;
            case BoundWhile w: pending.Push(w.Condition); pending.Push(w.Body); break;
            case BoundLogical l: PushAll(l.Operands, pending); break;
            case BoundOperation o: PushAll(o.Operands, pending); break;
            case BoundCall c:
                if (c.Callee is not null) pending.Push(c.Callee);
                PushAll(c.Arguments, pending);
                break;
            case BoundReturn r: pending.Push(r.Value); break;
        }
    }

    private static void PushAll(IReadOnlyList<BoundExpression> expressions, Stack<BoundExpression> pending)
    {
        for (int i = 0; i < expressions.Count; i++) pending.Push(expressions[i]);
    }
}
