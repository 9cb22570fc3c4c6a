using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Straight-line (SLP) vectorisation of doubles in loop blocks: two stores of doubles to neighbouring words of one base
/// (at constant indices, or at an index register plus constants: an unrolled loop's <c>y[i]</c> and <c>y[i + 1]</c>)
/// become one two-lane store, and the trees of operations that compute their values become two-lane operations where
/// both lanes do the same thing (fadd, fsub, fmul, fdiv, and loads of neighbouring words). nbody's
/// <code>
/// vx = vx - dx * m * mag; vy = vy - dy * m * mag
/// </code>
/// is one load of (vx, vy), two multiplies, one subtraction and one store. A value the tree needs but cannot compute in
/// two lanes is packed (<see cref="Opcode.Pack"/>); a lane's value that something else still reads is taken out
/// (<see cref="Opcode.Lane"/>). Each lane computes exactly what its scalar operations computed, from the same operands in
/// the same order, so the program prints the same doubles.
/// <para>
/// The block's instructions are reordered: each pair runs where the later of its two did. That is legal when the
/// dependences between the block's instructions — through registers (the IR is no longer SSA: reads, writes and
/// rewrites of a register keep their order) and through memory — still form no cycle once each pair is one node.
/// Two accesses through one base value and one index register are independent when their words differ. Accesses
/// through two different bases may be to the same memory, and nbody's updates of two bodies are such: then the block is
/// versioned. Its address computations stay first, and then a runtime test chooses between the vectorised rest, valid
/// when the words each base reaches do not overlap those of the other, and the original rest.
/// </para>
/// <para>
/// Run by a target with two-lane operations, just before it selects instructions (after <see cref="RegisterClasses"/>).
/// </para>
/// </summary>
public static class SlpVectorization
{
    /// <summary>Blocks beyond this many instructions are left alone: the dependence graph is quadratic in memory accesses.</summary>
    private const int MaxInstructions = 300;
    /// <summary>What a vectorised block must save, in half-instructions, to pay for a runtime overlap test and its branch.</summary>
    private const int MinimumGainWhenVersioned = 8;

    public static bool Run(IrFunction function)
    {
        if (function.FloatRegisters.Count == 0) return false;
        BlockLiveness? liveness = null;
        BitSet? live = null;
        Instruction?[]? onlyDefinitions = null;
        var versioned = new List<(BasicBlock Block, BasicBlock Vectorised, BasicBlock Scalar)>();
        var inPlace = new List<BasicBlock>();
        bool changed = false;
        foreach (var block in function.Blocks)
        {
            if (block.LoopDepth == 0 || block.Instructions.Count > MaxInstructions || !HasDoubleStorePairs(function, block)) continue;
            liveness ??= Liveness.Of(function);
            onlyDefinitions ??= OnlyDefinitions(function);
            live ??= new BitSet(function.RegisterCount);
            liveness.CopyLiveOut(block.Id, live);
            foreach (var use in block.Terminator.Uses) if (use.IsRegister) live.Add(use.Register);
            var vectoriser = new BlockVectoriser(function, block, live, onlyDefinitions, start: 0);
            if (vectoriser.Vectorise(assumeBasesApart: false))
            {
                inPlace.Add(block);
                changed = true;
            }
            else if (vectoriser.Unordered
                     && new BlockVectoriser(function, block, live, onlyDefinitions, AddressesComputed(block)).VectoriseVersioned() is { } versions)
            {
                versioned.Add((block, versions.Vectorised, versions.Scalar));
                changed = true;
            }
        }
        if (versioned.Count > 0)
        {
            foreach (var (block, vectorised, scalar) in versioned)
            {
                int at = function.Blocks.IndexOf(block);
                function.Blocks.Insert(at + 1, vectorised);
                function.Blocks.Insert(at + 2, scalar);
            }
            for (int i = 0; i < function.Blocks.Count; i++) function.Blocks[i].Id = i;
        }
        // A vectorised loop of one block, entered from one block: its packs of values it never sets are made there
        // once (nbody's dt in both lanes, in the loop that moves the bodies).
        foreach (var loop in inPlace)
            if (Branches(loop, loop) && OnlyEntry(function, loop) is { } entry)
                HoistInvariantPacks(loop, entry);
        return changed;
    }

    /// <summary>The one block other than <paramref name="loop"/> itself that branches to it; null if there are more, or none.</summary>
    private static BasicBlock? OnlyEntry(IrFunction function, BasicBlock loop)
    {
        if (loop == function.Blocks[0]) return null; // the function's entry is entered from outside
        BasicBlock? entry = null;
        foreach (var block in function.Blocks)
        {
            if (block == loop || !Branches(block, loop)) continue;
            if (entry is not null) return null;
            entry = block;
        }
        return entry;
    }

    private static bool Branches(BasicBlock from, BasicBlock to) => from.Terminator.True == to || from.Terminator.False == to;

