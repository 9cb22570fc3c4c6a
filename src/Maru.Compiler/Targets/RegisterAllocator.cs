using System.Runtime.InteropServices;
using Maru.Compiler.Optimization;

namespace Maru.Compiler.Targets;

/// <summary>
/// Graph-colouring register allocation with iterated coalescing (George and Appel), shared by every target.
/// Physical registers appear in the code before allocation as precoloured nodes: argument and result registers,
/// and the registers a call destroys, which is what pushes values live across calls into callee-saved registers.
/// Copies between non-interfering registers are coalesced away; what cannot be coloured is spilled to a frame slot
/// and the allocation repeats.
/// </summary>
public sealed class RegisterAllocator
{
    private readonly IRegisterInfo _target;
    private readonly int _generalK, _floatK;
    private readonly HashSet<int> _allocatable;
    private MachineFunction _function = null!;
    private readonly HashSet<int> _unspillable = new();

    // State of one round, kept between functions (one allocator serves a whole compilation) so that its arrays,
    // lists and sets are allocated once rather than per function: they grow to the largest function's register count.
    private readonly InterferenceMatrix _interferes = new();
    private List<int>?[] _adjacencyList = Array.Empty<List<int>?>();
    private List<MachineInstruction>?[] _moveList = Array.Empty<List<MachineInstruction>?>();
    private int[] _degree = Array.Empty<int>();
    private int[] _alias = Array.Empty<int>();
    private int[] _color = Array.Empty<int>();
    private double[] _spillCost = Array.Empty<double>();
    private readonly Worklist<int> _simplifyWorklist = new(), _freezeWorklist = new();
    private readonly HashSet<int> _spillWorklist = new();
    private readonly HashSet<int> _spilledNodes = new(), _coalescedNodes = new(), _coloredNodes = new();
    private readonly Stack<int> _selectStack = new();
    private readonly HashSet<int> _significantNeighbours = new();
    private readonly List<int> _registerTable = new(), _registerTableStart = new();
    private readonly Action<int> _addToRegisterTable; // made once: a method group would allocate a delegate per call
    private readonly HashSet<int> _onSelectStack = new();
    private readonly Worklist<MachineInstruction> _worklistMoves = new(InstructionNumberComparer.Instance);
    private readonly HashSet<MachineInstruction> _activeMoves = new(InstructionNumberComparer.Instance);

    /// <summary>An allocator for one target; use one per thread (it keeps state between functions).</summary>
    public RegisterAllocator(IRegisterInfo target)
    {
        _target = target;
        _allocatable = new HashSet<int>(target.AllocatableRegisters.Concat(target.AllocatableFloatRegisters));
        _generalK = target.AllocatableRegisters.Count;
        _floatK = target.AllocatableFloatRegisters.Count;
        _addToRegisterTable = _registerTable.Add;
    }

    /// <summary>
    /// Above this many virtual registers a function is allocated by spilling every one of them to a frame slot first:
    /// colouring works on an interference graph that grows with the square of the values live at once (4 000 live
    /// locals took 20 s and 2.6 GB), while after spilling each value lives in a register only around one instruction.
    /// Such functions are machine-generated; their code is slower, their compile time and memory linear.
    /// </summary>
    public const int SpillEverythingAbove = 2_500;

    /// <summary>Assigns physical registers to every virtual register of the function, spilling where it must.</summary>
    public void Allocate(MachineFunction function)
    {
        _function = function;
        _unspillable.Clear();
        if (function.RegisterCount - MachineFunction.FirstVirtual > SpillEverythingAbove) SpillEverything();
        Run();
    }

    private void SpillEverything()
    {
        Initialize();
        for (int r = MachineFunction.FirstVirtual; r < _function.RegisterCount; r++) _spilledNodes.Add(r);
        RewriteProgram();
    }

