using System.Text;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.IR;

/// <summary>An operand: a virtual register or a constant word.</summary>
public readonly record struct Value(bool IsConstant, long Constant, int Register)
{
    public static Value Const(long value) => new(true, value, -1);
    public static Value Reg(int register) => new(false, 0, register);
    public bool IsRegister => !IsConstant;
    public override string ToString() => IsConstant ? Constant.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"v{Register}";
}

public enum Opcode
{
    Copy,            // Dest = A
    Binary,          // Dest = A op B (Operator: arithmetic, bitwise, shift, comparison, and the binary fl operators)
    Unary,           // Dest = op A (Neg, Not, BitNot, and the unary fl operators and conversions but FNeg and FAbs)
    Load,            // Dest = memory at A + B*size (Operator: the width, WordArithmetic.ElementSize), sign- or zero-extended, float-at widened to a double
    Store,           // memory at A + B*size = C (Operator: the width; the low bits of C, set-float-at: C rounded to binary32)
    LoadGlobal,      // Dest = global Symbol
    StoreGlobal,     // global Symbol = A
    AddressOf,       // Dest = address of Symbol (a function, global or extern: SymbolKind)
    AddressOfString, // Dest = address of string literal number Index of the function's file
    AddressOfSlot,   // Dest = address of stack slot Index
    LoadSlot,        // Dest = stack slot Index
    StoreSlot,       // stack slot Index = A
    Call,            // Dest = call (Direct/Extern: Symbol; Indirect: Args[0] is the callee) with the other Args
    Phi,             // Dest = Args[i] when control came from Incoming[i]; only at a block's start, only while the optimiser holds SSA form
    // Two doubles in one register (IrFunction.TwoLaneRegisters), from SlpVectorization, which runs just before a target
    // selects instructions. An Fadd/FSub/FMul/FDiv Binary, a LoadWord Load or a StoreWord Store whose value is a
    // two-lane register works on both lanes: the loads and stores on the doubles at index B and B + 1.
    Pack,            // Dest = two lanes: A in lane 0, B in lane 1
    Lane,            // Dest = lane Index (0 or 1) of A
}

public enum SymbolKind { Function, Global, Extern }

public sealed class Instruction
{
    public required Opcode Opcode { get; set; }
    public Operator Operator { get; set; }
    public int Dest { get; set; } = -1;
    public Value[] Args { get; set; } = Array.Empty<Value>();
    public string? Symbol { get; init; }
    public SymbolKind SymbolKind { get; init; }
    public CallKind CallKind { get; init; }
    public int Index { get; init; }
    /// <summary>For a call of a variadic C function: how many of its arguments are fixed (the rest are variadic); else -1.</summary>
    public int FixedArguments { get; init; } = -1;
    /// <summary>For a call of an extern with a C signature, that signature (how each argument and the result cross).</summary>
    public CSignature? Signature { get; init; }
    /// <summary>
    /// A double division that the next instruction, a double division independent of it, may compute with it as the two
    /// lanes of one division (set by <see cref="Maru.Compiler.Optimization.PairedDivision"/>; a target that does not
    /// pair divisions, or finds them no longer so, divides one at a time).
    /// </summary>
    public bool PairedWithNext { get; set; }
    /// <summary>For a phi, the predecessor each argument comes from (parallel to <see cref="Args"/>).</summary>
    public BasicBlock[] Incoming { get; set; } = Array.Empty<BasicBlock>();

    /// <summary>A copy of the instruction, to put in another block.</summary>
    public Instruction Clone() => new()
    {
        Opcode = Opcode, Operator = Operator, Dest = Dest, Args = (Value[])Args.Clone(), Symbol = Symbol, SymbolKind = SymbolKind,
        CallKind = CallKind, Index = Index, FixedArguments = FixedArguments, Signature = Signature, PairedWithNext = PairedWithNext,
        Incoming = (BasicBlock[])Incoming.Clone(),
    };

    public bool HasSideEffects => Opcode is Opcode.Store or Opcode.StoreGlobal or Opcode.StoreSlot or Opcode.Call;

    /// <summary>Whether an operand is one of <paramref name="registers"/>.</summary>
    public bool ReadsAny(HashSet<int> registers)
    {
        foreach (var arg in Args)
            if (arg.IsRegister && registers.Contains(arg.Register)) return true;
        return false;
    }