    /// <summary>The registers the block sets.</summary>
    private static HashSet<int> SetIn(BasicBlock block) => block.Instructions.Where(i => i.Dest >= 0).Select(i => i.Dest).ToHashSet();

    /// <summary>
    /// Moves the packs of a loop of one block whose lanes the loop never sets to the end of <paramref name="entry"/>,
    /// the only block before it. A vectorised block has no call, and nothing follows the packs in the entry: no call
    /// meets the two-lane registers, whose high halves AArch64's callee-saved v8–v15 would not keep.
    /// </summary>
    private static void HoistInvariantPacks(BasicBlock loop, BasicBlock entry)
    {
        var setInLoop = SetIn(loop);
        for (int k = 0; k < loop.Instructions.Count; k++)
        {
            var pack = loop.Instructions[k];
            if (pack.Opcode != Opcode.Pack || pack.ReadsAny(setInLoop)) continue;
            entry.Instructions.Add(pack); // its register is new and set only here: nothing else reads or sets it
            loop.Instructions.RemoveAt(k--);
        }
    }

    /// <summary>
    /// Whether the block has two stores of doubles and no call (a call would order all memory, and AArch64's callee
    /// saves only the low halves of its registers).
    /// </summary>
    private static bool HasDoubleStorePairs(IrFunction function, BasicBlock block)
    {
        int stores = 0;
        foreach (var instruction in block.Instructions)
        {
            if (instruction.Opcode == Opcode.Call) return false;
            if (IsDoubleStore(function, instruction)) stores++;
        }
        return stores >= 2;
    }

    private static bool IsDoubleStore(IrFunction function, Instruction i) =>
        i is { Opcode: Opcode.Store, Operator: Operator.StoreWord, Args: [{ IsRegister: true }, _, { IsRegister: true } value] }
        && function.FloatRegisters.Contains(value.Register);

    /// <summary>
    /// What holds one value wherever it is read: each register assigned exactly once in the function, as its assignment
    /// (a parameter never assigned, as <see cref="ParameterOnly"/>).
    /// </summary>
    private static Instruction?[] OnlyDefinitions(IrFunction function)
    {
        var counts = new int[function.RegisterCount];
        function.CountDefinitions(counts); // a parameter counts once
        var only = new Instruction?[function.RegisterCount];
        foreach (int parameter in function.Parameters) if (counts[parameter] == 1) only[parameter] = ParameterOnly;
        foreach (var block in function.Blocks)
            foreach (var instruction in block.Instructions)
                if (instruction.Dest >= 0 && counts[instruction.Dest] == 1) only[instruction.Dest] = instruction;
        return only;
    }

    /// <summary>Stands for the value of a parameter the function never assigns.</summary>
    private static readonly Instruction ParameterOnly = new() { Opcode = Opcode.Copy };

    /// <summary>
    /// How many of the block's first instructions a runtime overlap test must follow: up to the last that sets a base
    /// of a load or store (the test reads the bases).
    /// </summary>
    private static int AddressesComputed(BasicBlock block)
    {
        var code = block.Instructions;
        int start = 0;
        for (int i = 0; i < code.Count; i++)
        {
            if (code[i].Opcode is not (Opcode.Load or Opcode.Store) || !code[i].Args[0].IsRegister) continue;
            int @base = code[i].Args[0].Register;
            for (int d = i - 1; d >= start; d--)
                if (code[d].Dest == @base) { start = d + 1; break; }
        }
        return start;
    }

    private static bool IsLanewise(Operator op) => op is Operator.FAdd or Operator.FSub or Operator.FMul or Operator.FDiv;

    /// <summary>A value as the block sees it: a constant, or a register as set by instruction Def (-1: on entry).</summary>
    private readonly record struct Val(Value Value, int Def);

    /// <summary>
    /// Where a load or store reaches: the bytes [From, To) from Base + Root * size, where Root is the index register
    /// the index is that plus a constant of (or, for a constant index, <see cref="NoRoot"/>).
    /// </summary>
    private readonly record struct Address(Val Base, Val Root, long From, long To);

    private static readonly Val NoRoot = new(Value.Const(0), -3);

    private enum NodeKind { Operation, Load, Store, Pack }

    /// <summary>A pair of lanes: two scalar instructions done as one (or, for a pack, two values put together).</summary>
    private sealed class Node(NodeKind kind)
    {
        public readonly NodeKind Kind = kind;
        public int First = -1, Second = -1;   // the instructions of lanes 0 and 1 (none for a pack)
        public Val Low, High;                 // a pack's values
        public Node? Left, Right;             // an operation's operand pairs; a store's value pair (Left)
        public int Register = -1;             // the two-lane register (not for a store)
        public int Unit;                      // the node's number in the dependence graph
        public readonly List<Node> Consumers = new(); // for a pack: the nodes that read it
    }

