using System.Numerics;
using Maru.Compiler.IR;
using Maru.Compiler.Semantics;
using static Maru.Compiler.Targets.Arm64.Arm64Registers;

namespace Maru.Compiler.Targets.Arm64;

/// <summary>
/// Turns IR into AArch64 machine instructions over virtual registers. Argument and result registers appear as copies
/// to and from physical registers, for the allocator to coalesce.
/// </summary>
public sealed partial class Arm64InstructionSelector
{
    /// <summary>tbz/tbnz reach only ±32 KiB: they are used in functions small enough that no branch goes that far.</summary>
    private const int MaxInstructionsForBitBranches = 1000;

    private readonly IrFunction _ir;
    private readonly Arm64Abi _abi;
    private readonly MachineFunction _function;
    private readonly Func<int, string> _stringLabel;
    private readonly Func<string, bool, string> _symbolName;
    private readonly bool _variadicArgumentsOnStack;
    private readonly bool _useBitBranches;
    private List<MachineInstruction> _code = null!;
    private BasicBlock _block = null!; // the block being selected
    private readonly Dictionary<(long Bits, bool IsFloat), int> _hoistedConstants = new();
    private int _hoistedInstructions; // how many instructions at the entry's start set hoisted constants

    private Arm64InstructionSelector(IrFunction ir, Arm64Abi abi, Func<int, string> stringLabel, Func<string, bool, string> symbolName, bool variadicArgumentsOnStack)
    {
        _ir = ir;
        _abi = abi;
        _stringLabel = stringLabel;
        _symbolName = symbolName;
        _variadicArgumentsOnStack = variadicArgumentsOnStack;
        _useBitBranches = ir.Blocks.Sum(b => b.Instructions.Count + 1) <= MaxInstructionsForBitBranches;
        _function = new MachineFunction(symbolName(ir.Symbol.NativeName, false), ir.Symbol.IsExported)
        {
            RegisterCount = MachineFunction.FirstVirtual + ir.RegisterCount,
            SlotCount = ir.SlotCount,
        };
        foreach (int register in ir.FloatRegisters) _function.FloatRegisters.Add(V(register));
        foreach (int register in ir.TwoLaneRegisters) _function.TwoLaneRegisters.Add(V(register));
    }

    /// <param name="stringLabel">The assembler label of string literal number n of the file.</param>
    /// <param name="symbolName">The assembler name of a native symbol (true: an extern), with any platform prefix.</param>
    /// <param name="variadicArgumentsOnStack">Apple's ABI: the variadic arguments of a C call go on the stack.</param>
    public static MachineFunction Select(IrFunction ir, Arm64Abi abi, Func<int, string> stringLabel, Func<string, bool, string> symbolName, bool variadicArgumentsOnStack)
    {
        var selector = new Arm64InstructionSelector(ir, abi, stringLabel, symbolName, variadicArgumentsOnStack);
        selector.Run();
        return selector._function;
    }

    private void Run()
    {
        foreach (var block in _ir.Blocks) _function.Blocks.Add(new MachineBlock(block.Id, block.LoopDepth));
        var uses = _ir.UseCounts();
        var selects = ConditionalSelects();
        // The arms of a conditional select are not selected: their machine blocks stay empty and unreachable.
        var arms = selects.Values.SelectMany(s => s.Arms).ToHashSet();
        foreach (var block in _ir.Blocks)
        {
            if (arms.Contains(block)) continue;
            var machineBlock = _function.Blocks[block.Id];
            _code = machineBlock.Instructions;
            _block = block;
            if (block.Id == 0) SelectEntry();
            var select = selects.GetValueOrDefault(block);
            var maskTest = select is null ? MaskTestBranch(block, uses) ?? DoubleComparisonBranch(block, uses) : null;
            for (int i = 0; i < block.Instructions.Count; i++)
            {
                var instruction = block.Instructions[i];
                if (instruction == maskTest) continue;
                if (i + 1 < block.Instructions.Count && TrySelectPairedDivision(instruction, block.Instructions[i + 1]))
                {
                    i++;
                    continue;
                }
                if (i + 1 < block.Instructions.Count && TrySelectFused(instruction, block.Instructions[i + 1], uses))
                {
                    i++;
                    continue;
                }
                Select(instruction);
            }
            if (select is not null)
            {
                SelectConditionalSelect(block.Terminator, select);
                if (select.Join is { } join) machineBlock.Successors.Add(_function.Blocks[join.Id]);
                continue;
            }
            if (maskTest is { Operator: >= Operator.FLt and <= Operator.FGt }) SelectDoubleComparisonBranch(maskTest, block.Terminator);
            else if (maskTest is not null) SelectMaskTestBranch(maskTest, block.Terminator);
            else SelectTerminator(block.Terminator);
            foreach (var successor in block.Terminator.Successors) machineBlock.Successors.Add(_function.Blocks[successor.Id]);
        }
    }

    private static int V(int irRegister) => MachineFunction.FirstVirtual + irRegister;

    /// <summary>
    /// A branch whose arms only choose a value: both return one (<see cref="Join"/> null); or both set one register and
    /// jump to one block; or one arm sets a register and jumps to the other (which keeps the register's value). The
    /// <see cref="Arms"/> have no other predecessor and are not selected.
    /// </summary>
    private sealed record ConditionalSelect(BasicBlock[] Arms, Value WhenTrue, Value WhenFalse, int Destination, BasicBlock? Join);

