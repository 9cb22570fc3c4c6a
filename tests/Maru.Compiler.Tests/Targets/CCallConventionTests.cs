using Maru.Compiler.Semantics;
using Maru.Compiler.Targets;

namespace Maru.Compiler.Tests.Targets;

/// <summary>Where each ABI places the arguments of a call with a C signature (spec 11), written as g0/v0/s0:8 per argument.</summary>
[TestClass]
public sealed class CCallConventionTests
{
    private static string Layout(CCallConvention convention, string signature)
    {
        var parts = signature.Split(' ');
        int? variadicFrom = Array.IndexOf(parts, "...") is int at and >= 0 ? at : null;
        var types = parts.Where(p => p != "...").Select(CSignature.Parse).ToList();
        var (places, slots) = convention.Place(new CSignature(types, variadicFrom, CType.Long));
        string Place(CArgumentPlace p) => string.Join('+', new[]
        {
            p.GeneralRegister >= 0 ? $"g{p.GeneralRegister}" : null,
            p.VectorRegister >= 0 ? $"v{p.VectorRegister}" : null,
            p.StackOffset >= 0 ? $"s{p.StackOffset}:{p.StackSize}" : null,
        }.Where(s => s is not null));
        return string.Join(' ', places.Select(Place)) + $" | {slots}";
    }

    [TestMethod]
    public void SysVFillsEachClassInTurnThenTheStackInOrder() => Assert.AreEqual(
        "v0 g0 v1 g1 g2 g3 g4 g5 s0:8 v2 v3 v4 v5 v6 v7 s8:8 s16:8 | 3",
        Layout(CCallConvention.SysV, "double long double int long long long long int double double double double double double double float"));

    [TestMethod]
    public void WindowsPlacesByPositionAndPassesVariableDoublesTwice() => Assert.AreEqual(
        "g0 g1+v1 g2+v2 g3 s0:8 s8:8 | 2",
        Layout(CCallConvention.Windows, "long ... double double long double int"));

    [TestMethod]
    public void WindowsFixedDoublesUseOnlyTheVectorRegister() => Assert.AreEqual(
        "v0 g1 v2 v3 s0:8 | 1",
        Layout(CCallConvention.Windows, "double int float double double"));

    [TestMethod]
    public void Aapcs64PassesVariableArgumentsLikeFixedOnes() => Assert.AreEqual(
        "g0 g1 v0 v1 | 0",
        Layout(CCallConvention.Aapcs64, "long ... long double double"));

    [TestMethod]
    public void AppleArm64PutsVariableArgumentsOnTheStackAndPacksFixedFourByteOnes() =>
        Assert.AreEqual(
            "g0 g1 g2 g3 g4 g5 g6 g7 s0:4 s4:4 s8:8 | 2",
            Layout(CCallConvention.AppleArm64, "int int int int int int int int int int long"));

    [TestMethod]
    public void AppleArm64VariableArgumentsTakeEightBytesEach() => Assert.AreEqual(
        "g0 s0:8 s8:8 s16:8 | 3",
        Layout(CCallConvention.AppleArm64, "long ... int double long"));
}
