using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Targets.X64;

/// <summary>
/// Two doubles in one xmm register. The two-lane instructions of <see cref="Optimization.SlpVectorization"/> are one SSE2
/// instruction each (<c>addpd</c>, <c>movupd</c>, <c>unpcklpd</c> to pack, <c>unpckhpd</c> to take the high lane out).
/// Two double divisions that <see cref="Optimization.PairedDivision"/> put side by side are one <c>divpd</c>: the
/// dividends and the divisors are packed into the two lanes of two xmm registers, divided at once, and the quotients
/// taken out: the low lane is the register itself, the high one is moved down. Each lane is computed exactly as the
/// scalar instruction computes it, so the results are the same doubles.
/// </summary>
public sealed partial class X64InstructionSelector
{
    private readonly Dictionary<Instruction, Instruction> _pairedDivisions = new(); // the first division → the second

    /// <summary>
    /// Plans the division at <paramref name="index"/> and the next instruction as one, if the pass paired them and they
    /// still are two divisions, the second independent of the first.
    /// </summary>
    private bool PlanPairedDivision(List<Instruction> code, int index)
    {
        var first = code[index];
        if (!first.PairedWithNext || index + 1 >= code.Count) return false;
        var second = code[index + 1];
        if (second is not { Opcode: Opcode.Binary, Operator: Operator.FDiv, Dest: >= 0 } || second.Dest == first.Dest
            || second.Args.Contains(Value.Reg(first.Dest))) return false;
        _pairedDivisions[first] = second;
        _selectedWithOther.Add(second);
        return true;
    }

    private void SelectTwoLanes(Instruction instruction)
    {
        var args = instruction.Args;
        int dest = instruction.Dest >= 0 ? V(instruction.Dest) : -1;
        switch (instruction.Opcode)
        {
            case Opcode.Pack:
                Copy(dest, TwoLanes(args[0], args[1]));
                break;
            case Opcode.Lane when instruction.Index == 0:
                Copy(dest, V(args[0].Register));
                break;
            case Opcode.Lane:
                Add(X64Op.HighLane, MachineOperand.Def(dest), MachineOperand.Use(V(args[0].Register)));
                break;
            case Opcode.Load:
                // Unaligned: movupd costs what movapd does on aligned data, and the doubles may be at any multiple of 8.
                Add(X64Op.MovUpd, MachineOperand.Def(dest), Address(args[0], args[1], 8));
                break;
            case Opcode.Store:
                Add(X64Op.MovUpd, Address(args[0], args[1], 8), MachineOperand.Use(V(args[2].Register)));
                break;
            default:
                var (left, right) = (args[0].Register, args[1].Register);
                // The result takes the register of the operand read only here, so that the allocator can join them and
                // leave no copy: axpy's a * x, where a is read again. Swapping changes only which NaN of two comes out,
                // and the sign and payload of a NaN an operation makes are not specified (spec section 11).
                if (instruction.Operator is Operator.FAdd or Operator.FMul && _uses[left] > 1 && _uses[right] == 1) (left, right) = (right, left);
                Copy(dest, V(left));
                var op = instruction.Operator switch
                {
                    Operator.FAdd => X64Op.AddPd, Operator.FSub => X64Op.SubPd, Operator.FMul => X64Op.MulPd, _ => X64Op.DivPd,
                };
                TwoAddress(op, dest, V(right));
                break;
        }
    }

    private void SelectPairedDivision(Instruction first, Instruction second)
    {
        int quotients = TwoLanes(first.Args[0], second.Args[0]);
        int divisors = TwoLanes(first.Args[1], second.Args[1]);
        Add(X64Op.DivPd, MachineOperand.UseDef(quotients), MachineOperand.Use(divisors));
        Copy(V(first.Dest), quotients);
        Add(X64Op.HighLane, MachineOperand.Def(V(second.Dest)), MachineOperand.Use(quotients));
    }

    private readonly Dictionary<long, int> _hoistedConstantPairs = new(); // a double's bits → a register holding it twice

    /// <summary>A new two-lane register holding <paramref name="low"/> and <paramref name="high"/>.</summary>
    private int TwoLanes(Value low, Value high)
    {
        int register = NewTwoLaneRegister();
        if (low == high && low.IsConstant && InLoop)
        {
            // 1.0 / x and 1.0 / y: the pair of constants is set before the loop, and copied (the division overwrites it).
            Copy(register, HoistedConstantPair(low.Constant));
            return register;
        }
        Move(register, low);
        Add(X64Op.UnpckLpd, MachineOperand.UseDef(register), MachineOperand.Use(high == low ? register : InFloatRegister(high)));
        return register;
    }

    private int NewTwoLaneRegister()
    {
        int register = NewFloatRegister();
        _function.TwoLaneRegisters.Add(register);
        return register;
    }

    /// <summary>A register holding the double twice, set at the function's entry (see <see cref="HoistedConstant"/>).</summary>
    private int HoistedConstantPair(long bits)
    {
        if (_hoistedConstantPairs.TryGetValue(bits, out int register)) return register;
        register = NewTwoLaneRegister();
        _function.Blocks[0].Instructions.InsertRange(0,
        [
            new MachineInstruction((int)X64Op.MovSd, MachineOperand.Def(register), ConstantInMemory(bits)),
            new MachineInstruction((int)X64Op.UnpckLpd, MachineOperand.UseDef(register), MachineOperand.Use(register)),
        ]);
        _hoistedConstantPairs[bits] = register;
        return register;
    }
}
