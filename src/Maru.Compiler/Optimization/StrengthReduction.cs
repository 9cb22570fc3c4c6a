using System.Numerics;
using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Replaces a remainder by ±2^k that is only ever compared with zero by a bit mask:
/// <c>(= (% n 2) 0)</c> tests divisibility, for which the sign of the remainder does not matter.
/// </summary>
public static class StrengthReduction
{
    public static bool Run(IrFunction function)
    {
        var definitions = new int[function.RegisterCount];
        var zeroTestUses = new int[function.RegisterCount];
        var allUses = new int[function.RegisterCount];
        foreach (var block in function.Blocks)
        {
            foreach (var instruction in block.Instructions)
            {
                if (instruction.Dest >= 0) definitions[instruction.Dest]++;
                CountUses(instruction.Args, instruction.Opcode == Opcode.Binary ? instruction.Operator : null, zeroTestUses, allUses);
            }
            var t = block.Terminator;
            bool isZeroTest = t.Kind == TerminatorKind.Branch && t.Comparison is Operator.Eq or Operator.Ne && (IsZero(t.A) || IsZero(t.B));
            foreach (var use in t.Uses) CountUse(use, isZeroTest, zeroTestUses, allUses);
        }
        foreach (int p in function.Parameters) definitions[p]++;

        bool changed = false;
        foreach (var block in function.Blocks)
        {
            foreach (var instruction in block.Instructions)
            {
                if (instruction is not { Opcode: Opcode.Binary, Operator: Operator.Rem } || !instruction.Args[1].IsConstant) continue;
                long divisor = instruction.Args[1].Constant;
                if (divisor == long.MinValue || !BitOperations.IsPow2(Math.Abs(divisor))) continue;
                int d = instruction.Dest;
                if (definitions[d] != 1 || allUses[d] == 0 || allUses[d] != zeroTestUses[d]) continue;
                instruction.Operator = Operator.And;
                instruction.Args = new[] { instruction.Args[0], Value.Const(Math.Abs(divisor) - 1) };
                changed = true;
            }
        }
        return changed;
    }

    private static void CountUses(Value[] args, Operator? op, int[] zeroTestUses, int[] allUses)
    {
        bool isZeroTest = op is Operator.Eq or Operator.Ne && args.Length == 2 && (IsZero(args[0]) || IsZero(args[1]));
        foreach (var arg in args) CountUse(arg, isZeroTest, zeroTestUses, allUses);
    }

    private static void CountUse(Value use, bool isZeroTest, int[] zeroTestUses, int[] allUses)
    {
        if (!use.IsRegister) return;
        allUses[use.Register]++;
        if (isZeroTest) zeroTestUses[use.Register]++;
    }

    private static bool IsZero(Value value) => value is { IsConstant: true, Constant: 0 };
}