    private sealed class BlockVectoriser
    {
        private readonly IrFunction _function;
        private readonly BasicBlock _block;
        private readonly List<Instruction> _code;
        private readonly BitSet _liveOut;
        private readonly int _registersLiveOutCovers; // registers made here (by renaming) are never live out
        private readonly Address?[] _addresses;
        private readonly Instruction?[] _onlyDefinitions;
        private readonly int[][] _argDefs;     // per instruction and operand: the instruction that set it (-1: on entry)
        private readonly int[] _nextDef;       // per instruction with a result: the next that sets the same register, or -1
        private readonly Dictionary<int, int> _firstDef = new(); // per register the block sets: the first instruction that does
        private readonly Node?[] _group;       // the pair each instruction belongs to
        private readonly bool[] _readAsLanes;  // per instruction operand (flattened): read through a pair, not as a scalar
        private readonly int[] _argStart;      // where each instruction's operands start in _readAsLanes
        private readonly Dictionary<(Val, Val), Node> _nodes = new();
        private readonly List<Node> _committed = new();
        private int _start;                    // instructions before this stay where they are
        private bool _assumeBasesApart;
        private readonly List<(Val A, Val B, Val Root)> _assumedApart = new();

        /// <param name="onlyDefinitions">For each register the function assigns once, that assignment (see <see cref="OnlyDefinitions"/>).</param>
        /// <param name="start">Instructions before this stay first, in place.</param>
        public BlockVectoriser(IrFunction function, BasicBlock block, BitSet liveOut, Instruction?[] onlyDefinitions, int start)
        {
            _onlyDefinitions = onlyDefinitions;
            _function = function;
            _block = block;
            _start = start;
            _registersLiveOutCovers = function.RegisterCount;
            _code = Renamed(block.Instructions);
            _liveOut = liveOut;
            int n = _code.Count;
            _argDefs = new int[n][];
            _nextDef = new int[n];
            _group = new Node?[n];
            _argStart = new int[n + 1];
            var lastDef = new Dictionary<int, int>();
            for (int i = 0; i < n; i++)
            {
                var instruction = _code[i];
                _argStart[i + 1] = _argStart[i] + instruction.Args.Length;
                var defs = _argDefs[i] = new int[instruction.Args.Length];
                for (int k = 0; k < defs.Length; k++)
                    defs[k] = instruction.Args[k].IsRegister && lastDef.TryGetValue(instruction.Args[k].Register, out int d) ? d : -1;
                _nextDef[i] = -1;
                if (instruction.Dest < 0) continue;
                if (lastDef.TryGetValue(instruction.Dest, out int previous)) _nextDef[previous] = i;
                else _firstDef[instruction.Dest] = i;
                lastDef[instruction.Dest] = i;
            }
            _readAsLanes = new bool[_argStart[n]];
            _addresses = new Address?[n];
            for (int i = 0; i < n; i++) _addresses[i] = AddressOf(i);
        }

        /// <summary>
        /// The block's instructions from the start on, copied, each register the block sets again later renamed up to
        /// that next definition: an unrolled loop's counter, stepped between the copies, is one register per step, so
        /// a pair of the first copy's access and the second's can run after the step. The last definition of each
        /// register keeps its name, so the block leaves the same registers set.
        /// </summary>
        private List<Instruction> Renamed(List<Instruction> code)
        {
            var lastDefinition = new Dictionary<int, int>();
            for (int i = _start; i < code.Count; i++) if (code[i].Dest >= 0) lastDefinition[code[i].Dest] = i;
            var renamed = new List<Instruction>(code.Count);
            var current = new Dictionary<int, int>();
            for (int i = 0; i < code.Count; i++)
            {
                if (i < _start)
                {
                    renamed.Add(code[i]);
                    continue;
                }
                var instruction = code[i].Clone();
                for (int k = 0; k < instruction.Args.Length; k++)
                    if (instruction.Args[k].IsRegister && current.TryGetValue(instruction.Args[k].Register, out int name))
                        instruction.Args[k] = Value.Reg(name);
                if (instruction.Dest >= 0)
                {
                    if (lastDefinition[instruction.Dest] == i) current.Remove(instruction.Dest);
                    else
                    {
                        int fresh = _function.NewRegister();
                        if (_function.FloatRegisters.Contains(instruction.Dest)) _function.FloatRegisters.Add(fresh);
                        current[instruction.Dest] = fresh;
                        instruction.Dest = fresh;
                    }
                }
                renamed.Add(instruction);
            }
            return renamed;
        }

        /// <summary>
        /// Whether an offset is far enough that bytes computed from it could wrap around (the address is then unknown).
        /// Not Math.Abs, which throws on the most negative word: an index of -2^63 is a program's right.
        /// </summary>
        private static bool Far(long offset) => offset is > 1L << 40 or < -(1L << 40);

