using System.Numerics;
using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Runs the IR passes: the plain ones in rounds until nothing changes; then, on SSA form, constant propagation, value
/// numbering, loop-invariant code motion and induction-variable strength reduction; then the plain rounds again if those
/// changed something, or unrolling did; then tail duplication (and the plain rounds if it copied something).
/// </summary>
public static class Optimizer
{
    public static void Run(IrFunction function)
    {
        ControlFlow.Simplify(function);
        Simplify(function);
        if (OnSsaForm(function) | Unrolling.Run(function)) Simplify(function);
        if (TailDuplication.Run(function)) Simplify(function);
        EntrySplitting.Run(function);
    }

    /// <summary>The passes that run on the plain form, in rounds until nothing changes.</summary>
    private static void Simplify(IrFunction function)
    {
        for (int round = 0; round < 8; round++)
        {
            bool changed = ConstantFolding.Run(function);
            changed |= StrengthReduction.Run(function);
            changed |= IfConversion.Run(function);
            changed |= ControlFlow.Simplify(function);
            changed |= DeadStores.Run(function);
            changed |= DeadCode.Run(function);
            if (!changed) break;
        }
    }

    /// <summary>The passes that run on SSA form; true if they changed something.</summary>
    private static bool OnSsaForm(IrFunction function)
    {
        if (SsaForm.Construct(function) is not { } ssa) return false;
        bool changed = Sccp.Run(ssa);
        changed |= ValueNumbering.Run(ssa);
        var loops = new NaturalLoops(ssa);
        changed |= LoopInvariantCodeMotion.Run(ssa, loops);
        changed |= InductionVariables.Run(ssa, loops);
        ssa.Destruct();
        return changed;
    }
}

/// <summary>
/// Folds operators over constants (with the language's defined semantics), simplifies algebraic identities,
/// propagates registers assigned exactly once from a constant or an unchanging register, and folds decided branches.
/// </summary>
public static class ConstantFolding
{
    public static bool Run(IrFunction function)
    {
        bool changed = false;
        var substitution = SingleAssignmentValues(function);
        foreach (var block in function.Blocks)
        {
            foreach (var instruction in block.Instructions)
            {
                changed |= Substitute(instruction.Args, substitution);
                changed |= Simplify(instruction);
            }
            var terminator = block.Terminator;
            if (terminator.Kind is TerminatorKind.Branch or TerminatorKind.Return && Substitute(terminator.A, substitution) is { } a)
            {
                terminator.A = a;
                changed = true;
            }
            if (terminator.Kind is TerminatorKind.Branch && Substitute(terminator.B, substitution) is { } b)
            {
                terminator.B = b;
                changed = true;
            }
            changed |= Substitute(terminator.Args, substitution);
            if (terminator.Kind == TerminatorKind.Branch && terminator.A.IsConstant && terminator.B.IsConstant)
            {
                bool taken = WordArithmetic.Binary(terminator.Comparison, terminator.A.Constant, terminator.B.Constant) != 0;
                block.Terminator = Terminator.Jump(taken ? terminator.True! : terminator.False!);
                changed = true;
            }
        }
        return changed;
    }

    // Reused from round to round and function to function (see Scratch).
    [ThreadStatic] private static int[]? s_definitions;
    [ThreadStatic] private static Dictionary<int, Value>? s_singleAssignmentValues;
    [ThreadStatic] private static List<int>? s_substituted;

    /// <summary>Registers assigned once, by a copy of a constant or of a register that is itself never reassigned.</summary>
    private static Dictionary<int, Value> SingleAssignmentValues(IrFunction function)
    {
        var definitions = Scratch.Cleared(ref s_definitions, function.RegisterCount);
        function.CountDefinitions(definitions);

        var result = s_singleAssignmentValues ??= new Dictionary<int, Value>();
        result.Clear();
        foreach (var block in function.Blocks)
        {
            foreach (var instruction in block.Instructions)
            {
                if (instruction.Opcode != Opcode.Copy || definitions[instruction.Dest] != 1) continue;
                var source = instruction.Args[0];
                if (source.IsConstant || (definitions[source.Register] == 1 && source.Register != instruction.Dest))
                    result[instruction.Dest] = source;
            }
        }
        // Resolve chains (v3 = v2, v2 = 5) so one pass substitutes fully.
        var substituted = s_substituted ??= new List<int>();
        substituted.Clear();
        substituted.AddRange(result.Keys);
        foreach (int register in substituted)
        {
            var value = result[register];
            for (int guard = 0; value.IsRegister && result.TryGetValue(value.Register, out var next) && guard < 64; guard++) value = next;
            result[register] = value;
        }
        return result;
    }