    private void Run()
    {
        for (int round = 0; ; round++)
        {
            if (round > 50) throw new InvalidOperationException($"register allocation of {_function.Symbol} did not converge");
            Initialize();
            Build();
            MakeWorklist();
            while (_simplifyWorklist.Count > 0 || _worklistMoves.Count > 0 || _freezeWorklist.Count > 0 || _spillWorklist.Count > 0)
            {
                if (_simplifyWorklist.Count > 0) Simplify();
                else if (_worklistMoves.Count > 0) Coalesce();
                else if (_freezeWorklist.Count > 0) Freeze();
                else SelectSpill();
            }
            AssignColors();
            if (_spilledNodes.Count == 0) break;
            RewriteProgram();
        }
        ApplyColors();
    }

    private bool IsPrecolored(int r) => r < MachineFunction.FirstVirtual;

    /// <summary>Whether the register belongs to the floating-point class; registers of different classes never interfere.</summary>
    private bool IsFloat(int r) => _function.IsFloat(r, _target);

    private bool IsTwoLane(int r) => _function.TwoLaneRegisters.Contains(r);

    /// <summary>How many colours the register's class has.</summary>
    private int K(int r) => IsFloat(r) ? _floatK : _generalK;

    private IReadOnlyList<int> Colors(int r) => IsFloat(r) ? _target.AllocatableFloatRegisters : _target.AllocatableRegisters;

    private void Initialize()
    {
        int n = _function.RegisterCount;
        _interferes.Reset(n);
        if (_degree.Length < n)
        {
            int capacity = Math.Max(n, 2 * _degree.Length);
            Array.Resize(ref _adjacencyList, capacity);
            Array.Resize(ref _moveList, capacity);
            _degree = new int[capacity];
            _alias = new int[capacity];
            _color = new int[capacity];
            _spillCost = new double[capacity];
        }
        for (int i = 0; i < n; i++)
        {
            _adjacencyList[i]?.Clear();
            _moveList[i]?.Clear();
            _alias[i] = i;
            _color[i] = IsPrecolored(i) ? i : -1;
            _degree[i] = IsPrecolored(i) ? int.MaxValue / 2 : 0;
            _spillCost[i] = 0;
        }
        _simplifyWorklist.Clear(); _freezeWorklist.Clear(); _spillWorklist.Clear();
        _spilledNodes.Clear(); _coalescedNodes.Clear(); _coloredNodes.Clear();
        _selectStack.Clear(); _onSelectStack.Clear();
        _worklistMoves.Clear(); _activeMoves.Clear();
        int number = 0;
        foreach (var block in _function.Blocks)
            foreach (var instruction in block.Instructions) instruction.Number = number++;
    }

    // ---- liveness and the interference graph ----

    private void Build()
    {
        var liveness = Liveness();
        int n = _function.RegisterCount;
        // Walked at every definition: this set costs what is live there, a plain bit set what the function has.
        var live = new SummarizedBitSet(n);
        foreach (var block in _function.Blocks)
        {
            liveness.CopyLiveOut(block.Id, live);
            double weight = Math.Pow(10, Math.Min(block.LoopDepth, 6));
            for (int i = block.Instructions.Count - 1; i >= 0; i--)
            {
                var instruction = block.Instructions[i];
                var use = Uses(instruction);
                var def = Defs(instruction);
                if (instruction.IsCopy)
                {
                    foreach (int u in use) live.Remove(u);
                    foreach (int r in use) MovesOf(r).Add(instruction);
                    foreach (int r in def) MovesOf(r).Add(instruction);
                    _worklistMoves.Add(instruction);
                }
                foreach (int d in def) live.Add(d);
                foreach (int d in def) live.ForEach((this, d), static (state, l) => state.Item1.AddEdge(l, state.d));
                foreach (int d in def) live.Remove(d);
                foreach (int u in use) live.Add(u);
                foreach (int r in use) _spillCost[r] += weight;
                foreach (int r in def) _spillCost[r] += weight;
            }
        }
    }

