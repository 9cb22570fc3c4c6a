using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Targets.Arm64;

/// <summary>
/// Two doubles in one v register. The two-lane instructions of <see cref="Optimization.SlpVectorization"/> are one
/// instruction each on the <c>.2d</c> arrangement (<c>fadd</c>, <c>ldr q</c> or <c>ldur q</c>, <c>mov v.d[1], v.d[0]</c>
/// to pack, <c>mov d, v.d[1]</c> to take the high lane out). Two double divisions that
/// <see cref="Optimization.PairedDivision"/> put side by side are one <c>fdiv</c> of two lanes: each operand pair is
/// put in the lanes of one register, the low quotient is the result register, the high one is moved out. Each lane is
/// computed exactly as the scalar instruction computes it. A register holding two doubles never lives across a call
/// (a vectorised block has no call, and a pack moved out of a loop ends the block before it): the callee-saved v8–v15
/// keep only their low halves.
/// </summary>
public sealed partial class Arm64InstructionSelector
{
    private void SelectTwoLanes(Instruction instruction)
    {
        var args = instruction.Args;
        int dest = instruction.Dest >= 0 ? V(instruction.Dest) : -1;
        switch (instruction.Opcode)
        {
            case Opcode.Pack:
                // Straight into the result: a copy of a register (fmov) would keep only its low double.
                Move(dest, args[0]);
                Add(Arm64Op.InsertHigh, MachineOperand.UseDef(dest), Use(args[1] == args[0] ? dest : InFloatRegister(args[1])));
                break;
            case Opcode.Lane when instruction.Index == 0:
                Copy(dest, V(args[0].Register));
                break;
            case Opcode.Lane:
                Add(Arm64Op.HighLane, Def(dest), Use(V(args[0].Register)));
                break;
            case Opcode.Load:
                Add(Arm64Op.LdrQ, Def(dest), Address(args[0], args[1], 8));
                break;
            case Opcode.Store:
                Add(Arm64Op.StrQ, Address(args[0], args[1], 8), Use(V(args[2].Register)));
                break;
            default:
                var op = instruction.Operator switch
                {
                    Operator.FAdd => Arm64Op.FAddTwoLanes, Operator.FSub => Arm64Op.FSubTwoLanes, Operator.FMul => Arm64Op.FMulTwoLanes,
                    _ => Arm64Op.FDivTwoLanes,
                };
                Add(op, Def(dest), Use(V(args[0].Register)), Use(V(args[1].Register)));
                break;
        }
    }

    private bool TrySelectPairedDivision(Instruction first, Instruction second)
    {
        if (!first.PairedWithNext || second is not { Opcode: Opcode.Binary, Operator: Operator.FDiv, Dest: >= 0 }
            || second.Dest == first.Dest || second.Args.Contains(Value.Reg(first.Dest))) return false;
        int dividends = TwoLanes(first.Args[0], second.Args[0]);
        int divisors = TwoLanes(first.Args[1], second.Args[1]);
        int quotients = NewTwoLaneRegister();
        Add(Arm64Op.FDivTwoLanes, Def(quotients), Use(dividends), Use(divisors));
        Copy(V(first.Dest), quotients);
        Add(Arm64Op.HighLane, Def(V(second.Dest)), Use(quotients));
        return true;
    }

    /// <summary>A new two-lane register holding <paramref name="low"/> and <paramref name="high"/>.</summary>
    private int TwoLanes(Value low, Value high)
    {
        int register = NewTwoLaneRegister();
        Move(register, low);
        Add(Arm64Op.InsertHigh, MachineOperand.UseDef(register), Use(high == low ? register : InFloatRegister(high)));
        return register;
    }

    private int NewTwoLaneRegister()
    {
        int register = _function.NewRegister(isFloat: true);
        _function.TwoLaneRegisters.Add(register);
        return register;
    }
}
