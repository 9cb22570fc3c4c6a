using System.Numerics;
using Maru.Compiler.IR;
using Maru.Compiler.Semantics;
using static Maru.Compiler.Targets.X64.X64Registers;

namespace Maru.Compiler.Targets.X64;

/// <summary>
/// Turns IR into x86-64 machine instructions over virtual registers. Fixed registers (arguments, results,
/// division, shift counts) appear as copies to and from physical registers, for the allocator to coalesce.
/// </summary>
public sealed partial class X64InstructionSelector
{
    private readonly IrFunction _ir;
    private readonly X64Abi _abi;
    private readonly MachineFunction _function;
    private readonly X64ObjectFormat _format;
    private List<MachineInstruction> _code = null!;
    private readonly Dictionary<long, int> _constantIndex = new();
    private readonly Dictionary<(long Bits, bool IsFloat), int> _hoistedConstants = new();

    private X64InstructionSelector(IrFunction ir, X64Abi abi, X64ObjectFormat format)
    {
        _ir = ir;
        _abi = abi;
        _format = format;
        _function = new MachineFunction(format.Symbol(ir.Symbol.NativeName), ir.Symbol.IsExported)
        {
            RegisterCount = MachineFunction.FirstVirtual + ir.RegisterCount,
            SlotCount = ir.SlotCount,
        };
        foreach (int register in ir.FloatRegisters) _function.FloatRegisters.Add(V(register));
        foreach (int register in ir.TwoLaneRegisters) _function.TwoLaneRegisters.Add(V(register));
    }

    /// <param name="format">Names symbols and string literals as the object format spells them.</param>
    /// <remarks>Run <see cref="RegisterClasses.Assign"/> on the function first: operands must be in the class their instruction needs.</remarks>
    public static MachineFunction Select(IrFunction ir, X64Abi abi, X64ObjectFormat format)
    {
        var selector = new X64InstructionSelector(ir, abi, format);
        selector.Run();
        return selector._function;
    }

    private void Run()
    {
        foreach (var block in _ir.Blocks) _function.Blocks.Add(new MachineBlock(block.Id, block.LoopDepth));
        var uses = _uses = _ir.UseCounts();
        _firstDefinition = new int[_ir.RegisterCount];
        _definedIn = new int[_ir.RegisterCount];
        foreach (var block in _ir.Blocks)
        {
            var machineBlock = _function.Blocks[block.Id];
            _code = machineBlock.Instructions;
            if (block.Id == 0) SelectEntry();
            var bitTest = BitTestBranch(block, uses) ?? DoubleComparisonBranch(block, uses);
            _block = block;
            PlanBlock(block, bitTest);
            for (int i = 0; i < block.Instructions.Count; i++)
            {
                var instruction = block.Instructions[i];
                _position = i;
                if (instruction == bitTest || _selectedWithOther.Contains(instruction)) continue;
                if (i + 1 < block.Instructions.Count && !_selectedWithOther.Contains(block.Instructions[i + 1])
                    && TrySelectScaledAdd(instruction, block.Instructions[i + 1], uses))
                {
                    i++;
                    continue;
                }
                Select(instruction);
            }
            _position = block.Instructions.Count;
            if (bitTest is { Opcode: Opcode.Binary, Operator: Operator.And }) SelectBitTestBranch(bitTest, block.Terminator);
            else if (bitTest is not null) SelectDoubleComparisonBranch(bitTest, block.Terminator);
            else SelectTerminator(block.Terminator);
            foreach (var successor in block.Terminator.Successors) machineBlock.Successors.Add(_function.Blocks[successor.Id]);
        }
    }

    private static int V(int irRegister) => MachineFunction.FirstVirtual + irRegister;

    /// <summary>
    /// The block's last instruction when it is <c>d = x &amp; mask</c> and the block ends by comparing d, used nowhere
    /// else, with zero: that pair is one <c>test $mask, x</c> and a conditional jump.
    /// </summary>
    private static Instruction? BitTestBranch(BasicBlock block, int[] uses) =>
        block.LastTestedAgainstZero(uses) is { Opcode: Opcode.Binary, Operator: Operator.And } last && last.Args[0].IsRegister
        && last.Args[1].IsConstant && FitsImmediate(last.Args[1].Constant) ? last : null;

    /// <summary>
    /// The block's last instruction when it is an ordered comparison of doubles (fl&lt; fl&lt;= fl&gt; fl&gt;=) whose result, used
    /// nowhere else, the block's branch compares with zero: that pair is one <c>ucomisd</c> and a conditional jump.
    /// </summary>
    private static Instruction? DoubleComparisonBranch(BasicBlock block, int[] uses) =>
        block.LastTestedAgainstZero(uses) is { Opcode: Opcode.Binary, Operator: Operator.FLt or Operator.FLe or Operator.FGt or Operator.FGe } last
            ? last : null;

    private void SelectDoubleComparisonBranch(Instruction comparison, Terminator branch)
    {
        var condition = CompareDoubles(comparison.Operator, comparison.Args[0], comparison.Args[1]);
        if (branch.Comparison == Operator.Eq) condition = condition == X64Condition.A ? X64Condition.BE : X64Condition.B;
        AddConditional(X64Op.Jcc, condition, MachineOperand.Target(branch.True!.Id));
        Add(X64Op.Jmp, MachineOperand.Target(branch.False!.Id));
    }

    /// <summary>
    /// Emits <c>ucomisd</c> for an ordered comparison of doubles and returns the condition under which it holds: above or
    /// above-or-equal, both false when a NaN makes the operands unordered.
    /// </summary>
    private X64Condition CompareDoubles(Operator op, Value a, Value b)
    {
        // a < b is b above a; a > b is a above b.
        var (left, right) = op is Operator.FLt or Operator.FLe ? (b, a) : (a, b);
        var rightOperand = right.IsConstant ? ConstantInMemory(right.Constant) : MachineOperand.Use(V(right.Register));
        Add(X64Op.Ucomisd, MachineOperand.Use(InFloatRegister(left)), rightOperand);
        return op is Operator.FLt or Operator.FGt ? X64Condition.A : X64Condition.AE;
    }

