using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Turns a conditional update into straight-line code: when one arm of a branch holds nothing but <c>x = x op c</c>
/// (op one of + - | ^, whose identity is 0) and jumps to the other arm, the comparison's 1 or 0 becomes the operand,
/// <c>x = x op t</c> for c = 1, else <c>x = x op (-t &amp; c)</c>. A mispredicted branch costs more than the few
/// instructions this adds. Branches compare words only, so negating the comparison for the false arm is exact.
/// The update may also be lowered as <c>t = x op c; x = t</c> with t used nowhere else.
/// </summary>
public static class IfConversion
{
    public static bool Run(IrFunction function)
    {
        function.CountPredecessors();
        var uses = function.UseCounts();
        bool changed = false;
        foreach (var block in function.Blocks)
        {
            if (block.Terminator is not { Kind: TerminatorKind.Branch } branch || branch.True == branch.False) continue;
            if (TryConvert(function, block, branch, branch.True!, branch.False!, branch.Comparison, uses)
                || TryConvert(function, block, branch, branch.False!, branch.True!, Negated(branch.Comparison), uses))
                changed = true;
        }
        return changed;
    }

    /// <summary>Converts when <paramref name="arm"/>, reached only when <paramref name="taken"/> holds, is a lone update that jumps to <paramref name="join"/>.</summary>
    private static bool TryConvert(IrFunction function, BasicBlock block, Terminator branch, BasicBlock arm, BasicBlock join, Operator taken, int[] uses)
    {
        if (arm == block || arm == function.Blocks[0] || arm.PredecessorCount != 1) return false;
        if (arm.Terminator.Kind != TerminatorKind.Jump || arm.Terminator.True != join || UpdatedRegister(arm, uses) is not { } x) return false;
        var update = arm.Instructions[0];
        var (left, operand) = (update.Args[0], update.Args[1]);
        if (left != Value.Reg(x))
        {
            // x = c + x is x = x + c; subtraction does not commute.
            if (update.Operator == Operator.Sub || operand != Value.Reg(x)) return false;
            operand = left;
        }

        int condition = function.NewRegister();
        block.Instructions.Add(new Instruction { Opcode = Opcode.Binary, Operator = taken, Dest = condition, Args = new[] { branch.A, branch.B } });
        var op = update.Operator;
        Value amount;
        if (operand.IsConstant && operand.Constant == 1) amount = Value.Reg(condition);
        else if (operand.IsConstant && operand.Constant == -1 && op is Operator.Add or Operator.Sub)
        {
            amount = Value.Reg(condition);
            op = op == Operator.Add ? Operator.Sub : Operator.Add;
        }
        else
        {
            // -t is all ones or zero: a mask that keeps c or nothing.
            int mask = function.NewRegister(), masked = function.NewRegister();
            block.Instructions.Add(new Instruction { Opcode = Opcode.Unary, Operator = Operator.Neg, Dest = mask, Args = new[] { Value.Reg(condition) } });
            block.Instructions.Add(new Instruction { Opcode = Opcode.Binary, Operator = Operator.And, Dest = masked, Args = new[] { Value.Reg(mask), operand } });
            amount = Value.Reg(masked);
        }
        block.Instructions.Add(new Instruction { Opcode = Opcode.Binary, Operator = op, Dest = x, Args = new[] { Value.Reg(x), amount } });
        block.Terminator = Terminator.Jump(join);
        arm.PredecessorCount = 0;
        return true;
    }

    /// <summary>The register x when the block is <c>x = x op c</c> or <c>t = x op c; x = t</c> (op one of + - | ^); else null.</summary>
    private static int? UpdatedRegister(BasicBlock arm, int[] uses)
    {
        var instructions = arm.Instructions;
        if (instructions.Count is not (1 or 2)
            || instructions[0] is not { Opcode: Opcode.Binary, Operator: Operator.Add or Operator.Sub or Operator.Or or Operator.Xor } update) return null;
        if (instructions.Count == 1) return update.Dest;
        var copy = instructions[1];
        return copy.Opcode == Opcode.Copy && copy.Args[0] == Value.Reg(update.Dest) && uses[update.Dest] == 1 ? copy.Dest : null;
    }

    private static Operator Negated(Operator comparison) => comparison switch
    {
        Operator.Lt => Operator.Ge, Operator.Ge => Operator.Lt, Operator.Le => Operator.Gt, Operator.Gt => Operator.Le,
        Operator.Eq => Operator.Ne, Operator.Ne => Operator.Eq,
        _ => throw new InvalidOperationException($"{comparison} is not a word comparison"),
    };
}
