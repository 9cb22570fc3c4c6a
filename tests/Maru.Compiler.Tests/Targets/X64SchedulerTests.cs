using System.Text.RegularExpressions;
using Maru.Compiler.Targets;
using Maru.Compiler.Targets.X64;
using static Maru.Compiler.Targets.X64.X64Registers;

namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// The x86-64 scheduling of loop blocks: the longest chain first (mandelbrot's loop), every register dependence and
/// every instruction that must stay put kept, blocks outside loops untouched, and the loop of the escape-time program
/// in that order in the compiler's output.
/// </summary>
[TestClass]
public sealed class X64SchedulerTests
{
    private static MachineInstruction I(X64Op op, params MachineOperand[] operands) => new((int)op, operands);
    private static MachineOperand Def(int r) => MachineOperand.Def(r);
    private static MachineOperand Use(int r) => MachineOperand.Use(r);
    private static MachineOperand UseDef(int r) => MachineOperand.UseDef(r);

    private static MachineFunction OneBlock(int loopDepth, IEnumerable<MachineInstruction> code)
    {
        var function = new MachineFunction("f", isExported: false);
        var block = new MachineBlock(0, loopDepth);
        block.Instructions.AddRange(code);
        function.Blocks.Add(block);
        return function;
    }

    /// <summary>
    /// The second half of mandelbrot's loop as the allocator leaves it (zr in xmm0, zi in xmm1, zr² in xmm2, zi² in
    /// xmm5, ci in xmm4, cr in xmm3): zi = 2 zr zi + ci, then zr = zr² - zi² + cr, then the counter and its test.
    /// </summary>
    private static MachineInstruction[] EscapeLoopTail() =>
    [
        I(X64Op.AddSd, UseDef(Xmm0 + 0), Use(Xmm0 + 0)),   // 2 zr
        I(X64Op.MulSd, UseDef(Xmm0 + 1), Use(Xmm0 + 0)),   // 2 zr zi
        I(X64Op.AddSd, UseDef(Xmm0 + 1), Use(Xmm0 + 4)),   // + ci
        I(X64Op.MovSd, Def(Xmm0 + 0), Use(Xmm0 + 2)),      // zr² (copy)
        I(X64Op.SubSd, UseDef(Xmm0 + 0), Use(Xmm0 + 5)),   // - zi²
        I(X64Op.AddSd, UseDef(Xmm0 + 0), Use(Xmm0 + 3)),   // + cr
        I(X64Op.Lea, Def(Rcx), MachineOperand.Mem(Rcx, 1)),
        I(X64Op.Cmp, Use(Rcx), MachineOperand.Imm(200)),
        new((int)X64Op.Jcc, MachineOperand.Target(0)) { Condition = (int)X64Condition.L },
    ];

    [TestMethod]
    public void TheSubtractOfTheLongerChainGoesAheadOfTheAddThatEndsTheShorterOne()
    {
        var code = EscapeLoopTail();
        var function = OneBlock(1, code);
        X64Scheduler.Apply(function);
        var scheduled = function.Blocks[0].Instructions;
        // 2 zr, its product and the subtract (each 3 cycles from the end of a chain of 9) before either final add.
        Assert.IsTrue(scheduled.IndexOf(code[4]) < scheduled.IndexOf(code[2]), "zr² - zi² is computed before zi's + ci");
        Assert.AreEqual(code[0], scheduled[0], "2 zr heads the longest chain");
        CollectionAssert.AreEqual(code[6..], scheduled.Skip(6).ToArray(), "the counter, its compare and the branch end the block");
    }

    [TestMethod]
    public void ABlockOutsideLoopsKeepsItsOrder()
    {
        var code = EscapeLoopTail();
        var function = OneBlock(0, code);
        X64Scheduler.Apply(function);
        CollectionAssert.AreEqual(code, function.Blocks[0].Instructions);
    }

