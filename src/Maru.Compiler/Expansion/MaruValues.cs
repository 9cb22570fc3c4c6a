using System.Text;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Expansion;

// The data of compile-time Maru (spec section 10). A value is a C# object: null is nil, a boxed long is an integer
// (a word), and the classes below are Maru's other types. Their type numbers and fields are boot.l's, so macros that
// read them with oop-at (structure accessors compiled with -O) see what they would see in Maru.

/// <summary>The built-in type numbers, as boot.l allocates them.</summary>
public static class MaruTypes
{
    public const int Undefined = 0, Data = 1, Long = 2, Double = 3, String = 4, Symbol = 5, Pair = 6, RawArray = 7, Array = 8,
        Expr = 9, Form = 10, Fixed = 11, Subr = 12, Variable = 13, Env = 14, Context = 15;

    /// <summary>The built-in types' names and fields, in type-number order (boot.l's define-structure lines).</summary>
    public static readonly (string Name, string[] Fields)[] BuiltIn =
    [
        ("<undefined>", []), ("<data>", []), ("<long>", ["_bits"]), ("<double>", ["_bits"]), ("<string>", ["size", "_bits"]),
        ("<symbol>", ["_bits"]), ("<pair>", ["head", "tail", "source"]), ("<_array>", []), ("<array>", ["size", "_array"]),
        ("<expr>", ["name", "defn", "ctx", "profile"]), ("<form>", ["function", "symbol"]), ("<fixed>", ["function"]),
        ("<subr>", ["_name", "_imp", "_sig", "_profile"]), ("<variable>", ["name", "value", "env", "index", "type"]),
        ("<env>", ["parent", "level", "offset", "bindings", "stable"]), ("<context>", ["home", "env", "bindings", "callee", "pc"]),
    ];
}

/// <summary>An interned name. Two symbols are the same name exactly when they are the same object.</summary>
public sealed class MaruSymbol
{
    private readonly int _hashCode;

    internal MaruSymbol(string name)
    {
        Name = name;
        _hashCode = name.GetHashCode(StringComparison.Ordinal);
    }

    public string Name { get; }

    /// <summary>
    /// Whether any environment has ever bound this name to a form (a macro). The expander looks a name up only when
    /// it may be a macro: most names never are, and looking each one up through every environment is what costs.
    /// </summary>
    internal bool MayNameForm { get; private set; }

    /// <summary>Notes that a variable of this name holds <paramref name="value"/>.</summary>
    internal void Holds(object? value)
    {
        if (value is MaruForm) MayNameForm = true;
    }

    public override string ToString() => Name;
    // Symbols are equal only to themselves (object.Equals); the hash code is the name's, computed once, which is
    // cheaper than the runtime's identity hash for the many environment lookups compile time makes.
    public override int GetHashCode() => _hashCode;
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);
}

/// <summary>
/// Interns symbols for one compilation. The names the interpreter and its prelude know are interned once per process
/// in a frozen base table shared by every compilation; a program's own names live only as long as its table.
/// </summary>
public sealed class SymbolTable
{
    private static readonly Dictionary<string, MaruSymbol> Base = new(StringComparer.Ordinal);
    private static volatile bool _baseFrozen;
    private readonly Dictionary<string, MaruSymbol> _own = new(StringComparer.Ordinal);

    /// <summary>A symbol of the frozen base table (for the interpreter's own names); only during type initialisation.</summary>
    internal static MaruSymbol Known(string name)
    {
        lock (Base)
        {
            if (Base.TryGetValue(name, out var symbol)) return symbol;
            if (_baseFrozen) throw new InvalidOperationException($"symbol '{name}' interned after the base table was frozen");
            return Base[name] = new MaruSymbol(name);
        }
    }

    /// <summary>Freezes the base table: from now on it is read without locks.</summary>
    internal static void FreezeBase()
    {
        lock (Base) _baseFrozen = true;
    }

    public MaruSymbol Intern(string name)
    {
        if (_baseFrozen && Base.TryGetValue(name, out var known)) return known;
        if (!_baseFrozen) return Known(name);
        if (_own.TryGetValue(name, out var symbol)) return symbol;
        return _own[name] = new MaruSymbol(name);
    }
}

