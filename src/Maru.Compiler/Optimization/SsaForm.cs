using Maru.Compiler.IR;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Static single assignment over a function's registers: <see cref="Construct"/> gives every definition its own
/// register (a version of the register it wrote) and places phis (pruned: at the iterated dominance frontiers of
/// their definitions, where the register is live); <see cref="Destruct"/> takes them out.
/// <para>
/// Destruction renames every version back to the register it came from and drops the phis, which is exact while the
/// form stays conventional: no two versions of one register live at once. Renaming alone keeps that, and the passes that
/// run on the form keep it by never moving or lengthening a version of a register that has several definitions: they
/// use a fresh register (<see cref="NewRegister"/>) and a copy instead. So no copies need placing on edges (no lost-copy
/// or swap problem), no edge is split, and the register allocator sees the registers of today.
/// </para>
/// </summary>
public sealed class SsaForm
{
    public IrFunction Function { get; }
    public Dominators Dominators { get; }
    private readonly int _registersBefore;
    /// <summary>Per register that versions are made of: how many times it is defined (a parameter once on entry).</summary>
    private int[] _definitions;
    /// <summary>Per register: the register it is a version of (itself for the registers from before, and for fresh ones).</summary>
    private int[] _original;

    private SsaForm(IrFunction function)
    {
        Function = function;
        for (int i = 0; i < function.Blocks.Count; i++) function.Blocks[i].Id = i;
        Dominators = new Dominators(function);
        _registersBefore = function.RegisterCount;
        _definitions = new int[_registersBefore * 2 + 16];
        _original = new int[_definitions.Length];
        for (int r = 0; r < _registersBefore; r++) _original[r] = r;
    }

    /// <summary>
    /// Puts a function whose blocks are all reachable (as <see cref="ControlFlow.Simplify"/> leaves them) in SSA form;
    /// null, changing nothing, if something jumps back to the entry block (the parameters would need a phi there).
    /// </summary>
    public static SsaForm? Construct(IrFunction function)
    {
        var ssa = new SsaForm(function);
        if (ssa.Dominators.Predecessors[0].Count > 0) return null;
        ssa.PlacePhis();
        ssa.Rename();
        return ssa;
    }

    /// <summary>A register of its own, defined once: its live range may grow and its definition move freely.</summary>
    public int NewRegister()
    {
        int register = NewVersion(-1);
        _definitions[register] = 1;
        return register;
    }

    /// <summary>
    /// Another version of <paramref name="register"/>'s variable, defined once more (by an instruction, or by a phi when
    /// <paramref name="isPhi"/>). The caller keeps the form conventional: no two versions live at once.
    /// </summary>
    public int NewVersionOf(int register, bool isPhi)
    {
        int original = _original[register];
        if (!isPhi) _definitions[original]++;
        return NewVersion(original);
    }

    /// <summary>Whether a register is the only version of its variable: then nothing else writes what it becomes.</summary>
    public bool IsOnlyVersion(int register) => _definitions[_original[register]] == 1;

    private int NewVersion(int original)
    {
        int register = Function.NewRegister();
        if (register >= _original.Length)
        {
            Array.Resize(ref _original, _original.Length * 2);
            Array.Resize(ref _definitions, _original.Length);
        }
        _original[register] = original < 0 ? register : original;
        return register;
    }

    [ThreadStatic] private static int[]? s_definedIn, s_definitionSites, s_sites, s_fill, s_hasPhi, s_queued;
    [ThreadStatic] private static bool[]? s_crossesBlocks;
    [ThreadStatic] private static List<int>[]? s_frontiers;
    [ThreadStatic] private static List<Instruction>[]? s_phis;
    [ThreadStatic] private static Stack<int>? s_work;
    [ThreadStatic] private static Value[]? s_current;
    [ThreadStatic] private static Stack<(int Register, Value Previous)>? s_undo;
    [ThreadStatic] private static Stack<(BasicBlock Block, int UndoMark)>? s_pending;
    [ThreadStatic] private static int[]? s_final;

