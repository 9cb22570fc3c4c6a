using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Copies a small block that ends in a conditional branch or a return into each predecessor that reaches it by a jump
/// the machine code would have to take (the block does not follow the predecessor in the layout). Each path then ends
/// in its own test: the join of an <c>if</c> in a loop body (increment and loop test) no longer costs a jump per
/// iteration, and a loop entered at its test gets the test at its bottom as well (rotation). Then decides the tests
/// whose outcome a path knows, which the copies multiply (<see cref="DecideTests"/>). Runs on the plain form, where a
/// register may be assigned in several blocks.
/// </summary>
public static class TailDuplication
{
    /// <summary>
    /// The most instructions (besides the terminator) a copied block may have. Each block is copied into at most the
    /// blocks that jumped to it, and a block that receives a copy no longer ends in a jump, so a function grows by at
    /// most this many instructions per block.
    /// </summary>
    public const int MaxInstructions = 4;

    /// <summary>Copies the tails and decides the tests; true if it decided one, which the plain rounds then fold.</summary>
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
            foreach (var instruction in target.Instructions) block.Instructions.Add(instruction.Clone());
            block.Terminator = target.Terminator.Clone();
            changed = true;
        }
        if (changed)
        {
            // A join that only its layout predecessor still reaches merges into it.
            ControlFlow.Simplify(function);
            PlaceReturnsAfterLoops(blocks);
        }
        return DecideTests(function);
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
    /// Decides the tests a path already knows the outcome of, now that each path has its own copy. A register its block
    /// last set to a constant (a result flag, an inlined function's <c>(return 0)</c>) is replaced by the constant, which
    /// the constant folding that follows decides. An equality test is decided when its operands' low bits are known and
    /// differ: arithmetic modulo 2 is exact for the wrapping +, -, *, the bitwise operators and left shifts, and a block
    /// whose only predecessor tested <c>(&amp; n 1)</c> knows n's low bit. So collatz's odd path, which computes 3n+1 from
    /// an odd n, knows the result is not 1 and jumps straight back to the loop.
    /// </summary>
    private static bool DecideTests(IrFunction function)
    {
        bool changed = false;
        var onlyPredecessor = new Dictionary<BasicBlock, BasicBlock?>();
        foreach (var block in function.Blocks)
            foreach (var successor in block.Terminator.Successors)
                onlyPredecessor[successor] = onlyPredecessor.ContainsKey(successor) ? null : block;
        var lowBits = new Dictionary<int, long>();
        foreach (var block in function.Blocks)
        {
            var t = block.Terminator;
            if (t.Kind != TerminatorKind.Branch) continue;
            var (a, b) = (ConstantSetBefore(block, t.A), ConstantSetBefore(block, t.B));
            if (a != t.A || b != t.B) (t.A, t.B, changed) = (a, b, true);
            if (t.Comparison is not (Operator.Eq or Operator.Ne) || (a.IsConstant && b.IsConstant)) continue;
            KnownLowBits(block, onlyPredecessor.GetValueOrDefault(block), lowBits);
            if (LowBit(a, lowBits) is { } lowA && LowBit(b, lowBits) is { } lowB && lowA != lowB)
            {
                block.Terminator = Terminator.Jump(t.Comparison == Operator.Ne ? t.True! : t.False!);
                changed = true;
            }
        }
        return changed;
    }

    private static long? LowBit(Value value, Dictionary<int, long> known) =>
        value.IsConstant ? value.Constant & 1 : known.TryGetValue(value.Register, out long bit) ? bit : null;

    /// <summary>The low bits of the registers at the end of <paramref name="block"/> that it or the test leading to it decide.</summary>
    private static void KnownLowBits(BasicBlock block, BasicBlock? onlyPredecessor, Dictionary<int, long> known)
    {
        known.Clear();
        if (onlyPredecessor is not null && LowBitTested(onlyPredecessor, block) is { } tested) known[tested.Register] = tested.Bit;
        foreach (var instruction in block.Instructions)
        {
            if (instruction.Dest < 0) continue;
            var args = instruction.Args;
            long? LowBitOf(int k) => LowBit(args[k], known);
            long? result = (instruction.Opcode, instruction.Operator) switch
            {
                (Opcode.Copy, _) or (Opcode.Unary, Operator.Neg) => LowBitOf(0),
                (Opcode.Unary, Operator.BitNot) => LowBitOf(0) ^ 1,
                (Opcode.Binary, Operator.Add or Operator.Sub or Operator.Xor) => LowBitOf(0) ^ LowBitOf(1),
                (Opcode.Binary, Operator.Mul or Operator.And) => LowBitOf(0) == 0 || LowBitOf(1) == 0 ? 0 : LowBitOf(0) & LowBitOf(1),
                (Opcode.Binary, Operator.Or) => LowBitOf(0) == 1 || LowBitOf(1) == 1 ? 1 : LowBitOf(0) | LowBitOf(1),
                (Opcode.Binary, Operator.Shl) when args[1] is { IsConstant: true, Constant: var count } && (count & 63) != 0 => 0,
                _ => null,
            };
            if (result is { } known1) known[instruction.Dest] = known1;
            else known.Remove(instruction.Dest);
        }
    }

    /// <summary>
    /// When <paramref name="predecessor"/> ends by testing <c>(&amp; n 1)</c> against zero, n's low bit on its edge to
    /// <paramref name="block"/>.
    /// </summary>
    private static (int Register, long Bit)? LowBitTested(BasicBlock predecessor, BasicBlock block)
    {
        var t = predecessor.Terminator;
        if (predecessor.OperationTestedAgainstZero() is not { Operator: Operator.And, Args: [var n, { Constant: 1 }] } || t.True == t.False) return null;
        bool isZero = (block == t.True) == (t.Comparison == Operator.Eq);
        return (n.Register, isZero ? 0 : 1);
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
}
