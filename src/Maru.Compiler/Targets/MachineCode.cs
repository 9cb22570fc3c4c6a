namespace Maru.Compiler.Targets;

/// <summary>How an instruction touches a register operand.</summary>
public enum Access : byte { Use, Def, UseDef }

public enum OperandKind : byte
{
    Register,        // Reg, with Access
    Immediate,       // Value
    Memory,          // [Reg + Index*Scale + Value]; Index is -1 when absent
    SymbolMemory,    // the word at Symbol, addressed relative to the program counter
    Slot,            // frame slot number Value (spills and variables whose address is taken)
    IncomingArgument,// the caller's stack argument number Value
    OutgoingArgument,// the stack argument at byte offset Value of the argument area of the call being made
    Symbol,          // a code or data symbol (call targets, address loads)
    Block,           // a branch target: block number Value
}

/// <summary>An operand of a machine instruction. Registers below <see cref="MachineFunction.FirstVirtual"/> are physical.</summary>
/// <remarks>32 bytes (the two enums are bytes): every instruction of every function has an array of these.</remarks>
public struct MachineOperand
{
    public OperandKind Kind;
    public int Reg;
    public int Index;
    public int Scale;
    public long Value;
    public Access Access;
    public string? Symbol;

    public static MachineOperand Use(int reg) => new() { Kind = OperandKind.Register, Reg = reg, Access = Access.Use };
    public static MachineOperand Def(int reg) => new() { Kind = OperandKind.Register, Reg = reg, Access = Access.Def };
    public static MachineOperand UseDef(int reg) => new() { Kind = OperandKind.Register, Reg = reg, Access = Access.UseDef };
    public static MachineOperand Imm(long value) => new() { Kind = OperandKind.Immediate, Value = value };
    public static MachineOperand Mem(int baseReg, long displacement = 0, int index = -1, int scale = 1) =>
        new() { Kind = OperandKind.Memory, Reg = baseReg, Index = index, Scale = scale, Value = displacement };
    public static MachineOperand SymbolMem(string symbol) => new() { Kind = OperandKind.SymbolMemory, Symbol = symbol };
    public static MachineOperand Slot(int slot) => new() { Kind = OperandKind.Slot, Value = slot };
    public static MachineOperand Incoming(int index) => new() { Kind = OperandKind.IncomingArgument, Value = index };
    public static MachineOperand Outgoing(int index) => OutgoingAt(8 * index);
    /// <summary>A stack argument at a byte offset of the argument area (Apple arm64 packs 4-byte C arguments).</summary>
    public static MachineOperand OutgoingAt(int byteOffset) => new() { Kind = OperandKind.OutgoingArgument, Value = byteOffset };
    public static MachineOperand Sym(string symbol) => new() { Kind = OperandKind.Symbol, Symbol = symbol };
    public static MachineOperand Target(int block) => new() { Kind = OperandKind.Block, Value = block };

    public readonly bool IsRegister => Kind == OperandKind.Register;
}

/// <summary>
/// One target instruction. <see cref="Opcode"/> is the target's own enumeration; the register allocator only needs
/// the operands, the implicit registers and whether it is a register-to-register copy.
/// </summary>
public sealed class MachineInstruction(int opcode, params MachineOperand[] operands)
{
    public int Opcode { get; set; } = opcode;
    public MachineOperand[] Operands { get; } = operands;
    /// <summary>Physical registers read without appearing as operands (arguments of a call, the returned value).</summary>
    public int[] ImplicitUses { get; init; } = Array.Empty<int>();
    /// <summary>Physical registers written or destroyed (a call's clobbers, a division's results).</summary>
    public int[] ImplicitDefs { get; init; } = Array.Empty<int>();
    /// <summary>A copy <c>Operands[0] = Operands[1]</c> between registers, which the allocator may coalesce away.</summary>
    public bool IsCopy { get; init; }
    /// <summary>The target's condition code, for conditional jumps, sets and moves.</summary>
    public int Condition { get; init; }

    /// <summary>A number the register allocator gives each instruction, so its sets of moves iterate in a fixed order.</summary>
    internal int Number { get; set; }

    public void ForEachUse(Action<int> action)
    {
        foreach (var o in Operands)
        {
            if (o.Kind == OperandKind.Register && o.Access != Access.Def) action(o.Reg);
            else if (o.Kind == OperandKind.Memory)
            {
                action(o.Reg);
                if (o.Index >= 0) action(o.Index);
            }
        }
        foreach (int r in ImplicitUses) action(r);
    }

    public void ForEachDef(Action<int> action)
    {
        foreach (var o in Operands)
            if (o.Kind == OperandKind.Register && o.Access != Access.Use) action(o.Reg);
        foreach (int r in ImplicitDefs) action(r);
    }

    /// <summary>
    /// Whether the instruction can run before the frame is built: it reads and writes no register that
    /// <paramref name="isCalleeSaved"/> says the prologue saves, and no frame slot or stack argument. (Whether a branch,
    /// call or return may is the target's to judge.)
    /// </summary>
    public bool NeedsNoFrame(Func<int, bool> isCalleeSaved)
    {
        if (Operands.Any(o => o.Kind is OperandKind.Slot or OperandKind.IncomingArgument or OperandKind.OutgoingArgument)) return false;
        bool touchesSavedRegister = false;
        ForEachUse(r => touchesSavedRegister |= isCalleeSaved(r));
        ForEachDef(r => touchesSavedRegister |= isCalleeSaved(r));
        return !touchesSavedRegister;
    }