    /// <summary>Live registers at each block's end; also fills the table of every instruction's uses and definitions.</summary>
    private BlockLiveness Liveness()
    {
        int blocks = _function.Blocks.Count, n = _function.RegisterCount;
        _registerTable.Clear();
        _registerTableStart.Clear();
        foreach (var block in _function.Blocks)
        {
            foreach (var instruction in block.Instructions)
            {
                _registerTableStart.Add(_registerTable.Count);
                instruction.ForEachUse(_addToRegisterTable);
                _registerTableStart.Add(_registerTable.Count);
                instruction.ForEachDef(_addToRegisterTable);
            }
        }
        _registerTableStart.Add(_registerTable.Count);

        var liveness = new BlockLiveness(n, blocks);
        foreach (var block in _function.Blocks)
        {
            foreach (var instruction in block.Instructions)
            {
                foreach (int r in Uses(instruction)) liveness.Use(block.Id, r);
                foreach (int r in Defs(instruction)) liveness.Def(block.Id, r);
            }
        }
        var successors = new int[blocks][];
        foreach (var block in _function.Blocks)
        {
            var ids = successors[block.Id] = new int[block.Successors.Count];
            for (int i = 0; i < ids.Length; i++) ids[i] = block.Successors[i].Id;
        }
        liveness.Solve(successors);
        return liveness;
    }

    // The table holds, for the instruction numbered k, its uses from start[2k] and its definitions from start[2k+1].
    private ReadOnlySpan<int> Uses(MachineInstruction instruction) => TableSlice(2 * instruction.Number);
    private ReadOnlySpan<int> Defs(MachineInstruction instruction) => TableSlice(2 * instruction.Number + 1);

    private ReadOnlySpan<int> TableSlice(int entry)
    {
        int start = _registerTableStart[entry];
        return CollectionsMarshal.AsSpan(_registerTable).Slice(start, _registerTableStart[entry + 1] - start);
    }

    private void AddEdge(int u, int v)
    {
        if (u == v || _interferes.Contains(u, v)) return;
        // Two physical registers always differ; no edge needed (and their degree is infinite).
        if (IsPrecolored(u) && IsPrecolored(v)) return;
        if (IsFloat(u) != IsFloat(v)) return;
        _interferes.Add(u, v);
        if (!IsPrecolored(u)) { NeighboursOf(u).Add(v); _degree[u]++; }
        if (!IsPrecolored(v)) { NeighboursOf(v).Add(u); _degree[v]++; }
    }

    // ---- worklists ----

    private void MakeWorklist()
    {
        for (int n = MachineFunction.FirstVirtual; n < _function.RegisterCount; n++)
        {
            if (_degree[n] == 0 && (_moveList[n]?.Count ?? 0) == 0 && _spillCost[n] == 0) continue; // not used at all
            if (_degree[n] >= K(n)) _spillWorklist.Add(n);
            else if (MoveRelated(n)) _freezeWorklist.Add(n);
            else _simplifyWorklist.Add(n);
        }
    }

    // Most registers have few neighbours and moves: the lists are made on first use.
    private List<int> NeighboursOf(int n) => _adjacencyList[n] ??= new List<int>();
    private List<MachineInstruction> MovesOf(int n) => _moveList[n] ??= new List<MachineInstruction>();
    private static readonly List<int> NoNeighbours = new();
    private static readonly List<MachineInstruction> NoMoves = new();

    /// <summary>Whether a neighbour is still in the graph: not yet simplified or coalesced away.</summary>
    private bool InGraph(int m) => !_onSelectStack.Contains(m) && !_coalescedNodes.Contains(m);


    private bool MoveRelated(int n)
    {
        foreach (var m in _moveList[n] ?? NoMoves)
            if (_activeMoves.Contains(m) || _worklistMoves.Contains(m)) return true;
        return false;
    }

    private void Simplify()
    {
        int n = _simplifyWorklist.Oldest();
        _simplifyWorklist.Remove(n);
        _selectStack.Push(n);
        _onSelectStack.Add(n);
        foreach (int m in _adjacencyList[n] ?? NoNeighbours)
            if (InGraph(m)) DecrementDegree(m);
    }

