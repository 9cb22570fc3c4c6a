using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Sparse conditional constant propagation on SSA form (Wegman and Zadeck): every register starts unknown and only
/// falls, to one constant and then to varying; an edge becomes executable only when its block is and its branch may go
/// there, and a phi merges the values of its executable edges alone. So a variable set to the same constant on every
/// path that runs is that constant, even around a loop, and a branch decided by it is decided. Arithmetic is the
/// language's (<see cref="WordArithmetic"/>, with <see cref="FloatArithmetic"/> for the fl operators), as constant
/// folding computes it.
/// <para>
/// The pass changes no control flow, so the dominators and phis stay valid for the passes after it: it replaces every
/// use of a constant register by the constant (a decided branch then compares two constants) and turns a pure
/// instruction that computes a constant into a copy of it. Constant folding folds the decided branches after SSA
/// destruction, and <see cref="ControlFlow.Simplify"/> drops the blocks they no longer reach. Definitions stay: after
/// destruction another version of the same variable may still read the register (dead code removes the rest).
/// </para>
/// </summary>
public sealed class Sccp
{
    private const byte Unknown = 0, Constant = 1, Varying = 2;
    private const byte TrueEdge = 1, FalseEdge = 2;

    // Reused from function to function (see Scratch); the stacks are emptied first: an exception may have left them full.
    [ThreadStatic] private static byte[]? s_state, s_executableEdges;
    [ThreadStatic] private static long[]? s_constant;
    [ThreadStatic] private static bool[]? s_executable;
    [ThreadStatic] private static int[]? s_useStart, s_nextUse, s_users, s_blockOf;
    [ThreadStatic] private static Instruction?[]? s_instructions;
    [ThreadStatic] private static Stack<int>? s_blockWork, s_registerWork;

    private readonly IrFunction _function;
    /// <summary>Per register: <see cref="Unknown"/>, <see cref="Constant"/> (<see cref="_constant"/>) or <see cref="Varying"/>.</summary>
    private readonly byte[] _state;
    private readonly long[] _constant;
    private readonly bool[] _executable;
    /// <summary>Per block: which of its terminator's edges (<see cref="TrueEdge"/>, <see cref="FalseEdge"/>) may run.</summary>
    private readonly byte[] _executableEdges;
    /// <summary>
    /// The users of each register, laid end to end (register r's from <c>_useStart[r]</c> up to <c>_useStart[r+1]</c>): an
    /// instruction's number (an index of <see cref="_instructions"/>), or -1 - a block's number for its terminator.
    /// </summary>
    private readonly int[] _useStart, _users;
    private readonly Instruction?[] _instructions;
    private readonly int[] _blockOf;
    private readonly Stack<int> _blockWork, _registerWork;
    /// <summary>Whether some register was found constant at some point (else there is nothing to rewrite).</summary>
    private bool _anyConstant;

    public static bool Run(SsaForm ssa)
    {
        var sccp = new Sccp(ssa.Function);
        sccp.Solve();
        return sccp._anyConstant && sccp.Rewrite();
    }

