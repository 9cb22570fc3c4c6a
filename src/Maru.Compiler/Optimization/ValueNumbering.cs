using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Optimization;

/// <summary>
/// Global value numbering on SSA form: a pure instruction that computes what a dominating one already computed
/// becomes a copy of that one's result (later copy propagation removes it). Walks the dominator tree with a scoped
/// table of expressions over value numbers (a copy has its source's number, so <c>y := x</c> makes <c>y+1</c> and
/// <c>x+1</c> the same). Arithmetic is pure: the language defines every operator for every input (division by zero
/// included), so nothing traps. A global's load is reused only within its block and until the next store or call.
/// A cheap result is not reused past a call, where it would need a callee-saved register (or a spill): it is
/// computed again.
/// </summary>
public static class ValueNumbering
{
    private readonly record struct Expression(Opcode Opcode, Operator Operator, Value A, Value B, string? Symbol, SymbolKind Kind, int Index);

    /// <summary>
    /// An instruction that computes an expression first, the register that holds its value for others, and how many
    /// calls the walk had passed on its way down the dominator tree there.
    /// </summary>
    private record struct Leader(Instruction Instruction, BasicBlock Block, int Register, int Calls);

    // Reused from function to function (see Scratch), emptied first: an exception may have left them full.
    [ThreadStatic] private static Value[]? s_number;
    [ThreadStatic] private static Dictionary<Expression, int>? s_table;
    [ThreadStatic] private static List<Leader>? s_leaders;
    [ThreadStatic] private static List<(Expression Key, int Shadowed)>? s_scope;
    [ThreadStatic] private static List<Expression>? s_globalLoads;
    [ThreadStatic] private static List<int>? s_freshCopies;
    [ThreadStatic] private static Stack<(BasicBlock Block, int ScopeMark, int Calls)>? s_pending;

    public static bool Run(SsaForm ssa)
    {
        var function = ssa.Function;
        var number = Scratch.Cleared(ref s_number, function.RegisterCount);
        for (int r = 0; r < function.RegisterCount; r++) number[r] = Value.Reg(r);
        var table = s_table ??= new Dictionary<Expression, int>();
        var leaders = s_leaders ??= new List<Leader>();
        var scope = s_scope ??= new List<(Expression Key, int Shadowed)>(); // what to undo on leaving a subtree: the entry it hid, or -1
        var globalLoads = s_globalLoads ??= new List<Expression>();
        var freshCopies = s_freshCopies ??= new List<int>(); // leaders whose result moved to a fresh register, needing a copy back
        var pending = s_pending ??= new Stack<(BasicBlock Block, int ScopeMark, int Calls)>();
        table.Clear(); leaders.Clear(); scope.Clear(); globalLoads.Clear(); freshCopies.Clear(); pending.Clear();
        pending.Push((function.Blocks[0], -1, 0));
        bool changed = false;
        while (pending.Count > 0)
        {
            var (block, mark, calls) = pending.Pop();
            if (mark >= 0)
            {
                for (int i = scope.Count - 1; i >= mark; i--)
                {
                    var (key, shadowed) = scope[i];
                    if (shadowed < 0) table.Remove(key);
                    else table[key] = shadowed;
                }
                scope.RemoveRange(mark, scope.Count - mark);
                continue;
            }
            pending.Push((block, scope.Count, 0));
            foreach (var instruction in block.Instructions)
            {
                if (instruction.HasSideEffects) Forget(globalLoads, table);
                if (instruction.Opcode == Opcode.Call) calls++;
                if (instruction.Opcode == Opcode.Copy)
                {
                    var source = instruction.Args[0];
                    number[instruction.Dest] = source.IsRegister ? number[source.Register] : source;
                    continue;
                }
                if (KeyOf(instruction, number) is not { } key) continue;
                bool found = table.TryGetValue(key, out int index);
                if (found && (leaders[index].Calls == calls || IsCostly(instruction)))
                {
                    var leader = leaders[index];
                    if (leader.Register == leader.Instruction.Dest && !ssa.IsOnlyVersion(leader.Register))
                    {
                        // Its register has other versions, one of which may be written before this use: keep the value in a fresh one.
                        leaders[index] = leader = leader with { Register = ssa.NewRegister() };
                        freshCopies.Add(index);
                    }
                    number[instruction.Dest] = number[leader.Instruction.Dest];
                    instruction.Opcode = Opcode.Copy;
                    instruction.Args = new[] { Value.Reg(leader.Register) };
                    changed = true;
                    continue;
                }
                table[key] = leaders.Count;
                leaders.Add(new Leader(instruction, block, instruction.Dest, calls));
                if (instruction.Opcode == Opcode.LoadGlobal) globalLoads.Add(key);
                else scope.Add((key, found ? index : -1));
            }
            Forget(globalLoads, table);
            foreach (var child in ssa.Dominators.Children[block.Id]) pending.Push((child, -1, calls));
        }
        foreach (int index in freshCopies)
        {
            var (instruction, block, fresh, _) = leaders[index];
            int original = instruction.Dest;
            instruction.Dest = fresh;
            block.Instructions.Insert(block.Instructions.IndexOf(instruction) + 1,
                new Instruction { Opcode = Opcode.Copy, Dest = original, Args = new[] { Value.Reg(fresh) } });
        }
        leaders.Clear();
        freshCopies.Clear();
        return changed;
    }

    /// <summary>Whether an instruction costs more than keeping its result across a call.</summary>
    internal static bool IsCostly(Instruction instruction) =>
        instruction.Opcode is Opcode.Binary or Opcode.Unary && instruction.Operator is Operator.Mul or Operator.Div or Operator.Rem or Operator.FDiv or Operator.FSqrt;

    private static void Forget(List<Expression> globalLoads, Dictionary<Expression, int> table)
    {
        foreach (var key in globalLoads) table.Remove(key);
        globalLoads.Clear();
    }

    private static Expression? KeyOf(Instruction instruction, Value[] number)
    {
        switch (instruction.Opcode)
        {
            case Opcode.Binary:
            {
                var (a, b) = (Number(instruction.Args[0], number), Number(instruction.Args[1], number));
                if (WordArithmetic.IsCommutative(instruction.Operator) && Precedes(b, a)) (a, b) = (b, a);
                return new Expression(Opcode.Binary, instruction.Operator, a, b, null, default, 0);
            }
            case Opcode.Unary:
                return new Expression(Opcode.Unary, instruction.Operator, Number(instruction.Args[0], number), default, null, default, 0);
            case Opcode.AddressOf or Opcode.LoadGlobal:
                return new Expression(instruction.Opcode, default, default, default, instruction.Symbol, instruction.SymbolKind, 0);
            case Opcode.AddressOfString or Opcode.AddressOfSlot:
                return new Expression(instruction.Opcode, default, default, default, null, default, instruction.Index);
            default:
                return null;
        }
    }

    private static Value Number(Value value, Value[] number) => value.IsRegister ? number[value.Register] : value;

    /// <summary>An order of operands, so that <c>a+b</c> and <c>b+a</c> have one key: registers first, by number.</summary>
    private static bool Precedes(Value x, Value y) =>
        x.IsConstant != y.IsConstant ? y.IsConstant : x.IsConstant ? x.Constant < y.Constant : x.Register < y.Register;

    /// <summary>The word operators whose operands may swap (not the fl ones: which NaN comes out depends on the order).</summary>
}