    public override string ToString()
    {
        string dest = Dest >= 0 ? $"v{Dest} = " : "";
        string args = string.Join(", ", Args);
        return Opcode switch
        {
            Opcode.Binary or Opcode.Unary or Opcode.Load or Opcode.Store => $"{dest}{Operator.ToString().ToLowerInvariant()} {args}",
            Opcode.Phi => $"{dest}phi {string.Join(", ", Args.Select((a, i) => $"b{Incoming[i].Id}: {a}"))}",
            Opcode.Call => $"{dest}call {(CallKind == CallKind.Indirect ? "*" : Symbol)} ({args})",
            Opcode.LoadGlobal or Opcode.AddressOf => $"{dest}{Opcode.ToString().ToLowerInvariant()} {Symbol}",
            Opcode.StoreGlobal => $"storeglobal {Symbol}, {args}",
            Opcode.AddressOfString or Opcode.AddressOfSlot or Opcode.LoadSlot => $"{dest}{Opcode.ToString().ToLowerInvariant()} #{Index}",
            Opcode.StoreSlot => $"storeslot #{Index}, {args}",
            Opcode.Pack => $"{dest}pack {args}",
            Opcode.Lane => $"{dest}lane {args}, {Index}",
            _ => $"{dest}{args}",
        };
    }
}

public enum TerminatorKind { Jump, Branch, Return, TailCall }

/// <summary>How a block ends. A branch compares A with B (signed) and goes to True or False.</summary>
public sealed class Terminator
{
    public required TerminatorKind Kind { get; init; }
    public Operator Comparison { get; init; }
    public Value A { get; set; }
    public Value B { get; set; }
    public BasicBlock? True { get; set; }
    public BasicBlock? False { get; set; }
    public string? Symbol { get; init; }
    public Value[] Args { get; set; } = Array.Empty<Value>();

    /// <summary>A copy of the terminator, to end another block the same way.</summary>
    public Terminator Clone() => new()
    {
        Kind = Kind, Comparison = Comparison, A = A, B = B, True = True, False = False, Symbol = Symbol, Args = (Value[])Args.Clone(),
    };

    public static Terminator Jump(BasicBlock target) => new() { Kind = TerminatorKind.Jump, True = target };

    public SuccessorBlocks Successors => new(True, False != True ? False : null);

    public TerminatorUses Uses => new(this);

    public override string ToString() => Kind switch
    {
        TerminatorKind.Jump => $"jump b{True!.Id}",
        TerminatorKind.Branch => $"branch {Comparison.ToString().ToLowerInvariant()} {A}, {B} ? b{True!.Id} : b{False!.Id}",
        TerminatorKind.Return => $"return {A}",
        _ => $"tailcall {Symbol} ({string.Join(", ", Args)})",
    };
}

/// <summary>The operands a terminator reads, in order; enumerating them with foreach or an index allocates nothing.</summary>
public readonly struct TerminatorUses(Terminator terminator) : IEnumerable<Value>
{
    public int Count => terminator.Kind switch
    {
        TerminatorKind.Branch => 2,
        TerminatorKind.Return => 1,
        TerminatorKind.TailCall => terminator.Args.Length,
        _ => 0,
    };

    public Value this[int index] => terminator.Kind switch
    {
        TerminatorKind.Branch => index == 0 ? terminator.A : terminator.B,
        TerminatorKind.Return => terminator.A,
        _ => terminator.Args[index],
    };

    public Enumerator GetEnumerator() => new(this);
    IEnumerator<Value> IEnumerable<Value>.GetEnumerator() { foreach (var use in this) yield return use; }
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => ((IEnumerable<Value>)this).GetEnumerator();

    public struct Enumerator(TerminatorUses uses)
    {
        private readonly int _count = uses.Count;
        private int _position = -1;

        public readonly Value Current => uses[_position];
        public bool MoveNext() => ++_position < _count;
    }
}

/// <summary>The distinct blocks a terminator may go to (none, one or two); enumerating them allocates nothing.</summary>
public readonly struct SuccessorBlocks(BasicBlock? first, BasicBlock? second)
{
    public Enumerator GetEnumerator() => new(first, second);

    public struct Enumerator(BasicBlock? first, BasicBlock? second)
    {
        private int _position = -1;

        public readonly BasicBlock Current => _position == 0 ? first! : second!;

        public bool MoveNext()
        {
            while (++_position < 2)
                if ((_position == 0 ? first : second) is not null) return true;
            return false;
        }
    }
}

public sealed class BasicBlock(int id, int loopDepth)
{
    public int Id { get; set; } = id;
    /// <summary>How many loops contain this block; register allocation weighs spill costs by it.</summary>
    public int LoopDepth { get; } = loopDepth;
    public List<Instruction> Instructions { get; } = new();
    public Terminator Terminator { get; set; } = null!;
    /// <summary>How many edges lead here, as <see cref="IrFunction.CountPredecessors"/> last counted them.</summary>
    public int PredecessorCount { get; set; }

