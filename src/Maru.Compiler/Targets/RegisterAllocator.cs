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
    private readonly MachineFunction _function;
    private readonly IRegisterInfo _target;
    private readonly int _k;
    private readonly HashSet<int> _allocatable;
    private readonly HashSet<int> _unspillable = new();

    // Per-round state, sized by the function's register count.
    private HashSet<long> _adjacencySet = null!;
    private List<int>[] _adjacencyList = null!;
    private int[] _degree = null!;
    private List<MachineInstruction>[] _moveList = null!;
    private int[] _alias = null!;
    private int[] _color = null!;
    private double[] _spillCost = null!;
    private HashSet<int> _simplifyWorklist = null!, _freezeWorklist = null!, _spillWorklist = null!;
    private HashSet<int> _spilledNodes = null!, _coalescedNodes = null!, _coloredNodes = null!;
    private Stack<int> _selectStack = null!;
    private HashSet<int> _onSelectStack = null!;
    private HashSet<MachineInstruction> _worklistMoves = null!, _activeMoves = null!;

    private RegisterAllocator(MachineFunction function, IRegisterInfo target)
    {
        _function = function;
        _target = target;
        _allocatable = new HashSet<int>(target.AllocatableRegisters);
        _k = target.AllocatableRegisters.Count;
    }

    public static void Allocate(MachineFunction function, IRegisterInfo target) => new RegisterAllocator(function, target).Run();

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

    private void Initialize()
    {
        int n = _function.RegisterCount;
        _adjacencySet = new HashSet<long>();
        _adjacencyList = new List<int>[n];
        _moveList = new List<MachineInstruction>[n];
        _degree = new int[n];
        _alias = new int[n];
        _color = new int[n];
        _spillCost = new double[n];
        for (int i = 0; i < n; i++)
        {
            _adjacencyList[i] = new List<int>();
            _moveList[i] = new List<MachineInstruction>();
            _alias[i] = i;
            _color[i] = IsPrecolored(i) ? i : -1;
            if (IsPrecolored(i)) _degree[i] = int.MaxValue / 2;
        }
        _simplifyWorklist = new(); _freezeWorklist = new(); _spillWorklist = new();
        _spilledNodes = new(); _coalescedNodes = new(); _coloredNodes = new();
        _selectStack = new(); _onSelectStack = new();
        _worklistMoves = new(); _activeMoves = new();
    }

    // ---- liveness and the interference graph ----

    private void Build()
    {
        var liveOut = LiveOut();
        foreach (var block in _function.Blocks)
        {
            var live = new HashSet<int>(liveOut[block.Id]);
            double weight = Math.Pow(10, Math.Min(block.LoopDepth, 6));
            for (int i = block.Instructions.Count - 1; i >= 0; i--)
            {
                var instruction = block.Instructions[i];
                var uses = new List<int>();
                var defs = new List<int>();
                instruction.ForEachUse(uses.Add);
                instruction.ForEachDef(defs.Add);
                if (instruction.IsCopy)
                {
                    foreach (int u in uses) live.Remove(u);
                    foreach (int r in uses.Concat(defs)) _moveList[r].Add(instruction);
                    _worklistMoves.Add(instruction);
                }
                foreach (int d in defs) live.Add(d);
                foreach (int d in defs)
                    foreach (int l in live)
                        AddEdge(l, d);
                foreach (int d in defs) live.Remove(d);
                foreach (int u in uses) live.Add(u);
                foreach (int r in uses.Concat(defs)) _spillCost[r] += weight;
            }
        }
    }

    private HashSet<int>[] LiveOut()
    {
        int n = _function.Blocks.Count;
        var use = new HashSet<int>[n];
        var def = new HashSet<int>[n];
        foreach (var block in _function.Blocks)
        {
            var u = new HashSet<int>();
            var d = new HashSet<int>();
            foreach (var instruction in block.Instructions)
            {
                instruction.ForEachUse(r => { if (!d.Contains(r)) u.Add(r); });
                instruction.ForEachDef(r => d.Add(r));
            }
            use[block.Id] = u;
            def[block.Id] = d;
        }
        var liveIn = Enumerable.Range(0, n).Select(_ => new HashSet<int>()).ToArray();
        var liveOut = Enumerable.Range(0, n).Select(_ => new HashSet<int>()).ToArray();
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int i = n - 1; i >= 0; i--)
            {
                foreach (var successor in _function.Blocks[i].Successors)
                    foreach (int r in liveIn[successor.Id])
                        if (liveOut[i].Add(r)) changed = true;
                foreach (int r in liveOut[i]) if (!def[i].Contains(r)) liveIn[i].Add(r);
                foreach (int r in use[i]) liveIn[i].Add(r);
            }
        }
        return liveOut;
    }

    private void AddEdge(int u, int v)
    {
        if (u == v || _adjacencySet.Contains(Key(u, v))) return;
        // Two physical registers always differ; no edge needed (and their degree is infinite).
        if (IsPrecolored(u) && IsPrecolored(v)) return;
        _adjacencySet.Add(Key(u, v));
        _adjacencySet.Add(Key(v, u));
        if (!IsPrecolored(u)) { _adjacencyList[u].Add(v); _degree[u]++; }
        if (!IsPrecolored(v)) { _adjacencyList[v].Add(u); _degree[v]++; }
    }

    private long Key(int u, int v) => (long)u * _function.RegisterCount + v;

    // ---- worklists ----

    private void MakeWorklist()
    {
        for (int n = MachineFunction.FirstVirtual; n < _function.RegisterCount; n++)
        {
            if (_degree[n] == 0 && _moveList[n].Count == 0 && _spillCost[n] == 0) continue; // not used at all
            if (_degree[n] >= _k) _spillWorklist.Add(n);
            else if (MoveRelated(n)) _freezeWorklist.Add(n);
            else _simplifyWorklist.Add(n);
        }
    }

    private IEnumerable<int> Adjacent(int n) => _adjacencyList[n].Where(m => !_onSelectStack.Contains(m) && !_coalescedNodes.Contains(m));

    private IEnumerable<MachineInstruction> NodeMoves(int n) => _moveList[n].Where(m => _activeMoves.Contains(m) || _worklistMoves.Contains(m));

    private bool MoveRelated(int n) => NodeMoves(n).Any();

    private void Simplify()
    {
        int n = _simplifyWorklist.First();
        _simplifyWorklist.Remove(n);
        _selectStack.Push(n);
        _onSelectStack.Add(n);
        foreach (int m in Adjacent(n).ToList()) DecrementDegree(m);
    }

    private void DecrementDegree(int m)
    {
        if (IsPrecolored(m)) return;
        int d = _degree[m]--;
        if (d != _k) return;
        EnableMoves(Adjacent(m).Append(m).ToList());
        _spillWorklist.Remove(m);
        if (MoveRelated(m)) _freezeWorklist.Add(m);
        else _simplifyWorklist.Add(m);
    }

    private void EnableMoves(IEnumerable<int> nodes)
    {
        foreach (int n in nodes)
            foreach (var move in NodeMoves(n).ToList())
                if (_activeMoves.Remove(move)) _worklistMoves.Add(move);
    }

    private static (int Destination, int Source) MoveRegisters(MachineInstruction move) => (move.Operands[0].Reg, move.Operands[1].Reg);

    private void Coalesce()
    {
        var move = _worklistMoves.First();
        _worklistMoves.Remove(move);
        var (destination, source) = MoveRegisters(move);
        int x = GetAlias(destination), y = GetAlias(source);
        var (u, v) = IsPrecolored(y) ? (y, x) : (x, y);
        if (u == v)
        {
            AddWorklist(u);
        }
        else if (IsPrecolored(v) || _adjacencySet.Contains(Key(u, v)) || (IsPrecolored(u) && !_allocatable.Contains(u)))
        {
            AddWorklist(u);
            AddWorklist(v);
        }
        else if (IsPrecolored(u) ? Adjacent(v).All(t => Ok(t, u)) : Conservative(Adjacent(u).Concat(Adjacent(v))))
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
        if (!IsPrecolored(u) && !MoveRelated(u) && _degree[u] < _k)
        {
            _freezeWorklist.Remove(u);
            _simplifyWorklist.Add(u);
        }
    }

    private bool Ok(int t, int r) => _degree[t] < _k || IsPrecolored(t) || _adjacencySet.Contains(Key(t, r));

    private bool Conservative(IEnumerable<int> nodes) => nodes.Distinct().Count(n => _degree[n] >= _k) < _k;

    private int GetAlias(int n) => _coalescedNodes.Contains(n) ? _alias[n] = GetAlias(_alias[n]) : n;

    private void Combine(int u, int v)
    {
        if (!_freezeWorklist.Remove(v)) _spillWorklist.Remove(v);
        _coalescedNodes.Add(v);
        _alias[v] = u;
        _moveList[u].AddRange(_moveList[v]);
        if (_unspillable.Contains(v)) _unspillable.Add(u);
        _spillCost[u] += _spillCost[v];
        EnableMoves(new[] { v });
        foreach (int t in Adjacent(v).ToList())
        {
            AddEdge(t, u);
            DecrementDegree(t);
        }
        if (!IsPrecolored(u) && _degree[u] >= _k && _freezeWorklist.Remove(u)) _spillWorklist.Add(u);
    }

    private void Freeze()
    {
        int u = _freezeWorklist.First();
        _freezeWorklist.Remove(u);
        _simplifyWorklist.Add(u);
        FreezeMoves(u);
    }

    private void FreezeMoves(int u)
    {
        foreach (var move in NodeMoves(u).ToList())
        {
            var (destination, source) = MoveRegisters(move);
            int v = GetAlias(source) == GetAlias(u) ? GetAlias(destination) : GetAlias(source);
            _activeMoves.Remove(move);
            _worklistMoves.Remove(move);
            if (!IsPrecolored(v) && !MoveRelated(v) && _degree[v] < _k && _freezeWorklist.Remove(v))
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
            var forbidden = new HashSet<int>();
            foreach (int w in _adjacencyList[n])
            {
                int a = GetAlias(w);
                if (IsPrecolored(a) || _coloredNodes.Contains(a)) forbidden.Add(_color[a]);
            }
            int chosen = -1;
            foreach (int r in _target.AllocatableRegisters)
                if (!forbidden.Contains(r)) { chosen = r; break; }
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
        foreach (int n in _spilledNodes) slots[n] = _function.SlotCount++;
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
                var fresh = spilledUses.Concat(spilledDefs).Distinct().ToDictionary(r => r, _ =>
                {
                    int t = _function.NewRegister();
                    _unspillable.Add(t);
                    return t;
                });
                foreach (int r in spilledUses) rewritten.Add(_target.LoadSlot(fresh[r], slots[r]));
                instruction.RewriteRegisters(r => fresh.TryGetValue(r, out int t) ? t : r);
                rewritten.Add(instruction);
                foreach (int r in spilledDefs) rewritten.Add(_target.StoreSlot(slots[r], fresh[r]));
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
                instruction.RewriteRegisters(r => IsPrecolored(r) ? r : _color[r] >= 0 ? _color[r] : _target.AllocatableRegisters[0]);
                instruction.ForEachDef(r => { if (_target.IsCalleeSaved(r)) usedCalleeSaved.Add(r); });
            }
            block.Instructions.RemoveAll(i => i.IsCopy && i.Operands[0].Reg == i.Operands[1].Reg);
        }
        _function.UsedCalleeSaved.AddRange(usedCalleeSaved);
    }
}
