using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Targets.X64;

/// <summary>
/// The patterns that select several IR instructions of a block as fewer x86 ones: a load whose only use can read memory
/// becomes that use's memory operand (<c>imulq (mem), %r</c>, <c>cmpb $0, (mem)</c>); load, operation and store of the
/// same address become one read-modify-write (<c>addq %r, (mem)</c>); and <c>x + (a = 0)</c> becomes
/// <c>cmp $1, a; adc $0, x</c>. Each block is planned before it is selected, so that what is folded is skipped.
/// </summary>
public sealed partial class X64InstructionSelector
{
    /// <summary>How far back from its use a load is looked for: keeps the planning linear in long blocks.</summary>
    private const int FoldDistance = 16;

    /// <summary>The loads a use can read from memory: a word, a double, or (a comparison with a constant 0–255) a word or a byte.</summary>
    private enum LoadKind { Word, Double, Compared }

    // The plan of the block being selected.
    private readonly Dictionary<int, Instruction> _foldedLoads = new(); // IR register → the load its one use reads from memory
    private readonly HashSet<Instruction> _selectedWithOther = new();  // instructions another one's selection covers
    private readonly Dictionary<Instruction, Instruction> _readModifyWrite = new(); // operation → the store of its result
    private readonly Dictionary<Instruction, Instruction> _carryInto = new();       // a = 0 (or a ≠ 0) → the add or subtract of it
    private int[] _firstDefinition = null!; // for each IR register: its first definition's index in the block (valid when _definedIn says so)
    private int[] _definedIn = null!;       // the block of that definition, + 1 (0: none seen)
    private int[] _uses = null!;
    private BasicBlock _block = null!;      // the block being selected
    private int _position;                  // the index of the instruction being selected (the terminator's is the count)

    private void PlanBlock(BasicBlock block, Instruction? fusedWithBranch)
    {
        _foldedLoads.Clear();
        _selectedWithOther.Clear();
        _readModifyWrite.Clear();
        _carryInto.Clear();
        _pairedDivisions.Clear();
        var code = block.Instructions;
        for (int j = 0; j < code.Count; j++)
        {
            var instruction = code[j];
            if (instruction.Dest >= 0 && _definedIn[instruction.Dest] != block.Id + 1)
            {
                _definedIn[instruction.Dest] = block.Id + 1;
                _firstDefinition[instruction.Dest] = j;
            }
            if (_selectedWithOther.Contains(instruction) || instruction == fusedWithBranch || PlanPairedDivision(code, j)) continue;
            if (instruction is { Opcode: Opcode.Unary, Operator: Operator.Not }) PlanZeroTest(code, j, instruction.Args[0]);
            if (instruction.Opcode != Opcode.Binary || _ir.TwoLaneRegisters.Contains(instruction.Dest)) continue; // movupd only: a folded mulpd operand must be aligned
            var (a, b) = (instruction.Args[0], instruction.Args[1]);
            switch (instruction.Operator)
            {
                case Operator.Eq or Operator.Ne when b is { IsConstant: true, Constant: 0 }:
                    PlanZeroTest(code, j, a);
                    break;
                case Operator.Add or Operator.Sub or Operator.And or Operator.Or or Operator.Xor when PlanReadModifyWrite(code, j):
                    break;
                case Operator.Add or Operator.Sub or Operator.And or Operator.Or or Operator.Xor or Operator.Mul:
                    PlanOperand(code, j, instruction.Operator, a, b, LoadKind.Word);
                    break;
                case Operator.FAdd or Operator.FSub or Operator.FMul or Operator.FDiv:
                    PlanOperand(code, j, instruction.Operator, a, b, LoadKind.Double);
                    break;
                case var op when WordArithmetic.IsComparison(op):
                    PlanComparison(code, j, a, b);
                    break;
            }
        }
        if (block.Terminator.Kind == TerminatorKind.Branch && fusedWithBranch is null)
            PlanComparison(code, code.Count, block.Terminator.A, block.Terminator.B);
    }