    /// <summary>The branches that become cmp and csel instead of branching (if-conversion), by the block they end.</summary>
    private Dictionary<BasicBlock, ConditionalSelect> ConditionalSelects()
    {
        _ir.CountPredecessors();
        static bool onlyFromHere(BasicBlock arm) => arm.PredecessorCount == 1;
        // Arms end with a jump or a return, so no block is both an arm and a converted branch.
        var selects = new Dictionary<BasicBlock, ConditionalSelect>();
        foreach (var block in _ir.Blocks)
        {
            if (block.Terminator is not { Kind: TerminatorKind.Branch, True: { } t, False: { } f } || t == f || t == block || f == block) continue;
            if (onlyFromHere(t) && onlyFromHere(f) && ReturnedValue(t) is { } returnTrue && ReturnedValue(f) is { } returnFalse)
                selects[block] = new ConditionalSelect([t, f], returnTrue, returnFalse, -1, null);
            else if (onlyFromHere(t) && onlyFromHere(f) && AssignmentBefore(t) is { } setTrue && AssignmentBefore(f) is { } setFalse
                && setTrue.Dest == setFalse.Dest && t.Terminator.True == f.Terminator.True && t.Terminator.True != t && f.Terminator.True != f)
                selects[block] = new ConditionalSelect([t, f], setTrue.Args[0], setFalse.Args[0], V(setTrue.Dest), t.Terminator.True);
            else if (onlyFromHere(t) && AssignmentBefore(t) is { } setWhenTrue && t.Terminator.True == f)
                selects[block] = new ConditionalSelect([t], setWhenTrue.Args[0], Value.Reg(setWhenTrue.Dest), V(setWhenTrue.Dest), f);
            else if (onlyFromHere(f) && AssignmentBefore(f) is { } setWhenFalse && f.Terminator.True == t)
                selects[block] = new ConditionalSelect([f], Value.Reg(setWhenFalse.Dest), setWhenFalse.Args[0], V(setWhenFalse.Dest), t);
        }
        return selects;
    }

    /// <summary>The copy of a block that is only <c>d = x; jump j</c>.</summary>
    private static Instruction? AssignmentBefore(BasicBlock block) =>
        block is { Terminator.Kind: TerminatorKind.Jump, Instructions: [{ Opcode: Opcode.Copy } copy] } ? copy : null;

    /// <summary>The value a block only returns: <c>return x</c>, or <c>d = x; return d</c> (parameters copied on a split entry).</summary>
    private static Value? ReturnedValue(BasicBlock block) => block switch
    {
        { Terminator.Kind: TerminatorKind.Return, Instructions: [] } => block.Terminator.A,
        { Terminator: { Kind: TerminatorKind.Return, A.IsRegister: true }, Instructions: [{ Opcode: Opcode.Copy } copy] }
            when copy.Dest == block.Terminator.A.Register => copy.Args[0],
        _ => null,
    };

    private void SelectConditionalSelect(Terminator branch, ConditionalSelect select)
    {
        // A double is chosen in d registers (fcsel), by the class of the variable set, or of a returned value.
        bool isFloat = select.Join is not null ? IsFloat(select.Destination) : IsFloatRegister(select.WhenTrue) || IsFloatRegister(select.WhenFalse);
        // Both values are computed before the comparison: the flags must reach the csel.
        var whenTrue = isFloat ? Use(InFloatRegisterOfAnyClass(select.WhenTrue)) : RegisterOrZero(select.WhenTrue);
        var whenFalse = isFloat ? Use(InFloatRegisterOfAnyClass(select.WhenFalse)) : RegisterOrZero(select.WhenFalse);
        var condition = Compare(branch.Comparison, branch.A, branch.B);
        if (select.Join is { } join)
        {
            AddConditional(Arm64Op.Csel, condition, Def(select.Destination), whenTrue, whenFalse);
            Add(Arm64Op.B, MachineOperand.Target(join.Id));
            return;
        }
        int result = _function.NewRegister(isFloat);
        AddConditional(Arm64Op.Csel, condition, Def(result), whenTrue, whenFalse);
        Copy(X0, result);
        _code.Add(new MachineInstruction((int)Arm64Op.Ret) { ImplicitUses = new[] { X0 } });
    }

    private int NewRegister() => _function.NewRegister();

    private void Add(Arm64Op op, params MachineOperand[] operands) => _code.Add(new MachineInstruction((int)op, operands));

    private void AddConditional(Arm64Op op, Arm64Condition condition, params MachineOperand[] operands) =>
        _code.Add(new MachineInstruction((int)op, operands) { Condition = (int)condition });

    private bool IsFloat(int register) => _function.IsFloat(register, _abi);

    /// <summary>Copies a register; between a general and a d register that is a move of the bits (fmov).</summary>
    private void Copy(int destination, int source)
    {
        bool isFloat = IsFloat(destination);
        if (isFloat == IsFloat(source)) _code.Add(_abi.Copy(destination, source, isFloat));
        else Add(Arm64Op.Mov, Def(destination), Use(source));
    }

    /// <summary>A d register holding the value: a register operand of a double operation already is one.</summary>
    private int InFloatRegister(Value value)
    {
        if (value.IsRegister) return V(value.Register);
        if (InLoop && value.Constant != 0 && !Arm64Immediates.IsFloatImmediate(value.Constant)) return HoistedConstant(value.Constant, isFloat: true);
        int r = _function.NewRegister(isFloat: true);
        Move(r, value);
        return r;
    }

