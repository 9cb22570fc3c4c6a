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
    private readonly int[] _definedInBlock;   // per register: the block (plus one) being recorded that defined it
    private readonly List<int>[] _upwardUses; // per block: registers used before any definition in that block
    private readonly List<int>[] _defs;
    private int[] _boundaryRegisters = [];
    private BitSet[] _liveOut = [];

    /// <summary>Starts recording; give each block's uses and definitions in program order, one block at a time.</summary>
    public BlockLiveness(int registers, int blocks)
    {
        _definedInBlock = new int[registers];
        _upwardUses = new List<int>[blocks];
        _defs = new List<int>[blocks];
        for (int b = 0; b < blocks; b++) { _upwardUses[b] = []; _defs[b] = []; }
    }

    public void Use(int block, int register)
    {
        if (_definedInBlock[register] != block + 1) _upwardUses[block].Add(register);
    }

    public void Def(int block, int register)
    {
        _definedInBlock[register] = block + 1;
        _defs[block].Add(register);
    }

    /// <summary>
    /// Solves out = ∪ in(successors), in = use ∪ (out − def) to the fixed point.
    /// </summary>
    /// <param name="successors">For each block, the numbers of the blocks it may go to.</param>
    public void Solve(int[][] successors)
    {
        int blocks = _upwardUses.Length;
        // Numbers the boundary registers 0..m-1 (reusing the recording array: -1 for every other register).
        Array.Fill(_definedInBlock, -1);
        var boundary = new List<int>();
        foreach (var uses in _upwardUses)
            foreach (int r in uses)
                if (_definedInBlock[r] < 0) { _definedInBlock[r] = boundary.Count; boundary.Add(r); }
        _boundaryRegisters = boundary.ToArray();
        int m = _boundaryRegisters.Length;

        var use = new BitSet[blocks];
        var def = new BitSet[blocks];
        for (int b = 0; b < blocks; b++)
        {
            use[b] = new BitSet(m);
            def[b] = new BitSet(m);
            foreach (int r in _upwardUses[b]) use[b].Add(_definedInBlock[r]);
            foreach (int r in _defs[b]) if (_definedInBlock[r] >= 0) def[b].Add(_definedInBlock[r]);
        }

        var liveIn = new BitSet[blocks];
        _liveOut = new BitSet[blocks];
        for (int b = 0; b < blocks; b++) { liveIn[b] = new BitSet(m); _liveOut[b] = new BitSet(m); }
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int b = blocks - 1; b >= 0; b--)
            {
                foreach (int successor in successors[b]) changed |= _liveOut[b].UnionWith(liveIn[successor]);
                liveIn[b].SetLiveIn(use[b], _liveOut[b], def[b]);
            }
        }
    }

    /// <summary>How many registers the sets are over, once solved: those live across some block boundary.</summary>
    public int BoundaryRegisterCount => _boundaryRegisters.Length;

    /// <summary>Makes <paramref name="live"/> (a set over all registers) the registers live at the end of <paramref name="block"/>.</summary>
    public void CopyLiveOut(int block, BitSet live)
    {
        live.Clear();
        _liveOut[block].ForEach((live, _boundaryRegisters), static (state, index) => state.live.Add(state._boundaryRegisters[index]));
    }
}
