using Maru.Compiler.Semantics;

namespace Maru.Compiler.IR;

/// <summary>
/// Chooses where each register of a function lives, for a target with floating-point registers: a double that the
/// code mostly computes with lives in a floating-point register, everything else in a general one. Values stay words
/// (spec section 11), so either is correct; the choice only decides where the bits cross between the classes. A
/// register and those it is copied to or from share a class (a loop variable and its updates); within such a group,
/// each use and definition votes for the class its instruction needs, weighted by loop depth. Then every operand and
/// result in the other class than its instruction needs gets a copy across the classes, which the target emits as a
/// bit move.
/// </summary>
public static class RegisterClasses
{
    private enum Need { Any, Word, Float }

    public static void Assign(IrFunction function)
    {
        // Where nothing computes in floating-point registers, every register stays a word and needs no copy.
        if (!NeedsFloat(function)) return;
        var group = new int[function.RegisterCount];
        for (int r = 0; r < group.Length; r++) group[r] = r;
        foreach (var instruction in function.Blocks.SelectMany(b => b.Instructions))
            if (instruction is { Opcode: Opcode.Copy, Dest: >= 0 } && instruction.Args[0].IsRegister)
                Union(group, instruction.Dest, instruction.Args[0].Register);

        var votes = new double[function.RegisterCount];
        void Vote(int register, Need need, double weight)
        {
            if (need != Need.Any) votes[Find(group, register)] += need == Need.Float ? weight : -weight;
        }
        foreach (int parameter in function.Parameters) Vote(parameter, Need.Word, 1);
        foreach (var block in function.Blocks)
        {
            double weight = Math.Pow(10, Math.Min(block.LoopDepth, 6));
            foreach (var instruction in block.Instructions)
            {
                for (int i = 0; i < instruction.Args.Length; i++)
                    if (instruction.Args[i].IsRegister) Vote(instruction.Args[i].Register, OperandNeed(instruction, i), weight);
                if (instruction.Dest >= 0) Vote(instruction.Dest, ResultNeed(instruction), weight);
            }
            foreach (var use in block.Terminator.Uses)
                if (use.IsRegister) Vote(use.Register, Need.Word, weight);
        }

        var floats = function.FloatRegisters;
        int registers = function.RegisterCount;
        for (int r = 0; r < registers; r++)
            if (votes[Find(group, r)] > 0) floats.Add(r);

        foreach (var block in function.Blocks)
        {
            var code = new List<Instruction>(block.Instructions.Count);
            foreach (var instruction in block.Instructions)
            {
                for (int i = 0; i < instruction.Args.Length; i++)
                    instruction.Args[i] = InClass(function, instruction.Args[i], OperandNeed(instruction, i), code);
                code.Add(instruction);
                var resultNeed = ResultNeed(instruction);
                if (instruction.Dest >= 0 && resultNeed != Need.Any && floats.Contains(instruction.Dest) != (resultNeed == Need.Float))
                {
                    int result = NewRegister(function, resultNeed == Need.Float);
                    code.Add(new Instruction { Opcode = Opcode.Copy, Dest = instruction.Dest, Args = [Value.Reg(result)] });
                    instruction.Dest = result;
                }
            }
            var terminator = block.Terminator;
            switch (terminator.Kind)
            {
                case TerminatorKind.Branch:
                    terminator.A = InClass(function, terminator.A, Need.Word, code);
                    terminator.B = InClass(function, terminator.B, Need.Word, code);
                    break;
                case TerminatorKind.Return:
                    terminator.A = InClass(function, terminator.A, Need.Word, code);
                    break;
                case TerminatorKind.TailCall:
                    terminator.Args = terminator.Args.Select(a => InClass(function, a, Need.Word, code)).ToArray();
                    break;
            }
            block.Instructions.Clear();
            block.Instructions.AddRange(code);
        }
    }