    private static MachineOperand Def(int register) => MachineOperand.Def(register);
    private static MachineOperand Use(int register) => MachineOperand.Use(register);
    private static MachineOperand Imm(long value) => MachineOperand.Imm(value);

    /// <summary>Puts a value in the given register.</summary>
    private void Move(int destination, Value value)
    {
        if (value.IsRegister) Copy(destination, V(value.Register));
        else if (!IsFloat(destination)) Add(Arm64Op.MovImm, Def(destination), Imm(value.Constant));
        else if (value.Constant == 0) Add(Arm64Op.Mov, Def(destination), Imm(0)); // fmov from xzr
        else if (Arm64Immediates.IsFloatImmediate(value.Constant)) Add(Arm64Op.FmovImm, Def(destination), Imm(value.Constant));
        else Copy(destination, InRegister(value));
    }

    /// <summary>A register holding the value (constants are loaded into a new one).</summary>
    private int InRegister(Value value)
    {
        if (value.IsRegister) return V(value.Register);
        if (InLoop && !Arm64Immediates.IsSingleMove(value.Constant)) return HoistedConstant(value.Constant, isFloat: false);
        int r = NewRegister();
        Move(r, value);
        return r;
    }

    /// <summary>Whether the block being selected is in a loop and the function's entry is not, so can set registers for it.</summary>
    private bool InLoop => _block.LoopDepth > 0 && _ir.Blocks[0].LoopDepth == 0;

    /// <summary>
    /// A constant that a loop reads from a register and that takes more than one instruction to put there (movz and
    /// movk, or a double through a general register): set once at the function's entry instead of on every iteration.
    /// Should registers run short in the loop, the allocator spills it like any value.
    /// </summary>
    private int HoistedConstant(long bits, bool isFloat)
    {
        if (_hoistedConstants.TryGetValue((bits, isFloat), out int register)) return register;
        register = _function.NewRegister(isFloat);
        var (code, block) = (_code, _block);
        (_code, _block) = (new List<MachineInstruction>(), _ir.Blocks[0]); // selected as the entry's, not hoisted again
        Move(register, Value.Const(bits));
        _function.Blocks[0].Instructions.InsertRange(_hoistedInstructions, _code);
        _hoistedInstructions += _code.Count;
        (_code, _block) = (code, block);
        _hoistedConstants[(bits, isFloat)] = register;
        return register;
    }

    private bool IsFloatRegister(Value value) => value.IsRegister && IsFloat(V(value.Register));

    /// <summary>A d register holding the value, moved there (fmov) from a general register if that is where it is.</summary>
    private int InFloatRegisterOfAnyClass(Value value)
    {
        if (!value.IsRegister || IsFloatRegister(value)) return InFloatRegister(value);
        int register = _function.NewRegister(isFloat: true);
        Copy(register, V(value.Register));
        return register;
    }

    /// <summary>A register operand, or the zero register for the constant 0.</summary>
    private MachineOperand RegisterOrZero(Value value) =>
        value is { IsConstant: true, Constant: 0 } ? Imm(0) : Use(InRegister(value));

    /// <summary>A register, or an immediate where <paramref name="encodable"/> says the instruction takes it.</summary>
    private MachineOperand Operand(Value value, Func<long, bool> encodable) =>
        value.IsConstant && encodable(value.Constant) ? Imm(value.Constant) : Use(InRegister(value));

    private void SelectEntry()
    {
        var registers = _abi.ArgumentRegisters;
        for (int i = 0; i < _ir.Parameters.Count; i++)
        {
            int parameter = V(_ir.Parameters[i]);
            if (i < registers.Count) Copy(parameter, registers[i]);
            else Add(Arm64Op.Ldr, Def(parameter), MachineOperand.Incoming(i - registers.Count));
        }
    }

