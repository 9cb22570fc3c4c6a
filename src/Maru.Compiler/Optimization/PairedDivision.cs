using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Brings two independent double divisions of a loop's block next to each other and marks the first
/// <see cref="Instruction.PairedWithNext"/>, so that a target with two-lane division (x86-64's <c>divpd</c>, AArch64's
/// <c>fdiv v.2d</c>) computes both in one: a divider takes about as long for two lanes as for one, and a loop that divides in each iteration
/// (unrolled twice, see <see cref="Unrolling"/>) is bound by it.
/// <code>
/// d1 = a / b; m = d1 * x; s = s + m; t = ...; d2 = c / e; ...
/// </code>
/// becomes
/// <code>
/// t = ...; d1 = a / b (paired); d2 = c / e; m = d1 * x; s = s + m; ...
/// </code>
/// The first division sinks to the second with what depends on it (its forward slice in between), which keeps its own
/// order: each value is computed from the same operands, and operations on doubles are neither reordered among
/// themselves nor reassociated, so the program computes exactly what it did. Only instructions that touch no memory
/// move, past instructions that write none of what they read or write. A target runs this pass after
/// <see cref="RegisterClasses"/>, when the block's instructions are final.
/// </summary>
public static class PairedDivision
{
    public static bool Run(IrFunction function)
    {
        bool changed = false;
        foreach (var block in function.Blocks)
        {
            if (block.LoopDepth == 0) continue;
            var code = block.Instructions;
            for (int first = 0; first < code.Count; first++)
            {
                if (!IsDivision(code[first]) || function.TwoLaneRegisters.Contains(code[first].Dest)) continue;
                int second = code.FindIndex(first + 1, i => IsDivision(i) && !function.TwoLaneRegisters.Contains(i.Dest));
                if (second < 0) break;
                if (BringTogether(code, first, second) is { } paired)
                {
                    code[paired].PairedWithNext = true;
                    changed = true;
                    first = paired + 1; // the second division pairs with no other
                }
            }
        }
        return changed;
    }

    private static bool IsDivision(Instruction instruction) => instruction is { Opcode: Opcode.Binary, Operator: Operator.FDiv, Dest: >= 0 };

    /// <summary>
    /// Moves the division at <paramref name="first"/> and the instructions between it and the one at
    /// <paramref name="second"/> that depend on it to just after the other division, and returns the first division's
    /// new index; null (nothing moved) if the two are not independent or something in between cannot be passed.
    /// </summary>
    private static int? BringTogether(List<Instruction> code, int first, int second)
    {
        var slice = new List<Instruction> { code[first] };
        var sliceWrites = new HashSet<int> { code[first].Dest };
        var sliceReads = new HashSet<int>();
        AddReads(code[first], sliceReads);
        var stays = new List<Instruction>();
        for (int i = first + 1; i < second; i++)
        {
            var instruction = code[i];
            if (instruction.ReadsAny(sliceWrites))
            {
                if (instruction.Opcode is not (Opcode.Binary or Opcode.Unary or Opcode.Copy)) return null;
                slice.Add(instruction);
                if (instruction.Dest >= 0) sliceWrites.Add(instruction.Dest);
                AddReads(instruction, sliceReads);
            }
            else if (WritesAny(instruction, sliceReads, sliceWrites)) return null; // the slice would see its value, or lose it
            else stays.Add(instruction);
        }
        var other = code[second];
        if (other.ReadsAny(sliceWrites) || WritesAny(other, sliceReads, sliceWrites)) return null;

        int at = first;
        foreach (var instruction in stays) code[at++] = instruction;
        int paired = at;
        code[at++] = slice[0];
        code[at++] = other;
        for (int s = 1; s < slice.Count; s++) code[at++] = slice[s];
        return paired;
    }

    private static bool WritesAny(Instruction instruction, HashSet<int> read, HashSet<int> written) =>
        instruction.Dest >= 0 && (read.Contains(instruction.Dest) || written.Contains(instruction.Dest));

    private static void AddReads(Instruction instruction, HashSet<int> registers)
    {
        foreach (var arg in instruction.Args)
            if (arg.IsRegister) registers.Add(arg.Register);
    }
}
