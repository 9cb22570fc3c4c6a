using System.Globalization;
using System.Text;

namespace Maru.Compiler.Tests.RandomPrograms;

/// <summary>
/// An interpreter of the compiled language, written from the spec (shared/spec/language.md sections 3, 4 and 11) and
/// sharing nothing with the compiler: it reads a program's text itself and gives the standard output the program must
/// print. It knows the forms the random programs use: globals (constant, empty, or <c>(extern 'printf)</c> and
/// <c>(extern 'calloc)</c>), functions, <c>let</c>, <c>let*</c>, <c>set</c>, <c>if</c>, <c>cond</c>, <c>when</c>,
/// <c>unless</c>, <c>while</c>, <c>for</c>, <c>and</c>, <c>or</c>, <c>not</c>, <c>return</c>, the word operators, the memory
/// operators on calloc'd blocks (an access outside one is an error here), and the double operators and conversions.
/// Anything else is a <see cref="NotSupportedException"/>. Evaluation runs on a budget of steps (calls and loop
/// iterations) so a program that would run too long is rejected, not waited for.
/// </summary>
public sealed class ReferenceEvaluator
{
    /// <summary>The program ran out of its budget of steps.</summary>
    public sealed class OutOfStepsException() : Exception("the program ran longer than its budget of steps");

    private delegate long Code(long[] frame);

    private sealed record Symbol(string Name);

    private sealed record Text(string Value);

    private sealed class Function(string name, int arity)
    {
        public string Name { get; } = name;
        public int Arity { get; } = arity;
        public int Slots { get; set; }
        public Code Body { get; set; } = _ => 0;
    }

    private sealed class ReturnException(long value) : Exception
    {
        public long Value { get; } = value;
    }

    /// <summary>A block of memory from calloc, at a made-up address.</summary>
    private sealed record Block(long Address, byte[] Bytes);

    private enum Extern { Printf, Calloc }

    private readonly Dictionary<string, Function> _functions = new();
    private readonly Dictionary<string, int> _globalIndex = new();
    private readonly Dictionary<string, Extern> _externs = new();
    private readonly List<long> _globals = new();
    private readonly List<Block> _blocks = new();
    private readonly StringBuilder _output = new();
    private long _steps;
    private int _depth;

    private ReferenceEvaluator(long steps) => _steps = steps;

    /// <summary>Runs the program's <c>main</c> (of no parameters) and returns what it prints and its result.</summary>
    public static (string Output, long Result) Run(string program, long steps)
    {
        var evaluator = new ReferenceEvaluator(steps);
        long result = evaluator.Load(Read(program));
        return (evaluator._output.ToString(), result);
    }

    private long Load(List<object> forms)
    {
        var definitions = new List<(Function Function, List<object> Parameters, List<object> Body)>();
        var constants = new List<(int Index, object Expression)>();
        foreach (var form in forms)
        {
            var list = AsList(form);
            if (list.Count < 2) throw new NotSupportedException("a top-level form of one element");
            string head = AsSymbol(list[0]);
            string name = AsSymbol(list[1]);
            if (head == "define-function")
            {
                var parameters = AsList(list[2]);
                var function = new Function(name, parameters.Count);
                _functions.Add(name, function);
                definitions.Add((function, parameters, list.Skip(3).ToList()));
            }
            else if (head == "define" && list.Count == 3 && list[2] is List<object> { Count: 2 } e && e[0] is Symbol { Name: "extern" })
            {
                string cname = AsSymbol(AsList(e[1])[1]);
                _externs.Add(name, cname switch { "printf" => Extern.Printf, "calloc" => Extern.Calloc, _ => throw new NotSupportedException($"extern {cname}") });
            }
            else if (head == "define")
            {
                _globalIndex.Add(name, _globals.Count);
                if (list.Count == 3) constants.Add((_globals.Count, list[2]));
                _globals.Add(0);
            }
            else throw new NotSupportedException($"top-level form {head}");
        }
        // An initialiser may use globals defined after it: as many passes as there are initialisers settle every chain.
        var initialisers = constants.Select(c => (c.Index, Code: Compile(c.Expression, new Scope(null, new Function("(constant)", 0))))).ToList();
        for (int pass = 0; pass < initialisers.Count; pass++)
            foreach (var (index, code) in initialisers) _globals[index] = code([]);
        foreach (var (function, parameters, body) in definitions)
        {
            var scope = new Scope(null, function);
            foreach (var parameter in parameters) scope.Declare(AsSymbol(parameter));
            function.Body = Sequence(body, scope);
        }
        var main = _functions["main"];
        if (main.Arity != 0) throw new NotSupportedException("main with parameters");
        return Call(main, []);
    }

