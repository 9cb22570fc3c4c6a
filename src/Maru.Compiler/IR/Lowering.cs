using System.Runtime.CompilerServices;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.IR;

/// <summary>Turns one checked function into IR: control flow into blocks, variables into virtual registers.</summary>
public sealed class Lowering
{
    private readonly IrModule _module;
    private readonly IrFunction _function;
    private readonly int _registerArguments;
    private readonly Dictionary<LocalVariable, int> _registers = new();
    private readonly HashSet<int> _variableRegisters = new();
    private readonly Dictionary<LocalVariable, int> _slots = new();
    private BasicBlock _current;
    private int _loopDepth;
    private readonly Inlining? _inlining;
    /// <summary>The body being lowered: the function's own, or one inlined into it.</summary>
    private Frame _frame = null!;
    /// <summary>Variables bound while lowering, with the register each had before (-1: none), so an inlined body's can be undone.</summary>
    private readonly List<(LocalVariable Variable, int Previous)> _bindings = new();

    private Lowering(IrModule module, FunctionSymbol symbol, int registerArguments, Inlining? inlining)
    {
        _module = module;
        _function = new IrFunction(symbol);
        _registerArguments = registerArguments;
        _inlining = inlining;
        _current = NewBlock();
    }

    /// <param name="registerArguments">How many arguments the target's ABI passes in registers; tail calls must not need more stack.</param>
    /// <param name="inlining">Which calls to replace by the callee's body (see <see cref="Inlining"/>), or null for none.</param>
    public static IrFunction Lower(IrModule module, FunctionSymbol symbol, BoundExpression body, int registerArguments,
        Inlining? inlining = null)
    {
        inlining?.BeginFunction(symbol, body, SelfCallsInTailPosition(body, symbol).Jumps);
        var lowering = new Lowering(module, symbol, registerArguments, inlining);
        lowering.LowerFunction(body);
        inlining?.EndFunction();
        return lowering._function;
    }

    private void LowerFunction(BoundExpression body)
    {
        var symbol = _function.Symbol;
        foreach (var parameter in symbol.Parameters)
        {
            int register = _function.NewRegister();
            _function.Parameters.Add(register);
            if (parameter.AddressTaken)
            {
                int slot = _function.SlotCount++;
                _slots[parameter] = slot;
                Emit(new Instruction { Opcode = Opcode.StoreSlot, Index = slot, Args = new[] { Value.Reg(register) } });
            }
            else BindRegister(parameter, register);
        }
        _frame = new Frame(symbol, _function.Parameters, Depth: 0, Result: -1, Exit: null, TailOf: null);
        // A tail call would free the frame that an escaped address points into; a loop would reuse its variables.
        _tailCallsAllowed = !ContainsAddressOfLocal(body);
        if (_tailCallsAllowed) StartSelfLoop(body);
        LowerTail(body);
    }

    private bool _tailCallsAllowed;

    // ---- bodies: the function's own and inlined ones ----

    /// <summary>
    /// A body being lowered: the function's own (<see cref="Exit"/> and <see cref="TailOf"/> null: a value is returned),
    /// one inlined at a call (its value goes to <see cref="Result"/> and control to <see cref="Exit"/>), or one inlined
    /// at a call in tail position of <see cref="TailOf"/> (its value is that body's value). When the body calls itself
    /// in tail position it is a loop, with an accumulator when those calls are operands of an accumulating operator.
    /// </summary>
    private sealed record Frame(FunctionSymbol Function, IReadOnlyList<int> Parameters, int Depth, int Result, BasicBlock? Exit, Frame? TailOf)
    {
        public BasicBlock? LoopHead { get; set; }
        /// <summary>
        /// The body's <c>if</c> when the body is one with a small test: then the loop has no head block, each jump back
        /// tests again and goes straight to an arm (one branch per iteration).
        /// </summary>
        public BoundIf? LoopTest { get; set; }
        public BasicBlock? LoopThen { get; set; }
        public BasicBlock? LoopElse { get; set; }
        public bool IsLoop => LoopHead is not null || LoopTest is not null;
        public int Accumulator { get; set; } = -1;
        public Operator AccumulatorOperator { get; set; }
    }