    private void DecrementDegree(int m)
    {
        if (IsPrecolored(m)) return;
        int d = _degree[m]--;
        if (d != K(m)) return;
        foreach (int n in _adjacencyList[m] ?? NoNeighbours)
            if (InGraph(n)) EnableMoves(n);
        EnableMoves(m);
        _spillWorklist.Remove(m);
        if (MoveRelated(m)) _freezeWorklist.Add(m);
        else _simplifyWorklist.Add(m);
    }

    private void EnableMoves(int n)
    {
        foreach (var move in _moveList[n] ?? NoMoves)
            if (_activeMoves.Remove(move)) _worklistMoves.Add(move);
    }

    private static (int Destination, int Source) MoveRegisters(MachineInstruction move) => (move.Operands[0].Reg, move.Operands[1].Reg);

    private void Coalesce()
    {
        var move = _worklistMoves.Oldest();
        _worklistMoves.Remove(move);
        var (destination, source) = MoveRegisters(move);
        int x = GetAlias(destination), y = GetAlias(source);
        var (u, v) = IsPrecolored(y) ? (y, x) : (x, y);
        if (u == v)
        {
            AddWorklist(u);
        }
        else if (IsPrecolored(v) || _interferes.Contains(u, v) || (IsPrecolored(u) && !_allocatable.Contains(u)))
        {
            AddWorklist(u);
            AddWorklist(v);
        }
        else if (IsPrecolored(u) ? AllOk(v, u) : Conservative(u, v))
        {
            Combine(u, v);
            AddWorklist(u);
        }
        else
        {
            _activeMoves.Add(move);
        }
    }

    private void AddWorklist(int u)
    {
        if (!IsPrecolored(u) && !MoveRelated(u) && _degree[u] < K(u))
        {
            _freezeWorklist.Remove(u);
            _simplifyWorklist.Add(u);
        }
    }

    private bool Ok(int t, int r) => _degree[t] < K(t) || IsPrecolored(t) || _interferes.Contains(t, r);

    /// <summary>George's test: every neighbour of v is harmless to u.</summary>
    private bool AllOk(int v, int u)
    {
        foreach (int t in _adjacencyList[v] ?? NoNeighbours)
            if (InGraph(t) && !Ok(t, u)) return false;
        return true;
    }

    /// <summary>Briggs's test: the merged node would have fewer than K neighbours of significant degree.</summary>
    private bool Conservative(int u, int v)
    {
        var significant = _significantNeighbours;
        significant.Clear();
        foreach (int n in _adjacencyList[u] ?? NoNeighbours) if (InGraph(n) && _degree[n] >= K(n)) significant.Add(n);
        foreach (int n in _adjacencyList[v] ?? NoNeighbours) if (InGraph(n) && _degree[n] >= K(n)) significant.Add(n);
        return significant.Count < K(u);
    }

    private int GetAlias(int n) => _coalescedNodes.Contains(n) ? _alias[n] = GetAlias(_alias[n]) : n;

    private void Combine(int u, int v)
    {
        if (!_freezeWorklist.Remove(v)) _spillWorklist.Remove(v);
        _coalescedNodes.Add(v);
        _alias[v] = u;
        if (_moveList[v] is { } moves) MovesOf(u).AddRange(moves);
        if (_unspillable.Contains(v)) _unspillable.Add(u);
        _spillCost[u] += _spillCost[v];
        EnableMoves(v);
        // AddEdge changes the lists of t and u, never v's, so v's list can be walked as it is.
        foreach (int t in _adjacencyList[v] ?? NoNeighbours)
        {
            if (!InGraph(t)) continue;
            AddEdge(t, u);
            DecrementDegree(t);
        }
        if (!IsPrecolored(u) && _degree[u] >= K(u) && _freezeWorklist.Remove(u)) _spillWorklist.Add(u);
    }

