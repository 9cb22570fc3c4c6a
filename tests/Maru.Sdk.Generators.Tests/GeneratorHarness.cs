using System.Collections.Immutable;
using Maru.Compiler;
using Maru.Compiler.Bindings;
using Maru.Sdk.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Maru.Sdk.Generators.Tests;

/// <summary>What one generator run gave: the generator's diagnostics, its sources, and the compilation with them added.</summary>
internal sealed record GeneratorRun(ImmutableArray<Diagnostic> Diagnostics, ImmutableArray<GeneratedSourceResult> Sources, Compilation Output)
{
    /// <summary>The errors of the compilation with the generated code: the C# compiler's and the generator's.</summary>
    public IReadOnlyList<Diagnostic> Errors =>
        [.. Diagnostics.Concat(Output.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error)];

    public string Source(string hintName) => Sources.Single(s => s.HintName == hintName).SourceText.ToString();
}

/// <summary>Runs <see cref="MaruFunctionGenerator"/> on C# source and a manifest written by Maru.Compiler's <see cref="ExportManifest"/>.</summary>
internal static class GeneratorHarness
{
    public const string FilePath = "/src/Declarations.cs";

    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "netstandard.dll" or "mscorlib.dll")
            .Select(path => MetadataReference.CreateFromFile(path)),
    ];

    /// <summary>Exports of a unit: (Maru name, parameter count), each with the symbol the compiler would give it.</summary>
    public static IReadOnlyList<ExportedFunction> Exports(params (string Name, int Parameters)[] functions) =>
        [.. functions.Select(f => new ExportedFunction(f.Name, f.Name.Replace('-', '_').Replace("?", "_3f", StringComparison.Ordinal), f.Parameters, null, "/src/lib.l"))];

    /// <param name="exports">The manifest's exports; null for a project without one (no MaruSource).</param>
    public static GeneratorRun Run(string source, IReadOnlyList<ExportedFunction>? exports, bool allowUnsafe = true)
    {
        var compilation = CSharpCompilation.Create("App",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), FilePath)],
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: allowUnsafe, nullableContextOptions: NullableContextOptions.Enable));
        ImmutableArray<AdditionalText> additional = exports is null
            ? []
            : [new InMemoryText("/obj/maru/App" + Compiler.Bindings.ExportManifest.FileNameSuffix, Compiler.Bindings.ExportManifest.Format(exports, "App.Native"))];
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new MaruFunctionGenerator().AsSourceGenerator()], additional,
            new CSharpParseOptions(LanguageVersion.Latest));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.IsNull(result.Exception, result.Exception?.ToString());
        return new GeneratorRun(result.Diagnostics, result.GeneratedSources, output);
    }

    private sealed class InMemoryText(string path, string text) : AdditionalText
    {
        public override string Path => path;
        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }
}
