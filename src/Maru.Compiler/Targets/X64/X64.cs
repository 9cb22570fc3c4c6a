namespace Maru.Compiler.Targets.X64;

/// <summary>x86-64 machine opcodes. Operand 0 is the destination where there is one (printed last in AT&amp;T syntax).</summary>
public enum X64Op
{
    Mov,        // [dst, src]: register, immediate or memory to register or memory
    MovZxByte,  // [dst reg, src memory]: load a byte, zero-extended
    StoreByte,  // [dst memory, src reg or imm]: store the low byte
    Lea,        // [dst reg, memory]
    LoadExternAddress, // [dst reg, symbol]: the address of an extern (from the GOT, or of the import thunk on COFF)
    Add, Sub, And, Or, Xor, Imul, // [dst (use+def), src reg or imm32]; all but imul also [dst memory, src reg or imm32]
    Adc, Sbb,   // [dst (use+def), src imm]: with the carry flag of the comparison just before
    Neg, Not,   // [dst (use+def)]
    Shl, Sar, Shr, // [dst (use+def), count imm or %rcx]
    Cmp,        // [a, b]: flags of a - b (a a register or memory)
    CmpByte,    // [memory, imm8]: flags of the byte at memory - imm
    Test,       // [a, b]: flags of a & b
    Setcc,      // [dst]: 1 if Condition else 0 (setcc + movzbl)
    Cmov,       // [dst (use+def), src]: dst = src if Condition
    Cqo,        // rdx = sign of rax
    Idiv,       // [divisor]: rax = rdx:rax / divisor, rdx = remainder
    ImulWide,   // [factor]: rdx:rax = rax * factor (signed, 128 bits)
    Jmp,        // [block]
    Jcc,        // [block], Condition
    Call,       // [symbol or register]
    Ret,        // epilogue and return
    TailJmp,    // [symbol]: epilogue and jump
    // Memory of every width: loads [dst reg, src memory], stores [dst memory, src reg or imm].
    MovSxByte, MovSxWord, MovZxWord, MovSxLong, MovLong, // movsbq, movswq, movzwl, movslq, movl (zero-extends)
    StoreWord16, StoreLong, // movw, movl
    SignExtendInt,  // [dst, src]: the low 32 bits of src sign-extended (an int result)
    // Doubles in xmm registers: registers numbered from Xmm0, and virtual registers of the float class.
    MovBits,        // [dst, src]: the bits of a general register to an xmm register, or back (movq)
    MovSd,          // [dst, src]: xmm to xmm (a copy), or between an xmm register and memory, a slot or a stack argument
    AddSd, SubSd, MulSd, DivSd, // [dst (use+def), src]
    SqrtSd,         // [dst, src]
    Ucomisd,        // [a, b]: flags of comparing a with b: above, above-or-equal; a NaN sets the carry (below)
    CompareSd,      // [dst (use+def), b]: dst = all ones if dst compares with b as Condition says, else zeros (an X64DoublePredicate)
    MinSd, MaxSd,   // [dst (use+def), src]: the smaller (larger) of dst and src; src when they are equal or either is a NaN
    AndPd, AndnPd, OrPd, XorPd, // [dst (use+def), src]: bitwise on the whole registers (andnpd: dst = ~dst & src)
    CvtTSd2Si,      // [dst general, src]: truncated toward zero; -2^63 for a NaN or a value out of range
    CvtSi2Sd,       // [dst, src general]: the nearest double
    LoadSingle,     // [dst, memory]: a binary32 widened to a double
    StoreSingle,    // [memory, src, temp xmm]: rounded to binary32
    RoundToSingle,  // [dst, src]: a binary32 in the low 32 bits of dst (a C float argument)
    WidenSingle,    // [dst, src]: the binary32 in src widened (a C float result)
    // Two doubles in one xmm register (X64InstructionSelector.Vector.cs).
    UnpckLpd,       // [dst (use+def), src]: dst's high double = src's low one
    AddPd, SubPd, MulPd, DivPd, // [dst (use+def), src]: each double of dst with that of src
    HighLane,       // [dst, src]: dst's low double = src's high one (movapd, unpckhpd)
    MovUpd,         // [dst, src]: both doubles between an xmm register and memory or two slots
}

public enum X64Condition { E, NE, L, LE, G, GE, B, BE, A, AE, P }

/// <summary>The cmpsd predicates, numbered as the instruction encodes them.</summary>
public enum X64DoublePredicate { Eq = 0, Lt = 1, Unord = 3, Neq = 4 }

/// <summary>The x86-64 registers, numbered as the hardware encodes them.</summary>
public static class X64Registers
{
    public const int Rax = 0, Rcx = 1, Rdx = 2, Rbx = 3, Rsp = 4, Rbp = 5, Rsi = 6, Rdi = 7;
    public const int R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;
    /// <summary>xmm0; xmm<i>n</i> is numbered Xmm0 + n.</summary>
    public const int Xmm0 = 16;

    public static bool IsXmm(int register) => register is >= Xmm0 and < Xmm0 + 16;

    private static readonly string[] Names64 = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
    private static readonly string[] Names32 = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d" };
    private static readonly string[] Names16 = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w" };
    private static readonly string[] Names8 = { "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b" };

