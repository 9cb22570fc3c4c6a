namespace Maru.Compiler.Toolchain.Integrated;

/// <summary>An operand of an AT&amp;T-syntax instruction as the integrated assembler reads it.</summary>
internal abstract record AsmOperand;

/// <summary><c>%rax</c>, <c>%r8d</c>, <c>%sil</c>: a register number as the hardware encodes it, and its size in bytes.</summary>
internal sealed record RegisterOperand(int Number, int Size) : AsmOperand
{
    /// <summary>spl, bpl, sil and dil exist only with a REX prefix (without one, those numbers mean ah, ch, dh, bh).</summary>
    public bool NeedsRex => Size == 1 && Number is >= 4 and <= 7;
}

/// <summary><c>$42</c>.</summary>
internal sealed record ImmediateOperand(long Value) : AsmOperand;

/// <summary><c>disp(%base,%index,scale)</c>, or <c>sym(%rip)</c> / <c>sym@GOTPCREL(%rip)</c> when <see cref="Symbol"/> is set.</summary>
internal sealed record MemoryOperand(int Base, int Index, int Scale, long Displacement, string? Symbol, bool ThroughGot) : AsmOperand
{
    public bool IsRipRelative => Symbol is not null;
}

/// <summary>A bare symbol or label: the target of a call or jump (<c>@PLT</c> removed).</summary>
internal sealed record SymbolOperand(string Name) : AsmOperand;

/// <summary><c>*%reg</c>: an indirect call target.</summary>
internal sealed record IndirectOperand(int Register) : AsmOperand;

/// <summary>A place in an instruction that refers to a symbol; the addend is relative to the field's own position.</summary>
internal sealed record Fixup(int Offset, RelocationKind Kind, string Symbol, long Addend);

/// <summary>
/// Encodes one x86-64 instruction in exactly the form GNU as chooses for the same text (so the bytes can be compared with
/// it): the forms the X64 emitter prints, nothing more. Jumps are not here: their size depends on layout (X64Assembler).
/// </summary>
internal sealed class X64Encoder(List<byte> bytes, List<Fixup> fixups)
{
    private const int Rax = 0, Rsp = 4, Rbp = 5;

    private static readonly Dictionary<string, (byte Base, int Extension)> Arithmetic = new()
    {
        ["addq"] = (0x00, 0), ["orq"] = (0x08, 1), ["adcq"] = (0x10, 2), ["sbbq"] = (0x18, 3), ["andq"] = (0x20, 4), ["subq"] = (0x28, 5), ["xorq"] = (0x30, 6), ["cmpq"] = (0x38, 7),
    };

    private static readonly Dictionary<string, int> UnaryExtension = new() { ["notq"] = 2, ["negq"] = 3, ["imulq"] = 5, ["idivq"] = 7 };
    private static readonly Dictionary<string, int> ShiftExtension = new() { ["shlq"] = 4, ["salq"] = 4, ["shrq"] = 5, ["sarq"] = 7 };

    /// <summary>
    /// Double instructions xmm → xmm: the mandatory prefix and the opcode after 0F (scalar ones, the bitwise ones, which
    /// the emitter applies to whole registers only, and those of a paired division, on two lanes).
    /// </summary>
    private static readonly Dictionary<string, (byte Prefix, byte Opcode)> ScalarDouble = new()
    {
        ["addsd"] = (0xF2, 0x58), ["subsd"] = (0xF2, 0x5C), ["mulsd"] = (0xF2, 0x59), ["divsd"] = (0xF2, 0x5E), ["sqrtsd"] = (0xF2, 0x51),
        ["minsd"] = (0xF2, 0x5D), ["maxsd"] = (0xF2, 0x5F),
        ["ucomisd"] = (0x66, 0x2E), ["cvtss2sd"] = (0xF3, 0x5A), ["cvtsd2ss"] = (0xF2, 0x5A),
        ["andpd"] = (0x66, 0x54), ["andnpd"] = (0x66, 0x55), ["orpd"] = (0x66, 0x56), ["xorpd"] = (0x66, 0x57),
        ["unpcklpd"] = (0x66, 0x14), ["unpckhpd"] = (0x66, 0x15), ["divpd"] = (0x66, 0x5E),
        ["addpd"] = (0x66, 0x58), ["subpd"] = (0x66, 0x5C), ["mulpd"] = (0x66, 0x59),
    };