    private long Call(Function function, long[] arguments)
    {
        Step();
        // Far deeper than any generated program goes, and well within the test thread's stack.
        if (++_depth > 1000) throw new NotSupportedException("calls nested more than 1000 deep");
        var frame = new long[Math.Max(function.Slots, function.Arity)];
        Array.Copy(arguments, frame, arguments.Length);
        try
        {
            return function.Body(frame);
        }
        catch (ReturnException r)
        {
            return r.Value;
        }
        finally
        {
            _depth--;
        }
    }

    private void Step()
    {
        if (--_steps < 0) throw new OutOfStepsException();
    }

    /// <summary>Lexical scope: names to slots of the function's frame.</summary>
    private sealed class Scope(Scope? outer, Function function)
    {
        private readonly Dictionary<string, int> _names = new();

        public Function Function { get; } = function;

        public int Declare(string name)
        {
            int slot = Function.Slots++;
            _names[name] = slot;
            return slot;
        }

        public int? Find(string name) => _names.TryGetValue(name, out int slot) ? slot : outer?.Find(name);

        public Scope Inner() => new(this, Function);
    }

    private Code Sequence(IReadOnlyList<object> forms, Scope scope)
    {
        if (forms.Count == 0) return _ => 0;
        var codes = forms.Select(f => Compile(f, scope)).ToArray();
        if (codes.Length == 1) return codes[0];
        return frame =>
        {
            for (int i = 0; i < codes.Length - 1; i++) codes[i](frame);
            return codes[^1](frame);
        };
    }

    private Code Compile(object form, Scope scope)
    {
        switch (form)
        {
            case long value: return _ => value;
            case Symbol { Name: var name }: return Variable(name, scope);
            case List<object> { Count: 0 }: return _ => 0;
            case List<object> list: return CompileList(list, scope);
            default: throw new NotSupportedException($"expression {form}");
        }
    }

    private Code Variable(string name, Scope scope)
    {
        if (scope.Find(name) is int slot) return frame => frame[slot];
        if (_globalIndex.TryGetValue(name, out int global)) return _ => _globals[global];
        throw new NotSupportedException($"unbound name {name}");
    }

    private Action<long[], long> Assignment(string name, Scope scope)
    {
        if (scope.Find(name) is int slot) return (frame, value) => frame[slot] = value;
        if (_globalIndex.TryGetValue(name, out int global)) return (_, value) => _globals[global] = value;
        throw new NotSupportedException($"assignment to {name}");
    }

