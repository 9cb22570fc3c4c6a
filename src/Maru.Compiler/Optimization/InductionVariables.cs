using System.Numerics;
using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Induction-variable strength reduction on SSA form, in loops of one block (a rotated inner loop): a load or store
/// at <c>base + (i + k)*size</c>, where <c>i</c> is a basic induction variable (a header phi stepped by a constant each
/// iteration) and <c>base</c> and <c>k</c> are invariant registers, goes through a pointer of its own instead: set to
/// the first address in the preheader, stepped by step×size at the end of each iteration and accessed at offset 0.
/// The addition that made the index then dies; accesses at the same index share one pointer. Words wrap, so the pointer
/// equals the address exactly. An index that is <c>i</c> alone stays: the addressing mode scales it for nothing.
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
            var block = loop.Header;
            if (loop.Blocks.Count != 1 || !HasIndexedAccess(block)) continue;
            if (definition is null) (definedIn, definition) = Definitions(ssa.Function);
            changed |= Reduce(ssa, loops, loop, definedIn!, definition);
        }
        return changed;
    }

    private static bool HasIndexedAccess(BasicBlock block)
    {
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

    private static bool Reduce(SsaForm ssa, NaturalLoops loops, Loop loop, int[] definedIn, Instruction?[] definition)
    {
        var block = loop.Header;
        bool InLoop(Value v) => v.IsRegister && v.Register < definedIn.Length && definedIn[v.Register] == block.Id;
        // Value numbering leaves copies of equal values in place: look through those made in the loop.
        Value FollowCopies(Value v)
        {
            while (InLoop(v) && definition[v.Register] is { Opcode: Opcode.Copy } copy) v = copy.Args[0];
            return v;
        }

        // Basic induction variables: phi = [outside: start, here: phi + step].
        var steps = new Dictionary<int, (Value Start, long Step)>();
        foreach (var phi in block.Instructions)
        {
            if (phi.Opcode != Opcode.Phi) break;
            if (phi.Args.Length != 2) continue;
            int here = phi.Incoming[0] == block ? 0 : 1;
            if (phi.Incoming[1 - here] == block) continue;
            var next = FollowCopies(phi.Args[here]);
            if (InLoop(next) && definition[next.Register] is { Opcode: Opcode.Binary } update && StepOf(update, phi.Dest) is { } step)
                steps[phi.Dest] = (ConstantOrItself(phi.Args[1 - here], definition), step);
        }
        if (steps.Count == 0) return false;

        var pointers = new Dictionary<(Value Base, int Variable, int Offset, int Size), int>();
        bool changed = false;
        foreach (var access in block.Instructions.ToList())
        {
            if (!IsIndexedAccess(access) || InLoop(access.Args[0])) continue;
            var indexValue = FollowCopies(access.Args[1]);
            if (!InLoop(indexValue) || definition[indexValue.Register] is not { Opcode: Opcode.Binary, Operator: Operator.Add } index) continue;
            var (a, b) = (index.Args[0], index.Args[1]);
            if (b.IsRegister && steps.ContainsKey(b.Register)) (a, b) = (b, a);
            if (!a.IsRegister || !steps.TryGetValue(a.Register, out var variable) || !b.IsRegister || InLoop(b)) continue;
            if (loops.Preheader(loop) is not { } preheader) return changed;

            int size = WordArithmetic.ElementSize(access.Operator);
            var key = (access.Args[0], a.Register, b.Register, size);
            if (!pointers.TryGetValue(key, out int pointer))
            {
                pointer = NewPointer(ssa, block, preheader, access.Args[0], variable.Start, b, variable.Step, size);
                pointers[key] = pointer;
            }
            access.Args[0] = Value.Reg(pointer);
            access.Args[1] = Value.Const(0);
            changed = true;
        }
        return changed;
    }

    /// <summary>
    /// The constant a register was copied from (a version never changes, so it is that constant everywhere), else the
    /// register: using the register a copy came from instead could make two versions of one variable live at once.
    /// </summary>
    private static Value ConstantOrItself(Value value, Instruction?[] definition)
    {
        var v = value;
        while (v.IsRegister && v.Register < definition.Length && definition[v.Register] is { Opcode: Opcode.Copy } copy) v = copy.Args[0];
        return v.IsConstant ? v : value;
    }

    /// <summary>What an update adds to a phi each time (phi + c, c + phi or phi - c), or null.</summary>
    private static long? StepOf(Instruction update, int phi)
    {
        var (a, b) = (update.Args[0], update.Args[1]);
        bool isPhi(Value v) => v.IsRegister && v.Register == phi;
        return update.Operator switch
        {
            Operator.Add when isPhi(a) && b.IsConstant => b.Constant,
            Operator.Add when isPhi(b) && a.IsConstant => a.Constant,
            Operator.Sub when isPhi(a) && b.IsConstant => unchecked(-b.Constant),
            _ => null,
        };
    }

    /// <summary>
    /// A pointer that is <c>base + (start + offset)*size</c> on entry and grows by step×size at the end of each
    /// iteration: three versions of one new register (the preheader's, the phi's, the stepped one), never live at once.
    /// </summary>
    private static int NewPointer(SsaForm ssa, BasicBlock loop, BasicBlock preheader, Value @base, Value start, Value offset, long step, int size)
    {
        int first = ssa.NewRegister(), index = ssa.NewRegister(), scaled = ssa.NewRegister();
        var code = preheader.Instructions;
        code.Add(new Instruction { Opcode = Opcode.Binary, Operator = Operator.Add, Dest = index, Args = new[] { start, offset } });
        code.Add(new Instruction { Opcode = Opcode.Binary, Operator = Operator.Shl, Dest = scaled, Args = new[] { Value.Reg(index), Value.Const(BitOperations.Log2((uint)size)) } });
        code.Add(new Instruction { Opcode = Opcode.Binary, Operator = Operator.Add, Dest = first, Args = new[] { @base, Value.Reg(scaled) } });

        int current = ssa.NewVersionOf(first, isPhi: true), stepped = ssa.NewVersionOf(first, isPhi: false);
        loop.Instructions.Insert(0, new Instruction
        {
            Opcode = Opcode.Phi, Dest = current, Args = new[] { Value.Reg(first), Value.Reg(stepped) }, Incoming = new[] { preheader, loop },
        });
        loop.Instructions.Add(new Instruction { Opcode = Opcode.Binary, Operator = Operator.Add, Dest = stepped, Args = new[] { Value.Reg(current), Value.Const(unchecked(step * size)) } });
        return current;
    }
}