    /// <summary>The cmpsd predicates GNU as spells as mnemonics (cmpltsd is cmpsd with predicate 1).</summary>
    private static readonly Dictionary<string, int> CompareDoublePredicates = new()
    {
        ["cmpeqsd"] = 0, ["cmpltsd"] = 1, ["cmplesd"] = 2, ["cmpunordsd"] = 3, ["cmpneqsd"] = 4, ["cmpnltsd"] = 5, ["cmpnlesd"] = 6, ["cmpordsd"] = 7,
    };

    /// <summary>The condition codes by suffix, with the aliases GNU as accepts.</summary>
    public static readonly Dictionary<string, int> Conditions = new()
    {
        ["o"] = 0, ["no"] = 1, ["b"] = 2, ["c"] = 2, ["nae"] = 2, ["ae"] = 3, ["nb"] = 3, ["nc"] = 3, ["e"] = 4, ["z"] = 4,
        ["ne"] = 5, ["nz"] = 5, ["be"] = 6, ["na"] = 6, ["a"] = 7, ["nbe"] = 7, ["s"] = 8, ["ns"] = 9, ["p"] = 10, ["np"] = 11,
        ["l"] = 12, ["nge"] = 12, ["ge"] = 13, ["nl"] = 13, ["le"] = 14, ["ng"] = 14, ["g"] = 15, ["nle"] = 15,
    };