    private Code CompileList(List<object> list, Scope scope)
    {
        string head = list[0] is Symbol s ? s.Name : throw new NotSupportedException("a call through an expression");
        var operands = list.Skip(1).ToList();
        Code Operand(int i) => Compile(operands[i], scope);
        Code[] All() => operands.Select(o => Compile(o, scope)).ToArray();

        switch (head)
        {
            case "let" or "let*":
            {
                var inner = scope.Inner();
                var bindings = AsList(operands[0]);
                var inits = new Code[bindings.Count];
                var slots = new int[bindings.Count];
                var names = new string[bindings.Count];
                for (int i = 0; i < bindings.Count; i++)
                {
                    var binding = bindings[i] is Symbol ? new List<object> { bindings[i] } : AsList(bindings[i]);
                    names[i] = AsSymbol(binding[0]);
                    // let: each init sees the outer scope only; let*: also the names bound before it.
                    inits[i] = Sequence(binding.Skip(1).ToList(), head == "let" ? scope : inner);
                    if (head == "let*") slots[i] = inner.Declare(names[i]);
                }
                if (head == "let")
                    for (int i = 0; i < bindings.Count; i++) slots[i] = inner.Declare(names[i]);
                var body = Sequence(operands.Skip(1).ToList(), inner);
                if (head == "let")
                    return frame =>
                    {
                        var values = new long[inits.Length];
                        for (int i = 0; i < inits.Length; i++) values[i] = inits[i](frame);
                        for (int i = 0; i < inits.Length; i++) frame[slots[i]] = values[i];
                        return body(frame);
                    };
                return frame =>
                {
                    for (int i = 0; i < inits.Length; i++) frame[slots[i]] = inits[i](frame);
                    return body(frame);
                };
            }
            case "set":
            {
                var assign = Assignment(AsSymbol(operands[0]), scope);
                var value = Operand(1);
                return frame =>
                {
                    long v = value(frame);
                    assign(frame, v);
                    return v;
                };
            }
            case "if":
            {
                Code test = operands.Count > 0 ? Operand(0) : _ => 0;
                Code then = operands.Count > 1 ? Operand(1) : _ => 0;
                var otherwise = Sequence(operands.Skip(2).ToList(), scope);
                return frame => test(frame) != 0 ? then(frame) : otherwise(frame);
            }
            case "cond":
            {
                var clauses = operands.Select(c =>
                {
                    var clause = AsList(c);
                    Code test = clause[0] is Symbol { Name: "else" } ? _ => 1 : Compile(clause[0], scope);
                    return (Test: test, Body: clause.Count > 1 ? Sequence(clause.Skip(1).ToList(), scope) : null);
                }).ToArray();
                return frame =>
                {
                    foreach (var (test, body) in clauses)
                    {
                        long t = test(frame);
                        if (t != 0) return body is null ? 0 : body(frame);
                    }
                    return 0;
                };
            }
            case "when" or "unless":
            {
                // (when c body...) is (and c (let () body...)); (unless c body...) is (or c (let () body...)).
                var test = Operand(0);
                var body = Sequence(operands.Skip(1).ToList(), scope.Inner());
                bool when = head == "when";
                return frame =>
                {
                    long t = test(frame);
                    if ((t != 0) != when) return t;
                    return body(frame);
                };
            }
            case "while":
            {
                var test = Operand(0);
                var body = Sequence(operands.Skip(1).ToList(), scope);
                return frame =>
                {
                    while (test(frame) != 0)
                    {
                        Step();
                        body(frame);
                    }
                    return 0;
                };
            }
            case "for":
            {
                // (for (v init limit [step]) body...): limit evaluated once, after init; step each time; value 0.
                var control = AsList(operands[0]);
                var init = Compile(control[1], scope);
                var limit = Compile(control[2], scope);
                var inner = scope.Inner();
                int slot = inner.Declare(AsSymbol(control[0]));
                Code step = control.Count > 3 ? Compile(control[3], inner) : _ => 1;
                var body = Sequence(operands.Skip(1).ToList(), inner);
                return frame =>
                {
                    frame[slot] = init(frame);
                    long end = limit(frame);
                    while (frame[slot] < end)
                    {
                        Step();
                        body(frame);
                        frame[slot] = unchecked(frame[slot] + step(frame));
                    }
                    return 0;
                };
            }
            case "and":
            {
                var codes = All();
                return frame =>
                {
                    long value = 1;
                    foreach (var code in codes)
                        if ((value = code(frame)) == 0) return 0;
                    return value;
                };
            }
            case "or":
            {
                var codes = All();
                return frame =>
                {
                    foreach (var code in codes)
                    {
                        long value = code(frame);
                        if (value != 0) return value;
                    }
                    return 0;
                };
            }
            case "return":
            {
                Code value = operands.Count > 0 ? Operand(0) : _ => 0;
                return frame => throw new ReturnException(value(frame));
            }
        }

        if (Operator(head, operands.Count) is { } op)
        {
            var codes = All();
            return op(codes);
        }
        if (_functions.TryGetValue(head, out var function))
        {
            if (function.Arity != operands.Count) throw new NotSupportedException($"{head} given {operands.Count} arguments");
            var arguments = All();
            return frame =>
            {
                var values = new long[arguments.Length];
                for (int i = 0; i < arguments.Length; i++) values[i] = arguments[i](frame);
                return Call(function, values);
            };
        }
        if (_externs.TryGetValue(head, out var external)) return ExternCall(external, operands, scope);
        throw new NotSupportedException($"call of {head}");
    }

