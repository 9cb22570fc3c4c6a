using System.Text.RegularExpressions;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Targets;
using Maru.Compiler.Targets.X64;
using static Maru.Compiler.Targets.X64.X64Registers;

namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// Shorter x86-64 forms of the same operation: a comparison with 0 is <c>test</c> for every condition, and a register
/// set to 0 is <c>xorl</c> where the flags are dead. The program, run on every target, must print what the comparisons
/// give.
/// </summary>
[TestClass]
public sealed class X64ShortFormTests
{
    private const string Program = """
        (define printf (extern 'printf))
        (define-function signs (x)
          (+ (if (< x 0) 1 0) (if (<= x 0) 10 0) (if (> x 0) 100 0) (if (>= x 0) 1000 0) (if (= x 0) 10000 0)))
        (define-function main (argc argv)
          (printf "%lld %lld %lld\n" (signs (- argc 3)) (signs (- argc 1)) (signs (+ argc 4)))
          0)
        """;

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    [DataRow("win-x64")]
    public void ComparisonsWithZeroComputeEveryCondition(string runtimeIdentifier)
    {
        using var directory = new TemporaryDirectory();
        string library = TestCompiler.BuildLibrary(directory, runtimeIdentifier, SourceFile.FromText("test.l", Program));
        var run = NativeHarness.RunLibraryOn(runtimeIdentifier, library, []);
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        // argc is 1: -2, 0 and 5
        Assert.AreEqual("11 11010 1100\n", run.StandardOutput);
    }

    [TestMethod]
    public void AComparisonWithZeroIsATest()
    {
        string assembly = TestCompiler.Assembly(Program, inlineSmallFunctions: false);
        Assert.IsFalse(Regex.IsMatch(assembly, @"cmpq\t\$0, %"), assembly);
        Assert.IsTrue(Regex.IsMatch(assembly, @"testq\t(%\w+), \1"), assembly);
    }

    [TestMethod]
    public void AZeroIsAnXorWhereTheFlagsAreDeadAndAMoveWhereTheyAreLive()
    {
        string assembly = TestCompiler.Assembly(Program, inlineSmallFunctions: false);
        // main passes no vector register to printf: %al is 0, with nothing comparing around it.
        Assert.IsTrue(Regex.IsMatch(assembly, @"xorl\t%eax, %eax\n\tcall\tprintf"), assembly);
    }

    private static MachineInstruction I(X64Op op, params MachineOperand[] operands) => new((int)op, operands);
    private static MachineInstruction Zero(int register) => I(X64Op.Mov, MachineOperand.Def(register), MachineOperand.Imm(0));
    private static MachineInstruction Branch(X64Condition condition, int block) =>
        new((int)X64Op.Jcc, MachineOperand.Target(block)) { Condition = (int)condition };

    private static bool IsXor(MachineInstruction instruction, int register) =>
        instruction is { Opcode: (int)X64Op.Xor, Operands: [{ Reg: var a }, { Reg: var b }] } && a == register && b == register;

    [TestMethod]
    public void ZeroingLeavesTheFlagsOfACompareToItsReaders()
    {
        var function = new MachineFunction("f", isExported: false);
        var entry = new MachineBlock(0, 0);
        var next = new MachineBlock(1, 0);
        var exit = new MachineBlock(2, 0);
        entry.Instructions.AddRange([
            Zero(Rax),                                                  // 0: before the compare: dead flags
            I(X64Op.Cmp, MachineOperand.Use(Rdi), MachineOperand.Imm(5)),
            Zero(Rcx),                                                  // 2: between the compare and the cmov: live
            I(X64Op.Cmov, MachineOperand.UseDef(Rax), MachineOperand.Use(Rsi)),
            Zero(Rdx),                                                  // 4: between the compare and the branch: live
            Branch(X64Condition.L, 2),
            Zero(R8),                                                   // 6: the next block reads the flags first: live
            I(X64Op.Jmp, MachineOperand.Target(1))]);
        next.Instructions.AddRange([
            Zero(R10),                                                  // 0: a shift by 3 sets them: dead
            I(X64Op.Shl, MachineOperand.UseDef(Rsi), MachineOperand.Imm(3)),
            Zero(R9),                                                   // 2: a shift by %cl may keep them for the branch: live
            I(X64Op.Shl, MachineOperand.UseDef(Rsi), MachineOperand.Use(Rcx)),
            Branch(X64Condition.G, 2),
            I(X64Op.Jmp, MachineOperand.Target(2))]);
        exit.Instructions.AddRange([Zero(R11), I(X64Op.Ret)]);
        entry.Successors.AddRange([exit, next]);
        next.Successors.AddRange([exit]);
        function.Blocks.AddRange([entry, next, exit]);

        X64Peephole.ZeroWithXor(function);

        Assert.IsTrue(IsXor(entry.Instructions[0], Rax), "ahead of the compare");
        Assert.AreEqual((int)X64Op.Mov, entry.Instructions[2].Opcode, "between the compare and cmov");
        Assert.AreEqual((int)X64Op.Mov, entry.Instructions[4].Opcode, "between the compare and the branch");
        Assert.AreEqual((int)X64Op.Mov, entry.Instructions[6].Opcode, "the flags flow into the next block's branch");
        Assert.IsTrue(IsXor(next.Instructions[0], R10), "ahead of a shift by 3");
        Assert.AreEqual((int)X64Op.Mov, next.Instructions[2].Opcode, "ahead of a shift by %cl and a branch");
        Assert.IsTrue(IsXor(exit.Instructions[0], R11), "before the return");
    }
}
