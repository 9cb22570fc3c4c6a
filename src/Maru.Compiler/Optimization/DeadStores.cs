using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Removes stores whose value nothing can read. Within a block: a store to memory that a later store of the same width
/// to the same address (the same operands for base and index, not reassigned in between) overwrites; a store to a
/// stack slot that a later store to the slot overwrites, or that the function's return ends. In the whole function:
/// every store to a slot that is never loaded and whose address is never taken. Without alias analysis anything that
/// reads memory in between keeps a store: any load (of whatever address), a call, a global's load (memory stores
/// may write a global through its address), and a slot's load keeps a memory store (the address may be the slot's).
/// </summary>
public static class DeadStores
{
    /// <summary>The place a memory store writes: base, index and width (see <see cref="Opcode.Store"/>).</summary>
    private readonly record struct Address(Value Base, Value Index, int Size);

    // Reused from round to round and function to function (see Scratch).
    [ThreadStatic] private static bool[]? s_slotRead, s_slotOverwritten;
    [ThreadStatic] private static List<Address>? s_overwritten;

    public static bool Run(IrFunction function)
    {
        var slotRead = Scratch.Cleared(ref s_slotRead, function.SlotCount);
        bool hasStore = false;
        foreach (var block in function.Blocks)
        {
            foreach (var instruction in block.Instructions)
            {
                if (instruction.Opcode is Opcode.LoadSlot or Opcode.AddressOfSlot) slotRead[instruction.Index] = true;
                hasStore |= instruction.Opcode is Opcode.Store or Opcode.StoreSlot;
            }
        }
        if (!hasStore) return false;

        bool changed = false;
        var overwritten = s_overwritten ??= new List<Address>(); // memory stores later in the block, nothing reading in between
        foreach (var block in function.Blocks)
        {
            // Slots stored later in the block with nothing reading in between; all of them at a return (the frame ends).
            var slotOverwritten = Scratch.Cleared(ref s_slotOverwritten, function.SlotCount);
            if (block.Terminator.Kind == TerminatorKind.Return) Array.Fill(slotOverwritten, true, 0, function.SlotCount);
            overwritten.Clear();
            var instructions = block.Instructions;
            for (int i = instructions.Count - 1; i >= 0; i--)
            {
                var instruction = instructions[i];
                switch (instruction.Opcode)
                {
                    case Opcode.Store:
                    {
                        var address = new Address(instruction.Args[0], instruction.Args[1], WordArithmetic.ElementSize(instruction.Operator));
                        if (overwritten.Contains(address)) { instructions.RemoveAt(i); changed = true; }
                        else overwritten.Add(address);
                        continue;
                    }
                    case Opcode.StoreSlot:
                        if (!slotRead[instruction.Index] || slotOverwritten[instruction.Index]) { instructions.RemoveAt(i); changed = true; }
                        else slotOverwritten[instruction.Index] = true;
                        continue;
                    case Opcode.LoadSlot:
                        slotOverwritten[instruction.Index] = false;
                        overwritten.Clear();
                        break;
                    case Opcode.Load or Opcode.Call:
                        Array.Clear(slotOverwritten, 0, function.SlotCount);
                        overwritten.Clear();
                        break;
                    case Opcode.LoadGlobal:
                        overwritten.Clear();
                        break;
                }
                // Before this definition the register held another value: later stores through it are not at the same address.
                if (instruction.Dest >= 0)
                    for (int j = overwritten.Count - 1; j >= 0; j--)
                        if (Mentions(overwritten[j], instruction.Dest)) overwritten.RemoveAt(j);
            }
        }
        return changed;
    }

    private static bool Mentions(Address address, int register) =>
        address.Base == Value.Reg(register) || address.Index == Value.Reg(register);
}
