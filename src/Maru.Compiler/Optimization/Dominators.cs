using Maru.Compiler.IR;

namespace Maru.Compiler.Optimization;

/// <summary>
/// The dominator tree of a function's blocks (Cooper, Harvey and Kennedy, "A Simple, Fast Dominance Algorithm"), with
/// predecessor lists, a reverse postorder and a numbering of the tree that answers "does a dominate b" in constant
/// time. Block numbers are <see cref="BasicBlock.Id"/>s, which must be the blocks' indices; the entry is block 0.
/// The lists and arrays are per-thread scratch (see <see cref="Scratch"/>), longer than the block count: one instance is
/// valid until the next is made on the same thread.
/// </summary>
public sealed class Dominators
{
    /// <summary>The reachable blocks, each before its successors except along back edges.</summary>
    public BasicBlock[] ReversePostorder { get; }
    /// <summary>Per block: its predecessors, one entry per edge.</summary>
    public List<BasicBlock>[] Predecessors { get; }
    /// <summary>Per block: its immediate dominator's number (the entry's is itself; -1 for an unreachable block).</summary>
    public int[] Idom { get; }
    /// <summary>Per block: the blocks it immediately dominates.</summary>
    public List<BasicBlock>[] Children { get; }
    private readonly int[] _preorder, _lastDescendant;

    [ThreadStatic] private static List<BasicBlock>[]? s_predecessors, s_children;
    [ThreadStatic] private static int[]? s_rpoNumber, s_idom, s_preorder, s_lastDescendant;
    [ThreadStatic] private static bool[]? s_visited;
    [ThreadStatic] private static List<BasicBlock>? s_postorder;
    [ThreadStatic] private static Stack<(BasicBlock Block, bool Exit)>? s_treeWalk;
    [ThreadStatic] private static Stack<(BasicBlock Block, SuccessorBlocks.Enumerator Successors)>? s_graphWalk;

    public Dominators(IrFunction function)
    {
        var blocks = function.Blocks;
        int n = blocks.Count;
        Predecessors = Scratch.ClearedLists(ref s_predecessors, n);
        Children = Scratch.ClearedLists(ref s_children, n);
        foreach (var block in blocks)
            foreach (var successor in block.Terminator.Successors) Predecessors[successor.Id].Add(block);

        ReversePostorder = ComputeReversePostorder(blocks);
        var rpoNumber = Scratch.Cleared(ref s_rpoNumber, n);
        Array.Fill(rpoNumber, -1, 0, n);
        for (int i = 0; i < ReversePostorder.Length; i++) rpoNumber[ReversePostorder[i].Id] = i;

        Idom = Scratch.Cleared(ref s_idom, n);
        Array.Fill(Idom, -1, 0, n);
        Idom[0] = 0;
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int i = 1; i < ReversePostorder.Length; i++)
            {
                int b = ReversePostorder[i].Id, idom = -1;
                foreach (var p in Predecessors[b])
                {
                    if (Idom[p.Id] < 0) continue;
                    idom = idom < 0 ? p.Id : Intersect(p.Id, idom, rpoNumber);
                }
                if (Idom[b] != idom) { Idom[b] = idom; changed = true; }
            }
        }
        for (int i = 1; i < ReversePostorder.Length; i++)
        {
            var block = ReversePostorder[i];
            Children[Idom[block.Id]].Add(block);
        }

        // Preorder numbers of the tree: a dominates b when b's number lies in a's subtree range.
        _preorder = Scratch.Cleared(ref s_preorder, n);
        _lastDescendant = Scratch.Cleared(ref s_lastDescendant, n);
        int counter = 0;
        var pending = s_treeWalk ??= new Stack<(BasicBlock Block, bool Exit)>();
        pending.Clear(); // an exception may have left it full
        pending.Push((blocks[0], false));
        while (pending.Count > 0)
        {
            var (block, exit) = pending.Pop();
            if (exit) { _lastDescendant[block.Id] = counter - 1; continue; }
            _preorder[block.Id] = counter++;
            pending.Push((block, true));
            foreach (var child in Children[block.Id]) pending.Push((child, false));
        }
    }

    private int Intersect(int a, int b, int[] rpoNumber)
    {
        while (a != b)
        {
            while (rpoNumber[a] > rpoNumber[b]) a = Idom[a];
            while (rpoNumber[b] > rpoNumber[a]) b = Idom[b];
        }
        return a;
    }

    public bool Dominates(int a, int b) => _preorder[a] <= _preorder[b] && _preorder[b] <= _lastDescendant[a];

    private static BasicBlock[] ComputeReversePostorder(List<BasicBlock> blocks)
    {
        var visited = Scratch.Cleared(ref s_visited, blocks.Count);
        var postorder = s_postorder ??= new List<BasicBlock>();
        var pending = s_graphWalk ??= new Stack<(BasicBlock Block, SuccessorBlocks.Enumerator Successors)>();
        postorder.Clear();
        pending.Clear(); // an exception may have left them full
        visited[0] = true;
        pending.Push((blocks[0], blocks[0].Terminator.Successors.GetEnumerator()));
        while (pending.Count > 0)
        {
            var (block, successors) = pending.Pop();
            if (successors.MoveNext())
            {
                pending.Push((block, successors));
                var next = successors.Current;
                if (!visited[next.Id])
                {
                    visited[next.Id] = true;
                    pending.Push((next, next.Terminator.Successors.GetEnumerator()));
                }
            }
            else postorder.Add(block);
        }
        var reversePostorder = new BasicBlock[postorder.Count];
        for (int i = 0; i < reversePostorder.Length; i++) reversePostorder[i] = postorder[^(i + 1)];
        postorder.Clear(); // not to keep this function's blocks alive
        return reversePostorder;
    }
}