/// <summary>A mutable Maru string: bytes (UTF-8 as read) without a terminating NUL.</summary>
public sealed class MaruString
{
    public MaruString(byte[] bytes) => Bytes = bytes;
    public MaruString(string text) => Bytes = Encoding.UTF8.GetBytes(text);
    public byte[] Bytes { get; }
    public int Length => Bytes.Length;
    public override string ToString() => Encoding.UTF8.GetString(Bytes);
}

/// <summary>
/// Finds a list whose tail comes back to it, during a walk of it: a second walker at half speed is met by the walk
/// only then (Floyd's test), in time and memory no more than the walk's.
/// </summary>
internal struct CycleWatch(object? list)
{
    private object? _slow = list;
    private int _steps;

    /// <summary>Given each cell the walk moves on to after the first: whether the walk has come round.</summary>
    public bool CameBack(object? next)
    {
        if ((++_steps & 1) == 0) _slow = ((Pair)_slow!).Tail;
        return ReferenceEquals(next, _slow);
    }
}

/// <summary>A cons cell. Cells read from a file remember where they came from; cells a macro makes get the macro call's place.</summary>
public sealed class Pair(object? head, object? tail)
{
    public object? Head = head;
    public object? Tail = tail;

    // Where the cell is in the source: the ListForm it was read from (its head is item _item of that list), the
    // Places given at compile time, or null. Most cells are read, and so need no spans of their own: a cell is 48
    // bytes, not 80, and every top-level form of a file is converted to cells.
    private object? _places;
    private int _item;

    /// <summary>A cell of the shared prelude's code: no compilation may change it.</summary>
    internal bool Frozen;

    /// <summary>Whether the cell was made from a form read from a file (changing it invalidates <see cref="ReadAs"/>).</summary>
    internal bool Read;

    public Pair(object? head, object? tail, SourceSpan span, SourceSpan headSpan) : this(head, tail) => _places = new Places(span, headSpan);

    /// <summary>A cell of a list read from a file: its head is item <paramref name="item"/> of <paramref name="list"/>.</summary>
    internal static Pair ReadFrom(Syntax.ListForm list, int item, object? head, object? tail) =>
        new(head, tail) { _places = list, _item = item, Read = true };

    /// <summary>A cell made from <paramref name="source"/> (an expansion of it): it has the same places, but was not read.</summary>
    internal static Pair PlacedAs(object? head, object? tail, Pair source) =>
        new(head, tail) { _places = source._places, _item = source._item };

    internal void SetPlaces(SourceSpan span, SourceSpan headSpan) => _places = new Places(span, headSpan);

    /// <summary>The source of the list that starts at this cell (its opening parenthesis); default when unknown.</summary>
    public SourceSpan Span => _places switch { Syntax.ListForm list => list.Span, Places places => places.Span, _ => default };

    /// <summary>The source of <see cref="Head"/> when it is an atom read from a file (a name's own position).</summary>
    public SourceSpan HeadSpan => _places switch { Syntax.ListForm list => list[_item].Span, Places places => places.HeadSpan, _ => default };

    /// <summary>
    /// For the first cell of a list read from a file: the form it was read as. While no cell read from a file has been
    /// changed (<see cref="Interpreter.ReadCellsChanged"/>), a list still starting at this cell is that form, and
    /// turning it back into a form for the analyser can take it as it is.
    /// </summary>
    internal Syntax.ListForm? ReadAs => Read && _item == 0 && _places is Syntax.ListForm { Tail: null } list ? list : null;

    private sealed record Places(SourceSpan Span, SourceSpan HeadSpan);
}

/// <summary>A growable array of values; setting beyond the end grows it, filling with nil.</summary>
public sealed class MaruArray
{
    public MaruArray(int size)
    {
        Items = new List<object?>(Math.Max(size, 0));
        for (int i = 0; i < size; i++) Items.Add(null);
    }

    public List<object?> Items { get; }
    public int Count => Items.Count;
}

/// <summary>A closure: a lambda's code with the frame it was made in (Maru's &lt;expr&gt;).</summary>
public sealed class Closure(Lambda code, Frame? frame)
{
    public Lambda Code { get; } = code;
    public Frame? Frame { get; } = frame;
    /// <summary>The name it was first defined under (Maru's &lt;expr&gt;-name); decides which definition compiles it.</summary>
    public object? Name;
}

