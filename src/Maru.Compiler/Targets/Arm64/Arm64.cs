namespace Maru.Compiler.Targets.Arm64;

/// <summary>
/// AArch64 machine opcodes. Operand 0 is the destination where there is one. Where a register operand may be the
/// constant 0, an immediate 0 stands for the zero register (xzr).
/// </summary>
public enum Arm64Op
{
    Mov,        // [dst, src reg]
    MovImm,     // [dst, imm]: any 64-bit constant (mov, or movz/movn and movk)
    Add, Sub, And, Orr, Eor, // [dst, a, b reg or imm]: b may be an immediate the instruction encodes
    AddLsl, SubLsl, // [dst, a, b reg, imm]: dst = a ± (b << imm)
    AddLsr,     // [dst, a, b reg, imm]: dst = a + (b >>> imm), a logical shift
    Mul, Sdiv, Smulh, // [dst, a, b]; smulh: the high 64 bits of the 128-bit signed product
    Madd, Msub, // [dst, a, b, c]: dst = c ± a * b
    Lsl, Asr,   // [dst, a, count reg or imm]: register counts are taken modulo 64 by the hardware
    Neg, Mvn,   // [dst, a]
    Cmp, Cmn,   // [a, b reg or imm12]: flags of a - b (a + b)
    Tst,        // [a, b reg or logical imm]: flags of a & b
    Cset,       // [dst]: 1 if Condition else 0
    Csel,       // [dst, a, b]: Condition ? a : b (fcsel when dst is a d register; then a and b are too)
    Cinc,       // [dst, a]: Condition ? a + 1 : a
    Ldr, Ldrb,  // [dst, memory, slot or incoming argument]; ldrb zero-extends
    Str, Strb,  // [memory, slot, incoming or outgoing argument, src]
    AddressOf,  // [dst, symbol or slot]: adrp + add (a local symbol), or sp + offset (a slot)
    LoadGot,    // [dst, symbol]: the address of an external symbol, from the GOT
    LoadSymbol, // [dst, symbol]: the word at a local symbol
    StoreSymbol,// [symbol, src]: stores the word at a local symbol (x16 holds its page)
    B,          // [block]
    BCond,      // [block], Condition
    Cbz, Cbnz,  // [reg, block]
    Tbz, Tbnz,  // [reg, bit imm, block]
    Bl,         // [symbol or register]
    Ret,        // epilogue and return
    TailB,      // [symbol]: epilogue and branch
    // Memory of every width, as Ldr/Str: ldrsb, ldrsh, ldrsw sign-extend; ldrh and ldr of a w register zero-extend.
    Ldrsb, Ldrh, Ldrsh, Ldrsw, LdrW,
    Strh, StrW,
    // Doubles (section 11), in d registers (numbered from D0: virtual registers of the float class). Scratch d16,
    // which the ABI lets any code destroy and nothing is allocated to, serves single precision and flmin/flmax.
    FAdd, FSub, FMul, FDiv, // [dst, a, b]
    // Two doubles in one v register (a paired division, Arm64InstructionSelector.Vector.cs).
    FAddTwoLanes, FSubTwoLanes, FMulTwoLanes, FDivTwoLanes, // [dst, a, b]: fadd ... fdiv of the .2d arrangement
    InsertHigh,   // [dst (use+def), src]: dst's high double = src's low one (mov v.d[1], v.d[0])
    HighLane,     // [dst, src]: the high double of src (mov d, v.d[1])
    LdrQ, StrQ,   // both doubles between a register and memory or two slots, as ldr/str (ldur/stur)
    FCompare,   // [dst general, a, b]: 1 or 0; Condition after fcmp (unordered fails all but ne)
    Fcmp,       // [a, b]: flags of comparing the doubles (a branch on them follows)
    FMin, FMax, // [dst, a, b]
    FSqrt,      // [dst, a]
    Frintm, Frintp, Frintn, Frintz, // [dst, a]
    Scvtf,      // [dst, a general]: long->double
    Fcvtzs,     // [dst general, a]: double->long, saturating with NaN 0 as the language says
    LdrFloat,   // [dst, memory]: a binary32 widened to a double
    StrFloat,   // [memory, src]: rounded to binary32
    FloatBits,  // [dst general, src]: src rounded to binary32, whose bits are dst's low 32 bits (a C float on the stack)
    Sxtw,       // [dst, src]: the low 32 bits of src sign-extended (an int result)
    FcvtSingle, // [dst, src]: src rounded to binary32 in dst's s register (a C float argument)
    FcvtDouble, // [dst, src]: the binary32 in src's s register widened (a C float result)
    FmovImm,    // [dst, imm]: a double constant the instruction encodes (see Arm64Immediates.IsFloatImmediate)
}