    private Code ExternCall(Extern external, List<object> operands, Scope scope)
    {
        if (external == Extern.Calloc)
        {
            var count = Compile(operands[0], scope);
            var size = Compile(operands[1], scope);
            return frame =>
            {
                long bytes = count(frame) * size(frame);
                // Made-up addresses, far apart, so no index reaches from one block into the next.
                long address = 0x1000_0000 + 0x100_0000L * _blocks.Count;
                _blocks.Add(new Block(address, new byte[bytes]));
                return address;
            };
        }
        string format = operands[0] is Text t ? t.Value : throw new NotSupportedException("printf with a format that is not a literal");
        var arguments = operands.Skip(1).Select(o => Compile(o, scope)).ToArray();
        return frame =>
        {
            var values = arguments.Select(a => a(frame)).ToArray();
            int used = 0;
            for (int i = 0; i < format.Length; i++)
            {
                if (format[i] != '%') _output.Append(format[i]);
                else if (format.AsSpan(i + 1).StartsWith("%")) _output.Append(format[++i]);
                else if (format.AsSpan(i + 1).StartsWith("lld") && used < values.Length)
                {
                    _output.Append(values[used++].ToString(CultureInfo.InvariantCulture));
                    i += 3;
                }
                else throw new NotSupportedException($"printf format {format}");
            }
            if (used != values.Length) throw new NotSupportedException($"printf format {format} for {values.Length} values");
            // printf's result is C int, so the word's upper half is not defined: programs must not use it.
            return 0;
        };
    }

    private Span<byte> Memory(long address, int size)
    {
        foreach (var block in _blocks)
            if (address >= block.Address && address + size <= block.Address + block.Bytes.Length)
                return block.Bytes.AsSpan((int)(address - block.Address), size);
        throw new InvalidOperationException($"access of {size} bytes at 0x{address:x} outside every block: the generator must keep indices in range");
    }

    private Func<Code[], Code>? Load(int operands, int size, Func<ReadOnlySpan<byte>, long> read) =>
        Binary(operands, (p, i) => read(Memory(unchecked(p + size * i), size)));

    private delegate void Write(Span<byte> memory, long value);

    private Func<Code[], Code>? Store(int operands, int size, Write write) =>
        operands != 3 ? null : codes => frame =>
        {
            long p = codes[0](frame), i = codes[1](frame), v = codes[2](frame);
            write(Memory(unchecked(p + size * i), size), v);
            return v;
        };

    private static Func<Code[], Code>? Fold(int operands, Func<long, long, long> op) =>
        operands < 1 ? null : codes => frame =>
        {
            long value = codes[0](frame);
            for (int i = 1; i < codes.Length; i++) value = op(value, codes[i](frame));
            return value;
        };

    private static Func<Code[], Code>? Unary(int operands, Func<long, long> op) =>
        operands != 1 ? null : codes => frame => op(codes[0](frame));

    private static Func<Code[], Code>? Binary(int operands, Func<long, long, long> op) =>
        operands != 2 ? null : codes => frame =>
        {
            long a = codes[0](frame);
            return op(a, codes[1](frame));
        };

    private static long Bool(bool value) => value ? 1 : 0;

    private static double D(long bits) => BitConverter.Int64BitsToDouble(bits);

    private static long W(double value) => BitConverter.DoubleToInt64Bits(value);

