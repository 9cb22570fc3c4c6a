using System.Runtime.CompilerServices;
using System.Globalization;
using System.Text;
using static Maru.Compiler.Targets.Arm64.Arm64Registers;

namespace Maru.Compiler.Targets.Arm64;

/// <summary>How an object format spells the parts of an address: ELF's :lo12: relocations or Mach-O's @PAGE.</summary>
public sealed record Arm64AddressSyntax(
    string LocalLabelPrefix,
    Func<string, string> Page,
    Func<string, string> PageOffset,
    Func<string, string> GotPage,
    Func<string, string> GotPageOffset)
{
    public static readonly Arm64AddressSyntax Elf = new(".L", s => s, s => ":lo12:" + s, s => ":got:" + s, s => ":got_lo12:" + s);
    public static readonly Arm64AddressSyntax MachO = new("L", s => s + "@PAGE", s => s + "@PAGEOFF", s => s + "@GOTPAGE", s => s + "@GOTPAGEOFF");
}

/// <summary>
/// Lays out the frame of an allocated function and prints it as GNU assembler text. The frame, from the incoming
/// stack arguments down: the saved registers (x29 and x30 first when the function calls, so x29 points at the frame
/// record), the slots, then the outgoing stack arguments at sp. A function that calls nothing, spills nothing and
/// uses no callee-saved register has no frame at all.
/// </summary>
public sealed class Arm64Emitter : IBlockEmitter, IAssemblyText
{
    private readonly MachineFunction _function;
    private readonly Arm64AddressSyntax _syntax;
    private readonly StringBuilder _text;
    private readonly List<int> _saved;
    private readonly int _saveBytes;
    private readonly int _localBytes;
    private readonly int _outgoingBytes;

    private Arm64Emitter(MachineFunction function, Arm64AddressSyntax syntax, StringBuilder text)
    {
        _function = function;
        _syntax = syntax;
        _text = text;
        _saved = new List<int>();
        if (function.HasCalls) _saved.AddRange(new[] { Fp, Lr });
        _saved.AddRange(function.UsedCalleeSaved.Where(r => !IsD(r)));
        // Registers are saved in pairs of one kind: a d register never shares a stp with an x register.
        var savedD = function.UsedCalleeSaved.Where(IsD).ToList();
        if (savedD.Count > 0 && _saved.Count % 2 == 1) _saved.Add(Padding);
        _saved.AddRange(savedD);
        // sp stays a multiple of 16 at all times (the hardware checks it on every access through sp).
        _saveBytes = RoundUp16(8 * _saved.Count);
        _outgoingBytes = function.HasCalls ? 8 * function.OutgoingArguments : 0;
        _localBytes = RoundUp16(8 * function.SlotCount + _outgoingBytes);
    }

    private static int RoundUp16(int bytes) => (bytes + 15) & ~15;

    /// <summary>An unused save slot in <see cref="_saved"/>, which keeps each pair of one register kind.</summary>
    private const int Padding = -1;

    /// <summary>The saved registers with their offsets from the top of the save area (negative).</summary>
    private IEnumerable<(int Register, int Offset)> SavedRegisters() =>
        _saved.Select((register, i) => (register, 8 * i - _saveBytes)).Where(s => s.register != Padding);

    /// <summary>A store or load of one saved pair (or of one register, where the other is absent or padding).</summary>
    private static string SavePair(bool store, int first, int? second, string address) =>
        second is { } s and not Padding
            ? $"\t{(store ? "stp" : "ldp")}\t{Name(first)}, {Name(s)}, {address}"
            : $"\t{(store ? "str" : "ldr")}\t{Name(first)}, {address}";

    /// <summary>Appends the function's body (from its label to its last instruction) to <paramref name="text"/>.</summary>
    public static void Emit(MachineFunction function, Arm64AddressSyntax syntax, StringBuilder text) =>
        new Arm64Emitter(function, syntax, text).EmitFunction();

