using System.Numerics;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Backward liveness over any control-flow graph, shared by the IR passes and the register allocator: which registers
/// are live at each block's end. Only registers that some block uses before defining can be live across a block
/// boundary, so the sets are over those alone: a function of many blocks and many block-local values (a 50 000-clause
/// <c>cond</c>, a function whose every value was spilled) needs memory for blocks × boundary registers, not blocks ×
/// registers.
/// </summary>
public sealed class BlockLiveness
{
    // The sets of all blocks are rows of flat arrays, and the uses and definitions one list each: a function of many
    // small blocks costs a few allocations, not several per block.
    private readonly int[] _definedInBlock;   // per register: the block (plus one) being recorded that defined it
    private readonly int _blocks;
    private readonly List<(int Block, int Register)> _upwardUses = []; // registers used before any definition in their block
    private readonly List<(int Block, int Register)> _defs = [];
    private int[] _boundaryRegisters = [];
    private int _words;       // words per set
    private ulong[] _liveOut = [];
    private ulong[] _liveIn = [];

    /// <summary>Starts recording; give each block's uses and definitions in program order, one block at a time.</summary>
    public BlockLiveness(int registers, int blocks)
    {
        _definedInBlock = new int[registers];
        _blocks = blocks;
    }

    public void Use(int block, int register)
    {
        if (_definedInBlock[register] != block + 1) _upwardUses.Add((block, register));
    }

    public void Def(int block, int register)
    {
        _definedInBlock[register] = block + 1;
        _defs.Add((block, register));
    }

    /// <summary>
    /// Solves out = ∪ in(successors), in = use ∪ (out − def) to the fixed point.
    /// </summary>
    /// <param name="successors">For each block, the numbers of the blocks it may go to.</param>
    public void Solve(int[][] successors)
    {
        // Numbers the boundary registers 0..m-1 (reusing the recording array: -1 for every other register).
        Array.Fill(_definedInBlock, -1);
        var boundary = new List<int>();
        foreach (var (_, r) in _upwardUses)
            if (_definedInBlock[r] < 0) { _definedInBlock[r] = boundary.Count; boundary.Add(r); }
        _boundaryRegisters = boundary.ToArray();
        _words = (_boundaryRegisters.Length + 63) >> 6;
        int size = _blocks * _words;

        var use = new ulong[size];
        var def = new ulong[size];
        foreach (var (b, r) in _upwardUses) Add(use, b, _definedInBlock[r]);
        foreach (var (b, r) in _defs) if (_definedInBlock[r] >= 0) Add(def, b, _definedInBlock[r]);

        var liveIn = _liveIn = new ulong[size];
        _liveOut = new ulong[size];
        if (_words == 0) return;
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int b = _blocks - 1; b >= 0; b--)
            {
                var liveOut = Row(_liveOut, b);
                foreach (int successor in successors[b])
                {
                    var successorIn = Row(liveIn, successor);
                    for (int w = 0; w < liveOut.Length; w++)
                    {
                        ulong merged = liveOut[w] | successorIn[w];
                        changed |= merged != liveOut[w];
                        liveOut[w] = merged;
                    }
                }
                var blockIn = Row(liveIn, b);
                var blockUse = Row(use, b);
                var blockDef = Row(def, b);
                for (int w = 0; w < blockIn.Length; w++) blockIn[w] = blockUse[w] | (liveOut[w] & ~blockDef[w]);
            }
        }
    }

    private Span<ulong> Row(ulong[] sets, int block) => sets.AsSpan(block * _words, _words);

    private void Add(ulong[] sets, int block, int index) => sets[block * _words + (index >> 6)] |= 1UL << index;

    /// <summary>Whether <paramref name="register"/> is live at the start of <paramref name="block"/>, once solved.</summary>
    public bool IsLiveIn(int block, int register)
    {
        int index = _definedInBlock[register]; // after Solve: the register's number among the boundary registers, or -1
        return index >= 0 && (_liveIn[block * _words + (index >> 6)] & (1UL << index)) != 0;
    }

    /// <summary>How many registers the sets are over, once solved: those live across some block boundary.</summary>
    public int BoundaryRegisterCount => _boundaryRegisters.Length;

    /// <summary>Makes <paramref name="live"/> (a set over all registers) the registers live at the end of <paramref name="block"/>.</summary>
    public void CopyLiveOut<TSet>(int block, TSet live) where TSet : IRegisterSet
    {
        live.Clear();
        var row = Row(_liveOut, block);
        for (int w = 0; w < row.Length; w++)
            for (ulong bits = row[w]; bits != 0; bits &= bits - 1)
                live.Add(_boundaryRegisters[(w << 6) + BitOperations.TrailingZeroCount(bits)]);
    }
}
