using System.Text.Json;
using System.Text.Json.Nodes;
using Maru.Compiler.Diagnostics;
using Microsoft.Build.Framework;

namespace Maru.Build.Tasks;

/// <summary>
/// Lists the project's native libraries in its <c>deps.json</c> as native <c>runtimeTargets</c> of the project's own entry
/// (<c>runtimes/&lt;rid&gt;/native/&lt;file&gt;</c>, as a package's native assets are listed), so that a portable app loads the
/// library of the machine it runs on. The .NET SDK lists such assets for packages only. The file is written only when
/// this changes it.
/// </summary>
public sealed class MaruAddNativeRuntimeTargets : Microsoft.Build.Utilities.Task
{
    [Required] public string DepsFile { get; set; } = "";
    /// <summary>The project's entry is <c>&lt;ProjectName&gt;/&lt;version&gt;</c>.</summary>
    [Required] public string ProjectName { get; set; } = "";
    /// <summary>The libraries, each with <c>RuntimeIdentifier</c> metadata.</summary>
    [Required] public ITaskItem[] Libraries { get; set; } = [];

    public override bool Execute()
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(DepsFile));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            Log.LogError(null, DiagnosticCodes.CannotWriteOutput, null, DepsFile, 0, 0, 0, 0, $"cannot read the dependency file to list the native libraries: {e.Message}");
            return false;
        }
        bool found = false;
        foreach (var (_, target) in root?["targets"]?.AsObject() ?? [])
        {
            foreach (var (name, entry) in target?.AsObject() ?? [])
            {
                if (entry is not JsonObject project || !name.StartsWith(ProjectName + "/", StringComparison.Ordinal)) continue;
                var runtimeTargets = new JsonObject();
                foreach (ITaskItem library in Libraries.OrderBy(l => l.GetMetadata("RuntimeIdentifier"), StringComparer.Ordinal))
                {
                    string rid = library.GetMetadata("RuntimeIdentifier");
                    runtimeTargets[$"runtimes/{rid}/native/{Path.GetFileName(library.ItemSpec)}"] = new JsonObject { ["rid"] = rid, ["assetType"] = "native" };
                }
                project["runtimeTargets"] = runtimeTargets;
                found = true;
            }
        }
        if (!found)
        {
            Log.LogWarning(null, DiagnosticCodes.CannotWriteOutput, null, DepsFile, 0, 0, 0, 0,
                $"the dependency file has no entry for {ProjectName}: a portable app finds its native library next to it only");
            return true;
        }
        if (AtomicFile.WriteIfChanged(DepsFile, root!.ToJsonString(new JsonSerializerOptions { WriteIndented = true })))
            Log.LogMessage(MessageImportance.Low, $"Maru: listed {Libraries.Length} native libraries in {DepsFile}");
        return true;
    }
}
