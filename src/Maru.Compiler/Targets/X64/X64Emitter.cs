using System.Runtime.CompilerServices;
using System.Globalization;
using System.Text;
using static Maru.Compiler.Targets.X64.X64Registers;

namespace Maru.Compiler.Targets.X64;

/// <summary>
/// Lays out the frame of an allocated function and prints it as GNU assembler text (AT&amp;T syntax), with DWARF CFI
/// or, on Windows, SEH unwind directives. Epilogues have the canonical form Windows unwinds through:
/// <c>addq $n, %rsp</c>, pops, then <c>ret</c> or a jump to another function.
/// </summary>
public sealed class X64Emitter : IBlockEmitter, IAssemblyText
{
    /// <summary>
    /// The most instructions a shrink-wrapped entry and its frameless return may have on Windows, where they precede the
    /// prologue and so count in its size, which SEH records in one byte: at most 15 bytes an instruction, with room
    /// left for the pushes, the stack allocation and the jumps.
    /// </summary>
    private const int MaxInstructionsBeforeSehPrologue = 14;

    private readonly MachineFunction _function;
    private readonly X64Abi _abi;
    private readonly X64ObjectFormat _format;
    private readonly bool _seh;
    private readonly StringBuilder _text;
    private readonly int _frameSize;
    private const int PageSize = 4096;
    private readonly int _pushBytes;
    /// <summary>The callee-saved registers the prologue pushes (general ones) and those it stores in the frame (xmm).</summary>
    private readonly List<int> _pushed, _savedXmm;
    private readonly int _xmmSaveOffset;

    private X64Emitter(MachineFunction function, X64Abi abi, X64ObjectFormat format, StringBuilder text)
    {
        _function = function;
        _abi = abi;
        _format = format;
        _seh = format.UsesSehUnwind;
        _text = text;
        _pushed = function.UsedCalleeSaved.Where(r => !IsXmm(r)).ToList();
        _savedXmm = function.UsedCalleeSaved.Where(IsXmm).ToList();
        _pushBytes = 8 * _pushed.Count;
        int outgoing = function.HasCalls ? 8 * function.OutgoingArguments + abi.ShadowSpace : 0;
        int frame = 8 * function.SlotCount + outgoing;
        if (_savedXmm.Count > 0)
        {
            // Callee-saved xmm registers (Windows) are saved whole, above the slots, 16-byte aligned for movaps.
            _xmmSaveOffset = (frame + 15) & ~15;
            frame = _xmmSaveOffset + 16 * _savedXmm.Count;
        }
        // At a call, and for movaps, the stack pointer must be a multiple of 16; on entry it is 8 past one.
        if ((function.HasCalls || _savedXmm.Count > 0) && (8 + _pushBytes + frame) % 16 != 0) frame += 8;
        _frameSize = frame;
        _outgoingBytes = outgoing;
    }

    private readonly int _outgoingBytes;

    /// <summary>Appends the function's body (from its label to its last instruction) to <paramref name="text"/>.</summary>
    public static void Emit(MachineFunction function, X64Abi abi, X64ObjectFormat format, StringBuilder text) =>
        new X64Emitter(function, abi, format, text).EmitFunction();

    private void EmitFunction()
    {
        Line($"{_function.Symbol}:");
        Line(_seh ? $"\t.seh_proc {_function.Symbol}" : "\t.cfi_startproc");
        BlockWalk.Emit(_function, this, FindShrinkWrap());
        Line(_seh ? "\t.seh_endproc" : "\t.cfi_endproc");
    }

    private void EmitPrologue()
    {
        foreach (int register in _pushed)
        {
            Line($"\tpushq\t{Name(register)}");
            if (_seh) Line($"\t.seh_pushreg {Name(register)}");
            else
            {
                Line("\t.cfi_adjust_cfa_offset 8");
                Line($"\t.cfi_rel_offset {Name(register)}, 0");
            }
        }
        if (_frameSize > 0)
        {
            // Windows commits a thread's stack one guard page at a time: a frame of a page or more must touch its
            // pages in order, top down, before it is used (what __chkstk does). The probes change no register.
            if (_seh)
                for (int page = PageSize; page <= _frameSize; page += PageSize) Line($"\torq\t$0, -{page}(%rsp)");
            Line($"\tsubq\t${_frameSize}, %rsp");
            Line(_seh ? $"\t.seh_stackalloc {_frameSize}" : $"\t.cfi_adjust_cfa_offset {_frameSize}");
        }
        for (int i = 0; i < _savedXmm.Count; i++)
        {
            int offset = _xmmSaveOffset + 16 * i;
            Line($"\tmovaps\t{Name(_savedXmm[i])}, {offset}(%rsp)");
            Line($"\t.seh_savexmm {Name(_savedXmm[i])}, {offset}"); // only Windows has callee-saved xmm registers
        }
        if (_seh) Line("\t.seh_endprologue");
    }