    private void EmitFunction()
    {
        Line($"{_function.Symbol}:");
        Line("\t.cfi_startproc");
        var shrinkWrap = _saveBytes + _localBytes > 0 ? BlockWalk.FindShrinkWrap(_function, this) : null;
        BlockWalk.Emit(_function, this, shrinkWrap);
        Line("\t.cfi_endproc");
    }

    private static bool IsConditionalBranch(MachineInstruction instruction) =>
        (Arm64Op)instruction.Opcode is Arm64Op.BCond or Arm64Op.Cbz or Arm64Op.Cbnz or Arm64Op.Tbz or Arm64Op.Tbnz;

    bool IBlockEmitter.IsConditionalBranch(MachineInstruction instruction) => IsConditionalBranch(instruction);
    bool IBlockEmitter.IsJump(MachineInstruction instruction) => (Arm64Op)instruction.Opcode == Arm64Op.B;
    int IBlockEmitter.ReturnOpcode => (int)Arm64Op.Ret;
    bool IBlockEmitter.FramelessReturnAheadOfPrologue => false;
    void IBlockEmitter.EmitLabel(string label) => Line($"{label}:");
    // Loop heads are not padded: the cores fetch aligned 4-byte instructions, and nothing measured a gain.
    void IBlockEmitter.EmitLoopHeadAlignment() { }
    void IBlockEmitter.EmitPrologue() => EmitPrologue();
    void IBlockEmitter.EmitInstruction(MachineInstruction instruction, bool isLastOfFunction) => EmitInstruction(instruction, isLastOfFunction);
    void IBlockEmitter.EmitJump(long block) => Line($"\tb\t{BlockLabel(block)}");
    void IBlockEmitter.EmitConditionalBranch(MachineInstruction branch, bool inverted, string label) => EmitConditionalBranch(branch, inverted, label);

    void IBlockEmitter.EmitFramelessReturnAheadOfPrologue(MachineInstruction branch, bool inverted, IReadOnlyList<MachineInstruction> code) =>
        throw new InvalidOperationException("AArch64 writes the frameless return in its place");

    public bool NeedsNoFrame(MachineInstruction instruction)
    {
        if ((Arm64Op)instruction.Opcode is Arm64Op.Bl or Arm64Op.Ret or Arm64Op.TailB or Arm64Op.B || IsConditionalBranch(instruction)) return false;
        return instruction.NeedsNoFrame(Arm64Abi.Instance.IsCalleeSaved);
    }

    void IBlockEmitter.EmitFramelessReturn(IReadOnlyList<MachineInstruction> code)
    {
        // Unwind information here describes the entry state, then the framed state again for the code after it.
        Line("\t.cfi_remember_state");
        Line("\t.cfi_def_cfa_offset 0");
        foreach (var (register, _) in SavedRegisters()) Line($"\t.cfi_restore {Name(register)}");
        foreach (var instruction in code.Take(code.Count - 1)) EmitInstruction(instruction, false);
        Line("\tret");
        Line("\t.cfi_restore_state");
    }

    private void EmitPrologue()
    {
        if (_saveBytes > 0)
        {
            Line(SavePair(true, _saved[0], _saved.Count >= 2 ? _saved[1] : null, $"[sp, #-{_saveBytes}]!"));
            Line($"\t.cfi_def_cfa_offset {_saveBytes}");
            ForEachSavedPair((first, second, offset) => Line(SavePair(true, first, second, $"[sp, #{offset}]")));
            foreach (var (register, offset) in SavedRegisters()) Line($"\t.cfi_offset {Name(register)}, {offset}");
            if (_function.HasCalls) Line("\tmov\tx29, sp");
        }
        if (_localBytes > 0)
        {
            AdjustStack("sub", _localBytes);
            Line($"\t.cfi_def_cfa_offset {_saveBytes + _localBytes}");
        }
    }

    /// <summary>The saved registers after the first pair (which the pre-indexed store and post-indexed load handle).</summary>
    private void ForEachSavedPair(Action<int, int?, int> action)
    {
        for (int i = 2; i < _saved.Count; i += 2)
            action(_saved[i], i + 1 < _saved.Count ? _saved[i + 1] : null, 8 * i);
    }

