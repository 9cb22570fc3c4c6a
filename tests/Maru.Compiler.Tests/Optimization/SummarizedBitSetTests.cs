using Maru.Compiler.Optimization;

namespace Maru.Compiler.Tests.Optimization;

/// <summary>The register allocator's live set: members walked in ascending order (the order edges are added in decides colours).</summary>
[TestClass]
public sealed class SummarizedBitSetTests
{
    private static int[] Members(SummarizedBitSet set)
    {
        var members = new List<int>();
        set.ForEach(members, static (list, member) => list.Add(member));
        return members.ToArray();
    }

    [TestMethod]
    public void MembersComeInAscendingOrderAcrossWordsAndSummaryWords()
    {
        var set = new SummarizedBitSet(10_000);
        foreach (int i in new[] { 9_999, 4_096, 5, 64, 4_095, 0, 63 }) set.Add(i);
        set.Add(64);
        CollectionAssert.AreEqual(new[] { 0, 5, 63, 64, 4_095, 4_096, 9_999 }, Members(set));
        Assert.IsTrue(set.Contains(4_095));
        Assert.IsFalse(set.Contains(4_094));
    }

    [TestMethod]
    public void RemovingTheLastMemberOfAWordAndClearingLeaveNothingBehind()
    {
        var set = new SummarizedBitSet(10_000);
        foreach (int i in new[] { 64, 65, 8_000 }) set.Add(i);
        set.Remove(64);
        set.Remove(65);
        set.Remove(7_000); // not a member
        CollectionAssert.AreEqual(new[] { 8_000 }, Members(set));
        set.Clear();
        CollectionAssert.AreEqual(Array.Empty<int>(), Members(set));
        Assert.IsFalse(set.Contains(8_000));
        set.Add(65);
        CollectionAssert.AreEqual(new[] { 65 }, Members(set));
    }
}