    /// <summary>Appends the instruction; false when this mnemonic with these operands is not a form the assembler knows.</summary>
    public bool Encode(string mnemonic, IReadOnlyList<AsmOperand> o)
    {
        switch (mnemonic, o.Count)
        {
            case ("ret", 0): bytes.Add(0xC3); return true;
            case ("cqto" or "cqo", 0): bytes.Add(0x48); bytes.Add(0x99); return true;
            case ("pushq", 1) when o[0] is RegisterOperand { Size: 8 } r: ShortRegister(0x50, r.Number); return true;
            case ("popq", 1) when o[0] is RegisterOperand { Size: 8 } r: ShortRegister(0x58, r.Number); return true;
            case ("call", 1) when o[0] is IndirectOperand indirect: ModRm(false, [0xFF], 2, new RegisterOperand(indirect.Register, 8)); return true;
            case ("call", 1) when o[0] is SymbolOperand s:
                bytes.Add(0xE8);
                fixups.Add(new Fixup(bytes.Count, RelocationKind.Plt32, s.Name, -4));
                Zeros(4);
                return true;
            case ("movq", 2) when o[0] is RegisterOperand { Size: 8 } s && o[1] is RegisterOperand { Size: 16 } x:
                Sse(0x66, true, 0x6E, x.Number, s);
                return true;
            case ("movq", 2) when o[0] is RegisterOperand { Size: 16 } x && o[1] is RegisterOperand { Size: 8 } d:
                Sse(0x66, true, 0x7E, x.Number, d);
                return true;
            case ("movq", 2): return Move(o[0], o[1]);
            case ("cvtsi2sdq", 2) when o[0] is RegisterOperand { Size: 8 } s && o[1] is RegisterOperand { Size: 16 } x:
                Sse(0xF2, true, 0x2A, x.Number, s);
                return true;
            case ("cvttsd2si", 2) when o[0] is RegisterOperand { Size: 16 } x && o[1] is RegisterOperand { Size: 8 } d:
                Sse(0xF2, true, 0x2C, d.Number, x);
                return true;
            case ("movss", 2) when o[0] is MemoryOperand { ThroughGot: false } m && o[1] is RegisterOperand { Size: 16 } x:
                Sse(0xF3, false, 0x10, x.Number, m);
                return true;
            case ("movss", 2) when o[0] is RegisterOperand { Size: 16 } x && o[1] is MemoryOperand { ThroughGot: false } m:
                Sse(0xF3, false, 0x11, x.Number, m);
                return true;
            case ("movsd", 2) when o[0] is MemoryOperand { ThroughGot: false } m && o[1] is RegisterOperand { Size: 16 } x:
                Sse(0xF2, false, 0x10, x.Number, m);
                return true;
            case ("movsd", 2) when o[0] is RegisterOperand { Size: 16 } x && o[1] is MemoryOperand { ThroughGot: false } m:
                Sse(0xF2, false, 0x11, x.Number, m);
                return true;
            case ("movupd", 2) when o[0] is MemoryOperand { ThroughGot: false } m && o[1] is RegisterOperand { Size: 16 } x:
                Sse(0x66, false, 0x10, x.Number, m);
                return true;
            case ("movupd", 2) when o[0] is RegisterOperand { Size: 16 } x && o[1] is MemoryOperand { ThroughGot: false } m:
                Sse(0x66, false, 0x11, x.Number, m);
                return true;
            case ("movapd", 2) when o[0] is RegisterOperand { Size: 16 } from && o[1] is RegisterOperand { Size: 16 } to:
                Sse(0x66, false, 0x28, to.Number, from);
                return true;
            case ("movsbq", 2) when IsByteSource(o[0]) && o[1] is RegisterOperand { Size: 8 } r:
                ModRm(true, [0x0F, 0xBE], r.Number, o[0]);
                return true;
            case ("movswq", 2) when o[0] is MemoryOperand { ThroughGot: false } && o[1] is RegisterOperand { Size: 8 } r:
                ModRm(true, [0x0F, 0xBF], r.Number, o[0]);
                return true;
            case ("movzwl", 2) when o[0] is MemoryOperand { ThroughGot: false } && o[1] is RegisterOperand { Size: 4 } r:
                ModRm(false, [0x0F, 0xB7], r.Number, o[0]);
                return true;
            case ("movslq", 2) when o[0] is MemoryOperand { ThroughGot: false } or RegisterOperand { Size: 4 } && o[1] is RegisterOperand { Size: 8 } r:
                ModRm(true, [0x63], r.Number, o[0]);
                return true;
            case ("movl", 2) when o[0] is MemoryOperand { ThroughGot: false } && o[1] is RegisterOperand { Size: 4 } r:
                ModRm(false, [0x8B], r.Number, o[0]);
                return true;
            case ("movl", 2) when o[0] is RegisterOperand { Size: 4 } r && o[1] is MemoryOperand { ThroughGot: false }:
                ModRm(false, [0x89], r.Number, o[1]);
                return true;
            case ("movl", 2) when o[0] is ImmediateOperand { Value: >= int.MinValue and <= uint.MaxValue } i && o[1] is MemoryOperand { ThroughGot: false }:
                ModRm(false, [0xC7], 0, o[1], immediateSize: 4, immediate: i.Value);
                return true;
            case ("movw", 2) when o[0] is RegisterOperand { Size: 2 } r && o[1] is MemoryOperand { ThroughGot: false }:
                bytes.Add(0x66);
                ModRm(false, [0x89], r.Number, o[1]);
                return true;
            case ("movw", 2) when o[0] is ImmediateOperand { Value: >= short.MinValue and <= ushort.MaxValue } i && o[1] is MemoryOperand { ThroughGot: false }:
                bytes.Add(0x66);
                ModRm(false, [0xC7], 0, o[1], immediateSize: 2, immediate: i.Value);
                return true;
            case ("movl", 2) when o[0] is ImmediateOperand { Value: >= 0 and <= uint.MaxValue } word && o[1] is RegisterOperand { Size: 4 } r:
                ShortRegister(0xB8, r.Number);
                Immediate(word.Value, 4);
                return true;
            case ("movabsq", 2) when o[0] is ImmediateOperand wide && o[1] is RegisterOperand { Size: 8 } r:
                Rex(true, 0, 0, r.Number, false);
                bytes.Add((byte)(0xB8 + (r.Number & 7)));
                Immediate(wide.Value, 8);
                return true;
            case ("movzbl", 2) when IsByteSource(o[0]) && o[1] is RegisterOperand { Size: 4 } r:
                ModRm(false, [0x0F, 0xB6], r.Number, o[0], forceRex: o[0] is RegisterOperand { NeedsRex: true });
                return true;
            case ("movb", 2) when o[0] is RegisterOperand { Size: 1 } r && o[1] is MemoryOperand:
                ModRm(false, [0x88], r.Number, o[1], forceRex: r.NeedsRex);
                return true;
            case ("movb", 2) when o[0] is ImmediateOperand { Value: >= sbyte.MinValue and <= byte.MaxValue } small && o[1] is MemoryOperand:
                ModRm(false, [0xC6], 0, o[1], immediateSize: 1, immediate: small.Value);
                return true;
            case ("leaq", 2) when o[0] is MemoryOperand { ThroughGot: false } && o[1] is RegisterOperand { Size: 8 } r:
                ModRm(true, [0x8D], r.Number, o[0]);
                return true;
            case ("testq", 2): return Test(o[0], o[1]);
            case ("xorl", 2) when o[0] is RegisterOperand { Size: 4 } source && o[1] is RegisterOperand { Size: 4 }:
                ModRm(false, [0x31], source.Number, o[1]);
                return true;
            case ("cmpb", 2) when o[0] is ImmediateOperand { Value: >= sbyte.MinValue and <= byte.MaxValue } small && o[1] is MemoryOperand { ThroughGot: false }:
                ModRm(false, [0x80], 7, o[1], immediateSize: 1, immediate: small.Value);
                return true;
            case ("imulq", 2) when o[1] is RegisterOperand { Size: 8 } r:
                if (o[0] is ImmediateOperand factor) return MultiplyImmediate(factor.Value, r, r);
                if (!IsQuad(o[0])) return false;
                ModRm(true, [0x0F, 0xAF], r.Number, o[0]);
                return true;
            case ("imulq", 3) when o[0] is ImmediateOperand multiplier && IsQuad(o[1]) && o[2] is RegisterOperand { Size: 8 } r:
                return MultiplyImmediate(multiplier.Value, o[1], r);
        }
        if (ScalarDouble.TryGetValue(mnemonic, out var scalar) && o is [RegisterOperand { Size: 16 } or MemoryOperand { ThroughGot: false }, RegisterOperand { Size: 16 } target])
        {
            Sse(scalar.Prefix, false, scalar.Opcode, target.Number, o[0]);
            return true;
        }
        if (CompareDoublePredicates.TryGetValue(mnemonic, out int predicate) && o is [RegisterOperand { Size: 16 } right, RegisterOperand { Size: 16 } left])
        {
            Sse(0xF2, false, 0xC2, left.Number, right, immediateSize: 1, immediate: predicate);
            return true;
        }
        if (Arithmetic.TryGetValue(mnemonic, out var arithmetic) && o.Count == 2) return ArithmeticOperation(arithmetic.Base, arithmetic.Extension, o[0], o[1]);
        if (UnaryExtension.TryGetValue(mnemonic, out int unary) && o.Count == 1 && IsQuad(o[0]))
        {
            ModRm(true, [0xF7], unary, o[0]);
            return true;
        }
        if (ShiftExtension.TryGetValue(mnemonic, out int shift) && o.Count == 2 && IsQuad(o[1])) return Shift(shift, o[0], o[1]);
        if (mnemonic.StartsWith("set", StringComparison.Ordinal) && Conditions.TryGetValue(mnemonic[3..], out int set)
            && o.Count == 1 && (o[0] is RegisterOperand { Size: 1 } || o[0] is MemoryOperand))
        {
            ModRm(false, [0x0F, (byte)(0x90 + set)], 0, o[0], forceRex: o[0] is RegisterOperand { NeedsRex: true });
            return true;
        }
        if (mnemonic.StartsWith("cmov", StringComparison.Ordinal) && mnemonic.EndsWith('q')
            && Conditions.TryGetValue(mnemonic[4..^1], out int move) && o.Count == 2 && IsQuad(o[0]) && o[1] is RegisterOperand { Size: 8 } destination)
        {
            ModRm(true, [0x0F, (byte)(0x40 + move)], destination.Number, o[0]);
            return true;
        }
        return false;
    }

