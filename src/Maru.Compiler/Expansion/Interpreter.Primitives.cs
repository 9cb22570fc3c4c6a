using System.Globalization;
using System.Text;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Expansion;

// The primitive functions of compile-time Maru: those of Maru's evaluator (eval.l's subrs), with their names and
// answers (car of a non-pair is nil, array-at out of range is nil, ...), plus the operators compiled code has that
// eval.l lacks. Integer arithmetic is the compiled language's (spec section 4: wrapping, defined division by zero,
// variadic + - * & | ^), so a constant means the same at compile time and at run time. Compile-time code cannot
// touch the machine: there is no file access but load, no process, no C function.

public sealed partial class Interpreter
{
    private static readonly string[] SpecialFormNames = ["quote", "define", "set", "lambda", "let", "if", "while", "and", "or"];

    private void DefinePrimitives()
    {
        foreach (var name in SpecialFormNames) Globals.Define(Intern(name), new SpecialForm(name));

        // Arithmetic and comparison on words.
        DefineFold("+", Operator.Add);
        DefineFold("*", Operator.Mul);
        DefineFold("&", Operator.And);
        DefineFold("|", Operator.Or);
        DefineFold("^", Operator.Xor);
        Define("-", (_, a) => a.Length switch
        {
            0 => throw new MaruError("'-' expects at least 1 argument but is given 0", DiagnosticCodes.WrongArgumentCount),
            1 => Box(WordArithmetic.Unary(Operator.Neg, Word("-", a[0]))),
            _ => Fold("-", Operator.Sub, a),
        });
        DefineBinary("/", Operator.Div);
        DefineBinary("%", Operator.Rem);
        DefineBinary("<<", Operator.Shl);
        DefineBinary(">>", Operator.Sar);
        DefineComparison("<", Operator.Lt);
        DefineComparison("<=", Operator.Le);
        DefineComparison(">=", Operator.Ge);
        DefineComparison(">", Operator.Gt);
        Define("=", (it, a) => Truth(it.Equal(Arguments("=", a, 2))));
        Define("!=", (it, a) => Truth(!it.Equal(Arguments("!=", a, 2))));
        Define("~", (_, a) => Box(~Word("~", Arguments("~", a, 1)[0])));
        Define("not", (_, a) => Truth(Arguments("not", a, 1)[0] is null));

        // Pairs and lists.
        Define("cons", (_, a) => a.Length <= 2
            ? new Pair(a.Length > 0 ? a[0] : null, a.Length > 1 ? a[1] : null)
            : throw new MaruError($"'cons' expects at most 2 arguments but is given {a.Length}", DiagnosticCodes.WrongArgumentCount));
        Define("car", (_, a) => (Arguments("car", a, 1)[0] as Pair)?.Head);
        Define("cdr", (_, a) => (Arguments("cdr", a, 1)[0] as Pair)?.Tail);
        Define("set-car", (it, a) => Arguments("set-car", a, 2)[0] is Pair p ? it.Mutable(p).Head = a[1] : null);
        Define("set-cdr", (it, a) => Arguments("set-cdr", a, 2)[0] is Pair p ? it.Mutable(p).Tail = a[1] : null);
        Define("list", (it, a) =>
        {
            it.StepBytes(PairBytes * a.Length);
            return ArrayToList(a);
        });
        // boot.l's concat-list (what ,@ calls), copying in a loop: as a Maru function it nested a call per cell, so
        // splicing a list of 20 000 reached the depth limit, and a long one was slow on the deep stack.
        Define("concat-list", (it, a) =>
        {
            var items = ListToArray(Arguments("concat-list", a, 2)[0]);
            it.StepBytes(PairBytes * items.Length);
            return ArrayToList(items, tail: a[1]);
        });
        Define("pair?", (_, a) => Truth(Arguments("pair?", a, 1)[0] is Pair));
        Define("symbol?", (_, a) => Truth(Arguments("symbol?", a, 1)[0] is MaruSymbol));
        Define("string?", (_, a) => Truth(Arguments("string?", a, 1)[0] is MaruString));
        Define("array?", (_, a) => Truth(Arguments("array?", a, 1)[0] is MaruArray));
        Define("long?", (_, a) => Truth(Arguments("long?", a, 1)[0] is long));
        Define("type-of", (_, a) => a.Length == 0 ? null : Box(TypeOf(a[0])));

        // Strings, symbols, arrays.
        Define("string", (it, a) => new MaruString(new byte[it.Size("string", a.Length > 0 ? a[0] : null, 1)]));
        Define("string-length", (_, a) => Arguments("string-length", a, 1)[0] is MaruString s ? Box(s.Length) : null);
        Define("string-at", (_, a) => Arguments("string-at", a, 2)[0] is MaruString s && a[1] is long i && i >= 0 && i < s.Length ? Box(s.Bytes[i]) : null);
        Define("set-string-at", (_, a) =>
        {
            if (Arguments("set-string-at", a, 3)[0] is MaruString s && a[1] is long i && a[2] is long c && i >= 0 && i < s.Length)
            {
                s.Bytes[i] = (byte)c;
                return c;
            }
            return null;
        });
        // Native because macros that print forms concatenate long strings many times over (quadratic in the Maru code).
        Define("concat-string", (it, a) => Arguments("concat-string", a, 2) is [MaruString x, MaruString y, ..]
            ? it.Concatenate("concat-string", a)
            : throw new MaruError("'concat-string' expects two strings", DiagnosticCodes.WrongType));
        Define("concat-strings", (it, a) =>
        {
            // The first operand, then every string that follows it up to the first operand that is not a string.
            if (a.Length == 0) return null;
            int count = 1;
            while (count < a.Length && a[count] is MaruString) count++;
            return count == 1 ? a[0]
                : a[0] is MaruString ? it.Concatenate("concat-strings", a.AsSpan(0, count))
                : throw new MaruError("'concat-strings' expects strings", DiagnosticCodes.WrongType);
        });
        Define("string->symbol", (it, a) => Arguments("string->symbol", a, 1)[0] switch
        {
            MaruSymbol symbol => symbol,
            MaruString text => it.Intern(it.Counted(text).ToString()),
            _ => null,
        });
        Define("symbol->string", (it, a) => Arguments("symbol->string", a, 1)[0] switch
        {
            MaruString text => text,
            MaruSymbol symbol => it.Counted(new MaruString(symbol.Name)),
            _ => null,
        });
        Define("long->string", (_, a) => Arguments("long->string", a, 1)[0] switch
        {
            MaruString text => text,
            long n => new MaruString(n.ToString(CultureInfo.InvariantCulture)),
            _ => null,
        });
        Define("array", (it, a) => new MaruArray(it.Size("array", a.Length > 0 ? a[0] : null, 8)));
        Define("array-length", (_, a) => Arguments("array-length", a, 1)[0] is MaruArray array ? Box(array.Count)
            : throw new MaruError($"'array-length' expects an array, not {Printer.Describe(a[0])}", DiagnosticCodes.WrongType));
        Define("array-at", (_, a) => Arguments("array-at", a, 2)[0] is MaruArray array && a[1] is long i && i >= 0 && i < array.Count ? array.Items[(int)i] : null);
        Define("set-array-at", (it, a) =>
        {
            if (Arguments("set-array-at", a, 3)[0] is not MaruArray array || a[1] is not long i || i < 0) return null;
            if (i >= array.Count)
            {
                if (i >= MaxCollectionSize) throw TooBig("set-array-at", i);
                it.StepBytes(8 * (i + 1 - array.Count));
                while (array.Count <= i) array.Items.Add(null);
            }
            return array.Items[(int)i] = a[2];
        });

        // Objects: forms, fixed functions, structures and the fields of every type.
        Define("form", (_, a) => new MaruForm(a.Length > 0 ? a[0] : null, a.Length > 1 ? a[1] : null));
        Define("fixed", (_, a) => new Fixed(Arguments("fixed", a, 1)[0]));
        Define("allocate", (it, a) =>
        {
            Arguments("allocate", a, 2);
            return a[0] is long type && a[1] is long size ? it.Allocate(type, size) : null;
        });
        Define("oop-at", (it, a) => Arguments("oop-at", a, 2)[1] is long i ? Fields.Get(it, a[0], i) : null);
        Define("set-oop-at", (it, a) => Arguments("set-oop-at", a, 3)[1] is long i ? Fields.Set(it, a[0], i, a[2]) : null);

        // Evaluation.
        Define("eval", (it, a) =>
        {
            var environment = a.Length > 1 && a[1] is MaruEnvironment e ? e : it.CurrentGlobals;
            return it.Eval(it.Expand(a.Length > 0 ? a[0] : null, environment), environment);
        });
        Define("expand", (it, a) => it.Expand(a.Length > 0 ? a[0] : null, a.Length > 1 && a[1] is MaruEnvironment e ? e : it.CurrentGlobals));
        Define("encode", (_, a) => a.Length > 0 ? a[0] : null);
        Define("apply", (it, a) => it.Apply(Arguments("apply", a, 2)[0], [], a[1]));
        Define("defined?", (it, a) =>
        {
            if (a.Length == 0 || a[0] is not MaruSymbol name) return null;
            var environment = a.Length > 1 && a[1] is MaruEnvironment e ? e : it.CurrentGlobals;
            return environment.Find(name);
        });
        Define("current-environment", (it, _) => it.CurrentGlobals);
        Define("verbose", (_, _) => Box(0));
        // Structures are compiled as Maru compiles with -O: accessors without type checks.
        Define("optimised", (_, _) => Box(1));

        // Output and errors.
        Define("print", (it, a) => it.Write(a, dump: false));
        Define("dump", (it, a) => it.Write(a, dump: true));
        Define("warn", (it, a) =>
        {
            foreach (var item in a)
                if (item is MaruString or MaruSymbol) it.Output.Append(item.ToString());
            return null;
        });
        Define("format", (it, a) => it.Counted(new MaruString(Format(Arguments("format", a, 2)))));
        Define("error", (_, a) =>
        {
            var message = new StringBuilder();
            foreach (var item in a) Printer.Print(message, item, dump: false, maxLength: 2000);
            throw new MaruError(message.ToString(), DiagnosticCodes.ErrorCalled);
        });
        // The prelude's macros report a malformed use of a form of the language with the code the analyser would use.
        DefineError("%malformed", DiagnosticCodes.MalformedForm);
        DefineError("%wrong-operands", DiagnosticCodes.WrongOperandCount);
        DefineError("%not-assignable", DiagnosticCodes.NotAssignable);
        DefineError("%duplicate-binding", DiagnosticCodes.DuplicateBinding);
        DefineError("%machine", DiagnosticCodes.MachineAtCompileTime);

        // What emit.l gives the programs it compiles, and what belongs to the unit.
        Define("extern", (_, a) => MakeExtern(a));
        Define("load", (it, a) =>
        {
            if (a.Length != 1 || a[0] is not MaruString path) throw new MaruError("load expects one file name (a string)", DiagnosticCodes.LoadFailed);
            (it.Host ?? throw new MaruError("load is not available here", DiagnosticCodes.LoadFailed)).Load(path.ToString());
            return null;
        });
        Globals.Define(Intern("compile-end"), new MaruForm(new Primitive("compile-end", (it, _) =>
        {
            (it.Host ?? throw new MaruError("(compile-end) is not available here", DiagnosticCodes.RegionMismatch)).CompileEnd();
            return null;
        }), null));
        // (export name...) records the names for the unit, wherever it is written or a macro puts it; it expands to nil.
        Globals.Define(Intern("export"), new MaruForm(Primitive.Macro("export", (it, names) =>
        {
            (it.Host ?? throw new MaruError("export is not available here")).Export(names, it.CurrentSite);
            return null;
        }), null));

        foreach (var name in new[] { "abort", "exit", "open", "close", "getc", "putc", "read" })
            Define(name, (_, _) => throw new MaruError(
                $"'{name}' is not available at compile time: compile-time code cannot touch the machine (no files but load, no process)",
                DiagnosticCodes.MachineAtCompileTime));
    }

