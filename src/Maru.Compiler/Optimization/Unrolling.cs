using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Unrolls a counted loop of one block (after SSA form is left, so the body's registers are the loop's variables; only
/// the temporaries of one iteration get registers of their own in each copy) so that the counter's test and the branch
/// back are paid once per 2 or 4 iterations.
/// The loop must step a counter <c>i</c> by a constant <c>s</c> and continue while <c>i &lt; n</c> or <c>i &lt;= n</c>
/// (<c>s</c> &gt; 0; <c>&gt;</c>, <c>&gt;=</c> for <c>s</c> &lt; 0) with <c>n</c> unchanged in the loop; it must call
/// nothing and hold at most <see cref="MaxUnrolledSize"/> instructions unrolled (not counting copies between registers).
/// A loop whose variables carry a chain through a slow operation (a multiplication, division, load or floating-point
/// operation: a hash, a sum of doubles) is bound by that chain's latency, not by the loop's overhead, and stays, unless
/// it divides doubles off that chain (a sum of quotients): then it runs two copies, whose divisions a target can pair
/// into one (<see cref="PairedDivision"/>). The loop
/// <code>
/// L: body; branch i op n ? L : exit
/// </code>
/// becomes (with <c>d = (k-1)s</c>)
/// <code>
/// guard:    branch n below Min+d (above Max+d for s &lt; 0) ? L : enter     n - d would wrap: no unrolled round fits
/// enter:    limit = n - d; branch i op limit ? unrolled : L
/// unrolled: body; body; body; body; branch i op limit ? unrolled : test    i, i+s, ..., i+(k-1)s all pass "op n"
/// test:     branch i op n ? L : exit
/// L:        body; branch i op n ? L : exit                                  the remainder, and every trip count below k
/// </code>
/// Whatever led into L decided that its first iteration runs, as before. An unrolled round starts only when all its k
/// iterations would run, and every other iteration runs in L, so any trip count gives the original iterations in order.
/// </summary>
public static class Unrolling
{
    /// <summary>The most instructions (but register copies) an unrolled body may hold: 4 copies of up to 8, or 2 of up to 16.</summary>
    public const int MaxUnrolledSize = 32;

    public static bool Run(IrFunction function)
    {
        List<BasicBlock>? loops = null; // taken first: unrolling adds blocks, one of them a loop
        foreach (var block in function.Blocks)
            if (block != function.Blocks[0] && (block.Terminator.True == block || block.Terminator.False == block)) (loops ??= new()).Add(block);
        if (loops is null) return false;

        bool changed = false;
        foreach (var loop in loops)
        {
            if (CountedLoop(loop) is not { } counted) continue;
            int size = Size(loop);
            int factor = size * 4 <= MaxUnrolledSize ? 4 : 2;
            // A latency-bound loop is still worth two copies when each iteration divides doubles apart from the chain:
            // the copies' divisions are independent, and a target pairs them (PairedDivision).
            if (CarriesSlowChain(loop)) factor = HasDivisionOffTheChains(loop) ? 2 : 0;
            if (factor == 0 || size * factor > MaxUnrolledSize) continue;
            Unroll(function, loop, counted, factor);
            changed = true;
        }
        if (changed)
            for (int i = 0; i < function.Blocks.Count; i++) function.Blocks[i].Id = i;
        return changed;
    }

    /// <summary>The instructions of a loop's body but copies between registers, which the register allocator mostly coalesces away.</summary>
    private static int Size(BasicBlock loop)
    {
        int size = 0;
        foreach (var instruction in loop.Instructions)
            if (instruction.Opcode != Opcode.Copy || instruction.Args[0].IsConstant) size++;
        return size;
    }

    /// <summary>
    /// A loop's counter (its value at the start of an iteration), its step, and the test that continues it, normalised to
    /// <c>counter op bound</c> on the value at the end of an iteration.
    /// </summary>
    private readonly record struct Counted(int Counter, long Step, Operator Continues, Value Bound);

    private static Counted? CountedLoop(BasicBlock loop)
    {
        var t = loop.Terminator;
        if (t.Kind != TerminatorKind.Branch || (t.True == loop) == (t.False == loop)) return null;
        var continues = t.True == loop ? t.Comparison : Negated(t.Comparison);
        var (tested, bound) = (t.A, t.B);
        if (DefinedIn(loop, bound)) (tested, bound, continues) = (bound, tested, continues.Swapped());
        if (!tested.IsRegister || DefinedIn(loop, bound)) return null;

        foreach (var instruction in loop.Instructions)
            if (instruction.Opcode is Opcode.Call or Opcode.Phi) return null;
        foreach (int counter in CarriedRegisters(loop))
        {
            // The tested value at the end must be the counter's next value: the start value plus the step.
            if (OffsetsAtEnd(loop, counter) is not { } offsets) continue;
            if (!offsets.TryGetValue(counter, out long step) || offsets.GetValueOrDefault(tested.Register, long.MinValue) != step) continue;
            bool counts = continues switch
            {
                Operator.Lt or Operator.Le => step is > 0 and <= int.MaxValue,
                Operator.Gt or Operator.Ge => step is < 0 and >= int.MinValue,
                _ => false,
            };
            if (counts) return new Counted(counter, step, continues, bound);
        }
        return null;
    }

    private static Operator Negated(Operator comparison) => comparison switch
    {
        Operator.Lt => Operator.Ge, Operator.Ge => Operator.Lt, Operator.Le => Operator.Gt, Operator.Gt => Operator.Le,
        Operator.Eq => Operator.Ne, _ => Operator.Eq,
    };

    private static bool DefinedIn(BasicBlock block, Value value)
    {
        if (value.IsConstant) return false;
        foreach (var instruction in block.Instructions)
            if (instruction.Dest == value.Register) return true;
        return false;
    }

    /// <summary>Registers the block reads before it assigns them and assigns too: values carried from one iteration to the next.</summary>
    private static List<int> CarriedRegisters(BasicBlock block)
    {
        var assigned = new HashSet<int>();
        var readFirst = new HashSet<int>();
        foreach (var instruction in block.Instructions)
        {
            foreach (var arg in instruction.Args)
                if (arg.IsRegister && !assigned.Contains(arg.Register)) readFirst.Add(arg.Register);
            if (instruction.Dest >= 0) assigned.Add(instruction.Dest);
        }
        foreach (var use in block.Terminator.Uses)
            if (use.IsRegister && !assigned.Contains(use.Register)) readFirst.Add(use.Register);
        readFirst.IntersectWith(assigned);
        return readFirst.ToList();
    }

    /// <summary>
    /// The registers that hold, at the block's end, the start value of <paramref name="counter"/> plus a constant, with
    /// that constant; null if an offset leaves ±2^31.
    /// </summary>
    private static Dictionary<int, long>? OffsetsAtEnd(BasicBlock block, int counter)
    {
        var offsets = new Dictionary<int, long> { [counter] = 0 };
        foreach (var instruction in block.Instructions)
        {
            if (instruction.Dest < 0) continue;
            var args = instruction.Args;
            long? offset = instruction switch
            {
                { Opcode: Opcode.Copy } => OffsetOf(args[0]),
                { Opcode: Opcode.Binary, Operator: Operator.Add } when args[1].IsConstant => OffsetOf(args[0]) + Small(args[1]),
                { Opcode: Opcode.Binary, Operator: Operator.Add } when args[0].IsConstant => OffsetOf(args[1]) + Small(args[0]),
                { Opcode: Opcode.Binary, Operator: Operator.Sub } when args[1].IsConstant => OffsetOf(args[0]) - Small(args[1]),
                _ => null,
            };
            if (offset is { } o && Math.Abs(o) > int.MaxValue) return null;
            if (offset is { } known) offsets[instruction.Dest] = known;
            else offsets.Remove(instruction.Dest);
        }
        return offsets;

        long? OffsetOf(Value value) => value.IsRegister && offsets.TryGetValue(value.Register, out long o) ? o : null;
        // Offsets and the constants added to them stay within ±2^31, so no sum of two overflows.
        static long? Small(Value constant) => Math.Abs((double)constant.Constant) <= int.MaxValue ? constant.Constant : null;
    }

    /// <summary>
    /// Whether a carried value's next value depends on its last one through a slow operation: each iteration then waits
    /// for the one before, and unrolling saves nothing.
    /// </summary>
    private static bool CarriesSlowChain(BasicBlock block)
    {
        const int None = 0, Cheap = 1, Slow = 2;
        var chain = new Dictionary<int, int>();
        foreach (int carried in CarriedRegisters(block))
        {
            chain.Clear();
            chain[carried] = Cheap;
            foreach (var instruction in block.Instructions)
            {
                if (instruction.Dest < 0) continue;
                int reached = None;
                foreach (var arg in instruction.Args)
                    if (arg.IsRegister) reached = Math.Max(reached, chain.GetValueOrDefault(arg.Register));
                if (reached == Cheap && IsSlow(instruction)) reached = Slow;
                chain[instruction.Dest] = reached;
            }
            if (chain[carried] == Slow) return true;
        }
        return false;
    }

    /// <summary>
    /// Whether the loop divides doubles where no carried value feeds the division and depends on its result too: then
    /// the divisions of successive iterations do not wait for one another.
    /// </summary>
    private static bool HasDivisionOffTheChains(BasicBlock block)
    {
        var carried = CarriedRegisters(block);
        var reached = new HashSet<int>();
        foreach (var division in block.Instructions)
        {
            if (division is not { Opcode: Opcode.Binary, Operator: Operator.FDiv }) continue;
            // The carried registers whose next value depends on this division's result...
            reached.Clear();
            reached.Add(division.Dest);
            bool after = false;
            foreach (var instruction in block.Instructions)
            {
                if (instruction == division) { after = true; continue; }
                if (after && instruction.Dest >= 0 && instruction.ReadsAny(reached)) reached.Add(instruction.Dest);
            }
            reached.IntersectWith(carried);
            // ...must not feed its operands.
            foreach (var instruction in block.Instructions)
            {
                if (instruction == division) break;
                if (instruction.Dest >= 0 && instruction.ReadsAny(reached)) reached.Add(instruction.Dest);
            }
            if (!division.ReadsAny(reached)) return true;
        }
        return false;
    }

    private static bool IsSlow(Instruction instruction) => instruction.Opcode switch
    {
        Opcode.Copy or Opcode.AddressOf or Opcode.AddressOfSlot or Opcode.AddressOfString => false,
        Opcode.Binary => instruction.Operator is Operator.Mul or Operator.Div or Operator.Rem || instruction.Operator >= Operator.FAdd,
        Opcode.Unary => instruction.Operator >= Operator.FNeg,
        _ => true, // loads and stores of memory, slots and globals
    };

    private static void Unroll(IrFunction function, BasicBlock loop, Counted counted, int factor)
    {
        long distance = (factor - 1) * counted.Step; // from an unrolled round's first counter value to its last
        bool upwards = counted.Step > 0;
        int depth = loop.LoopDepth, outside = Math.Max(depth - 1, 0);
        var guard = new BasicBlock(-1, outside);
        var enter = new BasicBlock(-1, outside);
        var unrolled = new BasicBlock(-1, depth);
        var test = new BasicBlock(-1, outside);

        // Every edge into the loop from elsewhere now enters through the guard.
        foreach (var block in function.Blocks)
        {
            if (block == loop) continue;
            var t = block.Terminator;
            if (t.True == loop) t.True = guard;
            if (t.False == loop) t.False = guard;
        }
        var exit = loop.Terminator.True == loop ? loop.Terminator.False! : loop.Terminator.True!;

        guard.Terminator = new Terminator
        {
            Kind = TerminatorKind.Branch, Comparison = upwards ? Operator.Lt : Operator.Gt, A = counted.Bound,
            B = Value.Const(unchecked((upwards ? long.MinValue : long.MaxValue) + distance)), True = loop, False = enter,
        };
        var limit = Value.Reg(function.NewRegister());
        enter.Instructions.Add(new Instruction { Opcode = Opcode.Binary, Operator = Operator.Sub, Dest = limit.Register, Args = new[] { counted.Bound, Value.Const(distance) } });
        enter.Terminator = new Terminator { Kind = TerminatorKind.Branch, Comparison = counted.Continues, A = Value.Reg(counted.Counter), B = limit, True = unrolled, False = loop };

        // Each copy computes its temporaries in registers of its own, so that each is used once, as in the loop (a load
        // used once can be an instruction's memory operand).
        var temporaries = Temporaries(function, loop);
        var renamed = new Dictionary<int, int>();
        for (int copy = 0; copy < factor; copy++)
        {
            renamed.Clear();
            foreach (var instruction in loop.Instructions)
            {
                var copied = instruction.Clone();
                for (int a = 0; a < copied.Args.Length; a++)
                    if (copied.Args[a].IsRegister && renamed.TryGetValue(copied.Args[a].Register, out int register)) copied.Args[a] = Value.Reg(register);
                if (temporaries.Contains(copied.Dest))
                {
                    if (!renamed.TryGetValue(copied.Dest, out int fresh)) renamed[copied.Dest] = fresh = function.NewRegister();
                    copied.Dest = fresh;
                }
                unrolled.Instructions.Add(copied);
            }
        }
        unrolled.Terminator = new Terminator { Kind = TerminatorKind.Branch, Comparison = counted.Continues, A = Value.Reg(counted.Counter), B = limit, True = unrolled, False = test };
        test.Terminator = new Terminator { Kind = TerminatorKind.Branch, Comparison = counted.Continues, A = Value.Reg(counted.Counter), B = counted.Bound, True = loop, False = exit };

        function.Blocks.InsertRange(function.Blocks.IndexOf(loop), new[] { guard, enter, unrolled, test });
    }

    /// <summary>Registers the loop assigns before it reads them and nothing else reads: values of one iteration only.</summary>
    private static HashSet<int> Temporaries(IrFunction function, BasicBlock loop)
    {
        var temporaries = new HashSet<int>();
        foreach (var instruction in loop.Instructions)
            if (instruction.Dest >= 0) temporaries.Add(instruction.Dest);
        temporaries.ExceptWith(CarriedRegisters(loop));
        foreach (var block in function.Blocks)
        {
            if (block == loop) continue;
            foreach (var instruction in block.Instructions)
                foreach (var arg in instruction.Args)
                    if (arg.IsRegister) temporaries.Remove(arg.Register);
            foreach (var use in block.Terminator.Uses)
                if (use.IsRegister) temporaries.Remove(use.Register);
        }
        foreach (var use in loop.Terminator.Uses)
            if (use.IsRegister) temporaries.Remove(use.Register);
        return temporaries;
    }
}