    private void EmitEpilogue(bool isLastOfFunction, string exit)
    {
        bool hasFrame = _saveBytes + _localBytes > 0;
        if (hasFrame && !isLastOfFunction) Line("\t.cfi_remember_state");
        if (_localBytes > 0)
        {
            AdjustStack("add", _localBytes);
            Line($"\t.cfi_def_cfa_offset {_saveBytes}");
        }
        if (_saveBytes > 0)
        {
            ForEachSavedPair((first, second, offset) => Line(SavePair(false, first, second, $"[sp, #{offset}]")));
            Line(SavePair(false, _saved[0], _saved.Count >= 2 ? _saved[1] : null, $"[sp], #{_saveBytes}"));
            Line("\t.cfi_def_cfa_offset 0");
            foreach (var (register, _) in SavedRegisters()) Line($"\t.cfi_restore {Name(register)}");
        }
        Line(exit);
        if (hasFrame && !isLastOfFunction) Line("\t.cfi_restore_state");
    }

    /// <summary>sp ± bytes: one instruction up to 4095 or for a multiple of 4096, two up to 16 MiB, else through x16.</summary>
    private void AdjustStack(string mnemonic, int bytes)
    {
        if (bytes >= 1 << 24)
        {
            EmitMoveImmediate(X16, bytes);
            Line($"\t{mnemonic}\tsp, sp, x16");
            return;
        }
        if (bytes >> 12 != 0) Line($"\t{mnemonic}\tsp, sp, #{bytes >> 12}, lsl #12");
        if ((bytes & 0xfff) != 0) Line($"\t{mnemonic}\tsp, sp, #{bytes & 0xfff}");
    }

    public string BlockLabel(long id) => $"{_syntax.LocalLabelPrefix}{_function.Symbol}.{id}";