    private void Select(Instruction instruction)
    {
        var args = instruction.Args;
        int dest = instruction.Dest >= 0 ? V(instruction.Dest) : -1;
        switch (instruction.Opcode)
        {
            case Opcode.Copy:
                Move(dest, args[0]);
                break;
            case Opcode.Pack or Opcode.Lane:
            case Opcode.Binary or Opcode.Load when _ir.TwoLaneRegisters.Contains(instruction.Dest):
            case Opcode.Store when args[2].IsRegister && _ir.TwoLaneRegisters.Contains(args[2].Register):
                SelectTwoLanes(instruction);
                break;
            case Opcode.Unary:
                SelectUnary(instruction.Operator, dest, args[0]);
                break;
            case Opcode.Binary:
                SelectBinary(instruction.Operator, dest, args[0], args[1]);
                break;
            case Opcode.Load:
            {
                var load = instruction.Operator switch
                {
                    Operator.LoadWord => Arm64Op.Ldr, Operator.LoadByte => Arm64Op.Ldrb, Operator.LoadInt8 => Arm64Op.Ldrsb,
                    Operator.LoadInt16 => Arm64Op.Ldrsh, Operator.LoadUInt16 => Arm64Op.Ldrh,
                    Operator.LoadInt32 => Arm64Op.Ldrsw, Operator.LoadUInt32 => Arm64Op.LdrW, _ => Arm64Op.LdrFloat,
                };
                Add(load, Def(dest), Address(args[0], args[1], WordArithmetic.ElementSize(instruction.Operator)));
                break;
            }
            case Opcode.Store:
            {
                int size = WordArithmetic.ElementSize(instruction.Operator);
                var address = Address(args[0], args[1], size);
                if (instruction.Operator == Operator.StoreFloat)
                {
                    Add(Arm64Op.StrFloat, address, Use(InFloatRegister(args[2])));
                    break;
                }
                // A narrow store keeps the constant's low bits (so a small constant, or zero's xzr, stays cheap).
                var value = args[2].IsConstant && size < 8 ? Value.Const(args[2].Constant & (long)((1UL << (8 * size)) - 1)) : args[2];
                Add(size switch { 8 => Arm64Op.Str, 4 => Arm64Op.StrW, 2 => Arm64Op.Strh, _ => Arm64Op.Strb }, address, RegisterOrZero(value));
                break;
            }
            case Opcode.LoadGlobal:
                Add(Arm64Op.LoadSymbol, Def(dest), MachineOperand.Sym(_symbolName(instruction.Symbol!, false)));
                break;
            case Opcode.StoreGlobal:
                Add(Arm64Op.StoreSymbol, MachineOperand.Sym(_symbolName(instruction.Symbol!, false)), RegisterOrZero(args[0]));
                break;
            case Opcode.AddressOf when instruction.SymbolKind == SymbolKind.Extern:
                Add(Arm64Op.LoadGot, Def(dest), MachineOperand.Sym(_symbolName(instruction.Symbol!, true)));
                break;
            case Opcode.AddressOf:
                Add(Arm64Op.AddressOf, Def(dest), MachineOperand.Sym(_symbolName(instruction.Symbol!, false)));
                break;
            case Opcode.AddressOfString:
                Add(Arm64Op.AddressOf, Def(dest), MachineOperand.Sym(_stringLabel(instruction.Index)));
                break;
            case Opcode.AddressOfSlot:
                Add(Arm64Op.AddressOf, Def(dest), MachineOperand.Slot(instruction.Index));
                break;
            case Opcode.LoadSlot:
                Add(Arm64Op.Ldr, Def(dest), MachineOperand.Slot(instruction.Index));
                break;
            case Opcode.StoreSlot:
                Add(Arm64Op.Str, MachineOperand.Slot(instruction.Index), Use(InRegister(args[0])));
                break;
            case Opcode.Call:
                SelectCall(instruction, dest);
                break;
            default:
                throw new InvalidOperationException($"no selection for {instruction.Opcode}");
        }
    }

    /// <summary>The memory operand for <c>base + index*size</c>: a base with an encodable offset, or base plus scaled index.</summary>
    private MachineOperand Address(Value @base, Value index, int size)
    {
        if (index.IsConstant)
        {
            long offset = unchecked(index.Constant * size);
            if (@base.IsConstant) return MachineOperand.Mem(InRegister(Value.Const(unchecked(@base.Constant + offset))));
            if (Arm64Immediates.IsMemoryOffset(offset, size)) return MachineOperand.Mem(V(@base.Register), offset);
            return MachineOperand.Mem(V(@base.Register), 0, InRegister(Value.Const(offset)), 1);
        }
        return MachineOperand.Mem(InRegister(@base), 0, V(index.Register), size);
    }

    /// <summary>Arithmetic, flmin, flmax and comparisons take d registers.</summary>
    private void SelectFloatBinary(Operator op, int dest, Value a, Value b)
    {
        var x = Use(InFloatRegister(a));
        var y = Use(InFloatRegister(b));
        if (op is >= Operator.FLt and <= Operator.FGt)
        {
            AddConditional(Arm64Op.FCompare, DoubleCondition(op), Def(dest), x, y);
            return;
        }
        var instruction = op switch
        {
            Operator.FAdd => Arm64Op.FAdd, Operator.FSub => Arm64Op.FSub, Operator.FMul => Arm64Op.FMul, Operator.FDiv => Arm64Op.FDiv,
            Operator.FMin => Arm64Op.FMin, _ => Arm64Op.FMax,
        };
        Add(instruction, Def(dest), x, y);
    }

    private void SelectUnary(Operator op, int dest, Value a)
    {
        switch (op)
        {
            case >= Operator.FSqrt and <= Operator.DoubleToLong:
                var instruction = op switch
                {
                    Operator.FSqrt => Arm64Op.FSqrt, Operator.FFloor => Arm64Op.Frintm, Operator.FCeiling => Arm64Op.Frintp,
                    Operator.FRound => Arm64Op.Frintn, Operator.FTruncate => Arm64Op.Frintz, Operator.LongToDouble => Arm64Op.Scvtf,
                    _ => Arm64Op.Fcvtzs,
                };
                Add(instruction, Def(dest), Use(op == Operator.LongToDouble ? InRegister(a) : InFloatRegister(a)));
                break;
            case Operator.Not:
                Add(Arm64Op.Cmp, Use(InRegister(a)), Imm(0));
                AddConditional(Arm64Op.Cset, Arm64Condition.Eq, Def(dest));
                break;
            case Operator.Neg:
                Add(Arm64Op.Neg, Def(dest), Use(InRegister(a)));
                break;
            default:
                Add(Arm64Op.Mvn, Def(dest), Use(InRegister(a)));
                break;
        }
    }

