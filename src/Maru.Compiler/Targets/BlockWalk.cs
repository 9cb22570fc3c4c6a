namespace Maru.Compiler.Targets;

/// <summary>What <see cref="BlockWalk"/> asks of a target's emitter: how its branches look, and how to print each part.</summary>
public interface IBlockEmitter
{
    /// <summary>A branch to a block on a condition (the last operand, or the only one, is the block).</summary>
    bool IsConditionalBranch(MachineInstruction instruction);

    /// <summary>An unconditional branch to a block.</summary>
    bool IsJump(MachineInstruction instruction);

    /// <summary>The target's return opcode (which the epilogue precedes).</summary>
    int ReturnOpcode { get; }

    /// <summary>Whether the instruction can run before the prologue (never a branch, call or return).</summary>
    bool NeedsNoFrame(MachineInstruction instruction);

    /// <summary>
    /// Whether the frameless return of a shrink-wrapped entry is written right after the entry's test, ahead of the
    /// prologue, rather than in its place among the blocks (Windows: SEH describes one prologue, at the start).
    /// </summary>
    bool FramelessReturnAheadOfPrologue { get; }

    string BlockLabel(long block);
    void EmitLabel(string label);
    /// <summary>Padding before a block that a later block jumps back to.</summary>
    void EmitLoopHeadAlignment();
    void EmitPrologue();
    void EmitInstruction(MachineInstruction instruction, bool isLastOfFunction);
    /// <summary>The conditional branch, its condition inverted or not, to <paramref name="label"/>.</summary>
    void EmitConditionalBranch(MachineInstruction branch, bool inverted, string label);
    void EmitJump(long block);
    /// <summary>The frameless return's code, its return without an epilogue, with unwind data for the frame-less state.</summary>
    void EmitFramelessReturn(IReadOnlyList<MachineInstruction> code);
    /// <summary>
    /// For <see cref="FramelessReturnAheadOfPrologue"/>: the entry's test, branching to the framed path (the test goes to
    /// the frameless return when its condition is <paramref name="inverted"/> as given), then the frameless return's code.
    /// </summary>
    void EmitFramelessReturnAheadOfPrologue(MachineInstruction branch, bool inverted, IReadOnlyList<MachineInstruction> code);
}

/// <summary>
/// The order and shape both targets print a function's blocks in: the prologue at the start or, shrink-wrapped, after
/// the entry's test; branches to the block that follows fall through (a conditional one inverted); loop heads padded;
/// blocks left empty (the arms of a conditional select, unreachable) or only jumping elsewhere omitted.
/// </summary>
public static class BlockWalk
{
    /// <summary>An entry that returns early along <see cref="Frameless"/> and builds the frame only for <see cref="Framed"/>.</summary>
    public sealed record ShrinkWrap(MachineBlock Frameless, MachineBlock Framed);

    /// <summary>
    /// Shrink-wrapping of the common shape <c>(if (base-case) value (recursive work))</c>: when the entry block and one
    /// of its successors, which only the entry reaches and which returns, need no frame, the prologue moves to the other
    /// path. Recursive functions then return from their base case without saving anything. Call it only for a function
    /// that has a frame.
    /// </summary>
    public static ShrinkWrap? FindShrinkWrap(MachineFunction function, IBlockEmitter emitter)
    {
        var blocks = function.Blocks;
        if (blocks.Count < 3) return null;
        var entry = blocks[0].Instructions;
        if (entry.Count < 2 || !emitter.IsJump(entry[^1]) || !emitter.IsConditionalBranch(entry[^2])) return null;
        if (!entry.Take(entry.Count - 2).All(emitter.NeedsNoFrame)) return null;
        var predecessors = function.PredecessorCounts();
        var taken = blocks[(int)entry[^2].Operands[^1].Value];
        var fallThrough = blocks[(int)entry[^1].Operands[0].Value];
        if (taken == fallThrough) return null;
        bool IsFramelessReturn(MachineBlock block) =>
            MachineFunction.IsFramelessReturn(block, predecessors, emitter.ReturnOpcode, emitter.NeedsNoFrame);
        if (IsFramelessReturn(taken)) return new ShrinkWrap(taken, fallThrough);
        if (IsFramelessReturn(fallThrough)) return new ShrinkWrap(fallThrough, taken);
        return null;
    }