    private void DefineError(string name, string code) =>
        Define(name, (_, a) => throw new MaruError(string.Concat(a.Select(item => Printer.ToString(item, dump: false))), code));

    /// <summary>The most fixed parameters a variadic extern may declare (C requires compilers to accept 127).</summary>
    public const int MaxFixedParameters = 127;

    private static ExternValue MakeExtern(object?[] a)
    {
        const string usage = "extern expects one quoted C name, and for a variadic C function its number of fixed parameters or a C signature: (extern 'puts), (extern 'printf 1), (extern 'sin (double) double)";
        if (a.Length is < 1 or > 3 || a[0] is not MaruSymbol cname || (a.Length == 3 && a[1] is long)) throw new MaruError(usage, DiagnosticCodes.MalformedForm);
        if (cname.Name.Length == 0 || char.IsAsciiDigit(cname.Name[0]) || !cname.Name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw new MaruError($"'{cname.Name}' is not a C function name (letters, digits and _, not starting with a digit)", DiagnosticCodes.MalformedForm);
        if (a.Length == 1) return new ExternValue(cname, null);
        if (a.Length == 3 && a[1] is not long)
        {
            var signature = ReadCSignature(cname.Name, a[1], a[2]);
            return new ExternValue(cname, signature.VariadicFrom) { Signature = signature };
        }
        if (a[1] is not long n || n < 0 || n > MaxFixedParameters)
            throw new MaruError($"the number of fixed parameters of the variadic C function '{cname.Name}' must be an integer from 0 to {MaxFixedParameters}, not {Printer.Describe(a[1])}",
                DiagnosticCodes.InvalidFixedParameterCount);
        return new ExternValue(cname, (int)n);
    }

    private static readonly HashSet<string> CParameterTypes = ["long", "int", "double", "float"];

    /// <summary>
    /// Reads <c>(extern 'cname (T ...) R)</c> as spec section 11 defines it: parameter types long, int, double or float,
    /// at most one <c>...</c>, after which float is not allowed (C promotes it to double); result one of those or void.
    /// </summary>
    private static CSignature ReadCSignature(string cname, object? parameters, object? result)
    {
        string Malformed(string what) =>
            $"the C signature of extern '{cname}' {what}; it is (extern '{cname} (T ...) R) with types long, int, double or float, an optional ... before the variable arguments, and a result type or void";
        if (parameters is not (null or Pair)) throw new MaruError(Malformed($"must list its parameter types, not {Printer.Describe(parameters)}"), DiagnosticCodes.InvalidCSignature);
        var types = new List<CType>();
        int? variadicFrom = null; // the index of the first variable argument, after a ...
        for (object? rest = parameters; rest is not null; rest = ((Pair)rest).Tail)
        {
            if (rest is not Pair cell) throw new MaruError(Malformed("has a dotted parameter list"), DiagnosticCodes.InvalidCSignature);
            switch (cell.Head)
            {
                case MaruSymbol { Name: "..." } when variadicFrom is not null:
                    throw new MaruError(Malformed("has more than one ..."), DiagnosticCodes.InvalidCSignature);
                case MaruSymbol { Name: "..." }:
                    variadicFrom = types.Count;
                    break;
                case MaruSymbol { Name: "float" } when variadicFrom is not null:
                    throw new MaruError(Malformed("passes a float as a variable argument, which C promotes to double: write double"), DiagnosticCodes.InvalidCSignature);
                case MaruSymbol type when CParameterTypes.Contains(type.Name):
                    types.Add(CSignature.Parse(type.Name));
                    break;
                default:
                    throw new MaruError(Malformed($"has the parameter type {Printer.Describe(cell.Head)}"), DiagnosticCodes.InvalidCSignature);
            }
        }
        if (result is not MaruSymbol resultType || !(CParameterTypes.Contains(resultType.Name) || resultType.Name == "void"))
            throw new MaruError(Malformed($"has the result type {Printer.Describe(result)}"), DiagnosticCodes.InvalidCSignature);
        return new CSignature(types, variadicFrom, CSignature.Parse(resultType.Name));
    }

    /// <summary>What a cell costs to make, in the bytes of <see cref="StepBytes"/>: its size.</summary>
    private const long PairBytes = 48;

    /// <summary>The most characters compile-time code may print in one compilation.</summary>
    public const int MaxOutput = 1 << 24;

    /// <summary>The largest string or array compile-time code may make.</summary>
    private const long MaxCollectionSize = 1 << 26;

    private void Define(string name, Func<Interpreter, object?[], object?> implementation) =>
        Globals.Define(Intern(name), new Primitive(name, implementation));

    /// <summary>Defines an alias of a primitive already defined (long-at for oop-at ...).</summary>
    internal void Alias(string alias, string primitive) => Globals.Define(Intern(alias), Lookup(Globals, Intern(primitive)));

    private void DefineFold(string name, Operator op) => Define(name, (_, a) => a.Length == 0
        ? throw new MaruError($"'{name}' expects at least 1 argument but is given 0", DiagnosticCodes.WrongArgumentCount)
        : Fold(name, op, a));

    private void DefineBinary(string name, Operator op) =>
        Define(name, (_, a) => Box(WordArithmetic.Binary(op, Word(name, Arguments(name, a, 2)[0]), Word(name, a[1]))));

    private void DefineComparison(string name, Operator op) =>
        Define(name, (_, a) => Truth(WordArithmetic.Binary(op, Word(name, Arguments(name, a, 2)[0]), Word(name, a[1])) != 0));

    private static object Fold(string name, Operator op, object?[] a)
    {
        long result = Word(name, a[0]);
        for (int i = 1; i < a.Length; i++) result = WordArithmetic.Binary(op, result, Word(name, a[i]));
        return Box(result);
    }

    private static object?[] Arguments(string name, object?[] arguments, int count) =>
        arguments.Length == count ? arguments
        : throw new MaruError($"'{name}' expects {count} argument{(count == 1 ? "" : "s")} but is given {arguments.Length}", DiagnosticCodes.WrongArgumentCount);

    private static long Word(string name, object? value) => value as long?
        ?? throw new MaruError($"'{name}' expects integers, not {Printer.Describe(value)}", DiagnosticCodes.WrongType);

    /// <summary>The size of a string or array about to be made, of <paramref name="elementBytes"/> each, counted as steps.</summary>
    private int Size(string name, object? value, int elementBytes)
    {
        long size = value as long? ?? 0;
        if (size < 0) return 0;
        if (size > MaxCollectionSize) throw TooBig(name, size);
        StepBytes(size * elementBytes);
        return (int)size;
    }

    /// <summary>A string made by a primitive, counted as steps.</summary>
    private MaruString Counted(MaruString text)
    {
        StepBytes(text.Length);
        return text;
    }

    /// <summary>The strings joined, each copied once (not once for every string that follows it).</summary>
    private MaruString Concatenate(string name, ReadOnlySpan<object?> strings)
    {
        long size = 0;
        foreach (var text in strings) size += ((MaruString)text!).Length;
        if (size > MaxCollectionSize) throw TooBig(name, size);
        StepBytes(size);
        var bytes = new byte[size];
        int at = 0;
        foreach (var text in strings)
        {
            ((MaruString)text!).Bytes.CopyTo(bytes, at);
            at += ((MaruString)text!).Length;
        }
        return new MaruString(bytes);
    }

    private static MaruError TooBig(string name, long size) =>
        new($"'{name}' of {size} elements is more than compile-time code may make ({MaxCollectionSize})", DiagnosticCodes.CompileTimeLimit);

    /// <summary>Maru's <c>=</c>: integers by value, strings by their bytes, anything else by identity.</summary>
    private bool Equal(object?[] a) => (a[0], a[1]) switch
    {
        (long x, long y) => x == y,
        (MaruString x, MaruString y) => x.Length == y.Length && (ReferenceEquals(x, y) || Counted(x).Bytes.AsSpan().SequenceEqual(y.Bytes)),
        var (x, y) => ReferenceEquals(x, y),
    };

    internal static object? Truth(bool value) => value ? True : null;

    private Pair Mutable(Pair pair)
    {
        if (pair.Frozen) throw new MaruError($"{Printer.Describe(pair)} is a list of the prelude's code and cannot be changed");
        if (pair.Read) ReadCellsChanged = true;
        return pair;
    }

    private static readonly object[] SmallIntegers = Enumerable.Range(-128, 1152).Select(i => (object)(long)i).ToArray();

    /// <summary>A boxed integer; small ones are shared.</summary>
    public static object Box(long value) => value is >= -128 and < 1024 ? SmallIntegers[value + 128] : value;

    private object? Write(object?[] arguments, bool dump)
    {
        foreach (var item in arguments) Printer.Print(Output, item, dump);
        if (Output.Length > MaxOutput) throw new MaruError($"compile-time code printed more than {MaxOutput:N0} characters", DiagnosticCodes.CompileTimeLimit);
        return arguments.Length > 0 ? arguments[0] : null;
    }

    /// <summary>An object of a type: the built-in types get their own representation, structures a row of slots.</summary>
    private object? Allocate(long type, long size)
    {
        if (size < 0 || size > MaxCollectionSize) throw TooBig("allocate", size);
        return type switch
        {
            MaruTypes.Pair => new Pair(null, null),
            MaruTypes.Array => new MaruArray(0),
            MaruTypes.Form => new MaruForm(null, null),
            MaruTypes.Fixed => new Fixed(null),
            MaruTypes.Variable => new Variable(Intern(""), null, null, 0),
            MaruTypes.Env => new MaruEnvironment(null),
            _ => new StructureInstance(type, (int)size),
        };
    }

    /// <summary>C's printf for one argument, as Maru's format: %d %ld %x %c %s %% with flags, width and precision.</summary>
    private static string Format(object?[] a)
    {
        if (a[0] is not MaruString formatString) throw new MaruError("'format' expects a format string", DiagnosticCodes.WrongType);
        string format = formatString.ToString();
        var output = new StringBuilder();
        bool used = false;
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                output.Append(format[i]);
                continue;
            }
            int start = i++;
            while (i < format.Length && "-+ #0".Contains(format[i])) i++;
            while (i < format.Length && char.IsAsciiDigit(format[i])) i++;
            if (i < format.Length && format[i] == '.') for (i++; i < format.Length && char.IsAsciiDigit(format[i]); i++) { }
            while (i < format.Length && format[i] is 'l' or 'h' or 'z' or 'j' or 't') i++;
            if (i >= format.Length) break;
            char conversion = format[i];
            if (conversion == '%')
            {
                output.Append('%');
                continue;
            }
            string spec = format[start..(i + 1)];
            object? argument = used ? null : a[1];
            used = true;
            output.Append(CFormat.One(spec, conversion, argument));
        }
        return output.ToString();
    }
}
