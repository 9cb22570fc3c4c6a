namespace Maru.Compiler.Targets.X64;

/// <summary>Rewrites of allocated code, where the registers are known.</summary>
public static class X64Peephole
{
    /// <summary>
    /// <c>movq %a, %t; addq %b, %t</c>, the two-address add of a value that lives on (so its copy was not coalesced
    /// away), is one <c>leaq (%a,%b), %t</c>. No selected instruction reads the flags an add sets.
    /// </summary>
    public static void Apply(MachineFunction function)
    {
        foreach (var block in function.Blocks)
        {
            var code = block.Instructions;
            for (int i = 0; i + 1 < code.Count; i++)
            {
                if (code[i] is not { Opcode: (int)X64Op.Mov, Operands: [{ IsRegister: true } copy, { IsRegister: true } source] }
                    || X64Registers.IsXmm(copy.Reg) || X64Registers.IsXmm(source.Reg)) continue;
                if (code[i + 1] is not { Opcode: (int)X64Op.Add, Operands: [{ IsRegister: true } sum, { IsRegister: true } addend] }
                    || sum.Reg != copy.Reg || addend.Reg == copy.Reg) continue;
                code[i] = new MachineInstruction((int)X64Op.Lea, MachineOperand.Def(copy.Reg), MachineOperand.Mem(source.Reg, 0, addend.Reg));
                code.RemoveAt(i + 1);
            }
        }
    }
}