    /// <summary>
    /// The shrink-wrapping <see cref="BlockWalk.FindShrinkWrap"/> finds, where the frame allows it: not with saves of
    /// xmm registers, nor on Windows beyond what the SEH prologue's size, which the frameless code precedes, can hold.
    /// </summary>
    private BlockWalk.ShrinkWrap? FindShrinkWrap()
    {
        if ((_frameSize == 0 && _pushBytes == 0) || _savedXmm.Count > 0) return null;
        var wrap = BlockWalk.FindShrinkWrap(_function, this);
        if (wrap is null || !_seh) return wrap;
        int beforePrologue = _function.Blocks[0].Instructions.Count - 2 + wrap.Frameless.Instructions.Count - 1;
        return beforePrologue <= MaxInstructionsBeforeSehPrologue ? wrap : null;
    }

    bool IBlockEmitter.IsConditionalBranch(MachineInstruction instruction) => (X64Op)instruction.Opcode == X64Op.Jcc;
    bool IBlockEmitter.IsJump(MachineInstruction instruction) => (X64Op)instruction.Opcode == X64Op.Jmp;
    int IBlockEmitter.ReturnOpcode => (int)X64Op.Ret;
    bool IBlockEmitter.FramelessReturnAheadOfPrologue => _seh;
    void IBlockEmitter.EmitLabel(string label) => Line($"{label}:");
    // Loop heads start on a 16-byte boundary where that takes at most 10 bytes of padding, else on an 8-byte one, as gcc
    // does: nqueens' inner loop ran 6% slower starting 1 byte past a 16-byte boundary than starting 8 past it.
    void IBlockEmitter.EmitLoopHeadAlignment()
    {
        Line("\t.p2align 4,,10");
        Line("\t.p2align 3");
    }
    void IBlockEmitter.EmitPrologue() => EmitPrologue();
    void IBlockEmitter.EmitInstruction(MachineInstruction instruction, bool isLastOfFunction) => EmitInstruction(instruction, isLastOfFunction);
    void IBlockEmitter.EmitJump(long block) => Line($"\tjmp\t{BlockLabel(block)}");

    void IBlockEmitter.EmitConditionalBranch(MachineInstruction branch, bool inverted, string label)
    {
        var condition = (X64Condition)branch.Condition;
        Line($"\tj{ConditionSuffix(inverted ? Invert(condition) : condition)}\t{label}");
    }

    public bool NeedsNoFrame(MachineInstruction instruction)
    {
        if ((X64Op)instruction.Opcode is X64Op.Call or X64Op.Ret or X64Op.TailJmp or X64Op.Jmp or X64Op.Jcc) return false;
        return instruction.NeedsNoFrame(_abi.IsCalleeSaved);
    }

    /// <summary>
    /// SEH describes one prologue, at the start of the function, whose unwind codes apply from the offset of each
    /// instruction on: code ahead of the first push is unwound as frameless. So on Windows the frameless return comes
    /// right after the entry's test, and the framed path jumps over it to the prologue.
    /// </summary>
    void IBlockEmitter.EmitFramelessReturnAheadOfPrologue(MachineInstruction branch, bool inverted, IReadOnlyList<MachineInstruction> code)
    {
        string prologue = $"{_format.LocalLabelPrefix}{_function.Symbol}.prologue";
        ((IBlockEmitter)this).EmitConditionalBranch(branch, !inverted, prologue);
        foreach (var instruction in code.Take(code.Count - 1)) EmitInstruction(instruction, false);
        Line("\tret");
        Line($"{prologue}:");
    }

    void IBlockEmitter.EmitFramelessReturn(IReadOnlyList<MachineInstruction> code)
    {
        // Unwind information here describes the entry state, then the framed state again for the code after it.
        Line("\t.cfi_remember_state");
        Line("\t.cfi_def_cfa_offset 8");
        foreach (int register in _pushed) Line($"\t.cfi_restore {Name(register)}");
        foreach (var instruction in code.Take(code.Count - 1)) EmitInstruction(instruction, false);
        Line("\tret");
        Line("\t.cfi_restore_state");
    }

    public string BlockLabel(long id) => $"{_format.LocalLabelPrefix}{_function.Symbol}.{id}";

