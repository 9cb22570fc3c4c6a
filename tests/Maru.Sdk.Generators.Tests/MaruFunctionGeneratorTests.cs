using Maru.Compiler.Diagnostics;
using Maru.Compiler.Tests;
using Microsoft.CodeAnalysis;
using Diagnostic = Microsoft.CodeAnalysis.Diagnostic;

namespace Maru.Sdk.Generators.Tests;

[TestClass]
public sealed class MaruFunctionGeneratorTests
{
    private static readonly IReadOnlyList<Maru.Compiler.ExportedFunction> Exports =
        GeneratorHarness.Exports(("sum-array", 2), ("hypot", 2), ("identity", 1), ("greet", 1), ("apply-twice", 2), ("store", 1));

    private const string EveryType = """
        using System;

        namespace App;

        public static unsafe partial class Functions
        {
            [Maru.MaruFunction("sum-array")] internal static partial long SumSpan(ReadOnlySpan<long> values, long count);
            [Maru.MaruFunction("sum-array")] internal static partial int SumArray(int[]? values, int count);
            [Maru.MaruFunction("sum-array")] public static partial uint SumBytes(Span<byte> values, nint count);
            [Maru.MaruFunction("hypot")] internal static partial double Hypot(double x, double y);
            [Maru.MaruFunction("hypot")] internal static partial float HypotFloat(float x, float y);
            [Maru.MaruFunction("greet")] internal static partial int Greet(string? name);
            [Maru.MaruFunction("identity")] internal static partial bool Truth(bool value);
            [Maru.MaruFunction("identity")] internal static partial short Short(sbyte value);
            [Maru.MaruFunction("identity")] internal static partial ushort UShort(ushort value);
            [Maru.MaruFunction("identity")] internal static partial byte Byte(uint value);
            [Maru.MaruFunction("identity")] internal static partial ulong ULong(ulong value);
            [Maru.MaruFunction("identity")] internal static partial nuint NUInt(nuint value);
            [Maru.MaruFunction("identity")] internal static partial byte* Pointer(void* value);
            [Maru.MaruFunction("identity")] internal static partial long Sum(params long[] values);
            [Maru.MaruFunction("apply-twice")] internal static partial delegate* unmanaged<long, long> Apply(delegate* unmanaged[Cdecl]<long, long> f, long x);
            [Maru.MaruFunction("store")] internal static partial void Store(long* p);

            internal partial struct Nested<T> where T : unmanaged
            {
                [Maru.MaruFunction("sum-array")] internal static partial long SumOf(T[] values, long count);
            }
        }
        """;

