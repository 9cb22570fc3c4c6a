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

    /// <summary>
    /// <c>movl $0, %r</c> is <c>xorl %r, %r</c> (three bytes shorter, and a zeroing idiom that needs no execution unit)
    /// where the flags xor sets are dead: no instruction reads them before another sets them. A block's successor that
    /// reads flags before setting them, or sets none, keeps them live at the block's end. Run it last: moving an
    /// instruction afterwards could place the xor between a compare and its reader.
    /// </summary>
    public static void ZeroWithXor(MachineFunction function)
    {
        // By block number (a block's Id is its index), not a set of blocks: no delegate, no hashing.
        var flagsLiveOnEntry = new bool[function.Blocks.Count];
        foreach (var block in function.Blocks) flagsLiveOnEntry[block.Id] = FlagsLiveOnEntry(block);
        foreach (var block in function.Blocks)
        {
            bool live = false;
            foreach (var successor in block.Successors) live |= flagsLiveOnEntry[successor.Id];
            var code = block.Instructions;
            for (int i = code.Count - 1; i >= 0; i--)
            {
                if (!live && code[i] is { Opcode: (int)X64Op.Mov, Operands: [{ IsRegister: true } target, { Kind: OperandKind.Immediate, Value: 0 }] }
                    && !X64Registers.IsXmm(target.Reg))
                    code[i] = new MachineInstruction((int)X64Op.Xor, MachineOperand.UseDef(target.Reg), MachineOperand.Use(target.Reg));
                var (reads, writes) = Flags(code[i]);
                live = reads || (live && !writes);
            }
        }
    }

    /// <summary>Whether the flags on entry to a block may be read: it reads them before it sets them, or never sets them.</summary>
    private static bool FlagsLiveOnEntry(MachineBlock block)
    {
        foreach (var instruction in block.Instructions)
        {
            var (reads, writes) = Flags(instruction);
            if (reads) return true;
            if (writes) return false;
        }
        return true;
    }

    /// <summary>Whether an instruction reads the flags, and whether it surely sets (or destroys) them all.</summary>
    private static (bool Reads, bool Writes) Flags(MachineInstruction instruction) => (X64Op)instruction.Opcode switch
    {
        X64Op.Jcc or X64Op.Setcc or X64Op.Cmov => (true, false),
        X64Op.Adc or X64Op.Sbb => (true, true),
        X64Op.Add or X64Op.Sub or X64Op.And or X64Op.Or or X64Op.Xor or X64Op.Imul or X64Op.Neg or X64Op.Cmp or X64Op.CmpByte
            or X64Op.Test or X64Op.Ucomisd or X64Op.Call or X64Op.Idiv or X64Op.ImulWide => (false, true),
        // A shift by zero leaves the flags as they were: only a constant count surely sets them.
        X64Op.Shl or X64Op.Sar or X64Op.Shr => (false, instruction.Operands[1] is { Kind: OperandKind.Immediate } count && (count.Value & 63) != 0),
        _ => (false, false),
    };
}