    private void EmitInstruction(MachineInstruction instruction, bool isLastOfFunction)
    {
        var o = instruction.Operands;
        var condition = (X64Condition)instruction.Condition;
        switch ((X64Op)instruction.Opcode)
        {
            case X64Op.Mov:
                EmitMove(o[0], o[1]);
                break;
            case X64Op.MovZxByte:
                Line($"\tmovzbl\t{Format(o[1])}, {Name(o[0].Reg, 4)}");
                break;
            case X64Op.StoreByte:
                Line($"\tmovb\t{(o[1].IsRegister ? Name(o[1].Reg, 1) : Format(o[1]))}, {Format(o[0])}");
                break;
            case X64Op.Lea:
                Line($"\tleaq\t{Format(o[1])}, {Format(o[0])}");
                break;
            case X64Op.LoadExternAddress:
                Line($"\t{_format.ExternAddress(o[1].Symbol!, Format(o[0]))}");
                break;
            case X64Op.Xor when o[0].IsRegister && o[1].IsRegister && o[0].Reg == o[1].Reg:
                // Zeroing: the 32-bit form clears the whole register in fewer bytes (X64Peephole.ZeroWithXor).
                Line($"\txorl\t{Name(o[0].Reg, 4)}, {Name(o[0].Reg, 4)}");
                break;
            case X64Op.Add or X64Op.Sub or X64Op.And or X64Op.Or or X64Op.Xor or X64Op.Imul or X64Op.Adc or X64Op.Sbb:
                Line($"\t{Mnemonic((X64Op)instruction.Opcode)}q\t{Format(o[1])}, {Format(o[0])}");
                break;
            case X64Op.Neg or X64Op.Not:
                Line($"\t{Mnemonic((X64Op)instruction.Opcode)}q\t{Format(o[0])}");
                break;
            case X64Op.Shl or X64Op.Sar or X64Op.Shr:
                Line($"\t{Mnemonic((X64Op)instruction.Opcode)}q\t{(o[1].IsRegister ? "%cl" : Format(o[1]))}, {Format(o[0])}");
                break;
            case X64Op.Cmp:
                Line($"\tcmpq\t{Format(o[1])}, {Format(o[0])}");
                break;
            case X64Op.CmpByte:
                Line($"\tcmpb\t{Format(o[1])}, {Format(o[0])}");
                break;
            case X64Op.Test:
                Line($"\ttestq\t{Format(o[1])}, {Format(o[0])}");
                break;
            case X64Op.Setcc:
                Line($"\tset{ConditionSuffix(condition)}\t{Name(o[0].Reg, 1)}");
                Line($"\tmovzbl\t{Name(o[0].Reg, 1)}, {Name(o[0].Reg, 4)}");
                break;
            case X64Op.Cmov:
                Line($"\tcmov{ConditionSuffix(condition)}q\t{Format(o[1])}, {Format(o[0])}");
                break;
            case X64Op.Cqo:
                Line("\tcqto");
                break;
            case X64Op.Idiv:
                Line($"\tidivq\t{Format(o[0])}");
                break;
            case X64Op.ImulWide:
                Line($"\timulq\t{Format(o[0])}");
                break;
            case X64Op.Jmp:
                Line($"\tjmp\t{BlockLabel((int)o[0].Value)}");
                break;
            case X64Op.Jcc:
                Line($"\tj{ConditionSuffix(condition)}\t{BlockLabel((int)o[0].Value)}");
                break;
            case X64Op.Call:
                Line(o[0].IsRegister ? $"\tcall\t*{Name(o[0].Reg)}" : $"\tcall\t{o[0].Symbol}");
                break;
            case X64Op.Ret:
                EmitEpilogue(isLastOfFunction, "\tret");
                break;
            case X64Op.TailJmp:
                EmitEpilogue(isLastOfFunction, $"\tjmp\t{o[0].Symbol}");
                break;
            case X64Op.MovSxByte:
                Line($"\tmovsbq\t{Format(o[1])}, {Name(o[0].Reg)}");
                break;
            case X64Op.MovSxWord:
                Line($"\tmovswq\t{Format(o[1])}, {Name(o[0].Reg)}");
                break;
            case X64Op.MovZxWord:
                Line($"\tmovzwl\t{Format(o[1])}, {Name(o[0].Reg, 4)}");
                break;
            case X64Op.MovSxLong:
                Line($"\tmovslq\t{Format(o[1])}, {Name(o[0].Reg)}");
                break;
            case X64Op.MovLong:
                Line($"\tmovl\t{Format(o[1])}, {Name(o[0].Reg, 4)}");
                break;
            case X64Op.StoreWord16:
                Line($"\tmovw\t{(o[1].IsRegister ? Name(o[1].Reg, 2) : Format(o[1]))}, {Format(o[0])}");
                break;
            case X64Op.StoreLong:
                Line($"\tmovl\t{(o[1].IsRegister ? Name(o[1].Reg, 4) : Format(o[1]))}, {Format(o[0])}");
                break;
            case >= X64Op.SignExtendInt:
                EmitFloat(instruction);
                break;
            default:
                throw new InvalidOperationException($"cannot emit {(X64Op)instruction.Opcode}");
        }
    }