    /// <summary><c>t = x * 3; d = t + c</c> with t used only there is one <c>lea c(x,x,2), d</c>.</summary>
    private bool TrySelectScaledAdd(Instruction multiply, Instruction add, int[] uses)
    {
        if (multiply is not { Opcode: Opcode.Binary, Operator: Operator.Mul } || !multiply.Args[0].IsRegister
            || multiply.Args[1] is not { IsConstant: true, Constant: 3 or 5 or 9 }) return false;
        if (add is not { Opcode: Opcode.Binary, Operator: Operator.Add } || add.Args[0] is not { IsRegister: true } t
            || t.Register != multiply.Dest || uses[multiply.Dest] != 1
            || add.Args[1] is not { IsConstant: true } c || !FitsImmediate(c.Constant)) return false;
        int x = V(multiply.Args[0].Register);
        Add(X64Op.Lea, MachineOperand.Def(V(add.Dest)), MachineOperand.Mem(x, c.Constant, x, (int)multiply.Args[1].Constant - 1));
        return true;
    }

    private void SelectBitTestBranch(Instruction mask, Terminator branch)
    {
        Add(X64Op.Test, MachineOperand.Use(V(mask.Args[0].Register)), MachineOperand.Imm(mask.Args[1].Constant));
        AddConditional(X64Op.Jcc, branch.Comparison == Operator.Eq ? X64Condition.E : X64Condition.NE, MachineOperand.Target(branch.True!.Id));
        Add(X64Op.Jmp, MachineOperand.Target(branch.False!.Id));
    }

    private int NewRegister() => _function.NewRegister();
    private int NewFloatRegister() => _function.NewRegister(isFloat: true);

    private bool IsFloat(int register) => _function.IsFloat(register, _abi);

    private void Add(X64Op op, params MachineOperand[] operands) => _code.Add(new MachineInstruction((int)op, operands));

    private void AddConditional(X64Op op, X64Condition condition, params MachineOperand[] operands) =>
        _code.Add(new MachineInstruction((int)op, operands) { Condition = (int)condition });

    /// <summary>Copies a register; between a general and an xmm register that is a move of the bits.</summary>
    private void Copy(int destination, int source)
    {
        bool isFloat = IsFloat(destination);
        if (isFloat == IsFloat(source)) _code.Add(_abi.Copy(destination, source, isFloat));
        else Add(X64Op.MovBits, MachineOperand.Def(destination), MachineOperand.Use(source));
    }

    /// <summary>Puts a value in the given register (a constant in an xmm register goes through a general one).</summary>
    private void Move(int destination, Value value)
    {
        if (value.IsRegister) Copy(destination, V(value.Register));
        else if (!IsFloat(destination)) Add(X64Op.Mov, MachineOperand.Def(destination), MachineOperand.Imm(value.Constant));
        else Add(X64Op.MovSd, MachineOperand.Def(destination), ConstantInMemory(value.Constant));
    }

    /// <summary>A double constant as a memory operand: the function's constant pool holds it, as compilers do.</summary>
    private MachineOperand ConstantInMemory(long bits)
    {
        if (!_constantIndex.TryGetValue(bits, out int index))
        {
            index = _function.Constants.Count;
            _function.Constants.Add(bits);
            _constantIndex[bits] = index;
        }
        return MachineOperand.SymbolMem(_format.ConstantLabel(_function.Symbol, index));
    }

    /// <summary>An xmm register holding the value: a register operand of a double operation already is one.</summary>
    private int InFloatRegister(Value value)
    {
        if (value.IsRegister) return V(value.Register);
        if (InLoop) return HoistedConstant(value.Constant, isFloat: true);
        int r = NewFloatRegister();
        Move(r, value);
        return r;
    }

    /// <summary>The operand of a move into memory: a general or xmm register, or an immediate.</summary>
    private MachineOperand StoredValue(Value value) => value.IsRegister ? MachineOperand.Use(V(value.Register)) : Operand(value);

    /// <summary>The move between memory and a register of either class.</summary>
    private X64Op MoveFor(int register) => IsFloat(register) ? X64Op.MovSd : X64Op.Mov;

    private X64Op MoveFor(MachineOperand value) => value.IsRegister ? MoveFor(value.Reg) : X64Op.Mov;

    /// <summary>A register holding the value (constants are loaded into a new one).</summary>
    private int InRegister(Value value)
    {
        if (value.IsRegister) return V(value.Register);
        if (InLoop && !FitsImmediate(value.Constant)) return HoistedConstant(value.Constant, isFloat: false);
        int r = NewRegister();
        Move(r, value);
        return r;
    }

    /// <summary>Whether the block being selected is in a loop and the function's entry is not, so can set registers for it.</summary>
    private bool InLoop => _block.LoopDepth > 0 && _ir.Blocks[0].LoopDepth == 0;

    /// <summary>
    /// A constant that a loop reads from a register and that takes an instruction of its own to put there (a 64-bit
    /// immediate, a double from the pool): set once at the function's entry instead of on every iteration. Should
    /// registers run short in the loop, the allocator spills it like any value, and a reload costs what the
    /// rematerialisation did.
    /// </summary>
    private int HoistedConstant(long bits, bool isFloat)
    {
        if (_hoistedConstants.TryGetValue((bits, isFloat), out int register)) return register;
        register = isFloat ? NewFloatRegister() : NewRegister();
        var set = isFloat ? new MachineInstruction((int)X64Op.MovSd, MachineOperand.Def(register), ConstantInMemory(bits))
            : new MachineInstruction((int)X64Op.Mov, MachineOperand.Def(register), MachineOperand.Imm(bits));
        _function.Blocks[0].Instructions.Insert(_hoistedConstants.Count, set);
        _hoistedConstants[(bits, isFloat)] = register;
        return register;
    }

    private static bool FitsImmediate(long value) => value is >= int.MinValue and <= int.MaxValue;