    private void PlacePhis()
    {
        var blocks = Function.Blocks;
        int n = blocks.Count, registers = _registersBefore;
        // Registers used before being defined in some block are the only ones that can need a phi.
        var definedIn = Scratch.Cleared(ref s_definedIn, registers);
        var crossesBlocks = Scratch.Cleared(ref s_crossesBlocks, registers);
        var definitionSites = Scratch.Cleared(ref s_definitionSites, registers + 1); // counting sort of (register, block) definitions
        foreach (int p in Function.Parameters) { _definitions[p]++; definitionSites[p + 1]++; }
        foreach (var block in blocks)
        {
            int stamp = block.Id + 1;
            foreach (var instruction in block.Instructions)
            {
                foreach (var arg in instruction.Args)
                    if (arg.IsRegister && definedIn[arg.Register] != stamp) crossesBlocks[arg.Register] = true;
                if (instruction.Dest >= 0)
                {
                    definedIn[instruction.Dest] = stamp;
                    _definitions[instruction.Dest]++;
                    definitionSites[instruction.Dest + 1]++;
                }
            }
            foreach (var arg in block.Terminator.Uses)
                if (arg.IsRegister && definedIn[arg.Register] != stamp) crossesBlocks[arg.Register] = true;
        }
        for (int r = 0; r < registers; r++) definitionSites[r + 1] += definitionSites[r];
        var sites = Scratch.Cleared(ref s_sites, definitionSites[registers]);
        var fill = Scratch.Cleared(ref s_fill, registers + 1);
        Array.Copy(definitionSites, fill, registers + 1);
        foreach (int p in Function.Parameters) sites[fill[p]++] = 0;
        foreach (var block in blocks)
            foreach (var instruction in block.Instructions)
                if (instruction.Dest >= 0) sites[fill[instruction.Dest]++] = block.Id;

        var frontiers = DominanceFrontiers();
        // Pruned: a phi only where its register is live. Without that, a counter of an inner loop, set before the loop,
        // got a phi at the header of every loop around it (a nest of 1 000 loops took 15 s).
        var liveness = Liveness.Of(Function);
        var phis = Scratch.ClearedLists(ref s_phis, n);
        var hasPhi = Scratch.Cleared(ref s_hasPhi, n);
        var queued = Scratch.Cleared(ref s_queued, n);
        var work = s_work ??= new Stack<int>();
        work.Clear(); // an exception may have left it full
        for (int r = 0; r < registers; r++)
        {
            if (!crossesBlocks[r]) continue;
            int stamp = r + 1;
            for (int s = definitionSites[r]; s < definitionSites[r + 1]; s++)
                if (queued[sites[s]] != stamp) { queued[sites[s]] = stamp; work.Push(sites[s]); }
            while (work.Count > 0)
            {
                foreach (int d in frontiers[work.Pop()])
                {
                    if (hasPhi[d] == stamp) continue;
                    hasPhi[d] = stamp;
                    if (!liveness.IsLiveIn(d, r)) continue;
                    var predecessors = Dominators.Predecessors[d];
                    var args = new Value[predecessors.Count];
                    Array.Fill(args, Value.Reg(r)); // no definition on that path: the register itself, undefined
                    phis[d].Add(new Instruction { Opcode = Opcode.Phi, Dest = r, Args = args, Incoming = predecessors.ToArray() });
                    if (queued[d] != stamp) { queued[d] = stamp; work.Push(d); }
                }
            }
        }
        for (int b = 0; b < n; b++)
        {
            if (phis[b].Count == 0) continue;
            blocks[b].Instructions.InsertRange(0, phis[b]);
            phis[b].Clear(); // not to keep this function's instructions alive
        }
    }

    private List<int>[] DominanceFrontiers()
    {
        int n = Function.Blocks.Count;
        var frontiers = Scratch.ClearedLists(ref s_frontiers, n);
        var idom = Dominators.Idom;
        for (int b = 0; b < n; b++)
        {
            var predecessors = Dominators.Predecessors[b];
            if (predecessors.Count < 2) continue;
            foreach (var p in predecessors)
            {
                // Every block from p up to (not including) b's immediate dominator has b in its frontier.
                for (int runner = p.Id; runner != idom[b]; runner = idom[runner])
                {
                    if (frontiers[runner].Count > 0 && frontiers[runner][^1] == b) break;
                    frontiers[runner].Add(b);
                }
            }
        }
        return frontiers;
    }