/// <summary>Condition codes, numbered as the hardware encodes them: flipping bit 0 inverts one.</summary>
public enum Arm64Condition { Eq = 0, Ne = 1, Hs = 2, Lo = 3, Mi = 4, Pl = 5, Vs = 6, Vc = 7, Hi = 8, Ls = 9, Ge = 10, Lt = 11, Gt = 12, Le = 13 }

/// <summary>The general registers x0–x30, numbered as the hardware encodes them, and the stack pointer.</summary>
public static class Arm64Registers
{
    public const int X0 = 0, X8 = 8, X16 = 16, X17 = 17, X18 = 18, X19 = 19, X28 = 28, Fp = 29, Lr = 30, Sp = 31;
    /// <summary>d0; d<i>n</i> is numbered D0 + n.</summary>
    public const int D0 = 32;

    public static bool IsD(int register) => register is >= D0 and < D0 + 32;

    public static string Name(int register, bool word32 = false) => register switch
    {
        >= D0 => $"d{register - D0}",
        Sp => "sp",
        Fp when !word32 => "x29",
        _ => (word32 ? "w" : "x") + register,
    };
}

/// <summary>
/// The AArch64 procedure call standard (AAPCS64; Apple's arm64 ABI differs only for variadic arguments).
/// x16/x17 are the emitter's scratch registers and x18 the platform register: none of them is allocated.
/// </summary>
public sealed class Arm64Abi : IRegisterInfo
{
    public static readonly Arm64Abi Instance = new();

    private Arm64Abi()
    {
        ArgumentRegisters = Enumerable.Range(Arm64Registers.X0, 8).ToArray();
        var calleeSaved = Enumerable.Range(Arm64Registers.X19, 10).ToArray();
        CallerSaved = Enumerable.Range(Arm64Registers.X0, 16).ToArray();
        AllocatableRegisters = CallerSaved.Concat(calleeSaved).ToArray();
        // d8–d15 are callee-saved (their low halves, all a double uses), so they come last; d16–d18 are scratch.
        var callerSavedD = Enumerable.Range(Arm64Registers.D0, 8).Concat(Enumerable.Range(Arm64Registers.D0 + 19, 13)).ToArray();
        AllocatableFloatRegisters = callerSavedD.Concat(Enumerable.Range(Arm64Registers.D0 + 8, 8)).ToArray();
        // A call destroys every caller-saved register, the scratch registers and the link register.
        CallClobbers = CallerSaved.Append(Arm64Registers.X16).Append(Arm64Registers.X17).Append(Arm64Registers.Lr)
            .Concat(callerSavedD).ToArray();
    }

    public IReadOnlyList<int> ArgumentRegisters { get; }
    public int[] CallerSaved { get; }
    public int[] CallClobbers { get; }
    public IReadOnlyList<int> AllocatableRegisters { get; }

    public IReadOnlyList<int> AllocatableFloatRegisters { get; }

    public bool IsFloatRegister(int physical) => Arm64Registers.IsD(physical);

    public bool IsCalleeSaved(int register) =>
        register is >= Arm64Registers.X19 and <= Arm64Registers.X28 or >= Arm64Registers.D0 + 8 and <= Arm64Registers.D0 + 15;

