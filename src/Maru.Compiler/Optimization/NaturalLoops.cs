using Maru.Compiler.IR;

namespace Maru.Compiler.Optimization;

/// <summary>A natural loop: a header and the blocks that reach a back edge to it without passing it.</summary>
public sealed class Loop(BasicBlock header, BitSet body)
{
    public BasicBlock Header { get; } = header;
    /// <summary>The blocks of the loop, by number (preheaders of inner loops join it).</summary>
    public BitSet Body { get; } = body;
    /// <summary>The same blocks in reverse postorder, so a definition comes before the uses it dominates.</summary>
    public List<BasicBlock> Blocks { get; } = new();
    /// <summary>The block every entry into the loop passes last, once made (<see cref="NaturalLoops.Preheader"/>).</summary>
    public BasicBlock? Preheader { get; set; }
    public bool Contains(BasicBlock block) => Body.Contains(block.Id);
}

/// <summary>
/// The natural loops of a function in SSA form, innermost first, and their preheaders. Blocks made for preheaders get
/// numbers after the others; <see cref="SsaForm.Destruct"/> numbers the blocks afresh.
/// </summary>
public sealed class NaturalLoops
{
    private readonly SsaForm _ssa;
    private int _nextBlockId;

    public List<Loop> Loops { get; } = new();

    // Reused from function to function (see Scratch).
    [ThreadStatic] private static Dictionary<BasicBlock, Loop>? s_loopOfHeader;
    [ThreadStatic] private static Stack<BasicBlock>? s_pending;

    public NaturalLoops(SsaForm ssa)
    {
        _ssa = ssa;
        var dominators = ssa.Dominators;
        int n = ssa.Function.Blocks.Count;
        _nextBlockId = n;
        var loopOfHeader = s_loopOfHeader ??= new Dictionary<BasicBlock, Loop>();
        var pending = s_pending ??= new Stack<BasicBlock>();
        loopOfHeader.Clear();
        pending.Clear(); // an exception may have left them full
        foreach (var latch in dominators.ReversePostorder)
        {
            foreach (var header in latch.Terminator.Successors)
            {
                if (!dominators.Dominates(header.Id, latch.Id)) continue;
                if (!loopOfHeader.TryGetValue(header, out var loop))
                {
                    var body = new BitSet(n + dominators.ReversePostorder.Length); // room for every loop's preheader
                    body.Add(header.Id);
                    loop = new Loop(header, body);
                    loopOfHeader[header] = loop;
                    Loops.Add(loop);
                }
                pending.Push(latch);
                while (pending.Count > 0)
                {
                    var block = pending.Pop();
                    if (loop.Body.Contains(block.Id)) continue;
                    loop.Body.Add(block.Id);
                    foreach (var p in dominators.Predecessors[block.Id]) pending.Push(p);
                }
            }
        }
        loopOfHeader.Clear(); // not to keep this function's blocks alive
        foreach (var loop in Loops)
            foreach (var block in dominators.ReversePostorder)
                if (loop.Body.Contains(block.Id)) loop.Blocks.Add(block);
        Loops.Sort((a, b) => a.Blocks.Count.CompareTo(b.Blocks.Count));
    }

    /// <summary>
    /// The block before the header that every entry into the loop passes: the one outside predecessor if it goes nowhere
    /// else, or a new block on that edge; null if several blocks outside enter the loop.
    /// </summary>
    public BasicBlock? Preheader(Loop loop)
    {
        if (loop.Preheader is { } made) return made;
        var header = loop.Header;
        BasicBlock? outside = null;
        foreach (var p in _ssa.Dominators.Predecessors[header.Id])
        {
            if (loop.Body.Contains(p.Id)) continue;
            if (outside is not null) return null;
            outside = p;
        }
        if (outside is null) return null;
        if (outside.Terminator.Kind == TerminatorKind.Jump) return loop.Preheader = outside;

        var preheader = new BasicBlock(_nextBlockId++, outside.LoopDepth) { Terminator = Terminator.Jump(header) };
        var t = outside.Terminator;
        if (t.True == header) t.True = preheader;
        if (t.False == header) t.False = preheader;
        foreach (var phi in header.Instructions)
        {
            if (phi.Opcode != Opcode.Phi) break;
            for (int i = 0; i < phi.Incoming.Length; i++)
                if (phi.Incoming[i] == outside) phi.Incoming[i] = preheader;
        }
        var blocks = _ssa.Function.Blocks;
        blocks.Insert(blocks.IndexOf(header), preheader);
        // Loops around this one contain the preheader too (they contain the header and, not being headed by it, its predecessors).
        foreach (var other in Loops)
        {
            if (other == loop || other.Header == header || !other.Body.Contains(header.Id)) continue;
            other.Body.Add(preheader.Id);
            other.Blocks.Insert(other.Blocks.IndexOf(header), preheader);
        }
        return loop.Preheader = preheader;
    }
}