    private void SelectBinary(Operator op, int dest, Value a, Value b)
    {
        if (op is >= Operator.FAdd and <= Operator.FGt)
        {
            SelectFloatBinary(op, dest, a, b);
            return;
        }
        if (WordArithmetic.IsComparison(op))
        {
            AddConditional(Arm64Op.Cset, Compare(op, a, b), Def(dest));
            return;
        }
        // Commutative operators take their constant second, where instructions encode immediates.
        if (a.IsConstant && b.IsRegister && op is Operator.Add or Operator.Mul or Operator.And or Operator.Or or Operator.Xor)
            (a, b) = (b, a);
        switch (op)
        {
            case Operator.Add or Operator.Sub:
            {
                if (a is { IsConstant: true, Constant: 0 } && op == Operator.Sub)
                {
                    Add(Arm64Op.Neg, Def(dest), Use(InRegister(b)));
                    return;
                }
                int x = InRegister(a);
                if (b.IsConstant && b.Constant != long.MinValue)
                {
                    long c = op == Operator.Add ? b.Constant : -b.Constant;
                    if (Arm64Immediates.IsArithmetic(c)) { Add(Arm64Op.Add, Def(dest), Use(x), Imm(c)); return; }
                    if (Arm64Immediates.IsArithmetic(-c)) { Add(Arm64Op.Sub, Def(dest), Use(x), Imm(-c)); return; }
                }
                Add(op == Operator.Add ? Arm64Op.Add : Arm64Op.Sub, Def(dest), Use(x), Use(InRegister(b)));
                return;
            }
            case Operator.Mul when b.IsConstant && b.Constant > 0 && BitOperations.IsPow2(b.Constant):
                Add(Arm64Op.Lsl, Def(dest), Use(InRegister(a)), Imm(BitOperations.Log2((ulong)b.Constant)));
                return;
            case Operator.Mul:
                Add(Arm64Op.Mul, Def(dest), Use(InRegister(a)), Use(InRegister(b)));
                return;
            case Operator.And or Operator.Or or Operator.Xor:
            {
                var logical = op switch { Operator.And => Arm64Op.And, Operator.Or => Arm64Op.Orr, _ => Arm64Op.Eor };
                Add(logical, Def(dest), Use(InRegister(a)), Operand(b, Arm64Immediates.IsLogical));
                return;
            }
            case Operator.Shl or Operator.Sar:
            {
                var shift = op == Operator.Shl ? Arm64Op.Lsl : Arm64Op.Asr;
                // The hardware takes register counts modulo 64, as the language does.
                Add(shift, Def(dest), Use(InRegister(a)), b.IsConstant ? Imm(b.Constant & 63) : Use(V(b.Register)));
                return;
            }
            case Operator.Div or Operator.Rem:
                SelectDivision(op == Operator.Div, dest, a, b);
                return;
            default:
                throw new InvalidOperationException($"no selection for {op}");
        }
    }

    /// <summary><c>d = x &amp; mask</c> with a mask that tst encodes.</summary>
    private static bool IsMask(Instruction instruction) =>
        instruction is { Opcode: Opcode.Binary, Operator: Operator.And } && instruction.Args[0].IsRegister
        && instruction.Args[1].IsConstant && Arm64Immediates.IsLogical(instruction.Args[1].Constant);

    /// <summary>
    /// Fuses two adjacent instructions where the first's result is used only by the second: a masked value compared
    /// with zero is tst and cset, a product added to or subtracted from a value is one madd/msub, a left shift added
    /// or subtracted is a shifted operand, a comparison added to a value (an if-converted increment) is cmp and cinc.
    /// </summary>
    private bool TrySelectFused(Instruction first, Instruction second, int[] uses)
    {
        if (first is { Opcode: Opcode.Binary } && WordArithmetic.IsComparison(first.Operator) && uses[first.Dest] == 1
            && second is { Opcode: Opcode.Binary, Operator: Operator.Add, Args: [{ IsRegister: true } counter, { IsRegister: true } flag] }
            && flag.Register == first.Dest && counter.Register != first.Dest)
        {
            AddConditional(Arm64Op.Cinc, Compare(first.Operator, first.Args[0], first.Args[1]), Def(V(second.Dest)), Use(V(counter.Register)));
            return true;
        }
        if (IsMask(first) && uses[first.Dest] == 1 && second is { Opcode: Opcode.Binary, Operator: Operator.Eq or Operator.Ne }
            && second.Args[0] is { IsRegister: true } masked && masked.Register == first.Dest && second.Args[1] is { IsConstant: true, Constant: 0 })
        {
            // (= (& x mask) 0) is tst and cset.
            Add(Arm64Op.Tst, Use(V(first.Args[0].Register)), Imm(first.Args[1].Constant));
            AddConditional(Arm64Op.Cset, second.Operator == Operator.Eq ? Arm64Condition.Eq : Arm64Condition.Ne, Def(V(second.Dest)));
            return true;
        }
        if (first is not { Opcode: Opcode.Binary, Operator: Operator.Mul or Operator.Shl } || uses[first.Dest] != 1) return false;
        if (second is not { Opcode: Opcode.Binary, Operator: Operator.Add or Operator.Sub }) return false;
        bool productFirst = second.Args[0] is { IsRegister: true } p && p.Register == first.Dest;
        bool productSecond = second.Args[1] is { IsRegister: true } q && q.Register == first.Dest;
        // Only other + product, product + other and other - product have one instruction.
        if (productFirst == productSecond || (productFirst && second.Operator == Operator.Sub)) return false;
        var other = productFirst ? second.Args[1] : second.Args[0];
        int dest = V(second.Dest);
        if (first.Operator == Operator.Mul)
        {
            if (first.Args[0].IsConstant && first.Args[1].IsConstant) return false;
            // A product by a power of two is a shift, cheaper as a shifted operand below.
            if (first.Args[1] is { IsConstant: true } m && m.Constant > 0 && BitOperations.IsPow2(m.Constant))
                return SelectShiftedOperand(second.Operator, dest, other, first.Args[0], BitOperations.Log2((ulong)m.Constant));
            _code.Add(new MachineInstruction((int)(second.Operator == Operator.Add ? Arm64Op.Madd : Arm64Op.Msub),
                Def(dest), Use(InRegister(first.Args[0])), Use(InRegister(first.Args[1])), Use(InRegister(other))));
            return true;
        }
        if (!first.Args[1].IsConstant) return false;
        return SelectShiftedOperand(second.Operator, dest, other, first.Args[0], (int)(first.Args[1].Constant & 63));
    }

