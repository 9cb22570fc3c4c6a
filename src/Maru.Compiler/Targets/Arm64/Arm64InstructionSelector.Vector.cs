using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Targets.Arm64;

/// <summary>
/// Two double divisions that <see cref="Optimization.PairedDivision"/> put side by side, as one <c>fdiv</c> of two
/// lanes: each operand pair is put in the lanes of one v register (<c>mov v.d[1], v.d[0]</c>), the low quotient is the
/// result register, the high one is moved out (<c>mov d, v.d[1]</c>). Each lane is divided exactly as the scalar
/// <c>fdiv</c> divides. A register holding two doubles never lives across a call (no pair is set before a loop, as
/// x86-64 does): the callee-saved v8–v15 keep only their low halves.
/// </summary>
public sealed partial class Arm64InstructionSelector
{
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
