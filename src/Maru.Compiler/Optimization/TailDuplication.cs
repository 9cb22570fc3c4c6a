using Maru.Compiler.IR;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Copies a small block that ends in a conditional branch or a return into each predecessor that reaches it by a jump
/// the machine code would have to take (the block does not follow the predecessor in the layout). Each path then ends
/// in its own test: the join of an <c>if</c> in a loop body (increment and loop test) no longer costs a jump per
/// iteration, and a loop entered at its test gets the test at its bottom as well (rotation). Runs on the plain form,
/// where a register may be assigned in several blocks.
/// </summary>
public static class TailDuplication
{
    /// <summary>
    /// The most instructions (besides the terminator) a copied block may have. Each block is copied into at most the
    /// blocks that jumped to it, and a block that receives a copy no longer ends in a jump, so a function grows by at
    /// most this many instructions per block.
    /// </summary>
    public const int MaxInstructions = 4;

    public static bool Run(IrFunction function)
    {
        var blocks = function.Blocks;
        bool changed = false;
        for (int b = 0; b < blocks.Count; b++)
        {
            var block = blocks[b];
            if (block.Terminator is not { Kind: TerminatorKind.Jump, True: { } target } || target == block) continue;
            bool fallsThrough = b + 1 < blocks.Count && blocks[b + 1] == target;
            if (fallsThrough || !IsSmallTail(target)) continue;
            foreach (var instruction in target.Instructions) block.Instructions.Add(Copy(instruction));
            block.Terminator = Copy(target.Terminator);
            changed = true;
        }
        if (!changed) return false;
        // A join that only its layout predecessor still reaches merges into it.
        ControlFlow.Simplify(function);
        foreach (var block in blocks) UseConstantsSetBefore(block);
        PlaceReturnsAfterLoops(blocks);
        return true;
    }

    /// <summary>
    /// A copied loop test at the bottom of a loop may branch back to the loop and out to a return placed before the loop
    /// (a self tail call whose body is not an <c>if</c>). That return then moves right after the test, which falls into
    /// it and takes only the branch back; it moves only when the block before it does not lose its fall-through.
    /// </summary>
    private static void PlaceReturnsAfterLoops(List<BasicBlock> blocks)
    {
        for (int b = 1; b < blocks.Count; b++)
        {
            var t = blocks[b].Terminator;
            var next = b + 1 < blocks.Count ? blocks[b + 1] : null;
            if (t.Kind != TerminatorKind.Branch || t.True == next || t.False == next) continue;
            var exit = t.True!.Terminator.Kind == TerminatorKind.Return ? t.True : t.False!.Terminator.Kind == TerminatorKind.Return ? t.False : null;
            int at = exit is null ? -1 : blocks.IndexOf(exit);
            if (at <= 0 || at > b || !FallsThroughWithout(blocks[at - 1], exit!, blocks[at + 1])) continue;
            blocks.RemoveAt(at);
            blocks.Insert(b, exit!);
            for (int i = at; i <= b; i++) blocks[i].Id = i;
        }
    }

    /// <summary>Whether <paramref name="block"/> loses no fall-through when <paramref name="removed"/>, which follows it, moves away.</summary>
    private static bool FallsThroughWithout(BasicBlock block, BasicBlock removed, BasicBlock after)
    {
        var t = block.Terminator;
        if (t.True != removed && t.False != removed) return true;
        return t.Kind == TerminatorKind.Branch && (t.True == after || t.False == after);
    }

    /// <summary>
    /// A test of a register that its own block last set to a constant tests that constant. After a copy, the test of a
    /// value one path set (a result flag, an inlined function's return value) is thus decided on that path, and the
    /// constant folding that follows turns it into a jump.
    /// </summary>
    private static void UseConstantsSetBefore(BasicBlock block)
    {
        var t = block.Terminator;
        if (t.Kind != TerminatorKind.Branch) return;
        t.A = ConstantSetBefore(block, t.A);
        t.B = ConstantSetBefore(block, t.B);
    }

    /// <summary>The constant <paramref name="value"/> holds at the end of the block, through copies made in it, if any.</summary>
    private static Value ConstantSetBefore(BasicBlock block, Value value)
    {
        var source = value;
        for (int i = block.Instructions.Count - 1; i >= 0 && source.IsRegister; i--)
        {
            var instruction = block.Instructions[i];
            if (instruction.Dest != source.Register) continue;
            if (instruction.Opcode != Opcode.Copy) return value;
            source = instruction.Args[0];
        }
        return source.IsConstant ? source : value;
    }

    /// <summary>
    /// Few instructions, none a call (its cost would dwarf the jump saved), ending in a test or a return; not a one-block
    /// loop, whose copy would only peel an iteration.
    /// </summary>
    private static bool IsSmallTail(BasicBlock block)
    {
        var t = block.Terminator;
        if (t.Kind is not (TerminatorKind.Branch or TerminatorKind.Return) || t.True == block || t.False == block) return false;
        if (block.Instructions.Count > MaxInstructions) return false;
        foreach (var instruction in block.Instructions)
            if (instruction.Opcode is Opcode.Call or Opcode.Phi) return false;
        return true;
    }

    private static Instruction Copy(Instruction i) => new()
    {
        Opcode = i.Opcode,
        Operator = i.Operator,
        Dest = i.Dest,
        Args = (Value[])i.Args.Clone(),
        Symbol = i.Symbol,
        SymbolKind = i.SymbolKind,
        Index = i.Index,
    };

    private static Terminator Copy(Terminator t) => new()
    {
        Kind = t.Kind,
        Comparison = t.Comparison,
        A = t.A,
        B = t.B,
        True = t.True,
        False = t.False,
    };
}