    /// <summary>A register, or an immediate where it fits in the 32 bits x86 instructions take.</summary>
    private MachineOperand Operand(Value value) =>
        value.IsConstant && FitsImmediate(value.Constant) ? MachineOperand.Imm(value.Constant) : MachineOperand.Use(InRegister(value));

    private void SelectEntry()
    {
        var registers = _abi.ArgumentRegisters;
        for (int i = 0; i < _ir.Parameters.Count; i++)
        {
            int parameter = V(_ir.Parameters[i]);
            if (i < registers.Count) Copy(parameter, registers[i]);
            else Add(X64Op.Mov, MachineOperand.Def(parameter), MachineOperand.Incoming(i - registers.Count));
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
            case Opcode.Binary when _pairedDivisions.TryGetValue(instruction, out var second):
                SelectPairedDivision(instruction, second);
                break;
            case Opcode.Binary when _readModifyWrite.TryGetValue(instruction, out var store):
                SelectReadModifyWrite(instruction, store);
                break;
            case Opcode.Binary when _carryInto.TryGetValue(instruction, out var counting):
                SelectCounting(instruction, instruction.Operator == Operator.Eq, counting);
                break;
            case Opcode.Unary when _carryInto.TryGetValue(instruction, out var counting):
                SelectCounting(instruction, isZero: true, counting);
                break;
            case Opcode.Unary:
                SelectUnary(instruction.Operator, dest, args[0]);
                break;
            case Opcode.Binary:
                SelectBinary(instruction.Operator, dest, args[0], args[1]);
                break;
            case Opcode.Load:
            {
                var address = Address(args[0], args[1], WordArithmetic.ElementSize(instruction.Operator));
                var load = instruction.Operator switch
                {
                    Operator.LoadWord => MoveFor(dest), Operator.LoadByte => X64Op.MovZxByte, Operator.LoadInt8 => X64Op.MovSxByte,
                    Operator.LoadInt16 => X64Op.MovSxWord, Operator.LoadUInt16 => X64Op.MovZxWord,
                    Operator.LoadInt32 => X64Op.MovSxLong, Operator.LoadUInt32 => X64Op.MovLong, _ => X64Op.LoadSingle,
                };
                Add(load, MachineOperand.Def(dest), address);
                break;
            }
            case Opcode.Store:
                SelectStore(instruction.Operator, args);
                break;
            case Opcode.LoadGlobal:
                Add(MoveFor(dest), MachineOperand.Def(dest), MachineOperand.SymbolMem(_format.Symbol(instruction.Symbol!)));
                break;
            case Opcode.StoreGlobal:
            {
                var value = StoredValue(args[0]);
                Add(MoveFor(value), MachineOperand.SymbolMem(_format.Symbol(instruction.Symbol!)), value);
                break;
            }
            case Opcode.AddressOf when instruction.SymbolKind == SymbolKind.Extern:
                Add(X64Op.LoadExternAddress, MachineOperand.Def(dest), MachineOperand.Sym(_format.Symbol(instruction.Symbol!)));
                break;
            case Opcode.AddressOf:
                Add(X64Op.Lea, MachineOperand.Def(dest), MachineOperand.SymbolMem(_format.Symbol(instruction.Symbol!)));
                break;
            case Opcode.AddressOfString:
                Add(X64Op.Lea, MachineOperand.Def(dest), MachineOperand.SymbolMem(_format.StringLabel(instruction.Index)));
                break;
            case Opcode.AddressOfSlot:
                Add(X64Op.Lea, MachineOperand.Def(dest), MachineOperand.Slot(instruction.Index));
                break;
            case Opcode.LoadSlot:
                Add(MoveFor(dest), MachineOperand.Def(dest), MachineOperand.Slot(instruction.Index));
                break;
            case Opcode.StoreSlot:
            {
                var value = StoredValue(args[0]);
                Add(MoveFor(value), MachineOperand.Slot(instruction.Index), value);
                break;
            }
            case Opcode.Call:
                SelectCall(instruction, dest);
                break;
            default:
                throw new InvalidOperationException($"no selection for {instruction.Opcode}");
        }
    }

    private void SelectStore(Operator op, Value[] args)
    {
        int size = WordArithmetic.ElementSize(op);
        var address = Address(args[0], args[1], size);
        if (op == Operator.StoreFloat)
        {
            Add(X64Op.StoreSingle, address, MachineOperand.Use(InFloatRegister(args[2])), MachineOperand.Def(NewFloatRegister()));
            return;
        }
        if (size == 8)
        {
            var word = StoredValue(args[2]);
            Add(MoveFor(word), address, word);
            return;
        }
        // A narrow store takes the constant's low bits (sign-extended by the CPU from the instruction's immediate).
        var value = args[2].IsConstant ? MachineOperand.Imm(size switch { 1 => (byte)args[2].Constant, 2 => (short)args[2].Constant, _ => (int)args[2].Constant })
            : MachineOperand.Use(InRegister(args[2]));
        Add(size switch { 4 => X64Op.StoreLong, 2 => X64Op.StoreWord16, _ => X64Op.StoreByte }, address, value);
    }

    /// <summary>
    /// The unary fl operators and conversions (negation and absolute value are integer operations by now), in xmm
    /// registers. The baseline of x86-64 is SSE2, which has no roundsd (SSE4.1): the rounding operators use the 2^52 trick.
    /// </summary>
    private void SelectFloatUnary(Operator op, int dest, Value a)
    {
        switch (op)
        {
            case Operator.FSqrt: Add(X64Op.SqrtSd, MachineOperand.Def(dest), MachineOperand.Use(InFloatRegister(a))); break;
            case Operator.LongToDouble: Add(X64Op.CvtSi2Sd, MachineOperand.Def(dest), MachineOperand.Use(InRegister(a))); break;
            case Operator.DoubleToLong: SelectDoubleToLong(dest, InFloatRegister(a)); break;
            default: SelectRoundIntegral(op, dest, InFloatRegister(a)); break;
        }
    }

    private const long TwoToThe52 = 0x4330000000000000, TwoToThe63 = 0x43e0000000000000, One = 0x3ff0000000000000;