        /// <summary>Where a load or store through a register reaches; null for another instruction, or an index too far to tell.</summary>
        private Address? AddressOf(int instruction)
        {
            var i = _code[instruction];
            if (i.Opcode is not (Opcode.Load or Opcode.Store) || !i.Args[0].IsRegister) return null;
            long offset = 0;
            var root = NoRoot;
            if (i.Args[1].IsConstant) offset = i.Args[1].Constant;
            else
            {
                // The index as a register plus a constant, through the copies and additions of constants that made it.
                root = Arg(instruction, 1);
                for (int depth = 0; depth < 16 && root.Def >= 0; depth++)
                {
                    var d = _code[root.Def];
                    if (d is { Opcode: Opcode.Binary, Operator: Operator.Add or Operator.Sub, Args: [{ IsRegister: true }, { IsConstant: true } step] })
                        offset += d.Operator == Operator.Add ? step.Constant : -step.Constant;
                    else if (d is not { Opcode: Opcode.Copy, Args: [{ IsRegister: true }] }) break;
                    root = Arg(root.Def, 0);
                    if (Far(offset)) return null;
                }
            }
            if (Far(offset)) return null;
            int size = WordArithmetic.ElementSize(i.Operator);
            var (@base, bytes) = BaseBeforeConstants(Base(instruction));
            return new Address(@base, root, bytes + offset * size, bytes + offset * size + size);
        }

        /// <summary>
        /// Whether a tree that paid was refused because no order keeps its dependences (perhaps through memory that
        /// different bases may share: <see cref="VectoriseVersioned"/> may then do it).
        /// </summary>
        public bool Unordered { get; private set; }

        private Val Arg(int instruction, int k) =>
            new(_code[instruction].Args[k], _code[instruction].Args[k].IsRegister ? _argDefs[instruction][k] : -2);

        /// <summary>Vectorises the block in place, if that pays and is legal without assumptions about bases.</summary>
        public bool Vectorise(bool assumeBasesApart)
        {
            _assumeBasesApart = assumeBasesApart;
            var seeds = Seeds();
            foreach (var (first, second) in seeds)
            {
                if (_group[first] is not null || _group[second] is not null) continue;
                int before = Gain();
                var created = new List<Node>();
                var store = new Node(NodeKind.Store) { First = first, Second = second };
                _group[first] = _group[second] = store;
                created.Add(store);
                store.Left = Build(Arg(first, 2), Arg(second, 2), store, 2, created);
                _committed.AddRange(created);
                if (Gain() > before)
                {
                    if (Schedule() is not null) continue;
                    Unordered = true;
                }
                Undo(created);
            }
            if (_committed.Count == 0) return false;
            if (assumeBasesApart) return true;
            var emitted = Emit(Schedule()!);
            _block.Instructions.Clear();
            _block.Instructions.AddRange(emitted);
            return true;
        }

        /// <summary>Takes back the pairs of a tree that did not pay or could not be ordered.</summary>
        private void Undo(List<Node> created)
        {
            foreach (var node in created)
            {
                _committed.Remove(node);
                if (node.Kind == NodeKind.Pack) _nodes.Remove((node.Low, node.High));
                else
                {
                    if (node.Kind != NodeKind.Store) _nodes.Remove((Result(node.First), Result(node.Second)));
                    _group[node.First] = _group[node.Second] = null;
                    for (int k = 0; k < _code[node.First].Args.Length; k++)
                        _readAsLanes[_argStart[node.First] + k] = _readAsLanes[_argStart[node.Second] + k] = false;
                }
            }
            foreach (var node in _committed) node.Consumers.RemoveAll(created.Contains);
        }

        /// <summary>
        /// Vectorises the block under the assumption that accesses through different bases do not overlap, and splits
        /// it into the address computations and a test, the vectorised rest and the original rest; null if that does not pay.
        /// </summary>
        public (BasicBlock Vectorised, BasicBlock Scalar)? VectoriseVersioned()
        {
            if (!Vectorise(assumeBasesApart: true) || Gain() < MinimumGainWhenVersioned) return null;
            var order = Schedule()!;
            if (_assumedApart.Count == 0) return null;
            var scalar = new BasicBlock(-1, _block.LoopDepth) { Terminator = _block.Terminator.Clone() };
            for (int i = _start; i < _code.Count; i++) scalar.Instructions.Add(_block.Instructions[i].Clone());
            var vectorised = new BasicBlock(-1, _block.LoopDepth) { Terminator = _block.Terminator.Clone() };
            var emitted = Emit(order);
            vectorised.Instructions.AddRange(emitted.Skip(_start));
            var test = OverlapTest(vectorised, scalar);
            _block.Instructions.RemoveRange(_start, _block.Instructions.Count - _start);
            _block.Instructions.AddRange(test);
            bool loop = Branches(scalar, _block); // the copies go on as the block did
            var setInLoop = SetIn(scalar);
            setInLoop.UnionWith(SetIn(vectorised));
            if (_start == 0 && loop && !test.Any(i => i.ReadsAny(setInLoop)))
            {
                // The block is now the test alone, and the loop never changes what it reads (axpy's bases): each copy
                // loops on itself, so the test runs once on entering the loop, and so do the vectorised copy's packs
                // of values the loop never changes (axpy's a, twice).
                LoopOnItself(vectorised);
                LoopOnItself(scalar);
                HoistInvariantPacks(vectorised, _block);
            }
            return (vectorised, scalar);
        }

