using Maru.Compiler.Targets;
using Maru.Compiler.Targets.X64;
using static Maru.Compiler.Targets.X64.X64Registers;

namespace Maru.Compiler.Tests.Targets;

/// <summary>A register holding two doubles (a paired division's) is spilled whole: to two slots, by movupd.</summary>
[TestClass]
public sealed class TwoLaneRegisterTests
{
    private static MachineInstruction I(X64Op op, params MachineOperand[] operands) => new((int)op, operands);

    [TestMethod]
    public void ATwoLaneRegisterLiveAcrossACallSpillsToSixteenBytes()
    {
        var function = new MachineFunction("f", isExported: false);
        int low = function.NewRegister(isFloat: true), lanes = function.NewRegister(isFloat: true), high = function.NewRegister(isFloat: true);
        function.TwoLaneRegisters.Add(lanes);
        var block = new MachineBlock(0, 0);
        block.Instructions.AddRange(
        [
            I(X64Op.CvtSi2Sd, MachineOperand.Def(low), MachineOperand.Use(Rdi)),
            I(X64Op.CvtSi2Sd, MachineOperand.Def(lanes), MachineOperand.Use(Rsi)),
            I(X64Op.UnpckLpd, MachineOperand.UseDef(lanes), MachineOperand.Use(low)),
            // Every xmm register is caller-saved on SysV: the two doubles must wait in memory.
            new MachineInstruction((int)X64Op.Call, MachineOperand.Sym("g")) { ImplicitDefs = X64Abi.SysV.CallClobbers },
            I(X64Op.DivPd, MachineOperand.UseDef(lanes), MachineOperand.Use(lanes)),
            I(X64Op.HighLane, MachineOperand.Def(high), MachineOperand.Use(lanes)),
            I(X64Op.MovBits, MachineOperand.Def(Rax), MachineOperand.Use(high)),
            new MachineInstruction((int)X64Op.Ret) { ImplicitUses = [Rax] },
        ]);
        function.Blocks.Add(block);
        function.HasCalls = true;

        new RegisterAllocator(X64Abi.SysV).Allocate(function);

        var code = block.Instructions;
        string listing = string.Join("\n", code.Select(i => $"{(X64Op)i.Opcode} {string.Join(", ", i.Operands.Select(o => $"{o.Kind}:{o.Reg}/{o.Value}"))}"));
        int call = code.FindIndex(i => i.Opcode == (int)X64Op.Call);
        var store = code.Take(call).Last(i => i.Operands.Any(o => o.Kind == OperandKind.Slot));
        var load = code.Skip(call).First(i => i.Operands.Any(o => o.Kind == OperandKind.Slot));
        Assert.AreEqual((int)X64Op.MovUpd, store.Opcode, listing);
        Assert.AreEqual(OperandKind.Slot, store.Operands[0].Kind, listing);
        Assert.AreEqual((int)X64Op.MovUpd, load.Opcode, listing);
        Assert.AreEqual(store.Operands[0].Value, load.Operands[1].Value, listing);
        Assert.AreEqual(2, function.SlotCount, "two 8-byte slots: " + listing);
        Assert.IsFalse(code.Any(i => i.Opcode == (int)X64Op.MovSd && i.Operands.Any(o => o.Kind == OperandKind.Slot)), listing);
    }
}