    /// <summary>
    /// The block's last instruction when the block ends by comparing its result, used nowhere else (<paramref name="uses"/>
    /// counts the uses of each register), with zero for equality or inequality: a target may fuse the two.
    /// </summary>
    public Instruction? LastTestedAgainstZero(int[] uses)
    {
        var t = Terminator;
        if (t.Kind != TerminatorKind.Branch || t.Comparison is not (Operator.Eq or Operator.Ne) || Instructions.Count == 0) return null;
        var last = Instructions[^1];
        bool testsIt = t.A.IsRegister && t.A.Register == last.Dest && t.B is { IsConstant: true, Constant: 0 };
        return testsIt && uses[last.Dest] == 1 ? last : null;
    }

    /// <summary>
    /// When the block ends by comparing a register with zero for equality or inequality: the instruction of the block
    /// that last set that register, if it is <c>x op constant</c> with x a register the block does not set again after it
    /// (so the test tells something of x on each edge, such as its low bits after <c>x &amp; 1</c>).
    /// </summary>
    public Instruction? OperationTestedAgainstZero()
    {
        var t = Terminator;
        if (t is not { Kind: TerminatorKind.Branch, Comparison: Operator.Eq or Operator.Ne, A.IsRegister: true, B: { IsConstant: true, Constant: 0 } }) return null;
        // Loops, not lambdas: a closure would be allocated for every block, test or not.
        int at = Instructions.Count - 1;
        while (at >= 0 && Instructions[at].Dest != t.A.Register) at--;
        if (at < 0 || Instructions[at] is not { Opcode: Opcode.Binary, Args: [{ IsRegister: true } x, { IsConstant: true }] } operation) return null;
        for (int i = at + 1; i < Instructions.Count; i++)
            if (Instructions[i].Dest == x.Register) return null;
        return operation;
    }
}

/// <summary>One function: basic blocks over virtual registers (not SSA: a register may be assigned many times).</summary>
public sealed class IrFunction(FunctionSymbol symbol)
{
    public FunctionSymbol Symbol { get; } = symbol;
    public List<BasicBlock> Blocks { get; } = new();
    public List<int> Parameters { get; } = new();
    /// <summary>Stack slots of variables whose address is taken, indexed by slot number.</summary>
    public int SlotCount { get; set; }
    public int RegisterCount { get; set; }
    /// <summary>
    /// Registers that hold a double's bits in a floating-point register rather than a general one; empty until a target
    /// that has a second register class runs <see cref="RegisterClasses"/>.
    /// </summary>
    public HashSet<int> FloatRegisters { get; } = new();
    /// <summary>The float registers that hold two doubles (see <see cref="Opcode.Pack"/>); set by <see cref="Optimization.SlpVectorization"/>.</summary>
    public HashSet<int> TwoLaneRegisters { get; } = new();

    public int NewRegister() => RegisterCount++;

    /// <summary>Sets each block's <see cref="BasicBlock.PredecessorCount"/>: how many edges lead to it now.</summary>
    public void CountPredecessors()
    {
        foreach (var block in Blocks) block.PredecessorCount = 0;
        foreach (var block in Blocks)
            foreach (var successor in block.Terminator.Successors)
                successor.PredecessorCount++;
    }

    /// <summary>Adds to <paramref name="counts"/> how many times each register is assigned (a parameter counts once).</summary>
    public void CountDefinitions(int[] counts)
    {
        foreach (int p in Parameters) counts[p]++;
        foreach (var block in Blocks)
            foreach (var instruction in block.Instructions)
                if (instruction.Dest >= 0) counts[instruction.Dest]++;
    }

    /// <summary>How many times each register is read, by instructions and terminators.</summary>
    public int[] UseCounts()
    {
        var counts = new int[RegisterCount];
        foreach (var block in Blocks)
        {
            foreach (var instruction in block.Instructions)
                foreach (var arg in instruction.Args)
                    if (arg.IsRegister) counts[arg.Register]++;
            foreach (var arg in block.Terminator.Uses)
                if (arg.IsRegister) counts[arg.Register]++;
        }
        return counts;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Symbol.Name).Append('(').Append(string.Join(", ", Parameters.Select(p => $"v{p}"))).AppendLine("):");
        foreach (var block in Blocks)
        {
            text.Append('b').Append(block.Id).AppendLine(":");
            foreach (var instruction in block.Instructions) text.Append("  ").AppendLine(instruction.ToString());
            text.Append("  ").AppendLine(block.Terminator.ToString());
        }
        return text.ToString();
    }
}

/// <summary>What the functions of one source file share: the string literals they use.</summary>
public sealed class IrModule
{
    public List<byte[]> Strings { get; } = new();
    private readonly Dictionary<string, int> _stringIndex = new(StringComparer.Ordinal);

    /// <summary>The index of a string literal; identical literals share one.</summary>
    public int InternString(byte[] bytes)
    {
        string key = Convert.ToBase64String(bytes);
        if (!_stringIndex.TryGetValue(key, out int index))
        {
            index = Strings.Count;
            Strings.Add(bytes);
            _stringIndex[key] = index;
        }
        return index;
    }
}