    private static bool NeedsFloat(IrFunction function)
    {
        foreach (var block in function.Blocks)
            foreach (var instruction in block.Instructions)
            {
                if (ResultNeed(instruction) == Need.Float) return true;
                for (int i = 0; i < instruction.Args.Length; i++)
                    if (OperandNeed(instruction, i) == Need.Float) return true;
            }
        return false;
    }

    /// <summary>The operand itself, or a copy of it in the class <paramref name="need"/> asks for (added to <paramref name="code"/>).</summary>
    private static Value InClass(IrFunction function, Value operand, Need need, List<Instruction> code)
    {
        if (operand.IsConstant || need == Need.Any || function.FloatRegisters.Contains(operand.Register) == (need == Need.Float)) return operand;
        int copy = NewRegister(function, need == Need.Float);
        code.Add(new Instruction { Opcode = Opcode.Copy, Dest = copy, Args = [operand] });
        return Value.Reg(copy);
    }

    private static int NewRegister(IrFunction function, bool isFloat)
    {
        int register = function.NewRegister();
        if (isFloat) function.FloatRegisters.Add(register);
        return register;
    }

    private static bool IsDoubleArithmetic(Operator op) =>
        op is Operator.FAdd or Operator.FSub or Operator.FMul or Operator.FDiv or Operator.FMin or Operator.FMax;
    /// <summary>The unary operators that compute in floating-point registers: square root and rounding to an integral double.</summary>
    private static bool IsDoubleUnary(Operator op) => op is Operator.FSqrt or (>= Operator.FFloor and <= Operator.FTruncate);
    private static bool IsDoubleComparison(Operator op) => op is >= Operator.FLt and <= Operator.FGt;

    /// <summary>What operand <paramref name="index"/> of the instruction needs to be in.</summary>
    private static Need OperandNeed(Instruction instruction, int index) => instruction.Opcode switch
    {
        Opcode.Copy or Opcode.StoreGlobal or Opcode.StoreSlot => Need.Any,
        Opcode.Binary => IsDoubleArithmetic(instruction.Operator) || IsDoubleComparison(instruction.Operator) ? Need.Float : Need.Word,
        Opcode.Unary => IsDoubleUnary(instruction.Operator) || instruction.Operator is Operator.DoubleToLong ? Need.Float : Need.Word,
        Opcode.Store when index == 2 => instruction.Operator switch
        {
            Operator.StoreWord => Need.Any,
            Operator.StoreFloat => Need.Float,
            _ => Need.Word,
        },
        Opcode.Call when instruction.Signature is { } signature => CallArgumentNeed(instruction, signature, index),
        _ => Need.Word,
    };

    private static Need CallArgumentNeed(Instruction call, CSignature signature, int index)
    {
        int parameter = call.CallKind == CallKind.Indirect ? index - 1 : index;
        return parameter >= 0 && CSignature.IsFloatingPoint(signature.Parameters[parameter]) ? Need.Float : Need.Word;
    }

    /// <summary>What class the instruction's result comes out in.</summary>
    private static Need ResultNeed(Instruction instruction) => instruction.Opcode switch
    {
        Opcode.Copy or Opcode.LoadGlobal or Opcode.LoadSlot => Need.Any,
        Opcode.Binary => IsDoubleArithmetic(instruction.Operator) ? Need.Float : Need.Word,
        Opcode.Unary => IsDoubleUnary(instruction.Operator) || instruction.Operator is Operator.LongToDouble ? Need.Float : Need.Word,
        Opcode.Load => instruction.Operator switch
        {
            Operator.LoadWord => Need.Any,
            Operator.LoadFloat => Need.Float,
            _ => Need.Word,
        },
        Opcode.Call when instruction.Signature is { } signature => CSignature.IsFloatingPoint(signature.Result) ? Need.Float : Need.Word,
        _ => Need.Word,
    };

    private static int Find(int[] group, int r)
    {
        while (group[r] != r) r = group[r] = group[group[r]];
        return r;
    }

    private static void Union(int[] group, int a, int b) => group[Find(group, a)] = Find(group, b);
}