    // ---- self tail calls and tail recursion with an accumulator ----

    /// <summary>
    /// Makes the current body a loop if a tail position calls its own function: the call becomes an assignment of the
    /// parameters and a jump back, after the prologue. A tail position <c>(op x (self ...))</c>, or <c>(op (self ...) x)</c>
    /// with <c>x</c> unaffected by the call, where op is +, *, &amp;, | or ^, associative and commutative
    /// on wrapping words, also becomes a jump: <c>x</c> is combined into an accumulator that the returns then combine
    /// with their value, as in fib, which makes half the calls. The order of evaluation is unchanged: <c>x</c> before the
    /// call's arguments in the first form, after them in the second.
    /// </summary>
    private void StartSelfLoop(BoundExpression body)
    {
        var (jumps, accumulating) = SelfCallsInTailPosition(body, _frame.Function);
        if (jumps == 0) return;
        if (accumulating is { } op)
        {
            _frame.AccumulatorOperator = op;
            _frame.Accumulator = Define(new Instruction { Opcode = Opcode.Copy, Args = new[] { Value.Const(Identity(op)) } });
        }
        _loopDepth++;
        while (body is BoundSequence { Expressions.Count: 1 } only) body = only.Expressions[0];
        if (body is BoundIf test && IsSmall(test.Condition, 12))
        {
            _frame.LoopTest = test;
            return;
        }
        _frame.LoopHead = NewBlock();
        JumpTo(_frame.LoopHead);
        StartBlock(_frame.LoopHead);
    }

