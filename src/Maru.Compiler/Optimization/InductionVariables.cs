using System.Numerics;
using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Addressing-mode folding for induction variables on SSA form: in a loop, a load or store at <c>base + (i + k)*size</c>,
/// where <c>i</c> is a basic induction variable (a header phi stepped by a constant each iteration) and <c>base</c> and
/// <c>k</c> are invariant (a register or a constant), becomes an access at <c>base' + i*size</c> with
/// <c>base' = base + k*size</c> computed once in the preheader. Every element size (1, 2, 4, 8) is a scale of both
/// targets' base-plus-scaled-index addressing modes, so the access costs no instruction and the loop's counter stays its
/// only induction variable: a pointer of its own per access would add a register update per iteration. The addition
/// that made the index then dies; accesses with the same base, offset and size share one <c>base'</c>. Words wrap, so
/// <c>base'</c> plus the scaled index equals the address exactly.
/// </summary>
public static class InductionVariables
{
    public static bool Run(SsaForm ssa, NaturalLoops loops)
    {
        bool changed = false;
        int[]? definedIn = null;
        Instruction?[]? definition = null;
        foreach (var loop in loops.Loops)
        {
            if (!HasIndexedAccess(loop)) continue;
            if (definition is null) (definedIn, definition) = Definitions(ssa.Function);
            changed |= Fold(ssa, loops, loop, definedIn!, definition);
        }
        return changed;
    }

    private static bool HasIndexedAccess(Loop loop)
    {
        foreach (var block in loop.Blocks)
            foreach (var instruction in block.Instructions)
                if (IsIndexedAccess(instruction)) return true;
        return false;
    }

    private static bool IsIndexedAccess(Instruction instruction) => instruction.Opcode is Opcode.Load or Opcode.Store && instruction.Args[1].IsRegister;

    private static (int[] DefinedIn, Instruction?[] Definition) Definitions(IrFunction function)
    {
        var definedIn = new int[function.RegisterCount];
        var definition = new Instruction?[function.RegisterCount];
        Array.Fill(definedIn, -1);
        foreach (var block in function.Blocks)
            foreach (var instruction in block.Instructions)
                if (instruction.Dest >= 0) (definedIn[instruction.Dest], definition[instruction.Dest]) = (block.Id, instruction);
        return (definedIn, definition);
    }

    private static bool Fold(SsaForm ssa, NaturalLoops loops, Loop loop, int[] definedIn, Instruction?[] definition)
    {
        // Registers made by this pass are beyond the arrays; they only appear in accesses already folded, whose index
        // is a phi, so those are never looked at again.
        bool InLoop(Value v) => v.IsRegister && v.Register < definedIn.Length && definedIn[v.Register] >= 0 && loop.Body.Contains(definedIn[v.Register]);
        // Value numbering leaves copies of equal values in place: look through those made in the loop.
        Value FollowCopies(Value v)
        {
            while (InLoop(v) && definition[v.Register] is { Opcode: Opcode.Copy } copy) v = copy.Args[0];
            return v;
        }

        // Basic induction variables: phi = [outside: start, inside: phi + step], each with its step instruction.
        var variables = new Dictionary<int, Instruction>();
        foreach (var phi in loop.Header.Instructions)
        {
            if (phi.Opcode != Opcode.Phi) break;
            if (phi.Args.Length != 2 || loop.Contains(phi.Incoming[0]) == loop.Contains(phi.Incoming[1])) continue;
            var next = FollowCopies(phi.Args[loop.Contains(phi.Incoming[0]) ? 0 : 1]);
            if (InLoop(next) && definition[next.Register] is { Opcode: Opcode.Binary } update && IsStepOf(update, phi.Dest))
                variables[phi.Dest] = update;
        }
        if (variables.Count == 0) return false;

        var bases = new Dictionary<(Value Base, Value Offset, int Size), int>();
        bool changed = false;
        foreach (var block in loop.Blocks)
        {
            var instructions = block.Instructions;
            for (int position = 0; position < instructions.Count; position++)
            {
                var access = instructions[position];
                if (!IsIndexedAccess(access) || InLoop(access.Args[0])) continue;
                var indexValue = FollowCopies(access.Args[1]);
                if (!InLoop(indexValue) || definition[indexValue.Register] is not { Opcode: Opcode.Binary, Operator: Operator.Add } index) continue;
                var (variable, offset) = (index.Args[0], index.Args[1]);
                if (offset.IsRegister && variables.ContainsKey(offset.Register)) (variable, offset) = (offset, variable);
                if (!variable.IsRegister || !variables.TryGetValue(variable.Register, out var step) || InLoop(offset)) continue;
                // The phi's version of the variable is live up to its step, which reads it; a use beyond would make two
                // versions of one variable live at once. An access in the step's block before it, or in the header when
                // the step is elsewhere, comes before the step on every path through an iteration.
                int stepBlock = definedIn[step.Dest];
                bool beforeStep = block.Id == stepBlock ? instructions.IndexOf(step) > position : block == loop.Header;
                if (!beforeStep) continue;
                if (loops.Preheader(loop) is not { } preheader) return changed;

                int size = WordArithmetic.ElementSize(access.Operator);
                var key = (access.Args[0], offset, size);
                if (!bases.TryGetValue(key, out int moved))
                {
                    moved = MovedBase(ssa, preheader, access.Args[0], offset, size);
                    bases[key] = moved;
                }
                access.Args[0] = Value.Reg(moved);
                access.Args[1] = variable;
                changed = true;
            }
        }
        return changed;
    }

    /// <summary>Whether an update adds a constant to a phi (phi + c, c + phi or phi - c).</summary>
    private static bool IsStepOf(Instruction update, int phi)
    {
        var (a, b) = (update.Args[0], update.Args[1]);
        bool isPhi(Value v) => v.IsRegister && v.Register == phi;
        return update.Operator switch
        {
            Operator.Add => (isPhi(a) && b.IsConstant) || (isPhi(b) && a.IsConstant),
            Operator.Sub => isPhi(a) && b.IsConstant,
            _ => false,
        };
    }

    /// <summary><c>base + offset*size</c>, computed at the end of the preheader into new registers.</summary>
    private static int MovedBase(SsaForm ssa, BasicBlock preheader, Value @base, Value offset, int size)
    {
        var code = preheader.Instructions;
        int moved = ssa.NewRegister();
        if (offset.IsConstant)
        {
            code.Add(new Instruction { Opcode = Opcode.Binary, Operator = Operator.Add, Dest = moved, Args = new[] { @base, Value.Const(unchecked(offset.Constant * size)) } });
            return moved;
        }
        int scaled = ssa.NewRegister();
        code.Add(new Instruction { Opcode = Opcode.Binary, Operator = Operator.Shl, Dest = scaled, Args = new[] { offset, Value.Const(BitOperations.Log2((uint)size)) } });
        code.Add(new Instruction { Opcode = Opcode.Binary, Operator = Operator.Add, Dest = moved, Args = new[] { @base, Value.Reg(scaled) } });
        return moved;
    }
}
