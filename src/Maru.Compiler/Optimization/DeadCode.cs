using Maru.Compiler.IR;

namespace Maru.Compiler.Optimization;

/// <summary>Removes instructions without side effects whose result is never used.</summary>
public static class DeadCode
{
    public static bool Run(IrFunction function)
    {
        var liveness = Liveness.Of(function);
        var live = new BitSet(function.RegisterCount);
        bool changed = false;
        foreach (var block in function.Blocks)
        {
            liveness.CopyLiveOut(block.Id, live);
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

/// <summary>Which registers are live at the end of each block of an IR function.</summary>
public static class Liveness
{
    public static BlockLiveness Of(IrFunction function)
    {
        var liveness = new BlockLiveness(function.RegisterCount, function.Blocks.Count);
        foreach (var block in function.Blocks)
        {
            foreach (var instruction in block.Instructions)
            {
                foreach (var arg in instruction.Args) if (arg.IsRegister) liveness.Use(block.Id, arg.Register);
                if (instruction.Dest >= 0) liveness.Def(block.Id, instruction.Dest);
            }
            foreach (var arg in block.Terminator.Uses) if (arg.IsRegister) liveness.Use(block.Id, arg.Register);
        }
        var successors = new int[function.Blocks.Count][];
        var ids = new List<int>(2);
        foreach (var block in function.Blocks)
        {
            ids.Clear();
            foreach (var successor in block.Terminator.Successors) ids.Add(successor.Id);
            successors[block.Id] = ids.ToArray();
        }
        liveness.Solve(successors);
        return liveness;
    }
}