    /// <summary>
    /// Every register unknown but those nothing defines (parameters, and a variable read on a path that never set it):
    /// they are varying.
    /// </summary>
    private Sccp(IrFunction function)
    {
        _function = function;
        int registers = function.RegisterCount, blocks = function.Blocks.Count, count = 0;
        foreach (var block in function.Blocks) count += block.Instructions.Count;
        _state = Scratch.Cleared(ref s_state, registers);
        _constant = Scratch.Cleared(ref s_constant, registers);
        _executable = Scratch.Cleared(ref s_executable, blocks);
        _executableEdges = Scratch.Cleared(ref s_executableEdges, blocks);
        _useStart = Scratch.Cleared(ref s_useStart, registers + 1);
        _blockOf = Scratch.Cleared(ref s_blockOf, count);
        _instructions = Scratch.Cleared(ref s_instructions, count);
        Array.Fill(_state, Varying, 0, registers);
        int ordinal = 0;
        foreach (var block in function.Blocks)
        {
            foreach (var instruction in block.Instructions)
            {
                if (instruction.Dest >= 0) _state[instruction.Dest] = Unknown;
                foreach (var arg in instruction.Args) if (arg.IsRegister) _useStart[arg.Register + 1]++;
                _blockOf[ordinal] = block.Id;
                _instructions[ordinal++] = instruction;
            }
            foreach (var arg in block.Terminator.Uses) if (arg.IsRegister) _useStart[arg.Register + 1]++;
        }
        for (int r = 0; r < registers; r++) _useStart[r + 1] += _useStart[r];
        _users = Scratch.Cleared(ref s_users, _useStart[registers]);
        var next = Scratch.Cleared(ref s_nextUse, registers);
        Array.Copy(_useStart, next, registers);
        ordinal = 0;
        foreach (var block in function.Blocks)
        {
            foreach (var instruction in block.Instructions)
            {
                foreach (var arg in instruction.Args) if (arg.IsRegister) _users[next[arg.Register]++] = ordinal;
                ordinal++;
            }
            foreach (var arg in block.Terminator.Uses) if (arg.IsRegister) _users[next[arg.Register]++] = -1 - block.Id;
        }
        _blockWork = s_blockWork ??= new Stack<int>();
        _registerWork = s_registerWork ??= new Stack<int>();
        _blockWork.Clear();
        _registerWork.Clear();
    }

    private void Solve()
    {
        var blocks = _function.Blocks;
        _executable[0] = true;
        _blockWork.Push(0);
        while (_blockWork.Count > 0 || _registerWork.Count > 0)
        {
            if (_blockWork.Count > 0)
            {
                var block = blocks[_blockWork.Pop()];
                foreach (var instruction in block.Instructions) Evaluate(instruction, block);
                Evaluate(block);
                continue;
            }
            int register = _registerWork.Pop();
            for (int u = _useStart[register]; u < _useStart[register + 1]; u++)
            {
                int user = _users[u];
                if (user < 0)
                {
                    if (_executable[-1 - user]) Evaluate(blocks[-1 - user]);
                }
                else if (_executable[_blockOf[user]]) Evaluate(_instructions[user]!, blocks[_blockOf[user]]);
            }
        }
    }

    /// <summary>Lowers an instruction's result to what its operands now give.</summary>
    private void Evaluate(Instruction instruction, BasicBlock block)
    {
        int dest = instruction.Dest;
        if (dest < 0 || _state[dest] == Varying) return;
        var args = instruction.Args;
        switch (instruction.Opcode)
        {
            case Opcode.Phi:
                for (int i = 0; i < args.Length; i++)
                {
                    if (!IsExecutable(instruction.Incoming[i], block)) continue;
                    Lower(dest, args[i]);
                    if (_state[dest] == Varying) return;
                }
                return;
            case Opcode.Copy:
                Lower(dest, args[0]);
                return;
            case Opcode.Unary:
            {
                byte state = StateOf(args[0], out long a);
                if (state == Constant) LowerTo(dest, Constant, WordArithmetic.Unary(instruction.Operator, a));
                else LowerTo(dest, state, 0);
                return;
            }
            case Opcode.Binary:
            {
                byte first = StateOf(args[0], out long x), second = StateOf(args[1], out long y);
                if (first == Varying || second == Varying) LowerTo(dest, Varying, 0);
                else if (first == Constant && second == Constant) LowerTo(dest, Constant, WordArithmetic.Binary(instruction.Operator, x, y));
                return;
            }
            default:
                LowerTo(dest, Varying, 0); // loads, calls, addresses
                return;
        }
    }

