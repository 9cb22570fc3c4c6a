using Maru.Compiler.Optimization;

namespace Maru.Compiler.Tests.BadInput;

/// <summary>
/// Liveness is computed over the registers that cross a block boundary only: a 50 000-clause cond on linux-arm64 (a
/// constant register per clause) took 9.8 GB with sets over every register, 540 MB with these.
/// </summary>
[TestClass]
public sealed class BlockLivenessTests
{
    private static int[] LiveOut(BlockLiveness liveness, int block, int registers)
    {
        var live = new SummarizedBitSet(registers);
        liveness.CopyLiveOut(block, live);
        var members = new List<int>();
        live.ForEach(members, static (list, member) => list.Add(member));
        return members.ToArray();
    }

    [TestMethod]
    public void ALoopKeepsWhatItUsesLiveAroundItsBackEdge()
    {
        // 0: r0 = ..; r1 = ..     1 (loop): use r1, r2 = r1 + r0, r1 = r2     2: use r1
        var liveness = new BlockLiveness(registers: 3, blocks: 3);
        liveness.Def(0, 0);
        liveness.Def(0, 1);
        liveness.Use(1, 1);
        liveness.Use(1, 0);
        liveness.Def(1, 2);
        liveness.Use(1, 2);
        liveness.Def(1, 1);
        liveness.Use(2, 1);
        liveness.Solve([[1], [1, 2], []]);

        CollectionAssert.AreEqual(new[] { 0, 1 }, LiveOut(liveness, 0, 3));
        CollectionAssert.AreEqual(new[] { 0, 1 }, LiveOut(liveness, 1, 3));
        CollectionAssert.AreEqual(Array.Empty<int>(), LiveOut(liveness, 2, 3));
        Assert.AreEqual(2, liveness.BoundaryRegisterCount, "r2 never leaves block 1");
    }

    [TestMethod]
    public void RegistersLocalToOneBlockAreNotInTheSets()
    {
        // A chain of blocks, each defining and using its own register, all using r0 from the first block.
        const int blocks = 10_000;
        var liveness = new BlockLiveness(registers: blocks + 1, blocks);
        liveness.Def(0, 0);
        var successors = new int[blocks][];
        for (int b = 0; b < blocks; b++)
        {
            liveness.Use(b, 0);
            liveness.Def(b, b + 1);
            liveness.Use(b, b + 1);
            successors[b] = b + 1 < blocks ? [b + 1] : [];
        }
        liveness.Solve(successors);

        Assert.AreEqual(1, liveness.BoundaryRegisterCount);
        CollectionAssert.AreEqual(new[] { 0 }, LiveOut(liveness, 5_000, blocks + 1));
        CollectionAssert.AreEqual(Array.Empty<int>(), LiveOut(liveness, blocks - 1, blocks + 1));
    }

    [TestMethod]
    public void ARegisterUsedBeforeItsDefinitionInABlockComesFromItsPredecessors()
    {
        // 0: r0 = ..   1: use r0, r0 = ..  (a loop back to 1)
        var liveness = new BlockLiveness(registers: 1, blocks: 2);
        liveness.Def(0, 0);
        liveness.Use(1, 0);
        liveness.Def(1, 0);
        liveness.Solve([[1], [1]]);

        CollectionAssert.AreEqual(new[] { 0 }, LiveOut(liveness, 0, 1));
        CollectionAssert.AreEqual(new[] { 0 }, LiveOut(liveness, 1, 1));
    }
}