    private bool Move(AsmOperand source, AsmOperand destination)
    {
        switch (source, destination)
        {
            case (RegisterOperand { Size: 8 } s, RegisterOperand { Size: 8 } or MemoryOperand { ThroughGot: false }):
                ModRm(true, [0x89], s.Number, destination);
                return true;
            case (MemoryOperand m, RegisterOperand { Size: 8 } d):
                ModRm(true, [0x8B], d.Number, m, relocation: m.ThroughGot ? RelocationKind.GotPcRel : RelocationKind.Pc32);
                return true;
            case (ImmediateOperand { Value: >= int.MinValue and <= int.MaxValue } i, RegisterOperand { Size: 8 } or MemoryOperand { ThroughGot: false }):
                ModRm(true, [0xC7], 0, destination, immediateSize: 4, immediate: i.Value);
                return true;
            default:
                return false;
        }
    }

    private bool ArithmeticOperation(byte opcodeBase, int extension, AsmOperand source, AsmOperand destination)
    {
        switch (source, destination)
        {
            case (RegisterOperand { Size: 8 } s, _) when IsQuad(destination):
                ModRm(true, [(byte)(opcodeBase + 1)], s.Number, destination);
                return true;
            case (MemoryOperand { ThroughGot: false } m, RegisterOperand { Size: 8 } d):
                ModRm(true, [(byte)(opcodeBase + 3)], d.Number, m);
                return true;
            case (ImmediateOperand { Value: >= sbyte.MinValue and <= sbyte.MaxValue } i, _) when IsQuad(destination):
                ModRm(true, [0x83], extension, destination, immediateSize: 1, immediate: i.Value);
                return true;
            case (ImmediateOperand { Value: >= int.MinValue and <= int.MaxValue } i, RegisterOperand { Number: Rax, Size: 8 }):
                // GNU as prefers the accumulator's own short form for a 32-bit immediate.
                bytes.Add(0x48);
                bytes.Add((byte)(opcodeBase + 5));
                Immediate(i.Value, 4);
                return true;
            case (ImmediateOperand { Value: >= int.MinValue and <= int.MaxValue } i, _) when IsQuad(destination):
                ModRm(true, [0x81], extension, destination, immediateSize: 4, immediate: i.Value);
                return true;
            default:
                return false;
        }
    }

