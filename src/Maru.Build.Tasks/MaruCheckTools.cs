using Maru.Compiler.Toolchain;
using Microsoft.Build.Framework;

namespace Maru.Build.Tasks;

/// <summary>
/// Before anything is assembled: one MARU0901 for each runtime identifier whose assembler or linker cannot be found, all of
/// them at once, so that the user installs every missing tool in one go rather than one build per runtime identifier.
/// </summary>
public sealed class MaruCheckTools : Microsoft.Build.Utilities.Task
{
    /// <summary>The compiler's runtime identifiers built with the platform's tools (not those the integrated toolchain builds).</summary>
    [Required] public ITaskItem[] RuntimeIdentifiers { get; set; } = [];
    /// <summary>MaruAssemblerPath and MaruLinkerPath; empty for the defaults.</summary>
    public string? AssemblerPath { get; set; }
    public string? LinkerPath { get; set; }

    public override bool Execute()
    {
        MaruDiagnostics.Log(Log, ToolchainCommands.MissingTools(RuntimeIdentifiers.Select(r => r.ItemSpec), AssemblerPath, "the MaruAssemblerPath property",
            LinkerPath, "the MaruLinkerPath property"));
        return !Log.HasLoggedErrors;
    }
}