        /// <summary>Turns the copy's branch back to the original block into a branch to itself.</summary>
        private void LoopOnItself(BasicBlock copy)
        {
            if (copy.Terminator.True == _block) copy.Terminator.True = copy;
            if (copy.Terminator.False == _block) copy.Terminator.False = copy;
        }


        /// <summary>
        /// The instructions that test whether the words accessed through each assumed pair of bases overlap, ending the
        /// block: to the original code if any does, else to the vectorised code.
        /// </summary>
        private List<Instruction> OverlapTest(BasicBlock vectorised, BasicBlock scalar)
        {
            var code = new List<Instruction>();
            var pairs = _assumedApart.Distinct().ToList();
            Value? anyOverlap = null;
            foreach (var (a, b, root) in pairs)
            {
                var (loA, hiA) = Extent(a, root);
                var (loB, hiB) = Extent(b, root);
                // Overlap when loA - hiB < b - a < hiA - loB: with L = loA - hiB + 1 and W the width of that range, when
                // (b - a - L) mod 2^64 <= W unsigned, which is (b - a - L + 2^63) <= W + 2^63 signed (+ 2^63 flips the sign bit).
                long low = loA - hiB + 1, width = hiA - loB - 1 - low;
                int difference = NewWord(), shifted = NewWord();
                code.Add(new Instruction { Opcode = Opcode.Binary, Operator = Operator.Sub, Dest = difference, Args = [b.Value, a.Value] });
                code.Add(new Instruction { Opcode = Opcode.Binary, Operator = Operator.Add, Dest = shifted, Args = [Value.Reg(difference), Value.Const(unchecked(long.MinValue - low))] });
                var limit = Value.Const(unchecked(long.MinValue + width));
                if (pairs.Count == 1)
                {
                    _block.Terminator = new Terminator { Kind = TerminatorKind.Branch, Comparison = Operator.Le, A = Value.Reg(shifted), B = limit, True = scalar, False = vectorised };
                    return code;
                }
                int overlaps = NewWord();
                code.Add(new Instruction { Opcode = Opcode.Binary, Operator = Operator.Le, Dest = overlaps, Args = [Value.Reg(shifted), limit] });
                if (anyOverlap is { } earlier)
                {
                    int either = NewWord();
                    code.Add(new Instruction { Opcode = Opcode.Binary, Operator = Operator.Or, Dest = either, Args = [earlier, Value.Reg(overlaps)] });
                    anyOverlap = Value.Reg(either);
                }
                else anyOverlap = Value.Reg(overlaps);
            }
            _block.Terminator = new Terminator { Kind = TerminatorKind.Branch, Comparison = Operator.Ne, A = anyOverlap!.Value, B = Value.Const(0), True = scalar, False = vectorised };
            return code;
        }

        private int NewWord() => _function.NewRegister();

        /// <summary>
        /// The bytes, relative to base + root * size, that the block's accesses through <paramref name="base"/> with
        /// that root reach: [low, high).
        /// </summary>
        private (long Low, long High) Extent(Val @base, Val root)
        {
            long low = long.MaxValue, high = long.MinValue;
            for (int i = _start; i < _code.Count; i++)
            {
                if (_addresses[i] is not { } address || address.Base != @base || address.Root != root) continue;
                low = Math.Min(low, address.From);
                high = Math.Max(high, address.To);
            }
            return (low, high);
        }

        /// <summary>Pairs of stores of doubles to neighbouring words of one base, in block order of the first.</summary>
        private List<(int First, int Second)> Seeds()
        {
            var seeds = new List<(int, int)>();
            for (int i = _start; i < _code.Count; i++)
            {
                if (!IsDoubleStore(_function, _code[i])) continue;
                for (int j = _start; j < _code.Count; j++)
                    if (j != i && IsDoubleStore(_function, _code[j]) && Neighbours(i, j))
                    {
                        seeds.Add((i, j));
                        break;
                    }
            }
            return seeds;
        }

        private Val Base(int instruction) => Arg(instruction, 0);