    /// <remarks>The emitter writes a move that involves a d register as fmov.</remarks>
    public MachineInstruction Copy(int destination, int source, bool isFloat) =>
        new((int)Arm64Op.Mov, MachineOperand.Def(destination), MachineOperand.Use(source)) { IsCopy = true };

    public MachineInstruction LoadSlot(int destination, int slot, bool isFloat) =>
        new((int)Arm64Op.Ldr, MachineOperand.Def(destination), MachineOperand.Slot(slot));

    public MachineInstruction StoreSlot(int slot, int source, bool isFloat) =>
        new((int)Arm64Op.Str, MachineOperand.Slot(slot), MachineOperand.Use(source));

    public MachineInstruction LoadTwoLaneSlot(int destination, int slot) => new((int)Arm64Op.LdrQ, MachineOperand.Def(destination), MachineOperand.Slot(slot));

    public MachineInstruction StoreTwoLaneSlot(int slot, int source) => new((int)Arm64Op.StrQ, MachineOperand.Slot(slot), MachineOperand.Use(source));
}

/// <summary>Which immediates AArch64 instructions encode.</summary>
public static class Arm64Immediates
{
    /// <summary>
    /// Whether fmov encodes the double whose bits these are: ±(16 + m)/16 × 2^e with m in 0–15 and e in -3–4 (2.0, 0.5,
    /// 0.25, 1.5, 31.0, ...). Zero is not among them (it is a move from xzr).
    /// </summary>
    public static bool IsFloatImmediate(long bits)
    {
        long exponent = (bits >> 52) & 0x7FF;
        return exponent is >= 1023 - 3 and <= 1023 + 4 && (bits & ((1L << 48) - 1)) == 0;
    }

    /// <summary>Whether one instruction loads the constant: movz or movn of one 16-bit chunk, or orr of a logical immediate.</summary>
    public static bool IsSingleMove(long value)
    {
        int zeroChunks = 0, onesChunks = 0;
        for (int shift = 0; shift < 64; shift += 16)
        {
            ulong chunk = ((ulong)value >> shift) & 0xffff;
            if (chunk == 0) zeroChunks++;
            if (chunk == 0xffff) onesChunks++;
        }
        return zeroChunks >= 3 || onesChunks >= 3 || IsLogical(value);
    }

    /// <summary>An add/sub/cmp immediate: 12 bits, optionally shifted left by 12.</summary>
    public static bool IsArithmetic(long value) => value is >= 0 and <= 0xfff || (value & 0xfff) == 0 && value is > 0 and <= 0xfff000;

    /// <summary>
    /// A logical (and/orr/eor/tst) immediate: a repetition of 2, 4, ..., 64-bit elements, each a rotated run of ones
    /// (neither all zeros nor all ones).
    /// </summary>
    public static bool IsLogical(long value)
    {
        ulong v = (ulong)value;
        if (v == 0 || v == ulong.MaxValue) return false;
        int size = 64;
        // The smallest element size whose repetition gives the value.
        while (size > 2)
        {
            int half = size / 2;
            ulong mask = (1UL << half) - 1;
            if ((v & mask) != ((v >> half) & mask)) break;
            size = half;
        }
        ulong elementMask = size == 64 ? ulong.MaxValue : (1UL << size) - 1;
        ulong element = v & elementMask;
        // Rotated runs of ones: rotate so that the element starts with a one after a zero, then it must be 0…01…1.
        for (int rotation = 0; rotation < size; rotation++)
        {
            ulong rotated = size == 64
                ? System.Numerics.BitOperations.RotateRight(element, rotation)
                : ((element >> rotation) | (element << (size - rotation))) & elementMask;
            if ((rotated & (rotated + 1)) == 0) return true;
        }
        return false;
    }

    /// <summary>An unsigned, scaled 12-bit offset (ldr/str) or a signed 9-bit unscaled one (ldur/stur).</summary>
    public static bool IsMemoryOffset(long offset, int size) =>
        offset is >= -256 and <= 255 || offset >= 0 && offset % size == 0 && offset / size <= 0xfff;
}
