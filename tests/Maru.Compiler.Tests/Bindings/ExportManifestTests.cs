using Maru.Compiler.Bindings;

namespace Maru.Compiler.Tests.Bindings;

/// <summary>The manifest of exports that Maru.Sdk's source generator reads (its reader: src/Maru.Sdk.Generators/ExportManifest.cs).</summary>
[TestClass]
public sealed class ExportManifestTests
{
    [TestMethod]
    public void ListsTheLibraryAndEachExportWithItsSymbolAndParameterCount()
    {
        CompileResult result = TestCompiler.Compile("""
            (define-function sum-array (p n) (+ p n))
            (define-function empty? (x) (= x 0))
            (define-function answer () 42)
            """);
        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));

        Assert.AreEqual("""
            # The functions the Maru sources of this project export, for Maru.Sdk's source generator. Generated: changes are overwritten.
            library	App.Native
            export	sum-array	sum_array	2
            export	empty?	empty_3f	1
            export	answer	answer	0

            """.ReplaceLineEndings("\n"), ExportManifest.Format(result.Exports, "App.Native"));
    }

    [TestMethod]
    public void AUnitWithoutExportsStillNamesItsLibrary() =>
        Assert.AreEqual("library\tApp.Native\n", ExportManifest.Format([], "App.Native").Split('\n', 2)[1]);
}