    /// <summary>What replaces one operand, or null if it stays.</summary>
    private static Value? Substitute(Value value, Dictionary<int, Value> substitution) =>
        value.IsRegister && substitution.TryGetValue(value.Register, out var replacement) ? replacement : null;

    private static bool Substitute(Value[] args, Dictionary<int, Value> substitution)
    {
        bool changed = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i].IsRegister && substitution.TryGetValue(args[i].Register, out var value))
            {
                args[i] = value;
                changed = true;
            }
        }
        return changed;
    }

    private static bool Simplify(Instruction instruction)
    {
        var args = instruction.Args;
        switch (instruction.Opcode)
        {
            case Opcode.Unary when args[0].IsConstant:
                return ToCopy(instruction, Value.Const(WordArithmetic.Unary(instruction.Operator, args[0].Constant)));
            case Opcode.Binary:
                return SimplifyBinary(instruction);
            default:
                return false;
        }
    }

    private static bool SimplifyBinary(Instruction instruction)
    {
        var args = instruction.Args;
        var op = instruction.Operator;
        if (args[0].IsConstant && args[1].IsConstant)
            return ToCopy(instruction, Value.Const(WordArithmetic.Binary(op, args[0].Constant, args[1].Constant)));
        if (args[0].IsConstant && WordArithmetic.IsCommutative(op))
        {
            (args[0], args[1]) = (args[1], args[0]);
            return true;
        }
        if (op == Operator.FMul && args[0] is { IsConstant: true, Constant: TwoPointZero }) (args[0], args[1]) = (args[1], args[0]);
        if (!args[1].IsConstant) return false;
        long c = args[1].Constant;
        switch (op)
        {
            case Operator.FMul when c == TwoPointZero:
                // 2x and x + x are the same exactly rounded value (infinities, zeros and NaNs included); adding is cheaper.
                instruction.Args = new[] { args[0], args[0] };
                instruction.Operator = Operator.FAdd;
                return true;
            case Operator.FDiv when ReciprocalOfPowerOfTwo(c) is { } reciprocal:
                // x / 2^k and x * 2^-k are the same real number, so the same rounded double; multiplying is faster.
                instruction.Args = new[] { args[0], Value.Const(reciprocal) };
                instruction.Operator = Operator.FMul;
                return true;
            case Operator.Add or Operator.Sub or Operator.Or or Operator.Xor or Operator.Shl or Operator.Sar when c == 0:
            case Operator.Mul or Operator.Div when c == 1:
                return ToCopy(instruction, args[0]);
            case Operator.Mul or Operator.And when c == 0:
            case Operator.Div when c == 0:
            case Operator.Rem when c is 1 or -1:
                return ToCopy(instruction, Value.Const(0));
            case Operator.Rem when c == 0:
                return ToCopy(instruction, args[0]);
            case Operator.And when c == -1:
                return ToCopy(instruction, args[0]);
            case Operator.Mul when c > 1 && BitOperations.IsPow2(c):
                instruction.Args = new[] { args[0], Value.Const(BitOperations.Log2((ulong)c)) };
                instruction.Operator = Operator.Shl;
                return true;
            case Operator.Div when c == -1:
                instruction.Args = new[] { args[0] };
                instruction.Opcode = Opcode.Unary;
                instruction.Operator = Operator.Neg;
                return true;
            case Operator.Shl or Operator.Sar when (c & ~63L) != 0:
                args[1] = Value.Const(c & 63); // the count is taken modulo 64
                return true;
            default:
                return false;
        }
    }

    private const long TwoPointZero = 0x4000000000000000;

    /// <summary>The bits of 1/d when d is ±2^k and 1/d is a normal double too; else null.</summary>
    private static long? ReciprocalOfPowerOfTwo(long bits)
    {
        long exponent = (bits >> 52) & 0x7FF, mantissa = bits & 0xFFFFFFFFFFFFF;
        if (mantissa != 0 || exponent is 0 or 0x7FF) return null;
        long reciprocalExponent = 2 * 1023 - exponent;
        if (reciprocalExponent is < 1 or > 0x7FE) return null;
        return (bits & long.MinValue) | (reciprocalExponent << 52);
    }


    private static bool ToCopy(Instruction instruction, Value value)
    {
        instruction.Args = new[] { value };
        instruction.Opcode = Opcode.Copy;
        return true;
    }
}