    private bool SelectShiftedOperand(Operator op, int dest, Value other, Value shifted, int amount)
    {
        if (shifted.IsConstant) return false;
        Add(op == Operator.Add ? Arm64Op.AddLsl : Arm64Op.SubLsl, Def(dest), Use(InRegister(other)), Use(V(shifted.Register)), Imm(amount));
        return true;
    }

    /// <summary>Emits the comparison of a with b and returns the condition under which <paramref name="op"/> holds.</summary>
    private Arm64Condition Compare(Operator op, Value a, Value b)
    {
        if (a.IsConstant && b.IsRegister)
        {
            (a, b) = (b, a);
            op = op.Swapped();
        }
        int x = InRegister(a);
        if (b.IsConstant && Arm64Immediates.IsArithmetic(b.Constant)) Add(Arm64Op.Cmp, Use(x), Imm(b.Constant));
        else if (b.IsConstant && b.Constant != long.MinValue && Arm64Immediates.IsArithmetic(-b.Constant)) Add(Arm64Op.Cmn, Use(x), Imm(-b.Constant));
        else Add(Arm64Op.Cmp, Use(x), Use(InRegister(b)));
        return ConditionOf(op);
    }

    private static Arm64Condition ConditionOf(Operator op) => op switch
    {
        Operator.Lt => Arm64Condition.Lt, Operator.Le => Arm64Condition.Le, Operator.Eq => Arm64Condition.Eq,
        Operator.Ne => Arm64Condition.Ne, Operator.Ge => Arm64Condition.Ge, Operator.Gt => Arm64Condition.Gt,
        _ => throw new InvalidOperationException($"{op} is not a comparison"),
    };

    /// <summary>
    /// Division and remainder. sdiv already gives the language's results without trapping: a / 0 is 0 and min / -1
    /// is min; the remainder a - (a / b) * b (one msub) is then a for b = 0 and 0 for min % -1, as the spec says.
    /// </summary>
    private void SelectDivision(bool isDivision, int dest, Value a, Value b)
    {
        if (b.IsConstant)
        {
            long c = b.Constant;
            if (c == 0) { Move(dest, isDivision ? Value.Const(0) : a); return; }
            if (c == -1)
            {
                if (isDivision) SelectUnary(Operator.Neg, dest, a);
                else Move(dest, Value.Const(0));
                return;
            }
            if (c != long.MinValue && Math.Abs(c) > 1 && BitOperations.IsPow2(Math.Abs(c)) && a.IsRegister)
            {
                DivideByPowerOfTwo(isDivision, dest, V(a.Register), c);
                return;
            }
            if (c != long.MinValue && Math.Abs(c) > 1 && a.IsRegister)
            {
                DivideByConstant(isDivision, dest, V(a.Register), c);
                return;
            }
        }
        int dividend = InRegister(a), divisor = InRegister(b);
        if (isDivision)
        {
            Add(Arm64Op.Sdiv, Def(dest), Use(dividend), Use(divisor));
            return;
        }
        int quotient = NewRegister();
        Add(Arm64Op.Sdiv, Def(quotient), Use(dividend), Use(divisor));
        Add(Arm64Op.Msub, Def(dest), Use(quotient), Use(divisor), Use(dividend));
    }

    /// <summary>
    /// Signed division by any other constant is a multiplication by its reciprocal, scaled by 2^(64+shift): the high
    /// half of the product (smulh), corrected, shifted, and rounded toward zero by adding its sign bit. The remainder
    /// is then a - q*c (msub). Hacker's Delight, 10-4.
    /// </summary>
    private void DivideByConstant(bool isDivision, int dest, int x, long divisor)
    {
        var (multiplier, shift) = SignedDivision.Magic(divisor);
        int magic = InRegister(Value.Const(multiplier));
        int high = NewRegister();
        Add(Arm64Op.Smulh, Def(high), Use(x), Use(magic));
        if (divisor > 0 && multiplier < 0) Add(Arm64Op.Add, Def(high), Use(high), Use(x));
        else if (divisor < 0 && multiplier > 0) Add(Arm64Op.Sub, Def(high), Use(high), Use(x));
        if (shift > 0) Add(Arm64Op.Asr, Def(high), Use(high), Imm(shift));
        int quotient = isDivision ? dest : NewRegister();
        Add(Arm64Op.AddLsr, Def(quotient), Use(high), Use(high), Imm(63));
        if (isDivision) return;
        Add(Arm64Op.Msub, Def(dest), Use(quotient), Use(InRegister(Value.Const(divisor))), Use(x));
    }