    [TestMethod]
    public void EverySupportedTypeGeneratesCodeThatCompiles()
    {
        GeneratorRun run = GeneratorHarness.Run(EveryType, Exports);
        Assert.IsEmpty(run.Errors, string.Join("\n", run.Errors));
        Assert.IsEmpty(run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Warning), "no warning either");
    }

    /// <summary>The conversions written out: reviewed like code, and the same as Maru.Runtime's (Words, Pinned, Utf8Arguments).</summary>
    [TestMethod]
    public void TheGeneratedCodeIsTheSnapshot()
    {
        GeneratorRun run = GeneratorHarness.Run(EveryType, Exports);
        Snapshot.Verify(run.Source("Maru.MaruFunctions.g.cs"), "Maru.MaruFunctions.g.cs");
    }

    [TestMethod]
    public void TheAttributeIsAddedWithoutAnyDeclaration()
    {
        GeneratorRun run = GeneratorHarness.Run("namespace App; internal static class Empty { }", exports: null);
        Assert.IsEmpty(run.Errors, string.Join("\n", run.Errors));
        Assert.IsNotNull(run.Output.GetTypeByMetadataName("Maru.MaruFunctionAttribute"));
        Assert.IsFalse(run.Sources.Any(s => s.HintName == "Maru.MaruFunctions.g.cs"), "nothing to implement");
    }

    [TestMethod]
    // Not exported: at the name, listing what is.
    [DataRow("""[Maru.MaruFunction("sum-arary")] internal static partial long F(long x);""", DiagnosticCodes.MaruFunctionNotExported, "\"sum-arary\"",
        "'sum-arary' is not a function the Maru sources of this project export (exported: apply-twice, greet, hypot, identity, store, sum-array)")]
    [DataRow("""[Maru.MaruFunction("hypot")] internal static partial double F(double x);""", DiagnosticCodes.MaruFunctionParameterCount, "F(",
        "'F' has 1 parameter, but the Maru function 'hypot' takes 2 parameters")]
    [DataRow("""[Maru.MaruFunction("identity")] internal static partial long F();""", DiagnosticCodes.MaruFunctionParameterCount, "F(",
        "'F' has 0 parameters, but the Maru function 'identity' takes 1 parameter")]
    // Types: at the parameter or the result.
    [DataRow("""[Maru.MaruFunction("identity")] internal static partial long F(decimal x);""", DiagnosticCodes.MaruFunctionTypeNotPassable, "decimal x",
        "parameter 'x' is decimal, which cannot be passed to a Maru function: use long, int")]
    [DataRow("""[Maru.MaruFunction("identity")] internal static partial long F(ref long x);""", DiagnosticCodes.MaruFunctionTypeNotPassable, "ref long x",
        "ref, out and in parameters are not supported")]
    [DataRow("""[Maru.MaruFunction("identity")] internal static partial long F(string[] x);""", DiagnosticCodes.MaruFunctionTypeNotPassable, "string[] x",
        "string is not an unmanaged type")]
    [DataRow("""[Maru.MaruFunction("identity")] internal static partial long F(long[,] x);""", DiagnosticCodes.MaruFunctionTypeNotPassable, "long[,] x",
        "only one-dimensional arrays are")]
    [DataRow("""[Maru.MaruFunction("identity")] internal static partial long F(delegate*<long, long> x);""", DiagnosticCodes.MaruFunctionTypeNotPassable, "delegate*",
        "which cannot be passed to a Maru function")]
    [DataRow("""[Maru.MaruFunction("identity")] internal static partial long F(object x);""", DiagnosticCodes.MaruFunctionTypeNotPassable, "object x",
        "parameter 'x' is object")]
    [DataRow("""[Maru.MaruFunction("identity")] internal static partial string F(long x);""", DiagnosticCodes.MaruFunctionTypeNotPassable, "string F",
        "the result is string, which a Maru function cannot return: its result is a word")]
    [DataRow("""[Maru.MaruFunction("identity")] internal static partial decimal F(long x);""", DiagnosticCodes.MaruFunctionTypeNotPassable, "decimal F",
        "the result is decimal")]
    // Declarations the generator cannot implement: at the method name.
    [DataRow("""[Maru.MaruFunction("identity")] internal static long F(long x) => x;""", DiagnosticCodes.InvalidMaruFunction, "F(",
        "'F' must be a partial method without a body")]
    [DataRow("""[Maru.MaruFunction("identity")] internal partial long F(long x);""", DiagnosticCodes.InvalidMaruFunction, "F(",
        "'F' must be static")]
    [DataRow("""[Maru.MaruFunction("identity")] internal static partial long F<T>(long x);""", DiagnosticCodes.InvalidMaruFunction, "F<",
        "'F' cannot be generic")]
    [DataRow("""[Maru.MaruFunction("")] internal static partial long F(long x);""", DiagnosticCodes.InvalidMaruFunction, "F(",
        "'F' needs the Maru name")]
    public void AMismatchedDeclarationIsItsErrorAtItsPlace(string declaration, string code, string at, string message)
    {
        string source = $$"""
            namespace App;

            internal unsafe partial class Functions
            {
                {{declaration}}
            }
            """;
        AssertSingleError(GeneratorHarness.Run(source, Exports), code, at, message);
    }

    [TestMethod]
    public void WithoutAManifestEveryNameIsNotExported()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            internal static partial class Functions
            {
                [Maru.MaruFunction("identity")] internal static partial long F(long x);
            }
            """, exports: null);
        AssertSingleError(run, DiagnosticCodes.MaruFunctionNotExported, "\"identity\"", "the project has no MaruSource items");
    }

    [TestMethod]
    public void AContainingTypeThatIsNotPartialIsAnError()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            internal static class Outer
            {
                internal static partial class Functions
                {
                    [Maru.MaruFunction("identity")] internal static partial long F(long x);
                }
            }
            """, Exports);
        AssertSingleError(run, DiagnosticCodes.InvalidMaruFunction, "F(", "'Outer' must be partial");
    }

    [TestMethod]
    public void AProjectWithoutUnsafeCodeIsAnError()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            internal static partial class Functions
            {
                [Maru.MaruFunction("identity")] internal static partial long F(long x);
            }
            """, Exports, allowUnsafe: false);
        AssertSingleError(run, DiagnosticCodes.InvalidMaruFunction, "F(", "set AllowUnsafeBlocks to true");
    }

    /// <summary>
    /// Exactly one diagnostic of the generator, with the code, where <paramref name="at"/> starts, and the message; and, but for a
    /// declaration it cannot implement, no error of the C# compiler about a missing implementation (it still gets a body).
    /// </summary>
    private static void AssertSingleError(GeneratorRun run, string code, string at, string message)
    {
        string all = string.Join("\n", run.Diagnostics);
        Assert.HasCount(1, run.Diagnostics, all);
        Diagnostic diagnostic = run.Diagnostics[0];
        Assert.AreEqual(code, diagnostic.Id, all);
        Assert.AreEqual(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.AreEqual(GeneratorHarness.FilePath, diagnostic.Location.GetLineSpan().Path);
        string source = run.Output.SyntaxTrees.First().GetText().ToString();
        Assert.AreEqual(source.IndexOf(at, StringComparison.Ordinal), diagnostic.Location.SourceSpan.Start, $"position of {all}");
        Assert.Contains(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), all);
        if (code != DiagnosticCodes.InvalidMaruFunction)
            Assert.IsFalse(run.Output.GetDiagnostics().Any(d => d.Id is "CS8795" or "CS0759"), "no error about the implementation part");
    }
}