    private static bool IsCommutative(Operator op) =>
        op is Operator.Add or Operator.Mul or Operator.And or Operator.Or or Operator.Xor or Operator.FAdd or Operator.FMul;

    /// <summary>
    /// The second operand of a two-address operation from memory; for a commutative one, else the first. Not with a
    /// constant operand: those have their own forms (lea, an immediate, the constant pool).
    /// </summary>
    private void PlanOperand(List<Instruction> code, int user, Operator op, Value a, Value b, LoadKind kind)
    {
        if (a.IsConstant || b.IsConstant) return;
        if (!TryFold(code, user, b, kind) && IsCommutative(op)) TryFold(code, user, a, kind);
    }

    /// <summary>A comparison reads a word (or, against a byte constant, a byte) from memory for either operand.</summary>
    private void PlanComparison(List<Instruction> code, int user, Value a, Value b)
    {
        (a, b) = ComparisonOrder(a, b);
        if (b.IsConstant) TryFold(code, user, a, b.Constant is >= 0 and <= byte.MaxValue ? LoadKind.Compared : LoadKind.Word);
        else if (!TryFold(code, user, a, LoadKind.Word) && a.IsRegister) TryFold(code, user, b, LoadKind.Word);
    }

    /// <summary>The operands of a comparison as it is emitted: a constant second.</summary>
    private static (Value A, Value B) ComparisonOrder(Value a, Value b) => a.IsConstant && b.IsRegister ? (b, a) : (a, b);

    /// <summary>
    /// <c>t = a = 0</c> (or a ≠ 0) whose only use is the next instruction, <c>x + t</c> or <c>x - t</c>: <c>cmp $1, a</c>
    /// sets the carry exactly when a is 0, which <c>adc</c> or <c>sbb</c> adds to x or takes from it. Either way the
    /// test may read a from memory.
    /// </summary>
    private void PlanZeroTest(List<Instruction> code, int user, Value a)
    {
        if (!a.IsRegister) return;
        var test = code[user];
        if (user + 1 < code.Count && _uses[test.Dest] == 1 && code[user + 1] is { Opcode: Opcode.Binary } next && CountedValue(next, test.Dest) is not null)
        {
            _carryInto[test] = next;
            _selectedWithOther.Add(next);
        }
        TryFold(code, user, a, LoadKind.Compared);
    }

    /// <summary>What <paramref name="next"/> adds the flag <paramref name="flag"/> to or takes it from: x of x + t, t + x or x - t.</summary>
    private static Value? CountedValue(Instruction next, int flag)
    {
        var (x, y) = (next.Args[0], next.Args[1]);
        bool isFlag(Value v) => v.IsRegister && v.Register == flag;
        return next.Operator switch
        {
            Operator.Add when isFlag(y) && !isFlag(x) => x,
            Operator.Add when isFlag(x) && !isFlag(y) => y,
            Operator.Sub when isFlag(y) && !isFlag(x) => x,
            _ => null,
        };
    }

    /// <summary>
    /// <c>v = load p[i]; w = v op x; store p[i] = w</c>, with v and w used nowhere else and the store right after the
    /// operation: one <c>op x, (p,i,8)</c>.
    /// </summary>
    private bool PlanReadModifyWrite(List<Instruction> code, int user)
    {
        var operation = code[user];
        if (user + 1 >= code.Count || code[user + 1] is not { Opcode: Opcode.Store, Operator: Operator.StoreWord } store
            || store.Args[2] is not { IsRegister: true } stored || stored.Register != operation.Dest || _uses[operation.Dest] != 1
            || store.Args[0] == stored || store.Args[1] == stored) return false;
        foreach (var operand in IsCommutative(operation.Operator) ? operation.Args : operation.Args[..1])
        {
            if (FoldableLoad(code, user, operand, LoadKind.Word) is not { Opcode: Opcode.Load } load
                || load.Args[0] != store.Args[0] || load.Args[1] != store.Args[1]) continue;
            _foldedLoads[operand.Register] = load;
            _selectedWithOther.Add(load);
            _selectedWithOther.Add(store);
            _readModifyWrite[operation] = store;
            return true;
        }
        return false;
    }