    /// <summary>
    /// How many calls of <paramref name="function"/> in its body become jumps (see <see cref="StartSelfLoop"/>), and the
    /// accumulating operator: the first one in source order; calls under another stay calls.
    /// </summary>
    internal static (int Jumps, Operator? Accumulating) SelfCallsInTailPosition(BoundExpression body, FunctionSymbol function)
    {
        int tailCalls = 0;
        var accumulating = new List<Operator>();
        var pending = new Stack<BoundExpression>();
        pending.Push(body);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case BoundCall call when IsCallOf(call, function): tailCalls++; break;
                case BoundOperation o when AccumulatingSelfCall(o, function, null) is not null: accumulating.Add(o.Operator); break;
                case BoundSequence { Expressions.Count: > 0 } s: pending.Push(s.Expressions[^1]); break;
                case BoundLet let: pending.Push(let.Body); break;
                case BoundIf i: pending.Push(i.Else); pending.Push(i.Then); break; // then first: source order
                case BoundLogical l: pending.Push(l.Operands[^1]); break;
                case BoundReturn r: pending.Push(r.Value); break;
            }
        }
        if (accumulating.Count == 0) return (tailCalls, null);
        var first = accumulating[0];
        return (tailCalls + accumulating.Count(op => op == first), first);
    }

    private static long Identity(Operator op) => op switch { Operator.Mul => 1, Operator.And => -1, _ => 0 };

    /// <summary>
    /// The self call of <c>(op x (self ...))</c> or <c>(op (self ...) x)</c> (see <see cref="StartSelfLoop"/>) with op
    /// <paramref name="op"/> (any accumulating one when null), or null.
    /// </summary>
    private static BoundCall? AccumulatingSelfCall(BoundOperation o, FunctionSymbol function, Operator? op)
    {
        if (o.Operands.Count != 2 || o.Operator is not (Operator.Add or Operator.Mul or Operator.And or Operator.Or or Operator.Xor)) return null;
        if (op is not null && o.Operator != op) return null;
        if (IsCallOf(o.Operands[1], function) && !ReturnsAmongArguments((BoundCall)o.Operands[1])) return (BoundCall)o.Operands[1];
        if (IsCallOf(o.Operands[0], function) && ReadsOnlyLocals(o.Operands[1]) && !ReturnsAmongArguments((BoundCall)o.Operands[0])) return (BoundCall)o.Operands[0];
        return null;
    }

    /// <summary>
    /// Whether a return appears among a call's arguments: it leaves this activation after the other operand went into the
    /// accumulator, whose value it must not include.
    /// </summary>
    private static bool ReturnsAmongArguments(BoundCall call) =>
        call.Arguments.Any(a => a.SelfAndDescendants().Any(e => e is BoundReturn));

    /// <summary>
    /// Whether an expression computes from constants and locals only: evaluating it before a call instead of after it
    /// gives the same value (the callee cannot change this frame's locals) and no effect.
    /// </summary>
    private static bool ReadsOnlyLocals(BoundExpression e) => e switch
    {
        BoundConstant or BoundLocal => true,
        BoundOperation o => !WordArithmetic.IsLoad(o.Operator) && !WordArithmetic.IsStore(o.Operator) && o.Operands.All(ReadsOnlyLocals),
        _ => false,
    };

    private bool IsSelfCall(BoundExpression e) => IsCallOf(e, _frame.Function);

    private static bool IsCallOf(BoundExpression e, FunctionSymbol function) =>
        e is BoundCall { Kind: CallKind.Direct } call && call.Target == function;

    /// <summary>Ends the current body with a value: returned, or passed to the code after an inlined call.</summary>
    private void Return(Value value)
    {
        for (var frame = _frame; ; frame = frame.TailOf)
        {
            if (frame.Accumulator >= 0)
                value = Value.Reg(Define(new Instruction { Opcode = Opcode.Binary, Operator = frame.AccumulatorOperator, Args = new[] { Value.Reg(frame.Accumulator), value } }));
            if (frame.Exit is not null)
            {
                Emit(new Instruction { Opcode = Opcode.Copy, Dest = frame.Result, Args = new[] { value } });
                JumpTo(frame.Exit);
                return;
            }
            if (frame.TailOf is null)
            {
                Terminate(new Terminator { Kind = TerminatorKind.Return, A = value });
                return;
            }
        }
    }

    /// <summary>Whether the current body's value is the function's, as it is: so a call in its tail position may be a jump.</summary>
    private bool ReturnsFromTheFunction()
    {
        for (var frame = _frame; ; frame = frame.TailOf)
        {
            if (frame.Accumulator >= 0 || frame.Exit is not null) return false;
            if (frame.TailOf is null) return true;
        }
    }

    /// <summary>A self call in tail position of the loop form: the parameters take the arguments and the loop starts again.</summary>
    private void JumpToLoopHead(Value[] arguments)
    {
        // All arguments are evaluated (into fresh registers) before any parameter changes: (f b a) swaps correctly.
        var values = arguments.Select(Copy).ToList();
        for (int i = 0; i < values.Count; i++)
            Emit(new Instruction { Opcode = Opcode.Copy, Dest = _frame.Parameters[i], Args = new[] { values[i] } });
        if (_frame.LoopTest is { } test) LowerCondition(test.Condition, _frame.LoopThen!, _frame.LoopElse!);
        else JumpTo(_frame.LoopHead!);
    }

    private void BindRegister(LocalVariable variable, int register)
    {
        _bindings.Add((variable, _registers.GetValueOrDefault(variable, -1)));
        _registers[variable] = register;
        _variableRegisters.Add(register);
    }

    private static bool ContainsAddressOfLocal(BoundExpression body) =>
        body.SelfAndDescendants().Any(e => e is BoundAddressOfLocal);

    // ---- blocks ----

    private BasicBlock NewBlock() => new(-1, _loopDepth);

    /// <summary>Makes <paramref name="block"/> the one instructions go to, and places it in the function.</summary>
    private void StartBlock(BasicBlock block)
    {
        block.Id = _function.Blocks.Count;
        _function.Blocks.Add(block);
        _current = block;
    }

    private void Terminate(Terminator terminator)
    {
        if (_current.Id < 0) StartBlock(_current);
        _current.Terminator = terminator;
        // Code after a return or jump is unreachable: it goes to a block nothing jumps to, placed only if
        // something is emitted into it, and removed by the optimiser.
        _current = NewBlock();
    }

    private void Emit(Instruction instruction)
    {
        if (_current.Id < 0) StartBlock(_current);
        _current.Instructions.Add(instruction);
    }

    private void JumpTo(BasicBlock target)
    {
        Terminate(Terminator.Jump(target));
    }

    private void Branch(Operator comparison, Value a, Value b, BasicBlock ifTrue, BasicBlock ifFalse) =>
        Terminate(new Terminator { Kind = TerminatorKind.Branch, Comparison = comparison, A = a, B = b, True = ifTrue, False = ifFalse });

    private int Define(Instruction instruction)
    {
        int dest = _function.NewRegister();
        instruction.Dest = dest;
        Emit(instruction);
        return dest;
    }

    private Value Copy(Value value)
    {
        if (value.IsConstant) return value;
        return Value.Reg(Define(new Instruction { Opcode = Opcode.Copy, Args = new[] { value } }));
    }

    // ---- tail position ----

    private void LowerTail(BoundExpression e)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (e)
        {
            case BoundSequence { Expressions.Count: > 0 } s:
                for (int i = 0; i < s.Expressions.Count - 1; i++) LowerEffect(s.Expressions[i]);
                LowerTail(s.Expressions[^1]);
                return;
            case BoundLet let:
                BindLet(let);
                LowerTail(let.Body);
                return;
            case BoundIf i:
            {
                var then = NewBlock();
                var @else = NewBlock();
                bool loopTest = i == _frame.LoopTest && _frame.LoopThen is null;
                if (loopTest) (_frame.LoopThen, _frame.LoopElse) = (then, @else);
                LowerCondition(i.Condition, then, @else);
                // The arm that jumps back goes first: the other then follows the test that ends it, which branches once.
                bool elseFirst = loopTest && SelfCallsInTailPosition(i.Then, _frame.Function).Jumps == 0;
                StartBlock(elseFirst ? @else : then);
                LowerTail(elseFirst ? i.Else : i.Then);
                StartBlock(elseFirst ? then : @else);
                LowerTail(elseFirst ? i.Then : i.Else);
                return;
            }
            case BoundLogical l:
            {
                for (int k = 0; k < l.Operands.Count - 1; k++)
                {
                    var value = Lower(l.Operands[k]);
                    var next = NewBlock();
                    var leave = NewBlock();
                    // and: a zero operand is the result; or: a non-zero one is.
                    Branch(l.IsAnd ? Operator.Eq : Operator.Ne, value, Value.Const(0), leave, next);
                    StartBlock(leave);
                    Return(value);
                    StartBlock(next);
                }
                LowerTail(l.Operands[^1]);
                return;
            }
            case BoundReturn r:
                LowerTail(r.Value);
                return;
            case BoundOperation o when _frame.Accumulator >= 0 && AccumulatingSelfCall(o, _frame.Function, _frame.AccumulatorOperator) is { } self:
            {
                // (op x (self ...)): x, then the arguments; (op (self ...) x): the arguments, then x.
                bool selfLast = self == o.Operands[1];
                var arguments = selfLast ? null : LowerOperands(self.Arguments);
                var operand = Lower(o.Operands[selfLast ? 0 : 1]);
                Emit(new Instruction { Opcode = Opcode.Binary, Operator = o.Operator, Dest = _frame.Accumulator, Args = new[] { Value.Reg(_frame.Accumulator), operand } });
                JumpToLoopHead(arguments ?? LowerOperands(self.Arguments));
                return;
            }
            case BoundCall call when _frame.IsLoop && IsSelfCall(call):
                JumpToLoopHead(LowerOperands(call.Arguments));
                return;
            case BoundCall call when BodyToInline(call) is { } inlined:
                // The inlined body's returns are this body's: its tail calls stay tail calls.
                LowerInlined(call, inlined, tailOf: _frame, result: -1, exit: null);
                return;
            case BoundCall { Kind: CallKind.Direct } call when ReturnsFromTheFunction() && CanTailCall((FunctionSymbol)call.Target!):
                Terminate(new Terminator { Kind = TerminatorKind.TailCall, Symbol = call.Target!.NativeName, Args = LowerOperands(call.Arguments) });
                return;
            default:
                Return(Lower(e));
                return;
        }
    }

    private bool CanTailCall(FunctionSymbol callee)
    {
        int StackArguments(int count) => Math.Max(0, count - _registerArguments);
        return _tailCallsAllowed && StackArguments(callee.Parameters.Count) <= StackArguments(_function.Symbol.Parameters.Count);
    }

    // ---- values that are discarded ----

    /// <summary>Lowers an expression for its effects only: conditionals become plain control flow, with no result register.</summary>
    private void LowerEffect(BoundExpression e)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (e)
        {
            case BoundSequence s:
                foreach (var item in s.Expressions) LowerEffect(item);
                return;
            case BoundLet let:
                BindLet(let);
                LowerEffect(let.Body);
                return;
            case BoundIf i:
            {
                var then = NewBlock();
                var @else = NewBlock();
                var join = NewBlock();
                LowerCondition(i.Condition, then, @else);
                StartBlock(then);
                LowerEffect(i.Then);
                JumpTo(join);
                StartBlock(@else);
                LowerEffect(i.Else);
                JumpTo(join);
                StartBlock(join);
                return;
            }
            case BoundLogical l:
            {
                // (and a b c): run b only if a holds, c only if b holds; or: the opposite.
                var join = NewBlock();
                for (int k = 0; k < l.Operands.Count - 1; k++)
                {
                    var next = NewBlock();
                    if (l.IsAnd) LowerCondition(l.Operands[k], next, join);
                    else LowerCondition(l.Operands[k], join, next);
                    StartBlock(next);
                }
                LowerEffect(l.Operands[^1]);
                JumpTo(join);
                StartBlock(join);
                return;
            }
            case BoundWhile w:
                LowerWhile(w);
                return;
            default:
                Lower(e);
                return;
        }
    }

    // ---- conditions ----

    private void LowerCondition(BoundExpression e, BasicBlock ifTrue, BasicBlock ifFalse)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (e)
        {
            case BoundConstant c:
                JumpTo(c.Value != 0 ? ifTrue : ifFalse);
                return;
            case BoundOperation { Operator: Operator.Not } not:
                LowerCondition(not.Operands[0], ifFalse, ifTrue);
                return;
            case BoundOperation o when WordArithmetic.IsComparison(o.Operator):
            {
                var operands = LowerOperands(o.Operands);
                Branch(o.Operator, operands[0], operands[1], ifTrue, ifFalse);
                return;
            }
            case BoundLogical l:
                for (int k = 0; k < l.Operands.Count - 1; k++)
                {
                    var next = NewBlock();
                    if (l.IsAnd) LowerCondition(l.Operands[k], next, ifFalse);
                    else LowerCondition(l.Operands[k], ifTrue, next);
                    StartBlock(next);
                }
                LowerCondition(l.Operands[^1], ifTrue, ifFalse);
                return;
            default:
                Branch(Operator.Ne, Lower(e), Value.Const(0), ifTrue, ifFalse);
                return;
        }
    }

    // ---- values ----

    private Value Lower(BoundExpression e)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (e)
        {
            case BoundConstant c:
                return Value.Const(c.Value);
            case BoundString s:
                return StringAddress(s.Bytes);
            case BoundLocal local:
                if (_slots.TryGetValue(local.Variable, out int slot))
                    return Value.Reg(Define(new Instruction { Opcode = Opcode.LoadSlot, Index = slot }));
                return Value.Reg(_registers[local.Variable]);
            case BoundGlobal global:
                return ConstantGlobal(global.Global)
                    ?? Value.Reg(Define(new Instruction { Opcode = Opcode.LoadGlobal, Symbol = global.Global.NativeName }));
            case BoundFunctionAddress f:
                return AddressOf(SymbolKind.Function, f.Function);
            case BoundExternAddress x:
                return AddressOf(SymbolKind.Extern, x.Extern);
            case BoundAddressOfGlobal g:
                return AddressOf(SymbolKind.Global, g.Global);
            case BoundAddressOfLocal a:
                return Value.Reg(Define(new Instruction { Opcode = Opcode.AddressOfSlot, Index = _slots[a.Variable] }));
            case BoundAssignLocal assign:
            {
                var value = Lower(assign.Value);
                AssignVariable(assign.Variable, value);
                return value;
            }
            case BoundAssignGlobal assign:
            {
                var value = Lower(assign.Value);
                Emit(new Instruction { Opcode = Opcode.StoreGlobal, Symbol = assign.Global.NativeName, Args = new[] { value } });
                return value;
            }
            case BoundSequence s:
            {
                if (s.Expressions.Count == 0) return Value.Const(0);
                for (int i = 0; i < s.Expressions.Count - 1; i++) LowerEffect(s.Expressions[i]);
                return Lower(s.Expressions[^1]);
            }
            case BoundLet let:
                BindLet(let);
                return Lower(let.Body);
            case BoundIf i:
                return LowerIf(i);
            case BoundWhile w:
                LowerWhile(w);
                return Value.Const(0);
            case BoundLogical l:
                return LowerLogical(l);
            case BoundOperation o:
                return LowerOperation(o);
            case BoundCall call:
            {
                if (BodyToInline(call) is not { } inlined) return LowerCall(call);
                int result = _function.NewRegister();
                var exit = NewBlock();
                LowerInlined(call, inlined, tailOf: null, result, exit);
                StartBlock(exit);
                return Value.Reg(result);
            }
            case BoundReturn r:
                LowerTail(r.Value);
                return Value.Const(0);
            default:
                throw new InvalidOperationException($"cannot lower {e.GetType().Name}");
        }
    }

    /// <summary>
    /// A global that nothing changes (<see cref="GlobalSymbol.MayChange"/>) read as its initial value, or null: a word, or
    /// the address of its function or extern, the same as the name's. A string's address only in the global's own file:
    /// another file's code would point at its own copy of the literal.
    /// </summary>
    private Value? ConstantGlobal(GlobalSymbol global) => global.MayChange ? null : global.InitialValue switch
    {
        ConstantValue c => Value.Const(c.Value),
        AddressOfFunction f => AddressOf(SymbolKind.Function, f.Function),
        AddressOfExtern x => AddressOf(SymbolKind.Extern, x.Extern),
        AddressOfString s when global.File == _function.Symbol.File => StringAddress(s.Bytes),
        _ => null,
    };

    private Value AddressOf(SymbolKind kind, Symbol symbol) =>
        Value.Reg(Define(new Instruction { Opcode = Opcode.AddressOf, SymbolKind = kind, Symbol = symbol.NativeName }));

    private Value StringAddress(byte[] bytes) =>
        Value.Reg(Define(new Instruction { Opcode = Opcode.AddressOfString, Index = _module.InternString(bytes) }));

    /// <summary>Evaluates operands left to right. A register read early is copied when a later operand may assign it.</summary>
    private Value[] LowerOperands(IReadOnlyList<BoundExpression> operands)
    {
        // The last operand that assigns a local: reads before it may be overwritten (found once: operand lists can be long).
        int lastAssigning = -1;
        for (int i = operands.Count - 1; i >= 0 && lastAssigning < 0; i--)
            if (operands[i].AssignsLocal) lastAssigning = i;
        var values = new Value[operands.Count];
        for (int i = 0; i < operands.Count; i++)
        {
            values[i] = Lower(operands[i]);
            if (values[i].IsRegister && i < lastAssigning && _variableRegisters.Contains(values[i].Register))
                values[i] = Copy(values[i]);
        }
        return values;
    }

    private void BindLet(BoundLet let)
    {
        var values = LowerOperands(let.Bindings.Select(b => b.Value).ToList());
        for (int i = 0; i < values.Length; i++)
        {
            var variable = let.Bindings[i].Variable;
            if (variable.AddressTaken) _slots[variable] = _function.SlotCount++;
            else BindRegister(variable, _function.NewRegister());
            AssignVariable(variable, values[i]);
        }
    }

    private void AssignVariable(LocalVariable variable, Value value)
    {
        if (_slots.TryGetValue(variable, out int slot))
            Emit(new Instruction { Opcode = Opcode.StoreSlot, Index = slot, Args = new[] { value } });
        else
            Emit(new Instruction { Opcode = Opcode.Copy, Dest = _registers[variable], Args = new[] { value } });
    }

    private Value LowerIf(BoundIf i)
    {
        int result = _function.NewRegister();
        var then = NewBlock();
        var @else = NewBlock();
        var join = NewBlock();
        LowerCondition(i.Condition, then, @else);
        StartBlock(then);
        Emit(new Instruction { Opcode = Opcode.Copy, Dest = result, Args = new[] { Lower(i.Then) } });
        JumpTo(join);
        StartBlock(@else);
        Emit(new Instruction { Opcode = Opcode.Copy, Dest = result, Args = new[] { Lower(i.Else) } });
        JumpTo(join);
        StartBlock(join);
        return Value.Reg(result);
    }

    private void LowerWhile(BoundWhile w)
    {
        var exit = NewBlock();
        _loopDepth++;
        var body = NewBlock();
        if (IsSmall(w.Condition, 12))
        {
            // Test at the bottom (one branch per iteration); the entry test duplicates the small condition.
            LowerCondition(w.Condition, body, exit);
            StartBlock(body);
            LowerEffect(w.Body);
            LowerCondition(w.Condition, body, exit);
        }
        else
        {
            var header = NewBlock();
            JumpTo(header);
            StartBlock(header);
            LowerCondition(w.Condition, body, exit);
            StartBlock(body);
            LowerEffect(w.Body);
            JumpTo(header);
        }
        _loopDepth--;
        StartBlock(exit);
    }

    /// <summary>Whether a condition is a small tree of variables, constants and operators, cheap to duplicate.</summary>
    private static bool IsSmall(BoundExpression e, int budget)
    {
        int size = 0;
        var pending = new Stack<BoundExpression>();
        pending.Push(e);
        while (pending.Count > 0)
        {
            var item = pending.Pop();
            if (++size > budget) return false;
            switch (item)
            {
                case BoundConstant or BoundLocal or BoundGlobal: break;
                case BoundOperation o: foreach (var operand in o.Operands) pending.Push(operand); break;
                case BoundLogical l: foreach (var operand in l.Operands) pending.Push(operand); break;
                default: return false;
            }
        }
        return true;
    }

    private Value LowerLogical(BoundLogical l)
    {
        int result = _function.NewRegister();
        var join = NewBlock();
        for (int k = 0; k < l.Operands.Count; k++)
        {
            var value = Lower(l.Operands[k]);
            Emit(new Instruction { Opcode = Opcode.Copy, Dest = result, Args = new[] { value } });
            if (k == l.Operands.Count - 1)
            {
                JumpTo(join);
                break;
            }
            var next = NewBlock();
            Branch(l.IsAnd ? Operator.Eq : Operator.Ne, Value.Reg(result), Value.Const(0), join, next);
            StartBlock(next);
        }
        StartBlock(join);
        return Value.Reg(result);
    }

    private Value LowerOperation(BoundOperation o)
    {
        var args = LowerOperands(o.Operands);
        switch (o.Operator)
        {
            // A double's sign is its word's top bit: negation and absolute value are bit operations (NaN included).
            case Operator.FNeg:
                return Value.Reg(Define(new Instruction { Opcode = Opcode.Binary, Operator = Operator.Xor, Args = [args[0], Value.Const(long.MinValue)] }));
            case Operator.FAbs:
                return Value.Reg(Define(new Instruction { Opcode = Opcode.Binary, Operator = Operator.And, Args = [args[0], Value.Const(long.MaxValue)] }));
            case Operator.Neg or Operator.Not or Operator.BitNot or >= Operator.FSqrt and <= Operator.DoubleToLong:
                return Value.Reg(Define(new Instruction { Opcode = Opcode.Unary, Operator = o.Operator, Args = args }));
            case var load when WordArithmetic.IsLoad(load):
                return Value.Reg(Define(new Instruction { Opcode = Opcode.Load, Operator = o.Operator, Args = args }));
            case var store when WordArithmetic.IsStore(store):
                Emit(new Instruction { Opcode = Opcode.Store, Operator = o.Operator, Args = args });
                return args[2];
            default:
            {
                // Binary operators, and the left fold of (+ a b c ...) and the other variadic ones.
                if (args.Length > 2 && WordArithmetic.IsAssociative(o.Operator)) args = CombineConstants(o.Operator, args);
                var result = args[0];
                for (int i = 1; i < args.Length; i++)
                    result = Value.Reg(Define(new Instruction { Opcode = Opcode.Binary, Operator = o.Operator, Args = new[] { result, args[i] } }));
                return result;
            }
        }
    }

    /// <summary>
    /// The operands of <c>(op a c1 b c2 ...)</c> with every constant combined into one, last: <c>(* i 7 8)</c> is
    /// <c>i * 56</c>. The operator is associative and commutative on words and constants have no effects, so the
    /// result is the same.
    /// </summary>
    private static Value[] CombineConstants(Operator op, Value[] args)
    {
        if (args.Count(a => a.IsConstant) < 2) return args;
        long combined = Identity(op);
        var operands = new List<Value>(args.Length);
        foreach (var arg in args)
        {
            if (arg.IsConstant) combined = WordArithmetic.Binary(op, combined, arg.Constant);
            else operands.Add(arg);
        }
        operands.Add(Value.Const(combined));
        return operands.ToArray();
    }

    private BoundExpression? BodyToInline(BoundCall call) =>
        call is { Kind: CallKind.Direct, Target: FunctionSymbol callee } ? _inlining?.BodyToInline(callee, _frame.Depth, callee == _frame.Function, inLoop: _loopDepth > 0) : null;

    /// <summary>
    /// A call replaced by the callee's body: the arguments, evaluated in order, initialise its parameters; its returns
    /// and value go to <paramref name="result"/> and <paramref name="exit"/>, or are those of <paramref name="tailOf"/>.
    /// The body's variables are bound afresh and unbound after it, since the same function may be inlined into itself.
    /// </summary>
    private void LowerInlined(BoundCall call, BoundExpression body, Frame? tailOf, int result, BasicBlock? exit)
    {
        var callee = (FunctionSymbol)call.Target!;
        var values = LowerOperands(call.Arguments);
        int bindingsBefore = _bindings.Count;
        var parameters = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            // A fresh register each: the body may assign its parameters, and the same callee may be inlined again.
            parameters[i] = Define(new Instruction { Opcode = Opcode.Copy, Args = new[] { values[i] } });
            BindRegister(callee.Parameters[i], parameters[i]);
        }
        var caller = _frame;
        int loopDepth = _loopDepth;
        _frame = new Frame(callee, parameters, caller.Depth + 1, result, exit, tailOf);
        StartSelfLoop(body);
        LowerTail(body);
        _loopDepth = loopDepth;
        _frame = caller;
        for (int i = _bindings.Count - 1; i >= bindingsBefore; i--)
        {
            var (variable, previous) = _bindings[i];
            if (previous >= 0) _registers[variable] = previous;
            else _registers.Remove(variable);
        }
        _bindings.RemoveRange(bindingsBefore, _bindings.Count - bindingsBefore);
    }

    private Value LowerCall(BoundCall call)
    {
        var operands = call.Callee is null ? call.Arguments : call.Arguments.Prepend(call.Callee).ToList();
        var args = LowerOperands(operands);
        return Value.Reg(Define(new Instruction
        {
            Opcode = Opcode.Call,
            CallKind = call.Kind,
            Symbol = call.Target?.NativeName,
            Args = args,
            FixedArguments = (call.Target as ExternSymbol)?.FixedParameters ?? -1,
            Signature = (call.Target as ExternSymbol)?.Signature,
        }));
    }
}