    /// <summary>Signed division by ±2^k rounds toward zero: add 2^k-1 to negative dividends before shifting.</summary>
    private void DivideByPowerOfTwo(bool isDivision, int dest, int x, long divisor)
    {
        int k = BitOperations.Log2((ulong)Math.Abs(divisor));
        // biased = x + (x < 0 ? 2^k - 1 : 0): the sign, spread and shifted down, added as a shifted operand.
        int biased = NewRegister();
        if (k == 1) Add(Arm64Op.AddLsr, Def(biased), Use(x), Use(x), Imm(63)); // the sign bit alone is the bias
        else
        {
            int sign = NewRegister();
            Add(Arm64Op.Asr, Def(sign), Use(x), Imm(63));
            Add(Arm64Op.AddLsr, Def(biased), Use(x), Use(sign), Imm(64 - k));
        }
        if (isDivision)
        {
            if (divisor > 0) Add(Arm64Op.Asr, Def(dest), Use(biased), Imm(k));
            else
            {
                int quotient = NewRegister();
                Add(Arm64Op.Asr, Def(quotient), Use(biased), Imm(k));
                Add(Arm64Op.Neg, Def(dest), Use(quotient));
            }
            return;
        }
        int rounded = NewRegister();
        Add(Arm64Op.And, Def(rounded), Use(biased), Imm(-(1L << k)));
        Add(Arm64Op.Sub, Def(dest), Use(x), Use(rounded));
    }

    private void SelectCall(Instruction instruction, int dest)
    {
        var args = instruction.Args.AsSpan();
        MachineOperand target;
        if (instruction.CallKind == CallKind.Indirect)
        {
            target = Use(InRegister(args[0]));
            args = args[1..];
        }
        else target = MachineOperand.Sym(_symbolName(instruction.Symbol!, instruction.CallKind == CallKind.Extern));
        if (instruction.Signature is { } signature)
        {
            SelectCCall(signature, target, args, dest);
            return;
        }
        int registerArguments = _variadicArgumentsOnStack && instruction.FixedArguments >= 0
            ? Math.Min(instruction.FixedArguments, _abi.ArgumentRegisters.Count)
            : _abi.ArgumentRegisters.Count;
        var usedRegisters = PassArguments(args, registerArguments, isTailCall: false);
        _code.Add(new MachineInstruction((int)Arm64Op.Bl, target) { ImplicitUses = usedRegisters.ToArray(), ImplicitDefs = _abi.CallClobbers });
        _function.HasCalls = true;
        if (dest >= 0) Copy(dest, X0);
    }

    /// <summary>
    /// A call of an extern with a C signature: stack arguments first, then d0–d7, then x0–x7; the result as its C type
    /// says. A double argument is in a d register already (or a constant); a float one is rounded to binary32 on its way.
    /// </summary>
    private void SelectCCall(CSignature signature, MachineOperand target, ReadOnlySpan<Value> args, int dest)
    {
        var (places, stackSlots) = (_variadicArgumentsOnStack ? CCallConvention.AppleArm64 : CCallConvention.Aapcs64).Place(signature);
        for (int i = 0; i < args.Length; i++)
        {
            if (places[i].StackOffset < 0) continue;
            MachineOperand value;
            if (signature.Parameters[i] == CType.Float)
            {
                int bits = NewRegister();
                Add(Arm64Op.FloatBits, Def(bits), Use(InFloatRegister(args[i])));
                value = Use(bits);
            }
            else value = RegisterOrZero(args[i]);
            Add(places[i].StackSize == 4 ? Arm64Op.StrW : Arm64Op.Str, MachineOperand.OutgoingAt(places[i].StackOffset), value);
        }
        _function.OutgoingArguments = Math.Max(_function.OutgoingArguments, stackSlots);
        var usedRegisters = new List<int>();
        for (int i = 0; i < args.Length; i++)
        {
            if (places[i].VectorRegister < 0) continue;
            int register = D0 + places[i].VectorRegister;
            if (signature.Parameters[i] == CType.Float) Add(Arm64Op.FcvtSingle, Def(register), Use(InFloatRegister(args[i])));
            else Move(register, args[i]);
            usedRegisters.Add(register);
        }
        for (int i = 0; i < args.Length; i++)
        {
            if (places[i].GeneralRegister < 0) continue;
            int register = _abi.ArgumentRegisters[places[i].GeneralRegister];
            Move(register, args[i]); // a float never goes to a general register
            usedRegisters.Add(register);
        }
        _code.Add(new MachineInstruction((int)Arm64Op.Bl, target) { ImplicitUses = usedRegisters.ToArray(), ImplicitDefs = _abi.CallClobbers });
        _function.HasCalls = true;
        if (dest < 0) return;
        switch (signature.Result)
        {
            case CType.Long: Copy(dest, X0); break;
            case CType.Int: Add(Arm64Op.Sxtw, Def(dest), Use(X0)); break;
            case CType.Double: Copy(dest, D0); break;
            case CType.Float: Add(Arm64Op.FcvtDouble, Def(dest), Use(D0)); break;
            case CType.Void: Move(dest, Value.Const(0)); break;
        }
    }

    /// <summary>
    /// Places arguments: the first <paramref name="registerArguments"/> in x0…, the rest in 8-byte stack slots
    /// (outgoing area, or the incoming one for a tail call), stack first so that registers are set last.
    /// </summary>
    private List<int> PassArguments(ReadOnlySpan<Value> args, int registerArguments, bool isTailCall)
    {
        var registers = _abi.ArgumentRegisters;
        int stackArguments = Math.Max(0, args.Length - registerArguments);
        for (int i = 0; i < stackArguments; i++)
        {
            var slot = isTailCall ? MachineOperand.Incoming(i) : MachineOperand.Outgoing(i);
            Add(Arm64Op.Str, slot, RegisterOrZero(args[registerArguments + i]));
        }
        if (!isTailCall) _function.OutgoingArguments = Math.Max(_function.OutgoingArguments, stackArguments);
        var used = new List<int>();
        for (int i = 0; i < Math.Min(args.Length, registerArguments); i++)
        {
            Move(registers[i], args[i]);
            used.Add(registers[i]);
        }
        return used;
    }