    private void Freeze()
    {
        int u = _freezeWorklist.Oldest();
        _freezeWorklist.Remove(u);
        _simplifyWorklist.Add(u);
        FreezeMoves(u);
    }

    private void FreezeMoves(int u)
    {
        foreach (var move in _moveList[u] ?? NoMoves)
        {
            if (!_activeMoves.Contains(move) && !_worklistMoves.Contains(move)) continue;
            var (destination, source) = MoveRegisters(move);
            int v = GetAlias(source) == GetAlias(u) ? GetAlias(destination) : GetAlias(source);
            _activeMoves.Remove(move);
            _worklistMoves.Remove(move);
            if (!IsPrecolored(v) && !MoveRelated(v) && _degree[v] < K(v) && _freezeWorklist.Remove(v))
                _simplifyWorklist.Add(v);
        }
    }

    private void SelectSpill()
    {
        // Cheapest to spill per interference removed; registers made by spilling are never spilled again.
        int m = _spillWorklist.OrderBy(n => _unspillable.Contains(n) ? double.MaxValue : _spillCost[n] / Math.Max(1, _degree[n])).First();
        _spillWorklist.Remove(m);
        _simplifyWorklist.Add(m);
        FreezeMoves(m);
    }

    private void AssignColors()
    {
        while (_selectStack.Count > 0)
        {
            int n = _selectStack.Pop();
            _onSelectStack.Remove(n);
            // Physical registers are numbered below FirstVirtual (64): one bit each.
            ulong forbidden = 0;
            foreach (int w in _adjacencyList[n] ?? NoNeighbours)
            {
                int a = GetAlias(w);
                if (IsPrecolored(a) || _coloredNodes.Contains(a)) forbidden |= 1UL << _color[a];
            }
            int chosen = -1;
            foreach (int r in Colors(n))
                if ((forbidden & (1UL << r)) == 0) { chosen = r; break; }
            if (chosen < 0) _spilledNodes.Add(n);
            else
            {
                _coloredNodes.Add(n);
                _color[n] = chosen;
            }
        }
        foreach (int n in _coalescedNodes) _color[n] = _color[GetAlias(n)];
    }

    // ---- spilling ----

    private void RewriteProgram()
    {
        var slots = new Dictionary<int, int>();
        foreach (int n in _spilledNodes)
        {
            slots[n] = _function.SlotCount;
            _function.SlotCount += IsTwoLane(n) ? 2 : 1; // a register of two doubles spills whole, to 16 bytes
        }
        foreach (var block in _function.Blocks)
        {
            var rewritten = new List<MachineInstruction>(block.Instructions.Count);
            foreach (var instruction in block.Instructions)
            {
                var spilledUses = new HashSet<int>();
                var spilledDefs = new HashSet<int>();
                instruction.ForEachUse(r => { if (slots.ContainsKey(r)) spilledUses.Add(r); });
                instruction.ForEachDef(r => { if (slots.ContainsKey(r)) spilledDefs.Add(r); });
                if (spilledUses.Count == 0 && spilledDefs.Count == 0)
                {
                    rewritten.Add(instruction);
                    continue;
                }
                // Each spilled register gets a fresh, short-lived register around this one instruction.
                var fresh = spilledUses.Concat(spilledDefs).Distinct().ToDictionary(r => r, r =>
                {
                    int t = _function.NewRegister(IsFloat(r));
                    if (IsTwoLane(r)) _function.TwoLaneRegisters.Add(t);
                    _unspillable.Add(t);
                    return t;
                });
                foreach (int r in spilledUses)
                    rewritten.Add(IsTwoLane(r) ? _target.LoadTwoLaneSlot(fresh[r], slots[r]) : _target.LoadSlot(fresh[r], slots[r], IsFloat(r)));
                instruction.RewriteRegisters(r => fresh.TryGetValue(r, out int t) ? t : r);
                rewritten.Add(instruction);
                foreach (int r in spilledDefs)
                    rewritten.Add(IsTwoLane(r) ? _target.StoreTwoLaneSlot(slots[r], fresh[r]) : _target.StoreSlot(slots[r], fresh[r], IsFloat(r)));
            }
            block.Instructions.Clear();
            block.Instructions.AddRange(rewritten);
        }
    }