    private Func<Code[], Code>? Operator(string name, int operands) => name switch
    {
        "+" => Fold(operands, (a, b) => unchecked(a + b)),
        "*" => Fold(operands, (a, b) => unchecked(a * b)),
        "-" when operands == 1 => Unary(1, a => unchecked(-a)),
        "-" => Fold(operands, (a, b) => unchecked(a - b)),
        "&" => Fold(operands, (a, b) => a & b),
        "|" => Fold(operands, (a, b) => a | b),
        "^" => Fold(operands, (a, b) => a ^ b),
        "/" => Binary(operands, WordArithmeticFromTheSpec.Divide),
        "%" => Binary(operands, WordArithmeticFromTheSpec.Remainder),
        "<<" => Binary(operands, WordArithmeticFromTheSpec.ShiftLeft),
        ">>" => Binary(operands, WordArithmeticFromTheSpec.ShiftRight),
        "~" => Unary(operands, a => ~a),
        "not" => Unary(operands, a => Bool(a == 0)),
        "<" => Binary(operands, (a, b) => Bool(a < b)),
        "<=" => Binary(operands, (a, b) => Bool(a <= b)),
        "=" => Binary(operands, (a, b) => Bool(a == b)),
        "!=" => Binary(operands, (a, b) => Bool(a != b)),
        ">=" => Binary(operands, (a, b) => Bool(a >= b)),
        ">" => Binary(operands, (a, b) => Bool(a > b)),
        // Memory (spec section 11): element i of its width at p + size*i, sign- or zero-extended; a store keeps the
        // value's low bits (a float store rounds to binary32) and its value is v.
        "oop-at" or "int64-at" or "double-at" => Load(operands, 8, m => BitConverter.ToInt64(m)),
        "int32-at" => Load(operands, 4, m => BitConverter.ToInt32(m)),
        "uint32-at" => Load(operands, 4, m => BitConverter.ToUInt32(m)),
        "int16-at" => Load(operands, 2, m => BitConverter.ToInt16(m)),
        "uint16-at" => Load(operands, 2, m => BitConverter.ToUInt16(m)),
        "int8-at" => Load(operands, 1, m => (sbyte)m[0]),
        "string-at" or "uint8-at" => Load(operands, 1, m => m[0]),
        "float-at" => Load(operands, 4, m => W(BitConverter.ToSingle(m))),
        "set-oop-at" or "set-int64-at" or "set-double-at" => Store(operands, 8, (m, v) => BitConverter.TryWriteBytes(m, v)),
        "set-int32-at" or "set-uint32-at" => Store(operands, 4, (m, v) => BitConverter.TryWriteBytes(m, (int)v)),
        "set-int16-at" or "set-uint16-at" => Store(operands, 2, (m, v) => BitConverter.TryWriteBytes(m, (short)v)),
        "set-string-at" or "set-int8-at" or "set-uint8-at" => Store(operands, 1, (m, v) => m[0] = (byte)v),
        "set-float-at" => Store(operands, 4, (m, v) => BitConverter.TryWriteBytes(m, (float)D(v))),
        "fl+" => Fold(operands, (a, b) => W(D(a) + D(b))),
        "fl*" => Fold(operands, (a, b) => W(D(a) * D(b))),
        "fl-" when operands == 1 => Unary(1, a => a ^ long.MinValue),
        "fl-" => Fold(operands, (a, b) => W(D(a) - D(b))),
        "fl/" => Binary(operands, (a, b) => W(D(a) / D(b))),
        "fl<" => Binary(operands, (a, b) => Bool(D(a) < D(b))),
        "fl<=" => Binary(operands, (a, b) => Bool(D(a) <= D(b))),
        "fl=" => Binary(operands, (a, b) => Bool(D(a) == D(b))),
        "fl!=" => Binary(operands, (a, b) => Bool(D(a) != D(b))),
        "fl>=" => Binary(operands, (a, b) => Bool(D(a) >= D(b))),
        "fl>" => Binary(operands, (a, b) => Bool(D(a) > D(b))),
        "flabs" => Unary(operands, a => a & long.MaxValue),
        "flsqrt" => Unary(operands, a => W(Math.Sqrt(D(a)))),
        "flmin" => Binary(operands, (a, b) => W(WordArithmeticFromTheSpec.Minimum(D(a), D(b)))),
        "flmax" => Binary(operands, (a, b) => W(WordArithmeticFromTheSpec.Maximum(D(a), D(b)))),
        "flfloor" => Unary(operands, a => W(Math.Floor(D(a)))),
        "flceiling" => Unary(operands, a => W(Math.Ceiling(D(a)))),
        "flround" => Unary(operands, a => W(Math.Round(D(a), MidpointRounding.ToEven))),
        "fltruncate" => Unary(operands, a => W(Math.Truncate(D(a)))),
        "long->double" => Unary(operands, a => W(a)),
        "double->long" => Unary(operands, a => WordArithmeticFromTheSpec.DoubleToLong(D(a))),
        _ => null,
    };