    /// <summary>cvttsd2si gives -2^63 for a NaN and for every value out of range: the positive side and NaN are fixed up.</summary>
    private void SelectDoubleToLong(int dest, int x)
    {
        int result = NewRegister();
        Add(X64Op.CvtTSd2Si, MachineOperand.Def(result), MachineOperand.Use(x));
        int limit = InFloatRegister(Value.Const(TwoToThe63));
        int largest = InRegister(Value.Const(long.MaxValue)), zero = InRegister(Value.Const(0));
        Add(X64Op.Ucomisd, MachineOperand.Use(x), MachineOperand.Use(limit));
        AddConditional(X64Op.Cmov, X64Condition.AE, MachineOperand.UseDef(result), MachineOperand.Use(largest)); // x ≥ 2^63 (not a NaN)
        Add(X64Op.Ucomisd, MachineOperand.Use(x), MachineOperand.Use(x));
        AddConditional(X64Op.Cmov, X64Condition.P, MachineOperand.UseDef(result), MachineOperand.Use(zero)); // unordered: a NaN
        Copy(dest, result);
    }

    /// <summary>
    /// floor, ceiling, round (ties to even) and truncate: for |x| &lt; 2^52, r = (|x| + 2^52) - 2^52 rounds |x| to the
    /// nearest integer, ties to even; larger magnitudes, infinities and NaNs add and take 0 instead (integral already;
    /// a NaN comes out quiet). Truncation takes 1 off when r came out above |x|; floor and ceiling compare r with x's sign
    /// back on and step by 1 toward -inf or +inf. The result has x's sign (so -0.3 gives -0.0).
    /// </summary>
    private void SelectRoundIntegral(Operator mode, int dest, int x)
    {
        int magnitude = FloatCopy(x);
        TwoAddress(X64Op.AndPd, magnitude, InFloatRegister(Value.Const(long.MaxValue)));
        int twoToThe52 = InFloatRegister(Value.Const(TwoToThe52));
        int bias = FloatCopy(magnitude);
        CompareSd(X64DoublePredicate.Lt, bias, twoToThe52);
        TwoAddress(X64Op.AndPd, bias, twoToThe52);
        int r = FloatCopy(magnitude);
        TwoAddress(X64Op.AddSd, r, bias);
        TwoAddress(X64Op.SubSd, r, bias);
        int sign = FloatCopy(x);
        TwoAddress(X64Op.XorPd, sign, magnitude);
        // Steps by one where a comparison (dst = below < above) holds: its all-ones mask and 1.0 is 1.0.
        void StepByOne(X64Op addOrSubtract, int below, int above)
        {
            int step = FloatCopy(below);
            CompareSd(X64DoublePredicate.Lt, step, above);
            TwoAddress(X64Op.AndPd, step, InFloatRegister(Value.Const(One)));
            TwoAddress(addOrSubtract, r, step);
        }
        switch (mode)
        {
            case Operator.FTruncate:
                StepByOne(X64Op.SubSd, magnitude, r);
                TwoAddress(X64Op.OrPd, r, sign);
                break;
            case Operator.FRound:
                TwoAddress(X64Op.OrPd, r, sign);
                break;
            case Operator.FFloor:
                TwoAddress(X64Op.OrPd, r, sign);
                StepByOne(X64Op.SubSd, x, r);
                break;
            case Operator.FCeiling:
                TwoAddress(X64Op.OrPd, r, sign);
                StepByOne(X64Op.AddSd, r, x);
                TwoAddress(X64Op.OrPd, r, sign); // -0.7 steps from -1.0 to +0.0
                break;
        }
        Copy(dest, r);
    }

    /// <summary>
    /// flmin and flmax: minsd and maxsd give their second operand for equal operands and for a NaN. So a NaN b is
    /// replaced by a first (a NaN operand then gives the other, and two give a); and where a equals that operand, the
    /// result takes a's sign bit too for the minimum (-0.0 of -0.0 and +0.0), and only a sign both have for the maximum.
    /// </summary>
    private void SelectMinOrMax(bool isMin, int dest, int a, int b)
    {
        int unordered = FloatCopy(b);
        CompareSd(X64DoublePredicate.Unord, unordered, b);
        int other = FloatCopy(a); // b ^ ((a ^ b) & unordered): a where b is a NaN, else b
        TwoAddress(X64Op.XorPd, other, b);
        TwoAddress(X64Op.AndPd, other, unordered);
        TwoAddress(X64Op.XorPd, other, b);
        int result = FloatCopy(a);
        TwoAddress(isMin ? X64Op.MinSd : X64Op.MaxSd, result, other);
        int equal = FloatCopy(a);
        CompareSd(X64DoublePredicate.Eq, equal, other);
        if (isMin)
        {
            TwoAddress(X64Op.AndPd, equal, a);
            TwoAddress(X64Op.OrPd, result, equal);
        }
        else
        {
            int clear = FloatCopy(a); // the bits to clear: those a lacks, where equal
            TwoAddress(X64Op.AndnPd, clear, equal);
            TwoAddress(X64Op.AndnPd, clear, result);
            result = clear;
        }
        Copy(dest, result);
    }

    /// <summary>A new xmm register holding a copy of <paramref name="source"/>.</summary>
    private int FloatCopy(int source)
    {
        int copy = NewFloatRegister();
        Copy(copy, source);
        return copy;
    }

    /// <summary>A two-address operation on xmm registers: <c>destination = destination op source</c>.</summary>
    private void TwoAddress(X64Op op, int destination, int source) =>
        Add(op, MachineOperand.UseDef(destination), MachineOperand.Use(source));

    /// <summary><c>destination</c> becomes all ones where it compares with <paramref name="source"/> as the predicate says, else zeros.</summary>
    private void CompareSd(X64DoublePredicate predicate, int destination, int source) =>
        _code.Add(new MachineInstruction((int)X64Op.CompareSd, MachineOperand.UseDef(destination), MachineOperand.Use(source)) { Condition = (int)predicate });