    /// <summary>Random runs of movable instructions over a few registers, between ones that stay put.</summary>
    [TestMethod]
    public void RandomBlocksKeepEveryDependenceAndEveryFixedInstruction()
    {
        var random = new Random(14);
        int[] registers = [Rax, Rcx, Rdx, Xmm0, Xmm0 + 1, Xmm0 + 2, Xmm0 + 3];
        int reordered = 0;
        for (int trial = 0; trial < 500; trial++)
        {
            var code = new List<MachineInstruction>();
            for (int i = 0, n = random.Next(3, 40); i < n; i++)
            {
                int a = registers[random.Next(3)], b = registers[random.Next(3)];
                int x = registers[3 + random.Next(4)], y = registers[3 + random.Next(4)];
                code.Add(random.Next(9) switch
                {
                    0 => I(X64Op.Lea, Def(a), MachineOperand.Mem(b, 8)),
                    1 => I(X64Op.Mov, Def(a), MachineOperand.Mem(b, 16)),
                    2 => I(X64Op.MulSd, UseDef(x), Use(y)),
                    3 => I(X64Op.AddSd, UseDef(x), Use(y)),
                    4 => I(X64Op.DivSd, UseDef(x), Use(y)),
                    5 => I(X64Op.MovSd, Def(x), Use(y)),
                    6 => I(X64Op.CvtSi2Sd, Def(x), Use(a)),
                    7 => I(X64Op.Add, UseDef(a), Use(b)),
                    _ => I(X64Op.Mov, MachineOperand.Mem(a, 0), Use(b)),
                });
            }
            var function = OneBlock(1, code);
            X64Scheduler.Apply(function);
            var scheduled = function.Blocks[0].Instructions;
            CollectionAssert.AreEquivalent(code, scheduled);
            for (int i = 0; i < code.Count; i++)
            {
                if (X64Scheduler.Latency(code[i]) == 0) Assert.AreSame(code[i], scheduled[i], $"trial {trial}: instruction {i} stays put");
                for (int j = i + 1; j < code.Count; j++)
                    if (Depends(code[i], code[j]))
                        Assert.IsTrue(scheduled.IndexOf(code[i]) < scheduled.IndexOf(code[j]), $"trial {trial}: {i} before {j}");
            }
            if (!code.SequenceEqual(scheduled)) reordered++;
        }
        Assert.IsTrue(reordered > 100, $"the scheduler reordered {reordered} of 500 blocks");
    }

    private static bool Depends(MachineInstruction first, MachineInstruction second)
    {
        var firstUses = new HashSet<int>(); var firstDefs = new HashSet<int>();
        first.ForEachUse(r => firstUses.Add(r));
        first.ForEachDef(r => firstDefs.Add(r));
        bool depends = false;
        second.ForEachUse(r => depends |= firstDefs.Contains(r));
        second.ForEachDef(r => depends |= firstDefs.Contains(r) || firstUses.Contains(r));
        return depends;
    }

    [TestMethod]
    public void TheEscapeLoopSubtractsBeforeItAddsTheImaginaryPart()
    {
        const string program = """
            (define-function escape (cr ci)
              (let ((zr 0.0) (zi 0.0) (k 0) (zr2 0.0) (zi2 0.0))
                (while (< k 200)
                  (set zr2 (fl* zr zr))
                  (set zi2 (fl* zi zi))
                  (if (fl> (fl+ zr2 zi2) 4.0) (return k))
                  (set zi (fl+ (fl* 2.0 zr zi) ci))
                  (set zr (fl+ (fl- zr2 zi2) cr))
                  (incr k))
                k))
            """;
        string assembly = TestCompiler.Assembly(program);
        // After the exit test (the compare of zr² + zi² with 4.0): 2 zr, its product with zi, then zr² - zi² ahead of
        // both final adds.
        var tail = Regex.Match(assembly, @"ucomisd[^\n]*\n(.*?)\tleaq", RegexOptions.Singleline);
        Assert.IsTrue(tail.Success, assembly);
        string[] operations = Regex.Matches(tail.Groups[1].Value, @"\t([a-z]+sd)\t").Select(m => m.Groups[1].Value).ToArray();
        CollectionAssert.AreEqual(new[] { "addsd", "mulsd", "subsd", "addsd", "addsd" }, operations, assembly);
    }
}
