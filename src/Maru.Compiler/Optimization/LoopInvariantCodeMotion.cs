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
    public static bool Run(SsaForm ssa, NaturalLoops loops)
    {
        if (loops.Loops.Count == 0) return false;
        var function = ssa.Function;
        var definedIn = new int[function.RegisterCount * 2 + 16];
        Array.Fill(definedIn, -1); // parameters and undefined registers: before everything
        foreach (var block in function.Blocks)
            foreach (var instruction in block.Instructions)
                if (instruction.Dest >= 0) definedIn[instruction.Dest] = block.Id;

        bool changed = false;
        foreach (var loop in loops.Loops)
        {
            bool calls = HasCall(loop);
            foreach (var block in loop.Blocks)
            {
                var instructions = block.Instructions;
                int kept = 0;
                for (int i = 0; i < instructions.Count; i++)
                {
                    var instruction = instructions[i];
                    if (!IsHoistable(ssa, instruction, calls) || !IsInvariant(instruction, loop, definedIn) || loops.Preheader(loop) is not { } preheader)
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
        return changed;
    }

    private static bool HasCall(Loop loop)
    {
        foreach (var block in loop.Blocks)
            foreach (var instruction in block.Instructions)
                if (instruction.Opcode == Opcode.Call) return true;
        return false;
    }

    /// <summary>
    /// Pure instructions; a copy only between registers of their own (what value numbering leaves), which makes what it
    /// feeds invariant too and which copy propagation removes afterwards.
    /// </summary>
    private static bool IsHoistable(SsaForm ssa, Instruction instruction, bool loopCalls) => instruction.Opcode switch
    {
        Opcode.Binary or Opcode.Unary or Opcode.AddressOf or Opcode.AddressOfString or Opcode.AddressOfSlot => !loopCalls || ValueNumbering.IsCostly(instruction),
        Opcode.Copy => instruction.Args[0].IsRegister && ssa.IsOnlyVersion(instruction.Args[0].Register) && ssa.IsOnlyVersion(instruction.Dest),
        _ => false,
    };

    private static bool IsInvariant(Instruction instruction, Loop loop, int[] definedIn)
    {
        foreach (var arg in instruction.Args)
            if (arg.IsRegister && definedIn[arg.Register] >= 0 && loop.Body.Contains(definedIn[arg.Register])) return false;
        return true;
    }
}
