using Maru.Compiler.IR;

namespace Maru.Compiler.Optimization;

/// <summary>Removes unreachable blocks, threads jumps through empty blocks and merges straight-line blocks.</summary>
public static class ControlFlow
{
    public static bool Simplify(IrFunction function)
    {
        bool changed = ThreadJumps(function);
        changed |= RemoveUnreachable(function);
        changed |= MergeStraightLines(function);
        if (changed) RemoveUnreachable(function);
        return changed;
    }

    /// <summary>A block holding nothing but a jump is skipped by everything that jumps to it.</summary>
    private static bool ThreadJumps(IrFunction function)
    {
        bool changed = false;
        // A chain longer than the number of blocks is a cycle of empty blocks (an empty infinite loop): stop there.
        BasicBlock Final(BasicBlock block)
        {
            for (int steps = 0; steps < function.Blocks.Count && block.Instructions.Count == 0 && block.Terminator.Kind == TerminatorKind.Jump; steps++)
                block = block.Terminator.True!;
            return block;
        }
        foreach (var block in function.Blocks)
        {
            var t = block.Terminator;
            if (t.True is not null && Final(t.True) is var trueTarget && trueTarget != t.True) { t.True = trueTarget; changed = true; }
            if (t.False is not null && Final(t.False) is var falseTarget && falseTarget != t.False) { t.False = falseTarget; changed = true; }
            if (t.Kind == TerminatorKind.Branch && t.True == t.False)
            {
                block.Terminator = Terminator.Jump(t.True!);
                changed = true;
            }
        }
        return changed;
    }

    // Reused from function to function (per thread: the back end's workers optimise in parallel).
    [ThreadStatic] private static HashSet<BasicBlock>? s_reachable;
    [ThreadStatic] private static Stack<BasicBlock>? s_pending;

    private static bool RemoveUnreachable(IrFunction function)
    {
        var reachable = s_reachable ??= [];
        var pending = s_pending ??= new Stack<BasicBlock>();
        reachable.Clear();
        pending.Push(function.Blocks[0]);
        while (pending.Count > 0)
        {
            var block = pending.Pop();
            if (!reachable.Add(block)) continue;
            foreach (var successor in block.Terminator.Successors) pending.Push(successor);
        }
        int before = function.Blocks.Count;
        function.Blocks.RemoveAll(static b => !s_reachable!.Contains(b));
        for (int i = 0; i < function.Blocks.Count; i++) function.Blocks[i].Id = i;
        // Holds no blocks of a finished function; a huge one's set is dropped, not kept for every small function to clear.
        if (reachable.Count > 4096) s_reachable = null;
        else reachable.Clear();
        return function.Blocks.Count != before;
    }

    /// <summary>A block whose only predecessor jumps to it unconditionally joins that predecessor.</summary>
    private static bool MergeStraightLines(IrFunction function)
    {
        function.CountPredecessors();

        bool changed = false;
        foreach (var block in function.Blocks)
        {
            while (block.Terminator.Kind == TerminatorKind.Jump
                   && block.Terminator.True is { } next && next != block && next != function.Blocks[0]
                   && next.PredecessorCount == 1)
            {
                block.Instructions.AddRange(next.Instructions);
                block.Terminator = next.Terminator;
                next.Instructions.Clear();
                next.Terminator = Terminator.Jump(next); // detached: unreachable now
                next.PredecessorCount = 0;
                changed = true;
            }
        }
        return changed;
    }
}