    /// <summary>
    /// The block's last instruction when it is <c>d = x &amp; mask</c> and the block ends by comparing d, used nowhere
    /// else, with zero: that pair is one tst (or tbz/tbnz for a single bit) and a conditional branch.
    /// </summary>
    private static Instruction? MaskTestBranch(BasicBlock block, int[] uses) =>
        block.LastTestedAgainstZero(uses) is { } last && IsMask(last) ? last : null;

    /// <summary>
    /// The block's last instruction when it compares doubles and the block's branch compares its result, used nowhere
    /// else, with zero: that pair is one fcmp and a conditional branch.
    /// </summary>
    private static Instruction? DoubleComparisonBranch(BasicBlock block, int[] uses) =>
        block.LastTestedAgainstZero(uses) is { Opcode: Opcode.Binary, Operator: >= Operator.FLt and <= Operator.FGt } last ? last : null;

    private void SelectDoubleComparisonBranch(Instruction comparison, Terminator branch)
    {
        Add(Arm64Op.Fcmp, Use(InFloatRegister(comparison.Args[0])), Use(InFloatRegister(comparison.Args[1])));
        var condition = DoubleCondition(comparison.Operator);
        // Inverting a condition flips its low bit; each inverse is also right for an unordered pair.
        if (branch.Comparison == Operator.Eq) condition = (Arm64Condition)((int)condition ^ 1);
        AddConditional(Arm64Op.BCond, condition, MachineOperand.Target(branch.True!.Id));
        Add(Arm64Op.B, MachineOperand.Target(branch.False!.Id));
    }

    /// <summary>The condition after fcmp a, b under which the comparison holds: an unordered pair sets C and V, so mi, ls, eq, ge and gt are then false and ne true.</summary>
    private static Arm64Condition DoubleCondition(Operator op) => op switch
    {
        Operator.FLt => Arm64Condition.Mi, Operator.FLe => Arm64Condition.Ls, Operator.FEq => Arm64Condition.Eq,
        Operator.FNe => Arm64Condition.Ne, Operator.FGe => Arm64Condition.Ge, _ => Arm64Condition.Gt,
    };

    private void SelectMaskTestBranch(Instruction mask, Terminator branch)
    {
        int x = V(mask.Args[0].Register);
        long bits = mask.Args[1].Constant;
        bool isZero = branch.Comparison == Operator.Eq;
        if (_useBitBranches && BitOperations.IsPow2((ulong)bits))
            Add(isZero ? Arm64Op.Tbz : Arm64Op.Tbnz, Use(x), Imm(BitOperations.Log2((ulong)bits)), MachineOperand.Target(branch.True!.Id));
        else
        {
            Add(Arm64Op.Tst, Use(x), Imm(bits));
            AddConditional(Arm64Op.BCond, isZero ? Arm64Condition.Eq : Arm64Condition.Ne, MachineOperand.Target(branch.True!.Id));
        }
        Add(Arm64Op.B, MachineOperand.Target(branch.False!.Id));
    }

    private void SelectTerminator(Terminator terminator)
    {
        switch (terminator.Kind)
        {
            case TerminatorKind.Jump:
                Add(Arm64Op.B, MachineOperand.Target(terminator.True!.Id));
                break;
            case TerminatorKind.Branch:
                SelectBranch(terminator);
                Add(Arm64Op.B, MachineOperand.Target(terminator.False!.Id));
                break;
            case TerminatorKind.Return:
                Move(X0, terminator.A);
                _code.Add(new MachineInstruction((int)Arm64Op.Ret) { ImplicitUses = new[] { X0 } });
                break;
            case TerminatorKind.TailCall:
            {
                var used = PassArguments(terminator.Args, _abi.ArgumentRegisters.Count, isTailCall: true);
                _code.Add(new MachineInstruction((int)Arm64Op.TailB, MachineOperand.Sym(_symbolName(terminator.Symbol!, false))) { ImplicitUses = used.ToArray() });
                break;
            }
        }
    }

    /// <summary>The conditional branch to the true block: cbz/cbnz for a test against zero, tbz/tbnz for a sign test.</summary>
    private void SelectBranch(Terminator branch)
    {
        var (op, a, b) = (branch.Comparison, branch.A, branch.B);
        if (a.IsConstant && b.IsRegister)
        {
            (a, b) = (b, a);
            op = op.Swapped();
        }
        var target = MachineOperand.Target(branch.True!.Id);
        if (a.IsRegister && b is { IsConstant: true, Constant: 0 })
        {
            if (op is Operator.Eq or Operator.Ne)
            {
                Add(op == Operator.Eq ? Arm64Op.Cbz : Arm64Op.Cbnz, Use(V(a.Register)), target);
                return;
            }
            if (_useBitBranches && op is Operator.Lt or Operator.Ge)
            {
                Add(op == Operator.Lt ? Arm64Op.Tbnz : Arm64Op.Tbz, Use(V(a.Register)), Imm(63), target);
                return;
            }
        }
        AddConditional(Arm64Op.BCond, Compare(op, a, b), target);
    }
}