    /// <summary>The double operations, in SSE2 (the baseline of x86-64).</summary>
    private void EmitFloat(MachineInstruction instruction)
    {
        var o = instruction.Operands;
        string d = Name(o[0].Reg);
        switch ((X64Op)instruction.Opcode)
        {
            case X64Op.MovBits:
                Line($"\tmovq\t{Name(o[1].Reg)}, {d}");
                break;
            case X64Op.MovSd:
                // A copy between xmm registers moves the whole register: no dependence on the destination's old bits.
                Line(o[0].IsRegister && o[1].IsRegister ? $"\tmovapd\t{Name(o[1].Reg)}, {d}" : $"\tmovsd\t{Format(o[1])}, {Format(o[0])}");
                break;
            case X64Op.AddSd or X64Op.SubSd or X64Op.MulSd or X64Op.DivSd or X64Op.SqrtSd:
                string mnemonic = (X64Op)instruction.Opcode switch
                {
                    X64Op.AddSd => "addsd", X64Op.SubSd => "subsd", X64Op.MulSd => "mulsd", X64Op.DivSd => "divsd", _ => "sqrtsd",
                };
                Line($"\t{mnemonic}\t{Format(o[1])}, {d}");
                break;
            case X64Op.Ucomisd:
                Line($"\tucomisd\t{Format(o[1])}, {d}");
                break;
            case X64Op.CompareSd:
                Line($"\tcmp{LowerCaseName<X64DoublePredicate>.Of((X64DoublePredicate)instruction.Condition)}sd\t{Name(o[1].Reg)}, {d}");
                break;
            case X64Op.CvtSi2Sd:
                // cvtsi2sd keeps the register's high double: zeroing it first (an idiom the renamer drops) cuts the
                // dependence on whatever wrote the register last, a division of the last iteration in a paired loop.
                Line($"\txorpd\t{d}, {d}");
                Line($"\tcvtsi2sdq\t{Name(o[1].Reg)}, {d}");
                break;
            case X64Op.LoadSingle:
                Line($"\tmovss\t{Format(o[1])}, {d}");
                Line($"\tcvtss2sd\t{d}, {d}");
                break;
            case X64Op.StoreSingle:
            {
                string t = Name(o[2].Reg);
                Line($"\tcvtsd2ss\t{Name(o[1].Reg)}, {t}");
                Line($"\tmovss\t{t}, {Format(o[0])}");
                break;
            }
            case X64Op.RoundToSingle:
                Line($"\tcvtsd2ss\t{Name(o[1].Reg)}, {d}");
                break;
            case X64Op.WidenSingle:
                Line($"\tcvtss2sd\t{Name(o[1].Reg)}, {d}");
                break;
            case X64Op.HighLane:
                if (o[1].Reg != o[0].Reg) Line($"\tmovapd\t{Name(o[1].Reg)}, {d}");
                Line($"\tunpckhpd\t{d}, {d}");
                break;
            case X64Op.MovUpd:
                Line($"\tmovupd\t{Format(o[1])}, {Format(o[0])}");
                break;
            case X64Op.MinSd or X64Op.MaxSd or X64Op.AndPd or X64Op.AndnPd or X64Op.OrPd or X64Op.XorPd or X64Op.UnpckLpd
                or X64Op.AddPd or X64Op.SubPd or X64Op.MulPd or X64Op.DivPd:
                Line($"\t{LowerCaseName<X64Op>.Of((X64Op)instruction.Opcode)}\t{Name(o[1].Reg)}, {d}");
                break;
            case X64Op.CvtTSd2Si:
                Line($"\tcvttsd2si\t{Name(o[1].Reg)}, {d}");
                break;
            case X64Op.SignExtendInt:
                Line($"\tmovslq\t{X64Registers.Name(o[1].Reg, 4)}, {d}");
                break;
        }
    }

