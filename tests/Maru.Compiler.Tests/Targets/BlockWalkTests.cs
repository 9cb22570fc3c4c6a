using Maru.Compiler.Targets;

namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// The block walk both emitters share, on a made-up target that records what it is asked to print: fall-through,
/// inverted branches, padded loop heads, skipped empty blocks, and the prologue of a shrink-wrapped entry in both the
/// CFI placement (the frameless return in its place) and the SEH one (ahead of the prologue).
/// </summary>
[TestClass]
public sealed class BlockWalkTests
{
    private const int Op = 0, FramedOp = 1, Branch = 2, Jump = 3, Return = 4;

    private sealed class RecordingEmitter(bool framelessReturnAheadOfPrologue) : IBlockEmitter
    {
        public List<string> Printed { get; } = new();

        public bool IsConditionalBranch(MachineInstruction instruction) => instruction.Opcode == Branch;
        public bool IsJump(MachineInstruction instruction) => instruction.Opcode == Jump;
        public int ReturnOpcode => Return;
        public bool NeedsNoFrame(MachineInstruction instruction) => instruction.Opcode == Op;
        public bool FramelessReturnAheadOfPrologue => framelessReturnAheadOfPrologue;
        public string BlockLabel(long block) => $"L{block}";
        public void EmitLabel(string label) => Printed.Add(label + ":");
        public void EmitLoopHeadAlignment() => Printed.Add("align");
        public void EmitPrologue() => Printed.Add("prologue");
        public void EmitInstruction(MachineInstruction instruction, bool isLastOfFunction) =>
            Printed.Add(instruction.Opcode switch
            {
                Op => "op", FramedOp => "framed op", Branch => $"branch L{instruction.Operands[0].Value}",
                Jump => $"jump L{instruction.Operands[0].Value}", _ => isLastOfFunction ? "epilogue ret (last)" : "epilogue ret",
            });
        public void EmitConditionalBranch(MachineInstruction branch, bool inverted, string label) =>
            Printed.Add($"{(inverted ? "inverted branch" : "branch")} {label}");
        public void EmitJump(long block) => Printed.Add($"jump L{block}");
        public void EmitFramelessReturn(IReadOnlyList<MachineInstruction> code) => Printed.Add($"frameless return of {code.Count}");
        public void EmitFramelessReturnAheadOfPrologue(MachineInstruction branch, bool inverted, IReadOnlyList<MachineInstruction> code) =>
            Printed.Add($"{(inverted ? "branch" : "inverted branch")} to the prologue, frameless return of {code.Count}");
    }

    private static MachineInstruction I(int opcode, int target = -1) =>
        target < 0 ? new MachineInstruction(opcode) : new MachineInstruction(opcode, MachineOperand.Target(target));

    /// <summary>A function of the given blocks, each an instruction list; successors follow from the branches.</summary>
    private static MachineFunction Function(params MachineInstruction[][] blocks)
    {
        var function = new MachineFunction("f", isExported: false);
        for (int b = 0; b < blocks.Length; b++)
        {
            var block = new MachineBlock(b, 0);
            block.Instructions.AddRange(blocks[b]);
            function.Blocks.Add(block);
        }
        foreach (var block in function.Blocks)
            foreach (var instruction in block.Instructions)
                if (instruction.Opcode is Branch or Jump) block.Successors.Add(function.Blocks[(int)instruction.Operands[0].Value]);
        return function;
    }

    [TestMethod]
    public void BranchesToABlockThatOnlyJumpsGoWhereItJumps()
    {
        var function = Function(
            [I(Op), I(Jump, 1)],
            [I(Op), I(Branch, 2), I(Jump, 3)], // the loop's test: leaving it goes through block 2, which only jumps to 4
            [I(Jump, 4)],
            [I(Op), I(Branch, 1), I(Jump, 5)],
            [I(Op), I(Jump, 6)],
            [I(Jump, 2)],                      // a chain: 5 lands at 4 too
            [I(Jump, 7)],                      // 6 and 7 jump round in a circle: kept
            [I(Jump, 6)]);
        var emitter = new RecordingEmitter(false);

        BlockWalk.Emit(function, emitter, null);

        CollectionAssert.AreEqual(new[]
        {
            "prologue", "op",
            "align", "L1:", "op", "branch L4",
            "L3:", "op", "branch L1",
            "L4:", "op",
            "align", "L6:",
            "L7:", "jump L6",
        }, emitter.Printed, string.Join("\n", emitter.Printed));
    }

    [TestMethod]
    public void BranchesToTheNextBlockFallThroughAndEmptyBlocksAreLeftOut()
    {
        var function = Function(
            [I(Op), I(Branch, 1), I(Jump, 3)],
            [I(Op), I(Branch, 1), I(Jump, 3)], // a loop on itself, then the exit, which comes next once block 2 is left out
            [],
            [I(Return)]);
        var emitter = new RecordingEmitter(false);

        BlockWalk.Emit(function, emitter, BlockWalk.FindShrinkWrap(function, emitter));

        CollectionAssert.AreEqual(new[]
        {
            "prologue", "op", "inverted branch L3",
            "align", "L1:", "op", "branch L1",
            "L3:", "epilogue ret (last)",
        }, emitter.Printed, string.Join("\n", emitter.Printed));
    }

    private static MachineFunction EarlyReturn() => Function(
        [I(Op), I(Branch, 1), I(Jump, 2)],
        [I(Op), I(Return)],
        [I(FramedOp), I(Return)]);

    [TestMethod]
    public void TheFramelessReturnStaysInPlaceWithCallFrameInformation()
    {
        var function = EarlyReturn();
        var emitter = new RecordingEmitter(false);

        var wrap = BlockWalk.FindShrinkWrap(function, emitter);
        BlockWalk.Emit(function, emitter, wrap);

        Assert.AreEqual((1, 2), (wrap!.Frameless.Id, wrap.Framed.Id));
        CollectionAssert.AreEqual(new[]
        {
            "op", "branch L1", "prologue", "jump L2",
            "L1:", "frameless return of 2",
            "L2:", "framed op", "epilogue ret (last)",
        }, emitter.Printed, string.Join("\n", emitter.Printed));
    }

    [TestMethod]
    public void TheFramelessReturnPrecedesThePrologueForSeh()
    {
        var function = EarlyReturn();
        var emitter = new RecordingEmitter(true);

        BlockWalk.Emit(function, emitter, BlockWalk.FindShrinkWrap(function, emitter));

        CollectionAssert.AreEqual(new[]
        {
            "op", "inverted branch to the prologue, frameless return of 2", "prologue",
            "L2:", "framed op", "epilogue ret (last)",
        }, emitter.Printed, string.Join("\n", emitter.Printed));
    }

    [TestMethod]
    public void AnEntryThatNeedsTheFrameIsNotShrinkWrapped()
    {
        var function = EarlyReturn();
        function.Blocks[0].Instructions[0] = I(FramedOp);

        Assert.IsNull(BlockWalk.FindShrinkWrap(function, new RecordingEmitter(false)));
    }
}
