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
    private readonly Func<FunctionSymbol, BoundExpression?> _inlineBody;

    private Lowering(IrModule module, FunctionSymbol symbol, int registerArguments, Func<FunctionSymbol, BoundExpression?> inlineBody)
    {
        _module = module;
        _function = new IrFunction(symbol);
        _registerArguments = registerArguments;
        _inlineBody = inlineBody;
        _current = NewBlock();
    }

    /// <param name="registerArguments">How many arguments the target's ABI passes in registers; tail calls must not need more stack.</param>
    /// <param name="inlineBody">The body to inline at a direct call of a function (see <see cref="Inlining"/>), or null.</param>
    public static IrFunction Lower(IrModule module, FunctionSymbol symbol, BoundExpression body, int registerArguments,
        Func<FunctionSymbol, BoundExpression?>? inlineBody = null)
    {
        var lowering = new Lowering(module, symbol, registerArguments, inlineBody ?? (_ => null));
        lowering.LowerFunction(body);
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
        // A tail call would free the frame that an escaped address points into.
        _tailCallsAllowed = !ContainsAddressOfLocal(body);
        if (_tailCallsAllowed && HasAccumulatingSelfCall(body)) StartAccumulatorLoop();
        LowerTail(body);
    }

    private bool _tailCallsAllowed;

    // ---- tail recursion with an accumulator ----

    /// <summary>The running sum of a function whose tail returns <c>(+ x (self ...))</c>, or -1.</summary>
    private int _accumulator = -1;
    private BasicBlock? _loopHead;

    /// <summary>
    /// Whether a tail position adds something to a call of this function itself, as <c>(+ (fib (- n 1)) (fib (- n 2)))</c>
    /// does. Such functions become a loop: the sum of the left operands is carried in an accumulator (addition wraps, so
    /// it is associative and commutative) and the right-hand call becomes a jump, halving the calls of fib. The left
    /// operand is still evaluated before the call's arguments, so the order of evaluation is unchanged.
    /// </summary>
    private bool HasAccumulatingSelfCall(BoundExpression body)
    {
        var pending = new Stack<BoundExpression>();
        pending.Push(body);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case BoundOperation { Operator: Operator.Add, Operands.Count: 2 } add when IsAccumulatingSelfCall(add.Operands[1]): return true;
                case BoundSequence { Expressions.Count: > 0 } s: pending.Push(s.Expressions[^1]); break;
                case BoundLet let: pending.Push(let.Body); break;
                case BoundIf i: pending.Push(i.Then); pending.Push(i.Else); break;
                case BoundLogical l: pending.Push(l.Operands[^1]); break;
                case BoundReturn r: pending.Push(r.Value); break;
            }
        }
        return false;
    }

    private bool IsSelfCall(BoundExpression e) =>
        e is BoundCall { Kind: CallKind.Direct } call && call.Target == _function.Symbol;

    /// <summary>
    /// A self call whose left operand can go into the accumulator before its arguments run: none of them returns
    /// (a return there leaves this activation, so its value must not include that left operand).
    /// </summary>
    private bool IsAccumulatingSelfCall(BoundExpression e)
    {
        if (!IsSelfCall(e)) return false;
        var pending = new Stack<BoundExpression>(((BoundCall)e).Arguments);
        while (pending.Count > 0)
        {
            var next = pending.Pop();
            if (next is BoundReturn) return false;
            foreach (var child in next.Children()) pending.Push(child);
        }
        return true;
    }

    private void StartAccumulatorLoop()
    {
        _accumulator = _function.NewRegister();
        Emit(new Instruction { Opcode = Opcode.Copy, Dest = _accumulator, Args = new[] { Value.Const(0) } });
        _loopDepth++;
        _loopHead = NewBlock();
        JumpTo(_loopHead);
        StartBlock(_loopHead);
    }

    /// <summary>Returns a value: plus the accumulator, in a function turned into a loop.</summary>
    private void Return(Value value)
    {
        if (_accumulator >= 0)
            value = Value.Reg(Define(new Instruction { Opcode = Opcode.Binary, Operator = Operator.Add, Args = new[] { Value.Reg(_accumulator), value } }));
        Terminate(new Terminator { Kind = TerminatorKind.Return, A = value });
    }

    /// <summary>A self call in tail position of the loop form: the parameters take the arguments and the loop starts again.</summary>
    private void JumpToLoopHead(IReadOnlyList<BoundExpression> arguments)
    {
        // All arguments are evaluated (into fresh registers) before any parameter changes: (f b a) swaps correctly.
        var values = LowerOperands(arguments).Select(Copy).ToList();
        for (int i = 0; i < values.Count; i++)
            Emit(new Instruction { Opcode = Opcode.Copy, Dest = _function.Parameters[i], Args = new[] { values[i] } });
        JumpTo(_loopHead!);
    }

    private void BindRegister(LocalVariable variable, int register)
    {
        _registers[variable] = register;
        _variableRegisters.Add(register);
    }

    private static bool ContainsAddressOfLocal(BoundExpression body)
    {
        // Iterative walk: bodies can be deep.
        var pending = new Stack<BoundExpression>();
        pending.Push(body);
        while (pending.Count > 0)
        {
            var e = pending.Pop();
            if (e is BoundAddressOfLocal) return true;
            foreach (var child in e.Children()) pending.Push(child);
        }
        return false;
    }

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
                LowerCondition(i.Condition, then, @else);
                StartBlock(then);
                LowerTail(i.Then);
                StartBlock(@else);
                LowerTail(i.Else);
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
            case BoundOperation { Operator: Operator.Add, Operands.Count: 2 } add when _accumulator >= 0 && IsAccumulatingSelfCall(add.Operands[1]):
            {
                var left = Lower(add.Operands[0]);
                Emit(new Instruction { Opcode = Opcode.Binary, Operator = Operator.Add, Dest = _accumulator, Args = new[] { Value.Reg(_accumulator), left } });
                JumpToLoopHead(((BoundCall)add.Operands[1]).Arguments);
                return;
            }
            case BoundCall call when _accumulator >= 0 && IsSelfCall(call):
                JumpToLoopHead(call.Arguments);
                return;
            case BoundCall call when InlineBody(call) is { } inlined:
                Return(LowerInlined(call, inlined));
                return;
            case BoundCall { Kind: CallKind.Direct } call when _accumulator < 0 && CanTailCall((FunctionSymbol)call.Target!):
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
                return Value.Reg(Define(new Instruction { Opcode = Opcode.AddressOfString, Index = _module.InternString(s.Bytes) }));
            case BoundLocal local:
                if (_slots.TryGetValue(local.Variable, out int slot))
                    return Value.Reg(Define(new Instruction { Opcode = Opcode.LoadSlot, Index = slot }));
                return Value.Reg(_registers[local.Variable]);
            case BoundGlobal global:
                return Value.Reg(Define(new Instruction { Opcode = Opcode.LoadGlobal, Symbol = global.Global.NativeName }));
            case BoundFunctionAddress f:
                return Value.Reg(Define(new Instruction { Opcode = Opcode.AddressOf, SymbolKind = SymbolKind.Function, Symbol = f.Function.NativeName }));
            case BoundExternAddress x:
                return Value.Reg(Define(new Instruction { Opcode = Opcode.AddressOf, SymbolKind = SymbolKind.Extern, Symbol = x.Extern.NativeName }));
            case BoundAddressOfGlobal g:
                return Value.Reg(Define(new Instruction { Opcode = Opcode.AddressOf, SymbolKind = SymbolKind.Global, Symbol = g.Global.NativeName }));
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
                return InlineBody(call) is { } inlined ? LowerInlined(call, inlined) : LowerCall(call);
            case BoundReturn r:
                LowerTail(r.Value);
                return Value.Const(0);
            default:
                throw new InvalidOperationException($"cannot lower {e.GetType().Name}");
        }
    }

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
                var result = args[0];
                for (int i = 1; i < args.Length; i++)
                    result = Value.Reg(Define(new Instruction { Opcode = Opcode.Binary, Operator = o.Operator, Args = new[] { result, args[i] } }));
                return result;
            }
        }
    }

    private BoundExpression? InlineBody(BoundCall call) =>
        call is { Kind: CallKind.Direct, Target: FunctionSymbol callee } && callee != _function.Symbol ? _inlineBody(callee) : null;

    /// <summary>A call replaced by the callee's body: the arguments, evaluated in order, initialise its parameters.</summary>
    private Value LowerInlined(BoundCall call, BoundExpression body)
    {
        var callee = (FunctionSymbol)call.Target!;
        var values = LowerOperands(call.Arguments);
        for (int i = 0; i < values.Length; i++)
        {
            // A fresh register each: the body may assign its parameters, and the same callee may be inlined again.
            int register = Define(new Instruction { Opcode = Opcode.Copy, Args = new[] { values[i] } });
            BindRegister(callee.Parameters[i], register);
        }
        return Lower(body);
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