    /// <summary>Replaces registers (uses, defs and memory bases) through <paramref name="map"/>.</summary>
    public void RewriteRegisters(Func<int, int> map)
    {
        for (int i = 0; i < Operands.Length; i++)
        {
            ref var o = ref Operands[i];
            if (o.Kind == OperandKind.Register) o.Reg = map(o.Reg);
            else if (o.Kind == OperandKind.Memory)
            {
                o.Reg = map(o.Reg);
                if (o.Index >= 0) o.Index = map(o.Index);
            }
        }
    }
}

public sealed class MachineBlock(int id, int loopDepth)
{
    public int Id { get; } = id;
    public int LoopDepth { get; } = loopDepth;
    public List<MachineInstruction> Instructions { get; } = new();
    public List<MachineBlock> Successors { get; } = new();
}

public sealed class MachineFunction(string symbol, bool isExported)
{
    /// <summary>Register numbers from here up are virtual; below are the target's physical registers.</summary>
    public const int FirstVirtual = 64;

    public string Symbol { get; } = symbol;
    public bool IsExported { get; } = isExported;
    public List<MachineBlock> Blocks { get; } = new();
    public int RegisterCount { get; set; } = FirstVirtual;
    /// <summary>Frame slots: variables whose address is taken first, then spills.</summary>
    public int SlotCount { get; set; }
    /// <summary>The most stack arguments any call of this function passes.</summary>
    public int OutgoingArguments { get; set; }
    public bool HasCalls { get; set; }
    /// <summary>Callee-saved registers the allocator assigned, which the prologue must save.</summary>
    public List<int> UsedCalleeSaved { get; } = new();

    /// <summary>The 8-byte constants the function reads from memory (a double's bits), by their index in its constant pool.</summary>
    public List<long> Constants { get; } = new();

    /// <summary>Virtual registers of the floating-point class (the rest are general registers).</summary>
    public HashSet<int> FloatRegisters { get; } = new();

    /// <summary>
    /// Virtual registers of the floating-point class that hold two doubles (a paired division's operands and result):
    /// they spill to two consecutive slots, whole.
    /// </summary>
    public HashSet<int> TwoLaneRegisters { get; } = new();

    /// <summary>Whether a register, physical (as <paramref name="registers"/> says) or virtual, is of the floating-point class.</summary>
    public bool IsFloat(int register, IRegisterInfo registers) =>
        register < FirstVirtual ? registers.IsFloatRegister(register) : FloatRegisters.Contains(register);

    public int NewRegister(bool isFloat = false)
    {
        int register = RegisterCount++;
        if (isFloat) FloatRegisters.Add(register);
        return register;
    }

    /// <summary>How many edges lead to each block (blocks nothing jumps to are absent).</summary>
    public Dictionary<MachineBlock, int> PredecessorCounts()
    {
        var counts = new Dictionary<MachineBlock, int>();
        foreach (var block in Blocks)
            foreach (var successor in block.Successors)
                counts[successor] = counts.GetValueOrDefault(successor) + 1;
        return counts;
    }

    /// <summary>
    /// Whether <paramref name="block"/> can be an early return that never builds the frame (shrink-wrapping): only the
    /// entry leads to it, it ends with the target's return and no instruction before that needs the frame.
    /// </summary>
    public static bool IsFramelessReturn(MachineBlock block, Dictionary<MachineBlock, int> predecessors, int returnOpcode,
        Func<MachineInstruction, bool> needsNoFrame) =>
        block.Id != 0 && predecessors.GetValueOrDefault(block) == 1 && block.Instructions.Count > 0
        && block.Instructions[^1].Opcode == returnOpcode
        && block.Instructions.Take(block.Instructions.Count - 1).All(needsNoFrame);
}

/// <summary>What the register allocator needs to know of a target.</summary>
public interface IRegisterInfo
{
    /// <summary>Allocatable general registers in order of preference (caller-saved first, so leaf code saves nothing).</summary>
    IReadOnlyList<int> AllocatableRegisters { get; }
    /// <summary>Allocatable floating-point registers in order of preference; empty for a target without that class.</summary>
    IReadOnlyList<int> AllocatableFloatRegisters { get; }
    bool IsFloatRegister(int physical);
    bool IsCalleeSaved(int register);
    MachineInstruction Copy(int destination, int source, bool isFloat);
    MachineInstruction LoadSlot(int destination, int slot, bool isFloat);
    MachineInstruction StoreSlot(int slot, int source, bool isFloat);
    /// <summary>Moves the two doubles of a <see cref="MachineFunction.TwoLaneRegisters"/> register from the slots <paramref name="slot"/> and the next.</summary>
    MachineInstruction LoadTwoLaneSlot(int destination, int slot);
    /// <summary>Moves the two doubles of a <see cref="MachineFunction.TwoLaneRegisters"/> register to the slots <paramref name="slot"/> and the next.</summary>
    MachineInstruction StoreTwoLaneSlot(int slot, int source);
}