/// <summary>A macro: a function from forms to a form, and/or a function that expands a symbol (Maru's &lt;form&gt;).</summary>
public sealed class MaruForm(object? function, object? symbolFunction)
{
    public object? Function = function;
    public object? SymbolFunction = symbolFunction;
    /// <summary>A form of the shared prelude: no compilation may change it.</summary>
    internal bool Frozen;
}

/// <summary>A function applied to its arguments unevaluated (Maru's &lt;fixed&gt;).</summary>
public sealed class Fixed(object? function)
{
    public object? Function = function;
    /// <summary>A fixed function of the shared prelude: no compilation may change it.</summary>
    internal bool Frozen;
}

/// <summary>What compile time does that belongs to the unit being compiled (see <see cref="CompileTime"/>).</summary>
public interface ICompileTimeHost
{
    /// <summary>Reads a file and runs its forms in the place of the load.</summary>
    void Load(string name);
    /// <summary>Ends the innermost compile region: its definitions are compiled.</summary>
    void CompileEnd();
    /// <summary>Records <c>(export name...)</c>: the cells of the names, and the place of the export form.</summary>
    void Export(object? names, SourceSpan site);
}

/// <summary>The prelude, loaded once per process: its environment and the values every interpreter starts from.</summary>
internal sealed class PreludeSnapshot(MaruEnvironment environment, object?[] values)
{
    public MaruEnvironment Environment { get; } = environment;

    /// <summary>
    /// A copy of the values for one interpreter. What Maru code can change in place is copied too, keeping what was
    /// shared shared: arrays (the structure registry, the expander tables) and structures (selectors and their methods).
    /// </summary>
    public object?[] CopyValues()
    {
        var copies = new Dictionary<object, object>(ReferenceEqualityComparer.Instance);
        var copy = new object?[values.Length];
        for (int i = 0; i < copy.Length; i++) copy[i] = Copy(values[i], copies);
        return copy;
    }

    private static object? Copy(object? value, Dictionary<object, object> copies)
    {
        if (value is not (MaruArray or StructureInstance)) return value;
        if (copies.TryGetValue(value, out var done)) return done;
        switch (value)
        {
            case MaruArray array:
            {
                var clone = new MaruArray(0);
                copies[array] = clone;
                foreach (var item in array.Items) clone.Items.Add(Copy(item, copies));
                return clone;
            }
            default:
            {
                var instance = (StructureInstance)value;
                var clone = new StructureInstance(instance.Type, instance.Slots.Length);
                copies[instance] = clone;
                for (int i = 0; i < clone.Slots.Length; i++) clone.Slots[i] = Copy(instance.Slots[i], copies);
                return clone;
            }
        }
    }
}

/// <summary>A function implemented by the interpreter (Maru's &lt;subr&gt;).</summary>
public sealed class Primitive(string name, Func<Interpreter, object?[], object?> implementation)
{
    public string Name { get; } = name;
    public Func<Interpreter, object?[], object?> Implementation { get; } = implementation;

    /// <summary>
    /// For a macro's expander written in C#: the expander over the call's operand list itself, so the cells (and
    /// source places) of the operands it puts in its expansion are the call's own.
    /// </summary>
    public Func<Interpreter, object?, object?>? MacroExpander { get; private init; }

    public static Primitive Macro(string name, Func<Interpreter, object?, object?> expander) =>
        new(name, (it, a) => expander(it, Interpreter.ArrayToList(a, 1))) { MacroExpander = expander };
}

/// <summary>One of the special forms of the interpreter (quote, define, set, lambda, let, if, while, and, or).</summary>
public sealed class SpecialForm(string name)
{
    public string Name { get; } = name;
}

/// <summary>A binding of a global environment.</summary>
public sealed class Variable(MaruSymbol name, object? value, MaruEnvironment? environment, int index)
{
    public MaruSymbol Name = name;
    public object? Value = value;
    public MaruEnvironment? Environment = environment;
    public int Index = index;
    /// <summary>For a variable of the shared prelude: its slot in each interpreter's copy of the prelude's values; else -1.</summary>
    public int PreludeSlot = -1;
    /// <summary>What the compile region that defined the variable knows of its definition (see <see cref="CompileTime"/>).</summary>
    internal object? RegionDefinition;
}

