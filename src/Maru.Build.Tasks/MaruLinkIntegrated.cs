using Maru.Compiler;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;
using Microsoft.Build.Framework;

namespace Maru.Build.Tasks;

/// <summary>
/// Assembles and links the <c>.s</c> files of one runtime identifier into its shared library in process, with the compiler's
/// integrated assembler and linker (<see cref="NativeToolchain.HasIntegratedToolchain"/>): no tool is looked for or started.
/// The library is replaced atomically.
/// </summary>
public sealed class MaruLinkIntegrated : Microsoft.Build.Utilities.Task
{
    [Required] public ITaskItem[] AssemblyFiles { get; set; } = [];
    [Required] public string OutputFile { get; set; } = "";
    /// <summary>The compiler's runtime identifier the assembly was generated for (e.g. <c>linux-x64</c>).</summary>
    [Required] public string RuntimeIdentifier { get; set; } = "";
    /// <summary>False for a musl RID's library: it records no glibc DT_NEEDED (<see cref="ToolchainOptions.RecordsCLibrary"/>).</summary>
    public bool RecordsCLibrary { get; set; } = true;

    public override bool Execute()
    {
        var assembly = new List<AssemblyFile>();
        foreach (ITaskItem file in AssemblyFiles)
        {
            string path = file.GetMetadata("FullPath");
            try
            {
                assembly.Add(new AssemblyFile(path, File.ReadAllText(path)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.LogError(null, DiagnosticCodes.CannotReadSource, null, path, 0, 0, 0, 0, $"cannot read the generated assembly: {e.Message}");
            }
        }
        if (Log.HasLoggedErrors) return false;
        string output = Path.GetFullPath(OutputFile);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        IReadOnlyList<Diagnostic> diagnostics = NativeToolchain.BuildLibrary(assembly, output, new ToolchainOptions(RuntimeIdentifier) { Integrated = true, RecordsCLibrary = RecordsCLibrary });
        // The integrated assembler names a .s by its file name alone: MSBuild gets the full path, which the user can open.
        var byName = assembly.GroupBy(a => Path.GetFileName(a.SourcePath), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().SourcePath, StringComparer.Ordinal);
        MaruDiagnostics.Log(Log, diagnostics.Select(d => d.Path is { } p && byName.TryGetValue(p, out string? full) ? d with { Path = full } : d));
        return !Log.HasLoggedErrors;
    }
}