    // ---- reading

    private static List<object> AsList(object form) => form as List<object> ?? throw new NotSupportedException($"expected a list, not {form}");

    private static string AsSymbol(object form) => form is Symbol s ? s.Name : throw new NotSupportedException($"expected a name, not {form}");

    /// <summary>Reads the program's forms: lists, decimal, hexadecimal and double literals, names, strings with \n, and 'name.</summary>
    private static List<object> Read(string text)
    {
        int position = 0;
        var forms = new List<object>();
        try
        {
            while (SkipSpace(text, ref position)) forms.Add(ReadForm(text, ref position));
        }
        catch (IndexOutOfRangeException)
        {
            // The reader knows the syntax the generator writes, not every corner of the spec's (section 1).
            throw new NotSupportedException($"text the reader does not know, near offset {position}");
        }
        return forms;
    }

    private static bool SkipSpace(string text, ref int position)
    {
        while (position < text.Length)
        {
            if (char.IsWhiteSpace(text[position])) position++;
            else if (text[position] == ';')
                while (position < text.Length && text[position] != '\n') position++;
            else return true;
        }
        return false;
    }

    private static object ReadForm(string text, ref int position)
    {
        char c = text[position];
        if (c == '(')
        {
            position++;
            var list = new List<object>();
            while (SkipSpace(text, ref position) && text[position] != ')') list.Add(ReadForm(text, ref position));
            if (position >= text.Length) throw new NotSupportedException("unterminated list");
            position++;
            return list;
        }
        if (c == '\'')
        {
            position++;
            return new List<object> { new Symbol("quote"), ReadForm(text, ref position) };
        }
        if (c == '"')
        {
            var value = new StringBuilder();
            for (position++; text[position] != '"'; position++)
            {
                if (text[position] != '\\') value.Append(text[position]);
                else value.Append(text[++position] switch { 'n' => '\n', '\\' => '\\', '"' => '"', var e => throw new NotSupportedException($"escape \\{e}") });
            }
            position++;
            return new Text(value.ToString());
        }
        int start = position;
        // A character literal (?a, ?\n, ?( ...) is read as a name, which is then not supported.
        if (c == '?') position += text[position + 1] == '\\' ? 3 : 2;
        while (position < text.Length && !char.IsWhiteSpace(text[position]) && text[position] is not ('(' or ')' or ';' or '"')) position++;
        return Atom(text[start..position]);
    }

    private static object Atom(string token)
    {
        bool negative = token.StartsWith('-') && token.Length > 1 && char.IsAsciiDigit(token[1]);
        if (!char.IsAsciiDigit(token[0]) && !negative) return new Symbol(token);
        string digits = negative ? token[1..] : token;
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            ulong magnitude = ulong.Parse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            return unchecked(negative ? -(long)magnitude : (long)magnitude);
        }
        if (digits.Contains('.') || digits.Contains('e') || digits.Contains('E'))
            return W(double.Parse(token, NumberStyles.Float, CultureInfo.InvariantCulture));
        if (digits.Length > 1 && digits[0] == '0') throw new NotSupportedException($"octal literal {token}");
        return long.Parse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
    }
}