    /// <summary>Prints the blocks (after the function's label), with the prologue where <paramref name="shrinkWrap"/> says.</summary>
    public static void Emit(MachineFunction function, IBlockEmitter emitter, ShrinkWrap? shrinkWrap)
    {
        if (shrinkWrap is null) emitter.EmitPrologue();
        bool aheadOfPrologue = emitter.FramelessReturnAheadOfPrologue;
        var landings = Landings(function, emitter);
        long Land(long block) => landings.TryGetValue(block, out long landing) ? landing : block;
        var blocks = function.Blocks
            .Where(b => b.Id == 0 || (b.Instructions.Count > 0 && !landings.ContainsKey(b.Id) && !(aheadOfPrologue && b == shrinkWrap?.Frameless)))
            .ToList();
        var loopHeads = LoopHeads(blocks, Land);
        for (int b = 0; b < blocks.Count; b++)
        {
            var block = blocks[b];
            if (loopHeads.Contains(block.Id)) emitter.EmitLoopHeadAlignment();
            if (b > 0) emitter.EmitLabel(emitter.BlockLabel(block.Id));
            long? next = b + 1 < blocks.Count ? blocks[b + 1].Id : null;
            var code = block.Instructions;
            if (b == 0 && shrinkWrap is { } wrap)
            {
                // The entry tests and returns early without a frame; only the other path builds one.
                foreach (var instruction in code.Take(code.Count - 2)) emitter.EmitInstruction(instruction, false);
                var branch = code[^2];
                bool inverted = wrap.Frameless.Id != branch.Operands[^1].Value;
                if (aheadOfPrologue) emitter.EmitFramelessReturnAheadOfPrologue(branch, inverted, wrap.Frameless.Instructions);
                else emitter.EmitConditionalBranch(branch, inverted, emitter.BlockLabel(wrap.Frameless.Id));
                emitter.EmitPrologue();
                if (Land(wrap.Framed.Id) != next) emitter.EmitJump(Land(wrap.Framed.Id));
                continue;
            }
            if (shrinkWrap?.Frameless == block)
            {
                emitter.EmitFramelessReturn(code);
                continue;
            }
            for (int i = 0; i < code.Count; i++)
            {
                var instruction = code[i];
                // A conditional branch to the next block followed by a branch elsewhere becomes one inverted branch.
                if (emitter.IsConditionalBranch(instruction) && i + 1 < code.Count && emitter.IsJump(code[i + 1])
                    && Land(instruction.Operands[^1].Value) == next)
                {
                    emitter.EmitConditionalBranch(instruction, inverted: true, emitter.BlockLabel(Land(code[i + 1].Operands[0].Value)));
                    i++;
                    continue;
                }
                if (emitter.IsJump(instruction) && Land(instruction.Operands[0].Value) is var landing && landing != instruction.Operands[0].Value)
                {
                    if (landing != next) emitter.EmitJump(landing);
                    continue;
                }
                if (emitter.IsConditionalBranch(instruction) && Land(instruction.Operands[^1].Value) is var target && target != instruction.Operands[^1].Value)
                {
                    emitter.EmitConditionalBranch(instruction, inverted: false, emitter.BlockLabel(target));
                    continue;
                }
                if (emitter.IsJump(instruction) && instruction.Operands[0].Value == next) continue;
                emitter.EmitInstruction(instruction, isLastOfFunction: b == blocks.Count - 1 && i == code.Count - 1);
            }
        }
    }

    /// <summary>
    /// Where a branch to a block that only jumps elsewhere (left so when the register allocator coalesced the copies it
    /// held) really lands, by that block: branches go there directly and the block is not printed. Never the entry, nor
    /// a block whose jumps go round in a circle.
    /// </summary>
    private static Dictionary<long, long> Landings(MachineFunction function, IBlockEmitter emitter)
    {
        var jumpsTo = new Dictionary<long, long>();
        foreach (var block in function.Blocks)
            if (block.Id != 0 && block.Instructions is [var only] && emitter.IsJump(only) && only.Operands[0].Value != block.Id)
                jumpsTo[block.Id] = only.Operands[0].Value;
        var landings = new Dictionary<long, long>();
        foreach (long start in jumpsTo.Keys)
        {
            long landing = jumpsTo[start];
            for (int steps = 0; jumpsTo.TryGetValue(landing, out long further) && steps <= jumpsTo.Count; steps++) landing = further;
            if (!jumpsTo.ContainsKey(landing)) landings[start] = landing;
        }
        return landings;
    }

    /// <summary>Blocks that a later block (or the block itself) jumps back to; the entry is never one.</summary>
    private static HashSet<int> LoopHeads(List<MachineBlock> blocks, Func<long, long> land)
    {
        var order = new Dictionary<long, int>();
        for (int i = 0; i < blocks.Count; i++) order[blocks[i].Id] = i;
        var heads = new HashSet<int>();
        foreach (var block in blocks)
            foreach (var successor in block.Successors)
                if (land(successor.Id) is var head && head != 0 && order.TryGetValue(head, out int index) && index <= order[block.Id]) heads.Add((int)head);
        return heads;
    }
}