    private void SelectFloatBinary(Operator op, int dest, Value a, Value b)
    {
        if (op is Operator.FGt or Operator.FGe)
        {
            // a > b is b < a.
            (a, b) = (b, a);
            op = op == Operator.FGt ? Operator.FLt : Operator.FLe;
        }
        switch (op)
        {
            case Operator.FLt or Operator.FLe:
                AddConditional(X64Op.Setcc, CompareDoubles(op, a, b), MachineOperand.Def(dest));
                return;
            case Operator.FEq or Operator.FNe:
            {
                // cmpsd leaves an all-ones or all-zeros mask: negated, 1 or 0.
                int mask = NewFloatRegister();
                Move(mask, a);
                CompareSd(op == Operator.FEq ? X64DoublePredicate.Eq : X64DoublePredicate.Neq, mask, InFloatRegister(b));
                int bits = NewRegister();
                Copy(bits, mask);
                Add(X64Op.Neg, MachineOperand.UseDef(bits));
                Copy(dest, bits);
                return;
            }
            case Operator.FMin or Operator.FMax:
                SelectMinOrMax(op == Operator.FMin, dest, InFloatRegister(a), InFloatRegister(b));
                return;
            default:
            {
                // Two-address, as the integer operations: dest = a; dest op= b.
                if (ComputesIntoSecond(op, dest, a, b)) (a, b) = (b, a);
                int t = NewFloatRegister();
                Move(t, a);
                var arithmetic = op switch { Operator.FAdd => X64Op.AddSd, Operator.FSub => X64Op.SubSd, Operator.FMul => X64Op.MulSd, _ => X64Op.DivSd };
                var source = b.IsConstant ? ConstantInMemory(b.Constant) : IsFolded(b) ? FoldedMemory(b).Memory : MachineOperand.Use(V(b.Register));
                Add(arithmetic, MachineOperand.UseDef(t), source);
                Copy(dest, t);
                return;
            }
        }
    }

    /// <summary>The memory operand for <c>base + index*scale</c>.</summary>
    private MachineOperand Address(Value @base, Value index, int scale)
    {
        if (index.IsConstant && FitsImmediate(unchecked(index.Constant * scale)) && index.Constant is > int.MinValue / 8 and < int.MaxValue / 8)
        {
            if (@base.IsConstant && FitsImmediate(unchecked(@base.Constant + index.Constant * scale)))
                return MachineOperand.Mem(InRegister(Value.Const(0)), @base.Constant + index.Constant * scale);
            return MachineOperand.Mem(InRegister(@base), index.Constant * scale);
        }
        return MachineOperand.Mem(InRegister(@base), 0, InRegister(index), scale);
    }

