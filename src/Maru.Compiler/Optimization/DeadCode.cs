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
            var live = new HashSet<int>(liveOut[block.Id]);
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
    public static HashSet<int>[] LiveOut(IrFunction function)
    {
        int n = function.Blocks.Count;
        var uses = new HashSet<int>[n];
        var defs = new HashSet<int>[n];
        foreach (var block in function.Blocks)
        {
            var use = new HashSet<int>();
            var def = new HashSet<int>();
            foreach (var instruction in block.Instructions)
            {
                foreach (var arg in instruction.Args) if (arg.IsRegister && !def.Contains(arg.Register)) use.Add(arg.Register);
                if (instruction.Dest >= 0) def.Add(instruction.Dest);
            }
            foreach (var arg in block.Terminator.Uses) if (arg.IsRegister && !def.Contains(arg.Register)) use.Add(arg.Register);
            uses[block.Id] = use;
            defs[block.Id] = def;
        }
        var liveIn = Enumerable.Range(0, n).Select(_ => new HashSet<int>()).ToArray();
        var liveOut = Enumerable.Range(0, n).Select(_ => new HashSet<int>()).ToArray();
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int i = n - 1; i >= 0; i--)
            {
                var block = function.Blocks[i];
                foreach (var successor in block.Terminator.Successors)
                    foreach (int r in liveIn[successor.Id])
                        if (liveOut[i].Add(r)) changed = true;
                foreach (int r in liveOut[i])
                    if (!defs[i].Contains(r)) liveIn[i].Add(r);
                foreach (int r in uses[i]) liveIn[i].Add(r);
            }
        }
        return liveOut;
    }
}
