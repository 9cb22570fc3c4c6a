using Maru.Compiler.IR;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Loop-invariant code motion on SSA form: a pure instruction in a natural loop whose operands are all defined
/// outside it moves to the loop's preheader (a block made on the edge into the header when the one predecessor from
/// outside also goes elsewhere). Inner loops go first, so an invariant of several loops climbs out of all of them.
/// Arithmetic never traps in this language (division by zero is defined), so moving it before the loop's tests is
/// safe; loads stay, as a store or call in the loop might change what they read. From a loop that calls something only
/// costly instructions (multiplication, division) move: a result kept across a call takes a callee-saved register or
/// a spill, dearer than an addition or an address computed again.
/// </summary>
public static class LoopInvariantCodeMotion
{
    private sealed class Loop(BasicBlock header, BitSet body, List<BasicBlock> blocks)
    {
        public BasicBlock Header { get; } = header;
        /// <summary>The blocks of the loop, by number (preheaders of inner loops join it).</summary>
        public BitSet Body { get; } = body;
        /// <summary>The same blocks in reverse postorder, so a definition comes before the uses it dominates.</summary>
        public List<BasicBlock> Blocks { get; } = blocks;
        public BasicBlock? Preheader { get; set; }
    }

    public static bool Run(SsaForm ssa)
    {
        var loops = FindLoops(ssa);
        if (loops.Count == 0) return false;
        var function = ssa.Function;
        var definedIn = new int[function.RegisterCount * 2 + 16];
        Array.Fill(definedIn, -1); // parameters and undefined registers: before everything
        foreach (var block in function.Blocks)
            foreach (var instruction in block.Instructions)
                if (instruction.Dest >= 0) definedIn[instruction.Dest] = block.Id;

        int nextBlockId = function.Blocks.Count;
        bool changed = false;
        foreach (var loop in loops)
        {
            bool calls = loop.Blocks.Any(b => b.Instructions.Any(i => i.Opcode == Opcode.Call));
            foreach (var block in loop.Blocks)
            {
                var instructions = block.Instructions;
                int kept = 0;
                for (int i = 0; i < instructions.Count; i++)
                {
                    var instruction = instructions[i];
                    if (!IsHoistable(instruction, calls) || !IsInvariant(instruction, loop, definedIn)
                        || (loop.Preheader ??= MakePreheader(ssa, loop, loops, ref nextBlockId)) is not { } preheader)
                    {
                        instructions[kept++] = instruction;
                        continue;
                    }
                    if (!ssa.IsOnlyVersion(instruction.Dest))
                    {
                        // Other versions of its register may be live before the loop: compute into a fresh one, copy in place.
                        int fresh = ssa.NewRegister();
                        if (fresh >= definedIn.Length) Array.Resize(ref definedIn, definedIn.Length * 2);
                        instructions[kept++] = new Instruction { Opcode = Opcode.Copy, Dest = instruction.Dest, Args = new[] { Value.Reg(fresh) } };
                        instruction.Dest = fresh;
                    }
                    preheader.Instructions.Add(instruction);
                    definedIn[instruction.Dest] = preheader.Id;
                    changed = true;
                }
                instructions.RemoveRange(kept, instructions.Count - kept);
            }
        }
        if (changed)
            for (int i = 0; i < function.Blocks.Count; i++) function.Blocks[i].Id = i;
        return changed;
    }

    private static bool IsHoistable(Instruction instruction, bool loopCalls) =>
        instruction.Opcode is Opcode.Binary or Opcode.Unary or Opcode.AddressOf or Opcode.AddressOfString or Opcode.AddressOfSlot
        && (!loopCalls || ValueNumbering.IsCostly(instruction));

    private static bool IsInvariant(Instruction instruction, Loop loop, int[] definedIn)
    {
        foreach (var arg in instruction.Args)
            if (arg.IsRegister && definedIn[arg.Register] >= 0 && loop.Body.Contains(definedIn[arg.Register])) return false;
        return true;
    }

    /// <summary>Natural loops, one per header (back edges to one header share it), smallest (innermost) first.</summary>
    private static List<Loop> FindLoops(SsaForm ssa)
    {
        var dominators = ssa.Dominators;
        int n = ssa.Function.Blocks.Count;
        var loops = new List<Loop>();
        var loopOfHeader = new Dictionary<BasicBlock, Loop>();
        var pending = new Stack<BasicBlock>();
        foreach (var latch in dominators.ReversePostorder)
        {
            foreach (var header in latch.Terminator.Successors)
            {
                if (!dominators.Dominates(header.Id, latch.Id)) continue;
                if (!loopOfHeader.TryGetValue(header, out var loop))
                {
                    // Room for the preheaders every loop may add.
                    var body = new BitSet(n + dominators.ReversePostorder.Length);
                    body.Add(header.Id);
                    loop = new Loop(header, body, new List<BasicBlock>());
                    loopOfHeader[header] = loop;
                    loops.Add(loop);
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
        foreach (var loop in loops)
            foreach (var block in dominators.ReversePostorder)
                if (loop.Body.Contains(block.Id)) loop.Blocks.Add(block);
        loops.Sort((a, b) => a.Blocks.Count.CompareTo(b.Blocks.Count));
        return loops;
    }

    /// <summary>
    /// The block before the header that every entry into the loop passes: the one outside predecessor if it goes nowhere
    /// else, or a new block on that edge; null if several blocks outside enter the loop.
    /// </summary>
    private static BasicBlock? MakePreheader(SsaForm ssa, Loop loop, List<Loop> loops, ref int nextBlockId)
    {
        var header = loop.Header;
        BasicBlock? outside = null;
        foreach (var p in ssa.Dominators.Predecessors[header.Id])
        {
            if (loop.Body.Contains(p.Id)) continue;
            if (outside is not null) return null;
            outside = p;
        }
        if (outside is null) return null;
        if (outside.Terminator.Kind == TerminatorKind.Jump) return outside;

        var preheader = new BasicBlock(nextBlockId++, outside.LoopDepth) { Terminator = Terminator.Jump(header) };
        var t = outside.Terminator;
        if (t.True == header) t.True = preheader;
        if (t.False == header) t.False = preheader;
        foreach (var phi in header.Instructions)
        {
            if (phi.Opcode != Opcode.Phi) break;
            for (int i = 0; i < phi.Incoming.Length; i++)
                if (phi.Incoming[i] == outside) phi.Incoming[i] = preheader;
        }
        var blocks = ssa.Function.Blocks;
        blocks.Insert(blocks.IndexOf(header), preheader);
        // Loops around this one contain the preheader too (they contain the header and, not being headed by it, its predecessors).
        foreach (var other in loops)
        {
            if (other == loop || other.Header == header || !other.Body.Contains(header.Id)) continue;
            other.Body.Add(preheader.Id);
            other.Blocks.Insert(other.Blocks.IndexOf(header), preheader);
        }
        return preheader;
    }
}