    private void SelectUnary(Operator op, int dest, Value a)
    {
        if (op >= Operator.FNeg)
        {
            SelectFloatUnary(op, dest, a);
            return;
        }
        if (op == Operator.Not)
        {
            AddConditional(X64Op.Setcc, Compare(Operator.Eq, a, Value.Const(0)), MachineOperand.Def(dest));
            return;
        }
        int t = NewRegister();
        Move(t, a);
        Add(op == Operator.Neg ? X64Op.Neg : X64Op.Not, MachineOperand.UseDef(t));
        Copy(dest, t);
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
            var condition = Compare(op, a, b);
            AddConditional(X64Op.Setcc, condition, MachineOperand.Def(dest));
            return;
        }
        switch (op)
        {
            case Operator.Div or Operator.Rem:
                SelectDivision(op == Operator.Div, dest, a, b);
                return;
            case Operator.Shl or Operator.Sar:
            {
                int t = NewRegister();
                Move(t, a);
                var shift = op == Operator.Shl ? X64Op.Shl : X64Op.Sar;
                if (b.IsConstant) Add(shift, MachineOperand.UseDef(t), MachineOperand.Imm(b.Constant & 63));
                else
                {
                    Copy(Rcx, V(b.Register));
                    Add(shift, MachineOperand.UseDef(t), MachineOperand.Use(Rcx));
                }
                Copy(dest, t);
                return;
            }
            case Operator.Mul when a.IsRegister && b.IsConstant && b.Constant is 3 or 5 or 9:
                // x*3 is x + x*2: one lea.
                Add(X64Op.Lea, MachineOperand.Def(dest), MachineOperand.Mem(V(a.Register), 0, V(a.Register), (int)b.Constant - 1));
                return;
            case Operator.Add or Operator.Sub when a.IsRegister && b.IsConstant && FitsImmediate(b.Constant) && b.Constant != int.MinValue:
                // Three-address add of a constant: no copy of the operand needed.
                Add(X64Op.Lea, MachineOperand.Def(dest), MachineOperand.Mem(V(a.Register), op == Operator.Add ? b.Constant : -b.Constant));
                return;
            default:
            {
                if (ComputesIntoSecond(op, dest, a, b)) (a, b) = (b, a);
                int t = NewRegister();
                Move(t, a);
                var alu = op switch
                {
                    Operator.Add => X64Op.Add, Operator.Sub => X64Op.Sub, Operator.Mul => X64Op.Imul,
                    Operator.And => X64Op.And, Operator.Or => X64Op.Or, Operator.Xor => X64Op.Xor,
                    _ => throw new InvalidOperationException($"no selection for {op}"),
                };
                Add(alu, MachineOperand.UseDef(t), IsFolded(b) ? FoldedMemory(b).Memory : Operand(b));
                Copy(dest, t);
                return;
            }
        }
    }

    /// <summary>
    /// Whether a two-address operation, commutative, computes into the copy of its second operand rather than of its
    /// first: when the first is read from memory, is a constant, or lives on while the second dies here (so the copy
    /// of the second coalesces away), or both die and only the second is a variable the block assigns again.
    /// </summary>
    private bool ComputesIntoSecond(Operator op, int dest, Value a, Value b)
    {
        if (!IsCommutative(op) || IsFolded(b)) return false;
        if (IsFolded(a) || (a.IsConstant && b.IsRegister)) return true;
        if (!DiesHere(b) || V(a.Register) == dest) return false;
        // Both die: into the variable the block goes on to update (y of y = 2xy + c), whose copy then coalesces too.
        return !DiesHere(a) || (RedefinedBeforeRead(b) && !RedefinedBeforeRead(a));
    }

    /// <summary>One read-modify-write of memory: <c>op x, (address)</c> for the load, operation and store planned together.</summary>
    private void SelectReadModifyWrite(Instruction operation, Instruction store)
    {
        var (a, b) = (operation.Args[0], operation.Args[1]);
        var other = IsFolded(a) ? b : a;
        var alu = operation.Operator switch
        {
            Operator.Add => X64Op.Add, Operator.Sub => X64Op.Sub, Operator.And => X64Op.And, Operator.Or => X64Op.Or, _ => X64Op.Xor,
        };
        var source = Operand(other);
        Add(alu, Address(store.Args[0], store.Args[1], 8), source);
    }

    /// <summary>
    /// <c>x ± (a = 0)</c> and <c>x ± (a ≠ 0)</c>: <c>cmp $1, a</c> sets the carry exactly when a is 0 (unsigned a &lt; 1),
    /// then x + CF is <c>adc $0</c>, x + 1 - CF <c>sbb $-1</c>, x - CF <c>sbb $0</c> and x - 1 + CF <c>adc $-1</c>.
    /// </summary>
    private void SelectCounting(Instruction test, bool isZero, Instruction counting)
    {
        var a = test.Args[0];
        if (IsFolded(a))
        {
            var (memory, isByte) = FoldedMemory(a);
            Add(isByte ? X64Op.CmpByte : X64Op.Cmp, memory, MachineOperand.Imm(1));
        }
        else Add(X64Op.Cmp, MachineOperand.Use(InRegister(a)), MachineOperand.Imm(1));
        bool isAdd = counting.Operator == Operator.Add;
        int t = NewRegister();
        Move(t, CountedValue(counting, test.Dest)!.Value);
        Add(isAdd == isZero ? X64Op.Adc : X64Op.Sbb, MachineOperand.UseDef(t), MachineOperand.Imm(isZero ? 0 : -1));
        Copy(V(counting.Dest), t);
    }

    /// <summary>Emits the comparison of a with b and returns the condition under which <paramref name="op"/> holds.</summary>
    private X64Condition Compare(Operator op, Value a, Value b)
    {
        if (a.IsConstant && b.IsRegister)
        {
            (a, b) = (b, a);
            op = op.Swapped();
        }
        if (IsFolded(a))
        {
            var (memory, isByte) = FoldedMemory(a);
            if (!isByte)
            {
                Add(X64Op.Cmp, memory, Operand(b));
                return ConditionOf(op);
            }
            // A byte is zero-extended: as words, signed comparisons with a constant 0–255 are unsigned ones of bytes.
            Add(X64Op.CmpByte, memory, MachineOperand.Imm(b.Constant));
            return UnsignedConditionOf(op);
        }
        if (IsFolded(b))
        {
            Add(X64Op.Cmp, MachineOperand.Use(InRegister(a)), FoldedMemory(b).Memory);
            return ConditionOf(op);
        }
        // test a, a sets the flags of cmp $0, a (carry and overflow clear) in a shorter instruction, for every condition.
        if (b.IsConstant && b.Constant == 0)
            Add(X64Op.Test, MachineOperand.Use(InRegister(a)), MachineOperand.Use(InRegister(a)));
        else
            Add(X64Op.Cmp, MachineOperand.Use(InRegister(a)), Operand(b));
        return ConditionOf(op);
    }

    private static X64Condition ConditionOf(Operator op) => op switch
    {
        Operator.Lt => X64Condition.L, Operator.Le => X64Condition.LE, Operator.Eq => X64Condition.E,
        Operator.Ne => X64Condition.NE, Operator.Ge => X64Condition.GE, Operator.Gt => X64Condition.G,
        _ => throw new InvalidOperationException($"{op} is not a comparison"),
    };

    private static X64Condition UnsignedConditionOf(Operator op) => op switch
    {
        Operator.Lt => X64Condition.B, Operator.Le => X64Condition.BE, Operator.Eq => X64Condition.E,
        Operator.Ne => X64Condition.NE, Operator.Ge => X64Condition.AE, Operator.Gt => X64Condition.A,
        _ => throw new InvalidOperationException($"{op} is not a comparison"),
    };

    /// <summary>
    /// Division and remainder with the language's defined results for a zero divisor and for min / -1, without traps:
    /// constant divisors become shifts or a plain idiv; a variable divisor is replaced by 1 when it is 0 or -1
    /// (so idiv cannot trap) and the result is then corrected with conditional moves.
    /// </summary>
    private void SelectDivision(bool isDivision, int dest, Value a, Value b)
    {
        if (b.IsConstant)
        {
            long c = b.Constant;
            if (c == 0) { Move(dest, isDivision ? Value.Const(0) : a); return; }
            if (c == -1) { SelectUnaryOrZero(isDivision, dest, a); return; }
            if (c != long.MinValue && BitOperations.IsPow2(Math.Abs(c)) && Math.Abs(c) > 1)
            {
                DivideByPowerOfTwo(isDivision, dest, a, c);
                return;
            }
            if (c != long.MinValue && Math.Abs(c) > 1)
            {
                DivideByConstant(isDivision, dest, a, c);
                return;
            }
            // long.MinValue: the quotient is 1 only for n = long.MinValue, so idiv is as good as anything.
            int divisor = NewRegister();
            Move(divisor, b);
            Move(Rax, a);
            PlainDivide(divisor);
            Copy(dest, isDivision ? Rax : Rdx);
            return;
        }

        int bReg = V(b.Register);
        int safeDivisor = NewRegister();
        Copy(safeDivisor, bReg);
        int one = NewRegister();
        Add(X64Op.Mov, MachineOperand.Def(one), MachineOperand.Imm(1));
        int bPlusOne = NewRegister();
        Add(X64Op.Lea, MachineOperand.Def(bPlusOne), MachineOperand.Mem(bReg, 1));
        Add(X64Op.Cmp, MachineOperand.Use(bPlusOne), MachineOperand.Imm(1));
        AddConditional(X64Op.Cmov, X64Condition.BE, MachineOperand.UseDef(safeDivisor), MachineOperand.Use(one)); // b is 0 or -1
        int dividend = InRegister(a);
        Copy(Rax, dividend);
        PlainDivide(safeDivisor);
        int result = NewRegister();
        if (isDivision)
        {
            Copy(result, Rax);
            int negated = NewRegister();
            Copy(negated, result);
            Add(X64Op.Neg, MachineOperand.UseDef(negated));
            int zero = NewRegister();
            Add(X64Op.Mov, MachineOperand.Def(zero), MachineOperand.Imm(0));
            Add(X64Op.Cmp, MachineOperand.Use(bReg), MachineOperand.Imm(-1));
            AddConditional(X64Op.Cmov, X64Condition.E, MachineOperand.UseDef(result), MachineOperand.Use(negated)); // a / -1 is -a
            Add(X64Op.Test, MachineOperand.Use(bReg), MachineOperand.Use(bReg));
            AddConditional(X64Op.Cmov, X64Condition.E, MachineOperand.UseDef(result), MachineOperand.Use(zero));    // a / 0 is 0
        }
        else
        {
            Copy(result, Rdx); // with divisor 1 (for 0 or -1) the remainder is already 0
            Add(X64Op.Test, MachineOperand.Use(bReg), MachineOperand.Use(bReg));
            AddConditional(X64Op.Cmov, X64Condition.E, MachineOperand.UseDef(result), MachineOperand.Use(dividend)); // a % 0 is a
        }
        Copy(dest, result);
    }

    private void SelectUnaryOrZero(bool isDivision, int dest, Value a)
    {
        if (isDivision) SelectUnary(Operator.Neg, dest, a);
        else Move(dest, Value.Const(0));
    }

    private void PlainDivide(int divisor)
    {
        _code.Add(new MachineInstruction((int)X64Op.Cqo) { ImplicitUses = new[] { Rax }, ImplicitDefs = new[] { Rdx } });
        _code.Add(new MachineInstruction((int)X64Op.Idiv, MachineOperand.Use(divisor)) { ImplicitUses = new[] { Rax, Rdx }, ImplicitDefs = new[] { Rax, Rdx } });
    }

    /// <summary>
    /// Division by any other constant multiplies by its reciprocal: the high half of the 128-bit product (one-operand
    /// imul leaves it in rdx), corrected, shifted, and rounded toward zero by adding its sign bit; the remainder is then
    /// n - q × divisor. A few cycles instead of idiv's tens.
    /// </summary>
    private void DivideByConstant(bool isDivision, int dest, Value a, long divisor)
    {
        var (multiplier, shift) = SignedDivision.Magic(divisor);
        int x = InRegister(a);
        Move(Rax, Value.Const(multiplier));
        _code.Add(new MachineInstruction((int)X64Op.ImulWide, MachineOperand.Use(x)) { ImplicitUses = new[] { Rax }, ImplicitDefs = new[] { Rax, Rdx } });
        int q = NewRegister();
        Copy(q, Rdx);
        if (divisor > 0 && multiplier < 0) Add(X64Op.Add, MachineOperand.UseDef(q), MachineOperand.Use(x));
        else if (divisor < 0 && multiplier > 0) Add(X64Op.Sub, MachineOperand.UseDef(q), MachineOperand.Use(x));
        if (shift > 0) Add(X64Op.Sar, MachineOperand.UseDef(q), MachineOperand.Imm(shift));
        int sign = NewRegister();
        Copy(sign, q);
        Add(X64Op.Shr, MachineOperand.UseDef(sign), MachineOperand.Imm(63));
        Add(X64Op.Add, MachineOperand.UseDef(q), MachineOperand.Use(sign));
        if (isDivision)
        {
            Copy(dest, q);
            return;
        }
        Add(X64Op.Imul, MachineOperand.UseDef(q), Operand(Value.Const(divisor)));
        int r = NewRegister();
        Copy(r, x);
        Add(X64Op.Sub, MachineOperand.UseDef(r), MachineOperand.Use(q));
        Copy(dest, r);
    }

    /// <summary>Signed division by ±2^k rounds toward zero: add 2^k-1 to negative dividends before shifting.</summary>
    private void DivideByPowerOfTwo(bool isDivision, int dest, Value a, long divisor)
    {
        int k = BitOperations.Log2((ulong)Math.Abs(divisor));
        int x = InRegister(a);
        int bias = NewRegister();
        Copy(bias, x);
        if (k > 1) Add(X64Op.Sar, MachineOperand.UseDef(bias), MachineOperand.Imm(63)); // for k = 1 the sign bit alone is the bias
        Add(X64Op.Shr, MachineOperand.UseDef(bias), MachineOperand.Imm(64 - k));
        int t = NewRegister();
        Copy(t, x);
        Add(X64Op.Add, MachineOperand.UseDef(t), MachineOperand.Use(bias));
        if (isDivision)
        {
            Add(X64Op.Sar, MachineOperand.UseDef(t), MachineOperand.Imm(k));
            if (divisor < 0) Add(X64Op.Neg, MachineOperand.UseDef(t));
            Copy(dest, t);
        }
        else
        {
            Add(X64Op.And, MachineOperand.UseDef(t), Operand(Value.Const(-(1L << k))));
            int r = NewRegister();
            Copy(r, x);
            Add(X64Op.Sub, MachineOperand.UseDef(r), MachineOperand.Use(t));
            Copy(dest, r);
        }
    }

    private void SelectCall(Instruction instruction, int dest)
    {
        var args = instruction.Args.AsSpan();
        MachineOperand target;
        if (instruction.CallKind == CallKind.Indirect)
        {
            target = MachineOperand.Use(InRegister(args[0]));
            args = args[1..];
        }
        else
        {
            string symbol = _format.Symbol(instruction.Symbol!);
            target = MachineOperand.Sym(instruction.CallKind == CallKind.Extern ? _format.ExternCallTarget(symbol) : symbol);
        }
        if (instruction.Signature is { } signature)
        {
            SelectCCall(signature, target, args, dest);
            return;
        }
        var usedRegisters = PassArguments(args, isTailCall: false);
        // Variadic C functions read %al as the number of vector registers used: always none.
        bool mayBeVariadic = instruction.CallKind != CallKind.Direct && _abi.PassesVectorCountInAl;
        if (mayBeVariadic)
        {
            Add(X64Op.Mov, MachineOperand.Def(Rax), MachineOperand.Imm(0));
            usedRegisters.Add(Rax);
        }
        _code.Add(new MachineInstruction((int)X64Op.Call, target) { ImplicitUses = usedRegisters.ToArray(), ImplicitDefs = _abi.CallClobbers });
        _function.HasCalls = true;
        if (dest >= 0) Copy(dest, Rax);
    }

    /// <summary>
    /// A call of an extern with a C signature: stack arguments first, then the xmm registers, then the general ones;
    /// the result as its C type says. A double argument is in an xmm register already (or a constant); a float one is
    /// rounded to binary32 on its way.
    /// </summary>
    private void SelectCCall(CSignature signature, MachineOperand target, ReadOnlySpan<Value> args, int dest)
    {
        var (places, stackSlots) = _abi.CCalls.Place(signature);
        for (int i = 0; i < args.Length; i++)
        {
            if (places[i].StackOffset < 0) continue;
            var slot = MachineOperand.OutgoingAt(places[i].StackOffset);
            if (signature.Parameters[i] == CType.Float)
            {
                int single = NewFloatRegister();
                Add(X64Op.RoundToSingle, MachineOperand.Def(single), MachineOperand.Use(InFloatRegister(args[i])));
                Add(X64Op.MovSd, slot, MachineOperand.Use(single));
                continue;
            }
            var value = StoredValue(args[i]);
            Add(MoveFor(value), slot, value);
        }
        _function.OutgoingArguments = Math.Max(_function.OutgoingArguments, stackSlots);
        var usedRegisters = new List<int>();
        int vectorRegisters = 0;
        for (int i = 0; i < args.Length; i++)
        {
            if (places[i].VectorRegister < 0) continue;
            int register = Xmm0 + places[i].VectorRegister;
            if (signature.Parameters[i] == CType.Float) Add(X64Op.RoundToSingle, MachineOperand.Def(register), MachineOperand.Use(InFloatRegister(args[i])));
            else Move(register, args[i]);
            usedRegisters.Add(register);
            vectorRegisters++;
        }
        for (int i = 0; i < args.Length; i++)
        {
            if (places[i].GeneralRegister < 0) continue;
            int register = _abi.ArgumentRegisters[places[i].GeneralRegister];
            Move(register, args[i]); // a variadic double on Windows goes in both kinds of register
            usedRegisters.Add(register);
        }
        if (signature.VariadicFrom is not null && _abi.PassesVectorCountInAl)
        {
            Add(X64Op.Mov, MachineOperand.Def(Rax), MachineOperand.Imm(vectorRegisters));
            usedRegisters.Add(Rax);
        }
        _code.Add(new MachineInstruction((int)X64Op.Call, target) { ImplicitUses = usedRegisters.ToArray(), ImplicitDefs = _abi.CallClobbers });
        _function.HasCalls = true;
        if (dest < 0) return;
        switch (signature.Result)
        {
            case CType.Long: Copy(dest, Rax); break;
            case CType.Int: Add(X64Op.SignExtendInt, MachineOperand.Def(dest), MachineOperand.Use(Rax)); break;
            case CType.Double: Copy(dest, Xmm0); break;
            case CType.Float: Add(X64Op.WidenSingle, MachineOperand.Def(dest), MachineOperand.Use(Xmm0)); break;
            case CType.Void: Move(dest, Value.Const(0)); break;
        }
    }

    /// <summary>Places arguments: stack arguments first (outgoing area, or the incoming one for a tail call), then registers.</summary>
    private List<int> PassArguments(ReadOnlySpan<Value> args, bool isTailCall)
    {
        var registers = _abi.ArgumentRegisters;
        int stackArguments = Math.Max(0, args.Length - registers.Count);
        for (int i = 0; i < stackArguments; i++)
        {
            var slot = isTailCall ? MachineOperand.Incoming(i) : MachineOperand.Outgoing(i);
            Add(X64Op.Mov, slot, Operand(args[registers.Count + i]));
        }
        if (!isTailCall) _function.OutgoingArguments = Math.Max(_function.OutgoingArguments, stackArguments);
        var used = new List<int>();
        for (int i = 0; i < Math.Min(args.Length, registers.Count); i++)
        {
            Move(registers[i], args[i]);
            used.Add(registers[i]);
        }
        return used;
    }

    private void SelectTerminator(Terminator terminator)
    {
        switch (terminator.Kind)
        {
            case TerminatorKind.Jump:
                Add(X64Op.Jmp, MachineOperand.Target(terminator.True!.Id));
                break;
            case TerminatorKind.Branch:
            {
                var condition = Compare(terminator.Comparison, terminator.A, terminator.B);
                AddConditional(X64Op.Jcc, condition, MachineOperand.Target(terminator.True!.Id));
                Add(X64Op.Jmp, MachineOperand.Target(terminator.False!.Id));
                break;
            }
            case TerminatorKind.Return:
                Move(Rax, terminator.A);
                _code.Add(new MachineInstruction((int)X64Op.Ret) { ImplicitUses = new[] { Rax } });
                break;
            case TerminatorKind.TailCall:
            {
                var used = PassArguments(terminator.Args, isTailCall: true);
                _code.Add(new MachineInstruction((int)X64Op.TailJmp, MachineOperand.Sym(_format.Symbol(terminator.Symbol!))) { ImplicitUses = used.ToArray() });
                break;
            }
        }
    }
}