    private void EmitMove(MachineOperand destination, MachineOperand source)
    {
        if (source.Kind == OperandKind.Immediate && destination.IsRegister)
        {
            long value = source.Value;
            // movl zero-extends and is shorter; movabsq is the only form for wide constants. Never xor: flags must survive.
            if (value is >= 0 and <= uint.MaxValue) Line($"\tmovl\t${(uint)value}, {Name(destination.Reg, 4)}");
            else if (value is >= int.MinValue and <= int.MaxValue) Line($"\tmovq\t${value}, {Name(destination.Reg)}");
            else Line($"\tmovabsq\t${value}, {Name(destination.Reg)}");
            return;
        }
        Line($"\tmovq\t{Format(source)}, {Format(destination)}");
    }

    private void EmitEpilogue(bool isLastOfFunction, string exit)
    {
        // SEH needs no directives here: the unwinder recognises the canonical epilogue from its instructions.
        bool cfi = !_seh && (_frameSize > 0 || _pushBytes > 0);
        if (cfi && !isLastOfFunction) Line("\t.cfi_remember_state");
        for (int i = 0; i < _savedXmm.Count; i++) Line($"\tmovaps\t{_xmmSaveOffset + 16 * i}(%rsp), {Name(_savedXmm[i])}");
        if (_frameSize > 0)
        {
            Line($"\taddq\t${_frameSize}, %rsp");
            if (cfi) Line($"\t.cfi_adjust_cfa_offset -{_frameSize}");
        }
        for (int i = _pushed.Count - 1; i >= 0; i--)
        {
            Line($"\tpopq\t{Name(_pushed[i])}");
            if (cfi) Line("\t.cfi_adjust_cfa_offset -8");
        }
        Line(exit);
        if (cfi && !isLastOfFunction) Line("\t.cfi_restore_state");
    }

    private string Format(MachineOperand operand) => operand.Kind switch
    {
        OperandKind.Register => Name(operand.Reg),
        OperandKind.Immediate => "$" + operand.Value.ToString(CultureInfo.InvariantCulture),
        OperandKind.Memory => FormatMemory(operand),
        OperandKind.SymbolMemory => $"{operand.Symbol}(%rip)",
        OperandKind.Slot => $"{_outgoingBytes + 8 * operand.Value}(%rsp)",
        OperandKind.OutgoingArgument => $"{_abi.ShadowSpace + operand.Value}(%rsp)",
        OperandKind.IncomingArgument => $"{_frameSize + _pushBytes + 8 + _abi.ShadowSpace + 8 * operand.Value}(%rsp)",
        OperandKind.Symbol => operand.Symbol!,
        _ => throw new InvalidOperationException($"cannot format {operand.Kind}"),
    };

    private static string FormatMemory(MachineOperand m)
    {
        string displacement = m.Value == 0 ? "" : m.Value.ToString(CultureInfo.InvariantCulture);
        return m.Index < 0
            ? $"{displacement}({Name(m.Reg)})"
            : $"{displacement}({Name(m.Reg)},{Name(m.Index)},{m.Scale})";
    }

    private static string Mnemonic(X64Op op) => op switch
    {
        X64Op.Add => "add", X64Op.Sub => "sub", X64Op.Adc => "adc", X64Op.Sbb => "sbb", X64Op.And => "and", X64Op.Or => "or", X64Op.Xor => "xor", X64Op.Imul => "imul",
        X64Op.Neg => "neg", X64Op.Not => "not", X64Op.Shl => "shl", X64Op.Sar => "sar", X64Op.Shr => "shr",
        _ => throw new InvalidOperationException(op.ToString()),
    };

    private static string ConditionSuffix(X64Condition c) => LowerCaseName<X64Condition>.Of(c);

    private static X64Condition Invert(X64Condition c) => c switch
    {
        X64Condition.E => X64Condition.NE, X64Condition.NE => X64Condition.E,
        X64Condition.L => X64Condition.GE, X64Condition.GE => X64Condition.L,
        X64Condition.LE => X64Condition.G, X64Condition.G => X64Condition.LE,
        X64Condition.B => X64Condition.AE, X64Condition.AE => X64Condition.B,
        X64Condition.BE => X64Condition.A, X64Condition.A => X64Condition.BE,
        _ => throw new InvalidOperationException(c.ToString()),
    };

    private void Line(string line) => _text.Append(line).Append('\n');
    private void Line([InterpolatedStringHandlerArgument("")] ref AssemblyLine line) => _text.Append('\n');
    StringBuilder IAssemblyText.Text => _text;
}