        /// <summary>
        /// A base set before the block (loop-invariant code motion hoists <c>a + 16</c> out of <c>(double-at a (+ i 2))</c>)
        /// as the register it adds a constant to, and that constant: when both are assigned once in the function and
        /// not in this block, so that each holds one value wherever it is read. Then <c>a + 16</c> and <c>a + 24</c>,
        /// at the same index, are neighbouring words of one base.
        /// </summary>
        private (Val Base, long Bytes) BaseBeforeConstants(Val @base)
        {
            long bytes = 0;
            for (int depth = 0; depth < 4 && @base.Def == -1 && !_firstDef.ContainsKey(@base.Value.Register); depth++)
            {
                if (_onlyDefinitions[@base.Value.Register] is not { Opcode: Opcode.Binary, Operator: Operator.Add or Operator.Sub, Args: [{ IsRegister: true } x, { IsConstant: true } c] } d
                    || _firstDef.ContainsKey(x.Register) || _onlyDefinitions[x.Register] is null
                    || Far(c.Constant)) break;
                bytes += d.Operator == Operator.Add ? c.Constant : -c.Constant;
                @base = new Val(x, -1);
            }
            return (@base, bytes);
        }

        /// <summary>Whether the second access reaches the 8 bytes right after the first's, through the same base and root.</summary>
        private bool Neighbours(int first, int second) =>
            _addresses[first] is { } a && _addresses[second] is { } b && a.Base == b.Base && a.Root == b.Root && b.From == a.From + 8;

        private Val Result(int instruction) => new(Value.Reg(_code[instruction].Dest), instruction);

        /// <summary>The pair computing <paramref name="low"/> and <paramref name="high"/>, operand k of the parent's instructions.</summary>
        private Node Build(Val low, Val high, Node parent, int k, List<Node> created)
        {
            if (_nodes.TryGetValue((low, high), out var existing))
            {
                if (existing.Kind == NodeKind.Pack) existing.Consumers.Add(parent);
                else MarkReadAsLanes(parent, k);
                return existing;
            }
            Node? node = null;
            if (low.Def >= _start && high.Def >= _start && low.Def != high.Def && _group[low.Def] is null && _group[high.Def] is null)
            {
                var a = _code[low.Def];
                var b = _code[high.Def];
                if (a is { Opcode: Opcode.Binary } && b.Opcode == Opcode.Binary && a.Operator == b.Operator && IsLanewise(a.Operator))
                    node = new Node(NodeKind.Operation) { First = low.Def, Second = high.Def };
                else if (IsDoubleLoad(a) && IsDoubleLoad(b) && Neighbours(low.Def, high.Def))
                    node = new Node(NodeKind.Load) { First = low.Def, Second = high.Def };
            }
            if (node is null)
            {
                if (SameWordUnchanged(low, high))
                {
                    // The first load serves both lanes (nbody's mass, read for x and again for y after x's store): the
                    // second is not read as a scalar, and dropped if nothing else reads it.
                    _readAsLanes[_argStart[parent.Second] + k] = true;
                    high = low;
                    if (_nodes.TryGetValue((low, low), out existing))
                    {
                        existing.Consumers.Add(parent);
                        return existing;
                    }
                }
                node = new Node(NodeKind.Pack) { Low = low, High = high };
                node.Consumers.Add(parent);
                _nodes[(low, high)] = node;
                created.Add(node);
                return node;
            }
            _group[node.First] = _group[node.Second] = node;
            _nodes[(low, high)] = node;
            created.Add(node);
            MarkReadAsLanes(parent, k);
            if (node.Kind == NodeKind.Operation)
            {
                node.Left = Build(Arg(node.First, 0), Arg(node.Second, 0), node, 0, created);
                node.Right = Build(Arg(node.First, 1), Arg(node.Second, 1), node, 1, created);
            }
            return node;
        }

        /// <summary>Whether both values are loads of one word, and nothing between them may store to it.</summary>
        private bool SameWordUnchanged(Val low, Val high)
        {
            if (low.Def < _start || high.Def < _start || low.Def == high.Def || _group[low.Def] is not null || _group[high.Def] is not null) return false;
            var (first, second) = low.Def < high.Def ? (low.Def, high.Def) : (high.Def, low.Def);
            if (!IsDoubleLoad(_code[first]) || !IsDoubleLoad(_code[second]) || _addresses[first] is not { } a
                || _addresses[second] is not { } b || a.Base != b.Base || a.Root != b.Root || a.From != b.From) return false;
            for (int i = first + 1; i < second; i++)
                if (TouchesMemory(_code[i]) && Conflict(i, second)) return false;
            return true;
        }

        private bool IsDoubleLoad(Instruction i) =>
            i is { Opcode: Opcode.Load, Operator: Operator.LoadWord, Args: [{ IsRegister: true }, _] } && _function.FloatRegisters.Contains(i.Dest);

        private void MarkReadAsLanes(Node parent, int k)
        {
            _readAsLanes[_argStart[parent.First] + k] = true;
            _readAsLanes[_argStart[parent.Second] + k] = true;
        }