    /// <summary>Marks the edges a block's terminator may now take.</summary>
    private void Evaluate(BasicBlock block)
    {
        var t = block.Terminator;
        switch (t.Kind)
        {
            case TerminatorKind.Jump:
                MarkEdge(block, TrueEdge);
                return;
            case TerminatorKind.Branch:
            {
                byte first = StateOf(t.A, out long a), second = StateOf(t.B, out long b);
                if (first == Varying || second == Varying)
                {
                    MarkEdge(block, TrueEdge);
                    MarkEdge(block, FalseEdge);
                }
                else if (first == Constant && second == Constant)
                    MarkEdge(block, WordArithmetic.Binary(t.Comparison, a, b) != 0 ? TrueEdge : FalseEdge);
                return;
            }
        }
    }

    private void MarkEdge(BasicBlock block, byte edge)
    {
        if ((_executableEdges[block.Id] & edge) != 0) return;
        _executableEdges[block.Id] |= edge;
        var target = edge == TrueEdge ? block.Terminator.True! : block.Terminator.False!;
        if (!_executable[target.Id])
        {
            _executable[target.Id] = true;
            _blockWork.Push(target.Id);
            return;
        }
        // Already evaluated: only its phis gain an operand.
        foreach (var instruction in target.Instructions)
        {
            if (instruction.Opcode != Opcode.Phi) break;
            Evaluate(instruction, target);
        }
    }

    /// <summary>Whether the edge from <paramref name="from"/> to <paramref name="to"/> may run.</summary>
    private bool IsExecutable(BasicBlock from, BasicBlock to)
    {
        var t = from.Terminator;
        byte edges = _executableEdges[from.Id];
        return (t.True == to && (edges & TrueEdge) != 0) || (t.False == to && (edges & FalseEdge) != 0);
    }

    private byte StateOf(Value value, out long constant)
    {
        if (value.IsConstant)
        {
            constant = value.Constant;
            return Constant;
        }
        constant = _constant[value.Register];
        return _state[value.Register];
    }

    /// <summary>Meets a register's value with <paramref name="value"/>'s.</summary>
    private void Lower(int register, Value value)
    {
        byte state = StateOf(value, out long constant);
        if (state != Unknown) LowerTo(register, state, constant);
    }

    private void LowerTo(int register, byte state, long constant)
    {
        byte current = _state[register];
        if (state == Unknown || current == Varying) return;
        if (current == Constant && (state == Varying || constant != _constant[register])) _state[register] = Varying;
        else if (current == Unknown)
        {
            _state[register] = state;
            _constant[register] = constant;
            _anyConstant |= state == Constant;
        }
        else return;
        _registerWork.Push(register);
    }

    /// <summary>Puts the constants in: operands become constants, and a pure constant result a copy of its constant.</summary>
    private bool Rewrite()
    {
        bool changed = false;
        foreach (var block in _function.Blocks)
        {
            foreach (var instruction in block.Instructions)
            {
                // A phi is dropped with SSA form; its own uses are replaced wherever it is constant.
                if (instruction.Opcode == Opcode.Phi) continue;
                if (instruction.Opcode is Opcode.Copy or Opcode.Unary or Opcode.Binary && _state[instruction.Dest] == Constant
                    && !(instruction.Opcode == Opcode.Copy && instruction.Args[0].IsConstant))
                {
                    instruction.Opcode = Opcode.Copy;
                    instruction.Args = new[] { Value.Const(_constant[instruction.Dest]) };
                    changed = true;
                    continue;
                }
                var args = instruction.Args;
                for (int i = 0; i < args.Length; i++)
                    if (ConstantOf(args[i]) is { } constant) { args[i] = constant; changed = true; }
            }
            var t = block.Terminator;
            if (t.Kind is TerminatorKind.Branch or TerminatorKind.Return && ConstantOf(t.A) is { } a) { t.A = a; changed = true; }
            if (t.Kind is TerminatorKind.Branch && ConstantOf(t.B) is { } b) { t.B = b; changed = true; }
            for (int i = 0; i < t.Args.Length; i++)
                if (ConstantOf(t.Args[i]) is { } constant) { t.Args[i] = constant; changed = true; }
        }
        return changed;
    }

    private Value? ConstantOf(Value value) =>
        value.IsRegister && _state[value.Register] == Constant ? Value.Const(_constant[value.Register]) : null;
}