    private bool TryFold(List<Instruction> code, int user, Value value, LoadKind kind)
    {
        if (FoldableLoad(code, user, value, kind) is not { } load) return false;
        _foldedLoads[value.Register] = load;
        _selectedWithOther.Add(load);
        return true;
    }

    /// <summary>
    /// The load defining <paramref name="value"/> when it can be read at <paramref name="user"/> instead: value has no
    /// other use, and between the two nothing stores or calls (which could change the memory) nor redefines the address.
    /// </summary>
    private Instruction? FoldableLoad(List<Instruction> code, int user, Value value, LoadKind kind)
    {
        if (!value.IsRegister || _uses[value.Register] != 1) return null;
        for (int k = user - 1; k >= 0 && k >= user - FoldDistance; k--)
        {
            var instruction = code[k];
            if (instruction.Dest == value.Register)
                return IsLoadOf(instruction, kind) && !_selectedWithOther.Contains(instruction) && !AddressRedefined(code, instruction, k + 1, user)
                    ? instruction : null;
            if (instruction.HasSideEffects) return null;
        }
        return null;
    }

    private bool IsLoadOf(Instruction instruction, LoadKind kind) => instruction switch
    {
        { Opcode: Opcode.Load, Operator: Operator.LoadWord } or { Opcode: Opcode.LoadGlobal } =>
            IsFloat(V(instruction.Dest)) ? kind == LoadKind.Double : kind is LoadKind.Word or LoadKind.Compared,
        { Opcode: Opcode.Load, Operator: Operator.LoadByte } => kind == LoadKind.Compared,
        _ => false,
    };

    private static bool AddressRedefined(List<Instruction> code, Instruction load, int from, int to)
    {
        for (int m = from; m < to; m++)
            foreach (var address in load.Args)
                if (address.IsRegister && code[m].Dest == address.Register) return true;
        return false;
    }

    /// <summary>Whether the value's register is folded into its use as a load from memory.</summary>
    private bool IsFolded(Value value) => value.IsRegister && _foldedLoads.ContainsKey(value.Register);

    /// <summary>The memory a folded load reads, and whether it is a byte.</summary>
    private (MachineOperand Memory, bool IsByte) FoldedMemory(Value value)
    {
        var load = _foldedLoads[value.Register];
        if (load.Opcode == Opcode.LoadGlobal) return (MachineOperand.SymbolMem(_format.Symbol(load.Symbol!)), false);
        return (Address(load.Args[0], load.Args[1], WordArithmetic.ElementSize(load.Operator)), load.Operator == Operator.LoadByte);
    }

    /// <summary>
    /// Whether the value is dead after the instruction being selected, so that a two-address operation can compute into
    /// its register: it is <see cref="RedefinedBeforeRead"/>, or its only use is here and the block defined it earlier.
    /// (A value that may be live is not.)
    /// </summary>
    private bool DiesHere(Value value) =>
        RedefinedBeforeRead(value)
        || (value.IsRegister && _uses[value.Register] == 1 && _definedIn[value.Register] == _block.Id + 1 && _firstDefinition[value.Register] < _position);

    /// <summary>Whether the rest of the block assigns the value's register before reading it: a variable this iteration updates.</summary>
    private bool RedefinedBeforeRead(Value value)
    {
        if (!value.IsRegister) return false;
        int r = value.Register;
        var code = _block.Instructions;
        int end = Math.Min(code.Count, _position + 1 + FoldDistance);
        for (int k = _position + 1; k < end; k++)
        {
            foreach (var argument in code[k].Args)
                if (argument.IsRegister && argument.Register == r) return false;
            if (code[k].Dest == r) return true;
        }
        return false;
    }
}
