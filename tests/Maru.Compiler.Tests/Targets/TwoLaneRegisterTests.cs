using Maru.Compiler.Targets;
using Maru.Compiler.Targets.Arm64;
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

    [TestMethod]
    public void OnAArch64ATwoLaneRegisterSpillsToSixteenBytes()
    {
        var function = new MachineFunction("f", isExported: false);
        int low = function.NewRegister(isFloat: true), lanes = function.NewRegister(isFloat: true), high = function.NewRegister(isFloat: true);
        function.TwoLaneRegisters.Add(lanes);
        // So many registers that the allocator spills every one (RegisterAllocator.SpillEverythingAbove).
        function.RegisterCount += RegisterAllocator.SpillEverythingAbove;
        var block = new MachineBlock(0, 0);
        var code = block.Instructions;
        code.AddRange(
        [
            new MachineInstruction((int)Arm64Op.Scvtf, MachineOperand.Def(low), MachineOperand.Use(Arm64Registers.X0)),
            new MachineInstruction((int)Arm64Op.Scvtf, MachineOperand.Def(lanes), MachineOperand.Use(Arm64Registers.X0)),
            new MachineInstruction((int)Arm64Op.InsertHigh, MachineOperand.UseDef(lanes), MachineOperand.Use(low)),
            new MachineInstruction((int)Arm64Op.HighLane, MachineOperand.Def(high), MachineOperand.Use(lanes)),
            new MachineInstruction((int)Arm64Op.Mov, MachineOperand.Def(Arm64Registers.X0), MachineOperand.Use(high)),
            new MachineInstruction((int)Arm64Op.Ret) { ImplicitUses = [Arm64Registers.X0] },
        ]);
        function.Blocks.Add(block);

        new RegisterAllocator(Arm64Abi.Instance).Allocate(function);

        string listing = string.Join("\n", code.Select(i => $"{(Arm64Op)i.Opcode} {string.Join(", ", i.Operands.Select(o => $"{o.Kind}:{o.Reg}/{o.Value}"))}"));
        int insert = code.FindIndex(i => i.Opcode == (int)Arm64Op.InsertHigh), extract = code.FindIndex(i => i.Opcode == (int)Arm64Op.HighLane);
        Assert.AreEqual((int)Arm64Op.StrQ, code[insert + 1].Opcode, listing);
        Assert.AreEqual((int)Arm64Op.LdrQ, code[extract - 1].Opcode, listing);
        Assert.AreEqual(code[insert + 1].Operands[0].Value, code[extract - 1].Operands[1].Value, listing);
        Assert.AreEqual((int)Arm64Op.Ldr, code[insert - 1].Opcode, "a double spills to 8 bytes: " + listing);
    }
}