    private void ApplyColors()
    {
        var usedCalleeSaved = new SortedSet<int>();
        foreach (var block in _function.Blocks)
        {
            foreach (var instruction in block.Instructions)
            {
                instruction.RewriteRegisters(r => IsPrecolored(r) ? r : _color[r] >= 0 ? _color[r] : Colors(r)[0]);
                instruction.ForEachDef(r => { if (_target.IsCalleeSaved(r)) usedCalleeSaved.Add(r); });
            }
            block.Instructions.RemoveAll(i => i.IsCopy && i.Operands[0].Reg == i.Operands[1].Reg);
        }
        _function.UsedCalleeSaved.AddRange(usedCalleeSaved);
    }
}

/// <summary>The symmetric "interferes with" relation: a bit matrix for ordinary functions, a hash set for huge ones.</summary>
internal sealed class InterferenceMatrix
{
    private const int MatrixLimit = 4096;
    private ulong[] _bits = Array.Empty<ulong>();
    private readonly HashSet<long> _pairs = new();
    private int _registers;
    private bool _useMatrix;

    /// <summary>Empties the relation for a function with <paramref name="registers"/> registers, reusing the storage.</summary>
    public void Reset(int registers)
    {
        _registers = registers;
        _useMatrix = registers <= MatrixLimit;
        _pairs.Clear();
        if (!_useMatrix) return;
        int words = (int)(((long)registers * registers + 63) >> 6);
        if (_bits.Length < words) _bits = new ulong[words];
        else Array.Clear(_bits, 0, words);
    }

    private long Index(int u, int v) => (long)u * _registers + v;

    public bool Contains(int u, int v)
    {
        long i = Index(u, v);
        return _useMatrix ? (_bits[i >> 6] & (1UL << (int)(i & 63))) != 0 : _pairs.Contains(i);
    }

    public void Add(int u, int v)
    {
        Set(Index(u, v));
        Set(Index(v, u));
    }

    private void Set(long i)
    {
        if (_useMatrix) _bits[i >> 6] |= 1UL << (int)(i & 63);
        else _pairs.Add(i);
    }
}

/// <summary>
/// A set that hands out its oldest member in amortised constant time. (A HashSet's first member is found by scanning
/// past the slots of removed ones, which made each pick linear and the allocation of long functions quadratic.)
/// The order depends only on the calls made, so allocation stays deterministic.
/// </summary>
internal sealed class Worklist<T>(IEqualityComparer<T>? comparer = null) where T : notnull
{
    private readonly HashSet<T> _members = new(comparer);
    private readonly List<T> _order = new(); // every addition; entries no longer members are skipped
    private int _head;

    public int Count => _members.Count;
    public bool Contains(T item) => _members.Contains(item);

    public void Add(T item)
    {
        if (_members.Add(item)) _order.Add(item);
    }

    public bool Remove(T item) => _members.Remove(item);

    public void Clear()
    {
        _members.Clear();
        _order.Clear();
        _head = 0;
    }

    public T Oldest()
    {
        if (_members.Count == 0) throw new InvalidOperationException("empty work list");
        while (!_members.Contains(_order[_head])) _head++;
        if (_head > 1024 && _head > _order.Count / 2)
        {
            _order.RemoveRange(0, _head);
            _head = 0;
        }
        return _order[_head];
    }
}

/// <summary>Hashes instructions by their number, not their address, so the allocation (and the output) is deterministic.</summary>
internal sealed class InstructionNumberComparer : IEqualityComparer<MachineInstruction>
{
    public static readonly InstructionNumberComparer Instance = new();
    public bool Equals(MachineInstruction? x, MachineInstruction? y) => ReferenceEquals(x, y);
    public int GetHashCode(MachineInstruction instruction) => instruction.Number;
}