        /// <summary>
        /// Whether an instruction's result is still read as a scalar (by an instruction outside the pairs, a pack, the
        /// terminator or a later block): a pair must then take its lane out, and a load cannot be dropped.
        /// </summary>
        private bool ReadAsScalar(int instruction)
        {
            int dest = _code[instruction].Dest;
            if (_nextDef[instruction] < 0 && dest < _registersLiveOutCovers && _liveOut.Contains(dest)) return true;
            int end = _nextDef[instruction] < 0 ? _code.Count : _nextDef[instruction] + 1; // the next definition may read it too
            for (int j = instruction + 1; j < end; j++)
                for (int k = 0; k < _argDefs[j].Length; k++)
                    if (_argDefs[j][k] == instruction && _code[j].Args[k].IsRegister && !_readAsLanes[_argStart[j] + k]) return true;
            return false;
        }

        /// <summary>What the pairs save, in half-instructions: one instruction per pair, less packs and lanes taken out.</summary>
        private int Gain()
        {
            int gain = 0;
            foreach (var node in _committed)
            {
                if (node.Kind == NodeKind.Pack)
                {
                    gain -= node.Low == node.High ? 2 : 3;
                    continue;
                }
                gain += 2;
                if (node.Kind == NodeKind.Store) continue;
                if (ReadAsScalar(node.First)) gain -= 1;
                if (ReadAsScalar(node.Second)) gain -= 2;
            }
            return gain;
        }

        /// <summary>
        /// An order of the block's instructions and pairs that keeps every dependence, each pair where the later of its
        /// instructions was; null if there is none (a cycle).
        /// </summary>
        private List<object>? Schedule()
        {
            int n = _code.Count;
            var units = new List<object>(n);
            var unitOf = new int[n];
            var key = new List<double>();
            foreach (var node in _committed) node.Unit = -1;
            for (int i = 0; i < n; i++)
            {
                if (_group[i] is { } node)
                {
                    if (node.Unit < 0)
                    {
                        node.Unit = units.Count;
                        units.Add(node);
                        key.Add(Math.Max(node.First, node.Second));
                    }
                    unitOf[i] = node.Unit;
                }
                else
                {
                    unitOf[i] = units.Count;
                    units.Add(i);
                    key.Add(i);
                }
            }
            var successors = new List<List<int>>(units.Count + _committed.Count);
            foreach (var _ in units) successors.Add(new List<int>());
            void Edge(int from, int to)
            {
                if (from != to) successors[from].Add(to);
            }
            foreach (var node in _committed)
            {
                if (node.Kind != NodeKind.Pack) continue;
                node.Unit = units.Count;
                units.Add(node);
                successors.Add(new List<int>());
                double first = double.MaxValue;
                foreach (var consumer in node.Consumers) first = Math.Min(first, key[consumer.Unit]);
                key.Add(first - 0.5);
                foreach (var consumer in node.Consumers) Edge(node.Unit, consumer.Unit);
                foreach (var value in new[] { node.Low, node.High })
                {
                    if (!value.Value.IsRegister) continue;
                    if (value.Def >= 0) Edge(unitOf[value.Def], node.Unit);
                    int next = value.Def >= 0 ? _nextDef[value.Def] : _firstDef.GetValueOrDefault(value.Value.Register, -1);
                    if (next >= 0) Edge(node.Unit, unitOf[next]);
                }
            }
            AddDependences(unitOf, Edge);

            var predecessors = new int[units.Count];
            foreach (var list in successors) foreach (int to in list) predecessors[to]++;
            var ready = new PriorityQueue<int, double>();
            for (int u = 0; u < units.Count; u++) if (predecessors[u] == 0) ready.Enqueue(u, key[u]);
            var order = new List<object>(units.Count);
            while (ready.TryDequeue(out int u, out _))
            {
                order.Add(units[u]);
                foreach (int to in successors[u]) if (--predecessors[to] == 0) ready.Enqueue(to, key[to]);
            }
            return order.Count == units.Count ? order : null;
        }

        /// <summary>The dependences between the block's instructions: through registers, and through memory.</summary>
        private void AddDependences(int[] unitOf, Action<int, int> edge)
        {
            var readers = new Dictionary<int, List<int>>();
            var lastDef = new Dictionary<int, int>();
            var memory = new List<int>();
            _assumedApart.Clear();
            for (int i = 0; i < _code.Count; i++)
            {
                var instruction = _code[i];
                for (int k = 0; k < instruction.Args.Length; k++)
                {
                    if (!instruction.Args[k].IsRegister) continue;
                    int r = instruction.Args[k].Register;
                    if (_argDefs[i][k] >= 0) edge(unitOf[_argDefs[i][k]], unitOf[i]);
                    if (!readers.TryGetValue(r, out var list)) readers[r] = list = new List<int>();
                    list.Add(i);
                }
                if (instruction.Dest >= 0)
                {
                    if (readers.TryGetValue(instruction.Dest, out var list))
                    {
                        foreach (int reader in list) edge(unitOf[reader], unitOf[i]);
                        list.Clear();
                    }
                    if (lastDef.TryGetValue(instruction.Dest, out int previous)) edge(unitOf[previous], unitOf[i]);
                    lastDef[instruction.Dest] = i;
                }
                if (!TouchesMemory(instruction)) continue;
                foreach (int earlier in memory)
                    if (Conflict(earlier, i)) edge(unitOf[earlier], unitOf[i]);
                memory.Add(i);
            }
        }

