using Maru.Compiler.IR;

namespace Maru.Compiler.Optimization;

/// <summary>Removes instructions without side effects whose result is never used.</summary>
public static class DeadCode
{
    public static bool Run(IrFunction function)
    {
        var liveOut = Liveness.LiveOut(function);
        bool changed = false;
        foreach (var block in function.Blocks)
        {
            var live = new BitSet(function.RegisterCount);
            live.CopyFrom(liveOut[block.Id]);
            foreach (var use in block.Terminator.Uses) if (use.IsRegister) live.Add(use.Register);
            for (int i = block.Instructions.Count - 1; i >= 0; i--)
            {
                var instruction = block.Instructions[i];
                bool isSelfCopy = instruction.Opcode == Opcode.Copy && instruction.Args[0].IsRegister && instruction.Args[0].Register == instruction.Dest;
                if (isSelfCopy || (!instruction.HasSideEffects && instruction.Dest >= 0 && !live.Contains(instruction.Dest)))
                {
                    block.Instructions.RemoveAt(i);
                    changed = true;
                    continue;
                }
                if (instruction.Dest >= 0) live.Remove(instruction.Dest);
                foreach (var arg in instruction.Args) if (arg.IsRegister) live.Add(arg.Register);
            }
        }
        return changed;
    }
}

/// <summary>Which registers are live at the end of each block (classic backward data flow).</summary>
public static class Liveness
{
    public static BitSet[] LiveOut(IrFunction function)
    {
        int blocks = function.Blocks.Count, n = function.RegisterCount;
        var uses = new BitSet[blocks];
        var defs = new BitSet[blocks];
        foreach (var block in function.Blocks)
        {
            var use = new BitSet(n);
            var def = new BitSet(n);
            foreach (var instruction in block.Instructions)
            {
                foreach (var arg in instruction.Args) if (arg.IsRegister && !def.Contains(arg.Register)) use.Add(arg.Register);
                if (instruction.Dest >= 0) def.Add(instruction.Dest);
            }
            foreach (var arg in block.Terminator.Uses) if (arg.IsRegister && !def.Contains(arg.Register)) use.Add(arg.Register);
            uses[block.Id] = use;
            defs[block.Id] = def;
        }
        var successors = new int[blocks][];
        var ids = new List<int>(2);
        foreach (var block in function.Blocks)
        {
            ids.Clear();
            foreach (var successor in block.Terminator.Successors) ids.Add(successor.Id);
            successors[block.Id] = ids.ToArray();
        }
        return LivenessSolver.LiveOut(n, uses, defs, successors);
    }
}