/// <summary>
/// A global environment: the host's globals, a compile region, or one made by Maru code. Bindings are kept in order
/// (Maru reads them as an array) and indexed by name.
/// </summary>
public sealed class MaruEnvironment
{
    private readonly Dictionary<MaruSymbol, Variable> _index = new();
    private int _indexed;

    public MaruEnvironment(MaruEnvironment? parent)
    {
        Parent = parent;
        Level = 0;
    }

    public MaruEnvironment? Parent { get; set; }
    public long Level { get; set; }
    /// <summary>The variables in definition order; Maru code may append to it (boot.l's environment-define).</summary>
    public MaruArray Bindings { get; set; } = new(0);

    public Variable? FindLocal(MaruSymbol name)
    {
        if (_indexed != Bindings.Count) Reindex();
        return _index.GetValueOrDefault(name);
    }

    public Variable? Find(MaruSymbol name)
    {
        for (var environment = this; environment is not null; environment = environment.Parent)
            if (environment.FindLocal(name) is { } variable) return variable;
        return null;
    }

    /// <summary>Defines or redefines a name in this environment, as Maru's define does.</summary>
    public Variable Define(MaruSymbol name, object? value)
    {
        name.Holds(value);
        if (FindLocal(name) is { } existing)
        {
            existing.Value = value;
            return existing;
        }
        var variable = new Variable(name, value, this, Bindings.Count);
        Bindings.Items.Add(variable);
        _index[name] = variable;
        _indexed = Bindings.Count;
        return variable;
    }

    private void Reindex()
    {
        _index.Clear();
        foreach (var item in Bindings.Items)
            if (item is Variable { } variable) _index[variable.Name] = variable;
        _indexed = Bindings.Count;
    }
}

/// <summary>An instance of a structure made by <c>allocate</c> (boot.l's <c>new</c>): a type number and word slots.</summary>
public sealed class StructureInstance(long type, int size)
{
    public long Type { get; } = type;
    public object?[] Slots { get; } = new object?[size];
}

/// <summary>A C function named by <c>(extern 'name ...)</c>: compiled as an extern, and not callable at compile time.</summary>
public sealed class ExternValue(MaruSymbol cname, int? fixedParameters)
{
    public MaruSymbol CName { get; } = cname;
    /// <summary>For a variadic C function declared with its number of fixed parameters, that number.</summary>
    public int? FixedParameters { get; } = fixedParameters;
    /// <summary>For <c>(extern 'cname (T ...) R)</c>, its C signature.</summary>
    public CSignature? Signature { get; init; }
    /// <summary>The name it was first defined under; other names holding it are globals holding its address.</summary>
    public MaruSymbol? Name;
}

/// <summary>The value of a region definition that refers to a name defined later in the unit: resolved when compiled.</summary>
public sealed class Deferred
{
    public static readonly Deferred Instance = new();
    private Deferred() { }
}

/// <summary>An error raised by compile-time Maru; it becomes a diagnostic at the form being expanded or evaluated.</summary>
/// <remarks>
/// The places an error passes through are added by exception filters (<see cref="Locate"/>, <see cref="NameMacro"/>),
/// not by catching and throwing again: a catch that throws runs on top of the stack it unwinds, so thousands of nested
/// compile-time calls rethrowing one error would overflow the stack.
/// </remarks>
public sealed class MaruError(string message, string code = DiagnosticCodes.CompileTimeError) : Exception
{
    private string _message = message;
    public override string Message => _message;
    public string Code { get; } = code;
    /// <summary>The innermost source place known when the error passed through it.</summary>
    public SourceSpan Span;
    /// <summary>Whether the message already names the macro whose expansion raised it.</summary>
    public bool NamesMacro { get; set; }

    /// <summary>Records the place the error passes through if it has none yet; false, for use as an exception filter.</summary>
    public bool Locate(SourceSpan span)
    {
        if (Span.File is null) Span = span;
        return false;
    }

    /// <summary>Names the innermost macro whose expansion raised the error and puts it at the macro call; false, for use as an exception filter.</summary>
    public bool NameMacro(string macro, SourceSpan call)
    {
        if (NamesMacro) return false;
        NamesMacro = true;
        _message = $"in macro '{macro}': {_message}";
        if (call.File is not null) Span = call;
        return false;
    }
}