    private bool Test(AsmOperand source, AsmOperand destination)
    {
        switch (source, destination)
        {
            case (RegisterOperand { Size: 8 } s, _) when IsQuad(destination):
                ModRm(true, [0x85], s.Number, destination);
                return true;
            case (ImmediateOperand { Value: >= int.MinValue and <= int.MaxValue } i, RegisterOperand { Number: Rax, Size: 8 }):
                bytes.Add(0x48);
                bytes.Add(0xA9);
                Immediate(i.Value, 4);
                return true;
            case (ImmediateOperand { Value: >= int.MinValue and <= int.MaxValue } i, _) when IsQuad(destination):
                ModRm(true, [0xF7], 0, destination, immediateSize: 4, immediate: i.Value);
                return true;
            default:
                return false;
        }
    }

    private bool MultiplyImmediate(long value, AsmOperand source, RegisterOperand destination)
    {
        if (value is >= sbyte.MinValue and <= sbyte.MaxValue) ModRm(true, [0x6B], destination.Number, source, immediateSize: 1, immediate: value);
        else if (value is >= int.MinValue and <= int.MaxValue) ModRm(true, [0x69], destination.Number, source, immediateSize: 4, immediate: value);
        else return false;
        return true;
    }

    private bool Shift(int extension, AsmOperand count, AsmOperand destination)
    {
        switch (count)
        {
            case RegisterOperand { Number: 1, Size: 1 }:
                ModRm(true, [0xD3], extension, destination);
                return true;
            case ImmediateOperand { Value: 1 }:
                ModRm(true, [0xD1], extension, destination);
                return true;
            case ImmediateOperand { Value: >= 0 and <= byte.MaxValue } i:
                ModRm(true, [0xC1], extension, destination, immediateSize: 1, immediate: i.Value);
                return true;
            default:
                return false;
        }
    }