    /// <summary>
    /// A register's name: an xmm register's (numbered from <see cref="Xmm0"/>), or a general register's for an operand of
    /// <paramref name="size"/> bytes, where size 16 names the xmm register of that number.
    /// </summary>
    public static string Name(int register, int size = 8) =>
        IsXmm(register) ? $"%xmm{register - Xmm0}"
        : size == 16 ? $"%xmm{register}" : "%" + (size switch { 8 => Names64, 4 => Names32, 2 => Names16, _ => Names8 })[register];
}

/// <summary>A calling convention on x86-64: SysV (Linux, macOS) or Microsoft x64 (Windows).</summary>
public sealed class X64Abi : IRegisterInfo
{
    public static readonly X64Abi SysV = new(
        arguments: new[] { X64Registers.Rdi, X64Registers.Rsi, X64Registers.Rdx, X64Registers.Rcx, X64Registers.R8, X64Registers.R9 },
        calleeSaved: new[] { X64Registers.Rbx, X64Registers.Rbp, X64Registers.R12, X64Registers.R13, X64Registers.R14, X64Registers.R15 },
        shadowSpace: 0, passesVectorCountInAl: true, CCallConvention.SysV, callerSavedXmm: 16);

    /// <summary>
    /// Microsoft x64: four register arguments, then the stack above the 32-byte shadow space the caller reserves for every
    /// call. xmm6–xmm15 are callee-saved (all 128 bits), saved in the frame when used. Variadic C
    /// functions take word arguments in the same registers and slots as any other.
    /// </summary>
    public static readonly X64Abi Windows = new(
        arguments: new[] { X64Registers.Rcx, X64Registers.Rdx, X64Registers.R8, X64Registers.R9 },
        calleeSaved: new[] { X64Registers.Rbx, X64Registers.Rbp, X64Registers.Rdi, X64Registers.Rsi, X64Registers.R12, X64Registers.R13, X64Registers.R14, X64Registers.R15 },
        shadowSpace: 32, passesVectorCountInAl: false, CCallConvention.Windows, callerSavedXmm: 6);

    private readonly HashSet<int> _calleeSaved;

    private X64Abi(int[] arguments, int[] calleeSaved, int shadowSpace, bool passesVectorCountInAl, CCallConvention cCalls, int callerSavedXmm)
    {
        // xmm registers past the caller-saved ones are callee-saved, allocated last.
        var callerSavedXmmRegisters = Enumerable.Range(X64Registers.Xmm0, callerSavedXmm).ToArray();
        AllocatableFloatRegisters = Enumerable.Range(X64Registers.Xmm0, 16).ToArray();
        CCalls = cCalls;
        PassesVectorCountInAl = passesVectorCountInAl;
        ArgumentRegisters = arguments;
        _calleeSaved = new HashSet<int>(calleeSaved.Concat(Enumerable.Range(X64Registers.Xmm0 + callerSavedXmm, 16 - callerSavedXmm)));
        ShadowSpace = shadowSpace;
        CallerSaved = Enumerable.Range(0, 16).Where(r => r != X64Registers.Rsp && !_calleeSaved.Contains(r)).ToArray();
        AllocatableRegisters = CallerSaved.Concat(calleeSaved).ToArray();
        CallClobbers = CallerSaved.Concat(callerSavedXmmRegisters).ToArray();
    }

    public IReadOnlyList<int> ArgumentRegisters { get; }
    public int[] CallerSaved { get; }
    /// <summary>Bytes the caller reserves above the return address for the callee (32 on Windows).</summary>
    public int ShadowSpace { get; }
    public IReadOnlyList<int> AllocatableRegisters { get; }
    public IReadOnlyList<int> AllocatableFloatRegisters { get; }
    /// <summary>The registers a call destroys: the caller-saved general and xmm registers.</summary>
    public int[] CallClobbers { get; }
    /// <summary>Whether variadic callees read %al as the number of vector registers used (SysV); Windows passes nothing.</summary>
    public bool PassesVectorCountInAl { get; }
    /// <summary>Where the arguments of a call with a C signature go.</summary>
    public CCallConvention CCalls { get; }

    public bool IsFloatRegister(int physical) => X64Registers.IsXmm(physical);

    public bool IsCalleeSaved(int register) => _calleeSaved.Contains(register);

    public MachineInstruction Copy(int destination, int source, bool isFloat) =>
        new((int)(isFloat ? X64Op.MovSd : X64Op.Mov), MachineOperand.Def(destination), MachineOperand.Use(source)) { IsCopy = true };

    public MachineInstruction LoadSlot(int destination, int slot, bool isFloat) =>
        new((int)(isFloat ? X64Op.MovSd : X64Op.Mov), MachineOperand.Def(destination), MachineOperand.Slot(slot));

    public MachineInstruction StoreSlot(int slot, int source, bool isFloat) =>
        new((int)(isFloat ? X64Op.MovSd : X64Op.Mov), MachineOperand.Slot(slot), MachineOperand.Use(source));

    public MachineInstruction LoadTwoLaneSlot(int destination, int slot) => new((int)X64Op.MovUpd, MachineOperand.Def(destination), MachineOperand.Slot(slot));

    public MachineInstruction StoreTwoLaneSlot(int slot, int source) => new((int)X64Op.MovUpd, MachineOperand.Slot(slot), MachineOperand.Use(source));
}
