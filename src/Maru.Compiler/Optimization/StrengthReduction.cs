using System.Numerics;
using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Replaces a remainder by ±2^k that is only ever compared with zero by a bit mask:
/// <c>(= (% n 2) 0)</c> tests divisibility, for which the sign of the remainder does not matter.
/// And, where such a test has proved x a multiple of 2^k, replaces a following <c>x / 2^j</c> (j ≤ k) by an arithmetic
/// shift: the division is exact, so rounding toward zero and toward minus infinity agree. The same holds for the
/// product of two consecutive values, <c>n (n + 1) / 2</c>: one of them is even, so their product is, modulo 2^64 too.
/// </summary>
public static class StrengthReduction
{
    [ThreadStatic] private static int[]? s_definitions, s_zeroTestUses, s_allUses;
    [ThreadStatic] private static Instruction?[]? s_definition;

    public static bool Run(IrFunction function)
    {
        var definitions = Scratch.Cleared(ref s_definitions, function.RegisterCount);
        var zeroTestUses = Scratch.Cleared(ref s_zeroTestUses, function.RegisterCount);
        var allUses = Scratch.Cleared(ref s_allUses, function.RegisterCount);
        foreach (var block in function.Blocks)
        {
            foreach (var instruction in block.Instructions)
                CountUses(instruction.Args, instruction.Opcode == Opcode.Binary ? instruction.Operator : null, zeroTestUses, allUses);
            var t = block.Terminator;
            bool isZeroTest = t.Kind == TerminatorKind.Branch && t.Comparison is Operator.Eq or Operator.Ne && (IsZero(t.A) || IsZero(t.B));
            foreach (var use in t.Uses) CountUse(use, isZeroTest, zeroTestUses, allUses);
        }
        function.CountDefinitions(definitions);

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
        changed |= HalveProductsOfConsecutiveValues(function, definitions);
        function.CountPredecessors();
        foreach (var block in function.Blocks) changed |= ShiftExactDivisions(block);
        return changed;
    }

    /// <summary>
    /// <c>x / 2</c> becomes <c>x &gt;&gt; 1</c> where x is <c>a * b</c> and b is <c>a ± 1</c> (each register assigned once, seen
    /// through copies): the product is even, so the division is exact (the triangular numbers of spectral's matrix).
    /// </summary>
    private static bool HalveProductsOfConsecutiveValues(IrFunction function, int[] definitions)
    {
        var definition = Scratch.Cleared(ref s_definition, function.RegisterCount);
        bool hasHalving = false;
        foreach (var block in function.Blocks)
            foreach (var instruction in block.Instructions)
            {
                if (instruction.Dest >= 0 && definitions[instruction.Dest] == 1) definition[instruction.Dest] = instruction;
                hasHalving |= IsHalving(instruction);
            }
        if (!hasHalving) return false;

        Instruction? DefinitionOf(Value v) => v.IsRegister && definitions[v.Register] == 1 ? definition[v.Register] : null;
        Value ThroughCopies(Value v)
        {
            for (int steps = 0; steps < 64 && DefinitionOf(v) is { Opcode: Opcode.Copy } copy; steps++) v = copy.Args[0];
            return v;
        }
        bool IsNeighbour(Value next, Value of) =>
            DefinitionOf(ThroughCopies(next)) is { Opcode: Opcode.Binary, Operator: Operator.Add or Operator.Sub, Args: [var from, { IsConstant: true, Constant: 1 or -1 }] }
            && ThroughCopies(from) is var source && source.IsRegister && definitions[source.Register] == 1 && source == ThroughCopies(of);

        bool changed = false;
        foreach (var block in function.Blocks)
            foreach (var instruction in block.Instructions)
            {
                if (!IsHalving(instruction)
                    || DefinitionOf(ThroughCopies(instruction.Args[0])) is not { Opcode: Opcode.Binary, Operator: Operator.Mul, Args: [var a, var b] }
                    || !(IsNeighbour(b, a) || IsNeighbour(a, b)))
                    continue;
                instruction.Operator = Operator.Sar;
                instruction.Args = new[] { instruction.Args[0], Value.Const(1) };
                changed = true;
            }
        return changed;
    }

    private static bool IsHalving(Instruction instruction) =>
        instruction is { Opcode: Opcode.Binary, Operator: Operator.Div, Args: [{ IsRegister: true }, { IsConstant: true, Constant: 2 }] };

    /// <summary>
    /// When the block ends by branching on <c>(x &amp; mask) == 0</c> or <c>(x % ±2^k) == 0</c>, computed in the block with
    /// x unchanged since, rewrites the divisions of x by 2^j (2^j dividing what was tested) at the start of the
    /// successor where the test held, when that successor has no other predecessor, up to the first assignment of x.
    /// </summary>
    private static bool ShiftExactDivisions(BasicBlock block)
    {
        if (block.OperationTestedAgainstZero() is not { Args: [var x, var c] } test) return false;
        var branch = block.Terminator;
        var divisible = branch.Comparison == Operator.Eq ? branch.True! : branch.False!;
        if (divisible == branch.True && divisible == branch.False || divisible == block || divisible.PredecessorCount != 1) return false;

        int bits = test.Operator switch
        {
            // The low k bits of the mask are ones: x & mask == 0 clears the low k bits of x.
            Operator.And => BitOperations.TrailingZeroCount(~c.Constant),
            Operator.Rem when c.Constant != long.MinValue && BitOperations.IsPow2(Math.Abs(c.Constant)) => BitOperations.Log2((ulong)Math.Abs(c.Constant)),
            _ => 0,
        };
        if (bits == 0) return false;

        bool changed = false;
        foreach (var instruction in divisible.Instructions)
        {
            if (instruction is { Opcode: Opcode.Binary, Operator: Operator.Div, Args: [var dividend, { IsConstant: true } divisor] }
                && dividend == x && divisor.Constant > 1 && BitOperations.IsPow2(divisor.Constant) && BitOperations.Log2((ulong)divisor.Constant) <= bits)
            {
                instruction.Operator = Operator.Sar;
                instruction.Args = new[] { x, Value.Const(BitOperations.Log2((ulong)divisor.Constant)) };
                changed = true;
            }
            if (instruction.Dest == x.Register) break;
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