    /// <summary>A 64-bit register or a memory operand: what ModRM's r/m field can name for a quadword instruction.</summary>
    private static bool IsQuad(AsmOperand operand) => operand is RegisterOperand { Size: 8 } or MemoryOperand { ThroughGot: false };
    private static bool IsByteSource(AsmOperand operand) => operand is RegisterOperand { Size: 1 } or MemoryOperand { ThroughGot: false };

    /// <summary>An SSE instruction: its mandatory prefix goes before any REX prefix, then 0F and the opcode.</summary>
    private void Sse(byte prefix, bool wide, byte opcode, int reg, AsmOperand rm, int immediateSize = 0, long immediate = 0)
    {
        bytes.Add(prefix);
        ModRm(wide, [0x0F, opcode], reg, rm, immediateSize, immediate);
    }

    private void ShortRegister(byte opcode, int register)
    {
        if (register >= 8) bytes.Add(0x41);
        bytes.Add((byte)(opcode + (register & 7)));
    }

    private void Rex(bool wide, int reg, int index, int rmOrBase, bool force)
    {
        int rex = (wide ? 8 : 0) | (reg >= 8 ? 4 : 0) | (index >= 8 ? 2 : 0) | (rmOrBase >= 8 ? 1 : 0);
        if (rex != 0 || force) bytes.Add((byte)(0x40 | rex));
    }

    /// <summary>REX, opcode, ModRM, SIB, displacement and immediate of an instruction with a register or memory operand.</summary>
    private void ModRm(bool wide, byte[] opcode, int reg, AsmOperand rm, int immediateSize = 0, long immediate = 0,
        bool forceRex = false, RelocationKind relocation = RelocationKind.Pc32)
    {
        switch (rm)
        {
            case RegisterOperand r:
                Rex(wide, reg, 0, r.Number, forceRex || r.NeedsRex);
                bytes.AddRange(opcode);
                bytes.Add((byte)(0xC0 | (reg & 7) << 3 | (r.Number & 7)));
                break;
            case MemoryOperand { IsRipRelative: true } m:
                Rex(wide, reg, 0, 0, forceRex);
                bytes.AddRange(opcode);
                bytes.Add((byte)((reg & 7) << 3 | 5));
                int field = bytes.Count;
                Zeros(4);
                // The CPU adds the address of the next instruction, which ends after the immediate.
                fixups.Add(new Fixup(field, relocation, m.Symbol!, -4 - immediateSize));
                break;
            case MemoryOperand m:
                Memory(wide, opcode, reg, m, forceRex);
                break;
            default:
                throw new ArgumentException($"not a register or memory operand: {rm}");
        }
        if (immediateSize > 0) Immediate(immediate, immediateSize);
    }

    private void Memory(bool wide, byte[] opcode, int reg, MemoryOperand m, bool forceRex)
    {
        bool hasIndex = m.Index >= 0;
        Rex(wide, reg, hasIndex ? m.Index : 0, m.Base, forceRex);
        bytes.AddRange(opcode);
        // rbp and r13 as a base have no form without a displacement; GNU as drops a zero displacement everywhere else.
        int mode = m.Displacement == 0 && (m.Base & 7) != Rbp ? 0 : m.Displacement is >= sbyte.MinValue and <= sbyte.MaxValue ? 1 : 2;
        if (hasIndex || (m.Base & 7) == Rsp)
        {
            bytes.Add((byte)(mode << 6 | (reg & 7) << 3 | 4));
            int scaleBits = m.Scale switch { 1 => 0, 2 => 1, 4 => 2, _ => 3 };
            int index = hasIndex ? m.Index & 7 : Rsp;
            bytes.Add((byte)(scaleBits << 6 | index << 3 | (m.Base & 7)));
        }
        else
        {
            bytes.Add((byte)(mode << 6 | (reg & 7) << 3 | (m.Base & 7)));
        }
        if (mode == 1) Immediate(m.Displacement, 1);
        else if (mode == 2) Immediate(m.Displacement, 4);
    }

    private void Immediate(long value, int size)
    {
        for (int i = 0; i < size; i++) bytes.Add((byte)(value >> (8 * i)));
    }

    private void Zeros(int count)
    {
        for (int i = 0; i < count; i++) bytes.Add(0);
    }
}