    private void EmitInstruction(MachineInstruction instruction, bool isLastOfFunction)
    {
        var o = instruction.Operands;
        var op = (Arm64Op)instruction.Opcode;
        switch (op)
        {
            case Arm64Op.Mov:
                Line($"\t{(IsD(o[0].Reg) || IsD(o[1].Reg) ? "fmov" : "mov")}\t{Reg(o[0])}, {Reg(o[1])}");
                break;
            case Arm64Op.MovImm:
                EmitMoveImmediate(o[0].Reg, o[1].Value);
                break;
            case Arm64Op.Add or Arm64Op.Sub or Arm64Op.Cmp or Arm64Op.Cmn:
            {
                string operands = op is Arm64Op.Cmp or Arm64Op.Cmn ? Reg(o[0]) : $"{Reg(o[0])}, {Reg(o[1])}";
                Line($"\t{Mnemonic(op)}\t{operands}, {ArithmeticOperand(o[^1])}");
                break;
            }
            case Arm64Op.And or Arm64Op.Orr or Arm64Op.Eor or Arm64Op.Tst:
            {
                string operands = op == Arm64Op.Tst ? Reg(o[0]) : $"{Reg(o[0])}, {Reg(o[1])}";
                string last = o[^1].Kind == OperandKind.Immediate ? $"#0x{o[^1].Value:x}" : Reg(o[^1]);
                Line($"\t{Mnemonic(op)}\t{operands}, {last}");
                break;
            }
            case Arm64Op.AddLsl or Arm64Op.SubLsl or Arm64Op.AddLsr:
                Line($"\t{(op == Arm64Op.SubLsl ? "sub" : "add")}\t{Reg(o[0])}, {Reg(o[1])}, {Reg(o[2])}, {(op == Arm64Op.AddLsr ? "lsr" : "lsl")} #{o[3].Value}");
                break;
            case Arm64Op.Mul or Arm64Op.Sdiv or Arm64Op.Smulh or Arm64Op.Lsl or Arm64Op.Asr:
                Line($"\t{Mnemonic(op)}\t{Reg(o[0])}, {Reg(o[1])}, {(o[2].Kind == OperandKind.Immediate ? $"#{o[2].Value}" : Reg(o[2]))}");
                break;
            case Arm64Op.Madd or Arm64Op.Msub:
                Line($"\t{Mnemonic(op)}\t{Reg(o[0])}, {Reg(o[1])}, {Reg(o[2])}, {Reg(o[3])}");
                break;
            case Arm64Op.Neg or Arm64Op.Mvn:
                Line($"\t{Mnemonic(op)}\t{Reg(o[0])}, {Reg(o[1])}");
                break;
            case Arm64Op.Cset:
                Line($"\tcset\t{Reg(o[0])}, {ConditionName(instruction.Condition)}");
                break;
            case Arm64Op.Cinc:
                Line($"\tcinc\t{Reg(o[0])}, {Reg(o[1])}, {ConditionName(instruction.Condition)}");
                break;
            case Arm64Op.Csel:
                Line($"\t{(Arm64Registers.IsD(o[0].Reg) ? "fcsel" : "csel")}\t{Reg(o[0])}, {Reg(o[1])}, {Reg(o[2])}, {ConditionName(instruction.Condition)}");
                break;
            case Arm64Op.Ldr:
                EmitMemoryAccess("ldr", Reg(o[0]), o[1], 8);
                break;
            case Arm64Op.Ldrb:
                EmitMemoryAccess("ldrb", Reg(o[0], word32: true), o[1], 1);
                break;
            case Arm64Op.LdrQ:
                EmitMemoryAccess("ldr", Lanes(o[0], "q"), o[1], 16);
                break;
            case Arm64Op.StrQ:
                EmitMemoryAccess("str", Lanes(o[1], "q"), o[0], 16);
                break;
            case Arm64Op.FAddTwoLanes or Arm64Op.FSubTwoLanes or Arm64Op.FMulTwoLanes or Arm64Op.FDivTwoLanes:
            {
                string mnemonic = (Arm64Op)instruction.Opcode switch
                {
                    Arm64Op.FAddTwoLanes => "fadd", Arm64Op.FSubTwoLanes => "fsub", Arm64Op.FMulTwoLanes => "fmul", _ => "fdiv",
                };
                Line($"\t{mnemonic}\t{Lanes(o[0], "v")}.2d, {Lanes(o[1], "v")}.2d, {Lanes(o[2], "v")}.2d");
                break;
            }
            case Arm64Op.InsertHigh:
                Line($"\tmov\t{Lanes(o[0], "v")}.d[1], {Lanes(o[1], "v")}.d[0]");
                break;
            case Arm64Op.HighLane:
                Line($"\tmov\t{Reg(o[0])}, {Lanes(o[1], "v")}.d[1]");
                break;
            case Arm64Op.Str:
                EmitMemoryAccess("str", Reg(o[1]), o[0], 8);
                break;
            case Arm64Op.Strb:
                EmitMemoryAccess("strb", Reg(o[1], word32: true), o[0], 1);
                break;
            case Arm64Op.AddressOf when o[1].Kind == OperandKind.Slot:
            {
                long offset = StackOffset(o[1]);
                if (Arm64Immediates.IsArithmetic(offset)) Line($"\tadd\t{Reg(o[0])}, sp, {ArithmeticOperand(MachineOperand.Imm(offset))}");
                else
                {
                    EmitMoveImmediate(X16, offset);
                    Line($"\tadd\t{Reg(o[0])}, sp, x16");
                }
                break;
            }
            case Arm64Op.AddressOf:
                Line($"\tadrp\t{Reg(o[0])}, {_syntax.Page(o[1].Symbol!)}");
                Line($"\tadd\t{Reg(o[0])}, {Reg(o[0])}, {_syntax.PageOffset(o[1].Symbol!)}");
                break;
            case Arm64Op.LoadGot:
                Line($"\tadrp\t{Reg(o[0])}, {_syntax.GotPage(o[1].Symbol!)}");
                Line($"\tldr\t{Reg(o[0])}, [{Reg(o[0])}, {_syntax.GotPageOffset(o[1].Symbol!)}]");
                break;
            case Arm64Op.LoadSymbol:
            {
                string page = IsD(o[0].Reg) ? "x16" : Reg(o[0]); // a d register cannot hold the address
                Line($"\tadrp\t{page}, {_syntax.Page(o[1].Symbol!)}");
                Line($"\tldr\t{Reg(o[0])}, [{page}, {_syntax.PageOffset(o[1].Symbol!)}]");
                break;
            }
            case Arm64Op.StoreSymbol:
                Line($"\tadrp\tx16, {_syntax.Page(o[0].Symbol!)}");
                Line($"\tstr\t{Reg(o[1])}, [x16, {_syntax.PageOffset(o[0].Symbol!)}]");
                break;
            case Arm64Op.B:
                Line($"\tb\t{BlockLabel(o[0].Value)}");
                break;
            case Arm64Op.BCond or Arm64Op.Cbz or Arm64Op.Cbnz or Arm64Op.Tbz or Arm64Op.Tbnz:
                EmitConditionalBranch(instruction, inverted: false, BlockLabel(o[^1].Value));
                break;
            case Arm64Op.Bl:
                Line(o[0].IsRegister ? $"\tblr\t{Reg(o[0])}" : $"\tbl\t{o[0].Symbol}");
                break;
            case Arm64Op.Ret:
                EmitEpilogue(isLastOfFunction, "\tret");
                break;
            case Arm64Op.TailB:
                EmitEpilogue(isLastOfFunction, $"\tb\t{o[0].Symbol}");
                break;
            case Arm64Op.Ldrsb or Arm64Op.Ldrsh or Arm64Op.Ldrsw:
                EmitMemoryAccess(Mnemonic(op), Reg(o[0]), o[1], op == Arm64Op.Ldrsb ? 1 : op == Arm64Op.Ldrsh ? 2 : 4);
                break;
            case Arm64Op.Ldrh:
                EmitMemoryAccess("ldrh", Reg(o[0], word32: true), o[1], 2);
                break;
            case Arm64Op.LdrW:
                EmitMemoryAccess("ldr", Reg(o[0], word32: true), o[1], 4);
                break;
            case Arm64Op.Strh:
                EmitMemoryAccess("strh", Reg(o[1], word32: true), o[0], 2);
                break;
            case Arm64Op.StrW:
                EmitMemoryAccess("str", Reg(o[1], word32: true), o[0], 4);
                break;
            case >= Arm64Op.FAdd:
                EmitFloat(instruction);
                break;
            default:
                throw new InvalidOperationException($"cannot emit {op}");
        }
    }

    private void EmitFloat(MachineInstruction instruction)
    {
        var o = instruction.Operands;
        var op = (Arm64Op)instruction.Opcode;
        switch (op)
        {
            case Arm64Op.FAdd or Arm64Op.FSub or Arm64Op.FMul or Arm64Op.FDiv:
                Line($"\t{Mnemonic(op)}\t{Reg(o[0])}, {Reg(o[1])}, {Reg(o[2])}");
                break;
            case Arm64Op.Fcmp:
                Line($"\tfcmp\t{Reg(o[0])}, {Reg(o[1])}");
                break;
            case Arm64Op.FCompare:
                Line($"\tfcmp\t{Reg(o[1])}, {Reg(o[2])}");
                Line($"\tcset\t{Reg(o[0])}, {ConditionName(instruction.Condition)}");
                break;
            case Arm64Op.FMin or Arm64Op.FMax:
            {
                // fminnm/fmaxnm order -0.0 below +0.0 and prefer a number to a quiet NaN; a signalling NaN would give a
                // NaN, so a NaN operand then selects the other one explicitly. The result goes to scratch d16 when the
                // destination is an operand, which the selections read after it is computed.
                string d = Reg(o[0]), a = Reg(o[1]), b = Reg(o[2]);
                string result = d == a || d == b ? "d16" : d;
                Line($"\t{(op == Arm64Op.FMin ? "fminnm" : "fmaxnm")}\t{result}, {a}, {b}");
                Line($"\tfcmp\t{a}, {a}");
                Line($"\tfcsel\t{result}, {b}, {result}, vs");
                Line($"\tfcmp\t{b}, {b}");
                Line($"\tfcsel\t{result}, {a}, {result}, vs");
                if (result != d) Line($"\tfmov\t{d}, {result}");
                break;
            }
            case Arm64Op.FSqrt or Arm64Op.Frintm or Arm64Op.Frintp or Arm64Op.Frintn or Arm64Op.Frintz:
                Line($"\t{Mnemonic(op)}\t{Reg(o[0])}, {Reg(o[1])}");
                break;
            case Arm64Op.Scvtf:
                Line($"\tscvtf\t{Reg(o[0])}, {Reg(o[1])}");
                break;
            case Arm64Op.Fcvtzs:
                // fcvtzs saturates and gives 0 for NaN: the language's rule without a fix-up.
                Line($"\tfcvtzs\t{Reg(o[0])}, {Reg(o[1])}");
                break;
            case Arm64Op.LdrFloat:
                EmitMemoryAccess("ldr", "s16", o[1], 4);
                Line($"\tfcvt\t{Reg(o[0])}, s16");
                break;
            case Arm64Op.StrFloat:
                Line($"\tfcvt\ts16, {Reg(o[1])}");
                EmitMemoryAccess("str", "s16", o[0], 4);
                break;
            case Arm64Op.FloatBits:
                Line($"\tfcvt\ts16, {Reg(o[1])}");
                Line($"\tfmov\t{Reg(o[0], word32: true)}, s16");
                break;
            case Arm64Op.FcvtSingle:
                Line($"\tfcvt\ts{o[0].Reg - D0}, {Reg(o[1])}");
                break;
            case Arm64Op.FmovImm:
                Line($"\tfmov\t{Reg(o[0])}, #{BitConverter.Int64BitsToDouble(o[1].Value).ToString("0.0######", CultureInfo.InvariantCulture)}");
                break;
            case Arm64Op.FcvtDouble:
                Line($"\tfcvt\t{Reg(o[0])}, s{o[1].Reg - D0}");
                break;
            case Arm64Op.Sxtw:
                Line($"\tsxtw\t{Reg(o[0])}, {Reg(o[1], word32: true)}");
                break;
        }
    }

    private void EmitConditionalBranch(MachineInstruction instruction, bool inverted, string label)
    {
        var o = instruction.Operands;
        switch ((Arm64Op)instruction.Opcode)
        {
            case Arm64Op.BCond:
                Line($"\tb.{ConditionName(instruction.Condition ^ (inverted ? 1 : 0))}\t{label}");
                break;
            case Arm64Op.Cbz or Arm64Op.Cbnz:
                Line($"\t{((Arm64Op)instruction.Opcode == Arm64Op.Cbz ^ inverted ? "cbz" : "cbnz")}\t{Reg(o[0])}, {label}");
                break;
            default:
                Line($"\t{((Arm64Op)instruction.Opcode == Arm64Op.Tbz ^ inverted ? "tbz" : "tbnz")}\t{Reg(o[0])}, #{o[1].Value}, {label}");
                break;
        }
    }

    /// <summary>
    /// Loads any 64-bit constant in as few instructions as it takes: one mov (movz, movn or a logical immediate),
    /// or movz/movn for one 16-bit chunk and movk for each chunk that differs from it.
    /// </summary>
    private void EmitMoveImmediate(int register, long value)
    {
        string name = Name(register);
        ulong v = (ulong)value;
        int zeroChunks = 0, onesChunks = 0;
        for (int shift = 0; shift < 64; shift += 16)
        {
            ulong chunk = (v >> shift) & 0xffff;
            if (chunk == 0) zeroChunks++;
            if (chunk == 0xffff) onesChunks++;
        }
        if (zeroChunks >= 3 || onesChunks >= 3)
        {
            Line($"\tmov\t{name}, #{value}");
            return;
        }
        if (Arm64Immediates.IsLogical(value))
        {
            Line($"\torr\t{name}, xzr, #0x{v:x}");
            return;
        }
        // Start from all ones (movn) when more chunks are 0xffff than 0: fewer movk follow.
        bool fromOnes = onesChunks > zeroChunks;
        ulong background = fromOnes ? 0xffffUL : 0;
        bool first = true;
        for (int shift = 0; shift < 64; shift += 16)
        {
            ulong chunk = (v >> shift) & 0xffff;
            if (chunk == background) continue;
            if (first)
            {
                Line(fromOnes
                    ? $"\tmovn\t{name}, #0x{~chunk & 0xffff:x}, lsl #{shift}"
                    : $"\tmovz\t{name}, #0x{chunk:x}, lsl #{shift}");
                first = false;
            }
            else Line($"\tmovk\t{name}, #0x{chunk:x}, lsl #{shift}");
        }
    }

    /// <summary>An add/sub/cmp operand: a register, a 12-bit immediate, or one shifted left by 12.</summary>
    private static string ArithmeticOperand(MachineOperand operand) => operand.Kind != OperandKind.Immediate
        ? Reg(operand)
        : operand.Value <= 0xfff ? $"#{operand.Value}" : $"#{operand.Value >> 12}, lsl #12";

    /// <summary>The offset from sp of a frame slot or a stack argument.</summary>
    private long StackOffset(MachineOperand operand) => operand.Kind switch
    {
        OperandKind.Slot => _outgoingBytes + 8 * operand.Value,
        OperandKind.OutgoingArgument => operand.Value,
        OperandKind.IncomingArgument => _localBytes + _saveBytes + 8 * operand.Value,
        _ => throw new InvalidOperationException($"{operand.Kind} is not on the stack"),
    };

    /// <summary>
    /// A load or store: base plus offset (the unscaled form, ldur or sturb, for small negative or unaligned offsets),
    /// base plus index, or sp plus a frame offset (through x16 beyond 32 KiB).
    /// </summary>
    private void EmitMemoryAccess(string mnemonic, string register, MachineOperand address, int size)
    {
        if (address.Kind == OperandKind.Memory && address.Index >= 0 && size == 16 && address.Scale == 8)
        {
            // Two doubles at a scaled index: a q register's index shift can only be 0 or 4.
            Line($"\tadd\tx16, {Name(address.Reg)}, {Name(address.Index)}, lsl #3");
            Line($"\t{mnemonic}\t{register}, [x16]");
            return;
        }
        if (address.Kind == OperandKind.Memory && address.Index >= 0)
        {
            string index = size == 1 || address.Scale == 1 ? Name(address.Index) : $"{Name(address.Index)}, lsl #{System.Numerics.BitOperations.Log2((uint)size)}";
            Line($"\t{mnemonic}\t{register}, [{Name(address.Reg)}, {index}]");
            return;
        }
        string baseRegister = address.Kind == OperandKind.Memory ? Name(address.Reg) : "sp";
        long offset = address.Kind == OperandKind.Memory ? address.Value : StackOffset(address);
        if (!Arm64Immediates.IsMemoryOffset(offset, size))
        {
            EmitMoveImmediate(X16, offset);
            Line($"\t{mnemonic}\t{register}, [{baseRegister}, x16]");
            return;
        }
        bool scaled = offset >= 0 && offset % size == 0;
        // ldr → ldur, strb → sturb
        string form = scaled ? mnemonic : mnemonic[..2] + "u" + mnemonic[2..];
        Line(offset == 0 ? $"\t{form}\t{register}, [{baseRegister}]" : $"\t{form}\t{register}, [{baseRegister}, #{offset}]");
    }

    private static string Reg(MachineOperand operand, bool word32 = false) =>
        operand.Kind == OperandKind.Immediate ? (word32 ? "wzr" : "xzr") : Name(operand.Reg, word32);

    /// <summary>A floating-point register's name as a whole (q) or as lanes (v).</summary>
    private static string Lanes(MachineOperand operand, string prefix) => prefix + (operand.Reg - Arm64Registers.D0);

    private static string Mnemonic(Arm64Op op) => LowerCaseName<Arm64Op>.Of(op);

    private static string ConditionName(int condition) => LowerCaseName<Arm64Condition>.Of((Arm64Condition)condition);

    private void Line(string line) => _text.Append(line).Append('\n');
    private void Line([InterpolatedStringHandlerArgument("")] ref AssemblyLine line) => _text.Append('\n');
    StringBuilder IAssemblyText.Text => _text;
}