    /// <summary>Walks the dominator tree giving each definition a new version and each use the version that reaches it.</summary>
    private void Rename()
    {
        var current = Scratch.Cleared(ref s_current, _registersBefore);
        for (int r = 0; r < _registersBefore; r++) current[r] = Value.Reg(r);
        var undo = s_undo ??= new Stack<(int Register, Value Previous)>();
        var pending = s_pending ??= new Stack<(BasicBlock Block, int UndoMark)>();
        undo.Clear(); pending.Clear(); // an exception may have left them full
        pending.Push((Function.Blocks[0], -1));
        while (pending.Count > 0)
        {
            var (block, mark) = pending.Pop();
            if (mark >= 0)
            {
                while (undo.Count > mark) { var (register, previous) = undo.Pop(); current[register] = previous; }
                continue;
            }
            pending.Push((block, undo.Count));
            foreach (var instruction in block.Instructions)
            {
                if (instruction.Opcode != Opcode.Phi) Map(instruction.Args, current);
                if (instruction.Dest < 0) continue;
                int original = instruction.Dest;
                undo.Push((original, current[original]));
                instruction.Dest = NewVersion(original);
                current[original] = Value.Reg(instruction.Dest);
            }
            var t = block.Terminator;
            if (t.Kind is TerminatorKind.Branch or TerminatorKind.Return && t.A.IsRegister) t.A = current[t.A.Register];
            if (t.Kind is TerminatorKind.Branch && t.B.IsRegister) t.B = current[t.B.Register];
            Map(t.Args, current);
            foreach (var successor in t.Successors)
            {
                foreach (var phi in successor.Instructions)
                {
                    if (phi.Opcode != Opcode.Phi) break;
                    for (int i = 0; i < phi.Incoming.Length; i++)
                        if (phi.Incoming[i] == block) phi.Args[i] = current[_original[phi.Dest]];
                }
            }
            foreach (var child in Dominators.Children[block.Id]) pending.Push((child, -1));
        }
    }

    private static void Map(Value[] args, Value[] current)
    {
        for (int i = 0; i < args.Length; i++)
            if (args[i].IsRegister) args[i] = current[args[i].Register];
    }

    /// <summary>
    /// Drops the phis and gives every version its variable's register back; fresh variables are numbered after the
    /// registers from before; the blocks are numbered afresh.
    /// </summary>
    public void Destruct()
    {
        int next = _registersBefore;
        var final = Scratch.Cleared(ref s_final, Function.RegisterCount);
        // A version is made after its variable's first register, so one pass in order numbers both.
        for (int r = 0; r < Function.RegisterCount; r++)
            final[r] = _original[r] != r ? final[_original[r]] : r < _registersBefore ? r : next++;
        for (int b = 0; b < Function.Blocks.Count; b++) Function.Blocks[b].Id = b;
        foreach (var block in Function.Blocks)
        {
            int phis = 0;
            while (phis < block.Instructions.Count && block.Instructions[phis].Opcode == Opcode.Phi) phis++;
            block.Instructions.RemoveRange(0, phis);
            foreach (var instruction in block.Instructions)
            {
                Rename(instruction.Args, final);
                if (instruction.Dest >= 0) instruction.Dest = final[instruction.Dest];
            }
            var t = block.Terminator;
            if (t.Kind is TerminatorKind.Branch or TerminatorKind.Return && t.A.IsRegister) t.A = Value.Reg(final[t.A.Register]);
            if (t.Kind is TerminatorKind.Branch && t.B.IsRegister) t.B = Value.Reg(final[t.B.Register]);
            Rename(t.Args, final);
        }
        Function.RegisterCount = next;
    }

    private static void Rename(Value[] args, int[] final)
    {
        for (int i = 0; i < args.Length; i++)
            if (args[i].IsRegister) args[i] = Value.Reg(final[args[i].Register]);
    }
}
