using Maru.Compiler.IR;

namespace Maru.Compiler.Optimization;

/// <summary>
/// For functions shaped <c>(if (base-case) value (work))</c>, gives the parameters a new register on the work path,
/// so the test and the early return use them where they arrive (argument registers) and only the work path moves
/// them into registers that survive calls. This lets the target return from the base case without a frame.
/// Runs last: copy propagation would undo it.
/// </summary>
public static class EntrySplitting
{
    public static void Run(IrFunction function)
    {
        var blocks = function.Blocks;
        if (blocks.Count < 3 || blocks[0].Terminator.Kind != TerminatorKind.Branch) return;
        function.CountPredecessors();
        var entry = blocks[0];
        var (a, b) = (entry.Terminator.True!, entry.Terminator.False!);
        var (leaf, work) = IsLeafReturn(a) ? (a, b) : IsLeafReturn(b) ? (b, a) : (null, null);
        if (leaf is null || work is null || work.PredecessorCount != 1 || entry.PredecessorCount > 0) return;

        var region = Reachable(work);
        if (region.Contains(entry) || region.Contains(leaf)) return;
        var assigned = blocks.SelectMany(block => block.Instructions).Where(i => i.Dest >= 0).Select(i => i.Dest).ToHashSet();
        var copies = new List<Instruction>();
        var usedInRegion = region.SelectMany(UsedRegisters).ToHashSet();
        foreach (int parameter in function.Parameters.Where(p => !assigned.Contains(p) && usedInRegion.Contains(p)))
        {
            int renamed = function.NewRegister();
            copies.Add(new Instruction { Opcode = Opcode.Copy, Dest = renamed, Args = new[] { Value.Reg(parameter) } });
            foreach (var block in region) Rename(block, parameter, renamed);
        }
        work.Instructions.InsertRange(0, copies);
    }

    private static bool IsLeafReturn(BasicBlock block) =>
        block.PredecessorCount == 1 && block.Terminator.Kind == TerminatorKind.Return
        && block.Instructions.All(i => i.Opcode != Opcode.Call);

    private static HashSet<BasicBlock> Reachable(BasicBlock start)
    {
        var seen = new HashSet<BasicBlock>();
        var pending = new Stack<BasicBlock>();
        pending.Push(start);
        while (pending.Count > 0)
        {
            var block = pending.Pop();
            if (seen.Add(block)) foreach (var s in block.Terminator.Successors) pending.Push(s);
        }
        return seen;
    }

    private static IEnumerable<int> UsedRegisters(BasicBlock block) =>
        block.Instructions.SelectMany(i => i.Args).Concat(block.Terminator.Uses).Where(v => v.IsRegister).Select(v => v.Register);

    private static void Rename(BasicBlock block, int from, int to)
    {
        static Value Map(Value v, int from, int to) => v.IsRegister && v.Register == from ? Value.Reg(to) : v;
        foreach (var instruction in block.Instructions)
            instruction.Args = instruction.Args.Select(v => Map(v, from, to)).ToArray();
        var t = block.Terminator;
        t.A = Map(t.A, from, to);
        t.B = Map(t.B, from, to);
        t.Args = t.Args.Select(v => Map(v, from, to)).ToArray();
    }
}