        private static bool TouchesMemory(Instruction i) => i.Opcode is Opcode.Load or Opcode.Store or Opcode.LoadSlot or Opcode.StoreSlot
            or Opcode.LoadGlobal or Opcode.StoreGlobal or Opcode.Call;

        /// <summary>Whether two memory instructions (<paramref name="a"/> first) must keep their order.</summary>
        private bool Conflict(int a, int b)
        {
            Instruction x = _code[a], y = _code[b];
            if (!x.HasSideEffects && !y.HasSideEffects) return false; // neither writes memory
            if (x.Opcode == Opcode.Call || y.Opcode == Opcode.Call) return true;
            if (x.Opcode is Opcode.LoadSlot or Opcode.StoreSlot && y.Opcode is Opcode.LoadSlot or Opcode.StoreSlot) return x.Index == y.Index;
            if (x.Opcode is Opcode.LoadGlobal or Opcode.StoreGlobal && y.Opcode is Opcode.LoadGlobal or Opcode.StoreGlobal) return x.Symbol == y.Symbol;
            if (_addresses[a] is not { } p || _addresses[b] is not { } q || p.Root != q.Root) return true;
            if (p.Base == q.Base) return p.From < q.To && q.From < p.To;
            if (!_assumeBasesApart || a < _start || !Fixed(p.Base) || !Fixed(q.Base)) return true;
            _assumedApart.Add(p.Base.Value.Register < q.Base.Value.Register ? (p.Base, q.Base, p.Root) : (q.Base, p.Base, p.Root));
            return false;
        }

        /// <summary>Whether a base holds its value from the end of the fixed start of the block on (so a test there can read it).</summary>
        private bool Fixed(Val @base)
        {
            if (@base.Def >= _start) return false;
            int next = @base.Def >= 0 ? _nextDef[@base.Def] : _firstDef.GetValueOrDefault(@base.Value.Register, -1);
            return next < 0 || next >= _start;
        }

        /// <summary>The block's instructions in <paramref name="order"/>, each pair as its two-lane instruction.</summary>
        private List<Instruction> Emit(List<object> order)
        {
            var code = new List<Instruction>(_code.Count);
            foreach (var unit in order)
            {
                if (unit is int i)
                {
                    // A load nothing reads any more is dropped, but never one of the fixed start: the versioned
                    // block's copy begins after exactly that many instructions.
                    if (i < _start || _code[i].Opcode != Opcode.Load || ReadAsScalar(i)) code.Add(_code[i]);
                    continue;
                }
                var node = (Node)unit;
                switch (node.Kind)
                {
                    case NodeKind.Pack:
                        node.Register = NewTwoLaneRegister();
                        code.Add(new Instruction { Opcode = Opcode.Pack, Dest = node.Register, Args = [node.Low.Value, node.High.Value] });
                        break;
                    case NodeKind.Store:
                    {
                        var first = _code[node.First];
                        code.Add(new Instruction { Opcode = Opcode.Store, Operator = first.Operator, Args = [first.Args[0], first.Args[1], Value.Reg(node.Left!.Register)] });
                        break;
                    }
                    case NodeKind.Load:
                    {
                        var first = _code[node.First];
                        node.Register = NewTwoLaneRegister();
                        code.Add(new Instruction { Opcode = Opcode.Load, Operator = first.Operator, Dest = node.Register, Args = [first.Args[0], first.Args[1]] });
                        AddLanes(node, code);
                        break;
                    }
                    default:
                        node.Register = NewTwoLaneRegister();
                        code.Add(new Instruction
                        {
                            Opcode = Opcode.Binary, Operator = _code[node.First].Operator, Dest = node.Register,
                            Args = [Value.Reg(node.Left!.Register), Value.Reg(node.Right!.Register)],
                        });
                        AddLanes(node, code);
                        break;
                }
            }
            return code;
        }

        private void AddLanes(Node node, List<Instruction> code)
        {
            if (ReadAsScalar(node.First))
                code.Add(new Instruction { Opcode = Opcode.Lane, Dest = _code[node.First].Dest, Args = [Value.Reg(node.Register)], Index = 0 });
            if (ReadAsScalar(node.Second))
                code.Add(new Instruction { Opcode = Opcode.Lane, Dest = _code[node.Second].Dest, Args = [Value.Reg(node.Register)], Index = 1 });
        }

        private int NewTwoLaneRegister()
        {
            int register = _function.NewRegister();
            _function.FloatRegisters.Add(register);
            _function.TwoLaneRegisters.Add(register);
            return register;
        }
    }
}
