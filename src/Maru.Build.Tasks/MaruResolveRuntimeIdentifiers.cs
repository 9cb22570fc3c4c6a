using System.Text.Json;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Targets;
using Maru.Compiler.Toolchain;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Maru.Build.Tasks;

/// <summary>
/// For each runtime identifier the project builds: the library's file name (<see cref="NativeToolchain.LibraryFileName"/>, so
/// the targets ask rather than repeat the rule), the compiler's runtime identifier it is built with (itself, or the first of
/// ours it falls back to in the .NET RID graph: <c>linux-musl-x64</c> and <c>ubuntu.22.04-x64</c> build as <c>linux-x64</c>),
/// and whether it is assembled and linked in process (<see cref="Toolchain"/>).
/// </summary>
public sealed class MaruResolveRuntimeIdentifiers : Microsoft.Build.Utilities.Task
{
    [Required] public ITaskItem[] RuntimeIdentifiers { get; set; } = [];
    [Required] public string LibraryName { get; set; } = "";

    /// <summary>The .NET SDK's RID graph (<c>RuntimeIdentifierGraph.json</c>), read only for a RID that is not one of ours.</summary>
    public string? RuntimeIdentifierGraphPath { get; set; }

    /// <summary><c>auto</c> (in process wherever the compiler can), <c>integrated</c> (in process, else MARU0905) or <c>external</c> (the platform's tools).</summary>
    public string Toolchain { get; set; } = "auto";

    /// <summary>MaruAssemblerPath and MaruLinkerPath: a tool the user named makes <c>auto</c> use the platform's tools.</summary>
    public string? AssemblerPath { get; set; }
    public string? LinkerPath { get; set; }

    /// <summary>True when the library is linked statically (an archive): the integrated toolchain writes shared libraries only.</summary>
    public bool Static { get; set; }

    /// <summary>
    /// One item per runtime identifier, with <c>LibraryFileName</c>, <c>TargetRuntimeIdentifier</c> (empty when the RID
    /// falls back to none of ours: the compile reports it) and <c>Integrated</c> (<c>true</c> or <c>false</c>) metadata.
    /// </summary>
    [Output] public ITaskItem[] Result { get; private set; } = [];

    public override bool Execute()
    {
        string choice = Toolchain.Trim().ToLowerInvariant();
        if (choice is not ("" or "auto" or "integrated" or "external"))
        {
            Log.LogError(null, DiagnosticCodes.InvalidSdkSetting, null, null, 0, 0, 0, 0,
                $"MaruToolchain '{Toolchain}' is not one of auto, integrated, external");
            return false;
        }
        if (choice == "integrated" && Static)
        {
            Log.LogError(null, DiagnosticCodes.InvalidSdkSetting, null, null, 0, 0, 0, 0,
                "MaruToolchain 'integrated' cannot link statically (MaruNativeLinkMode Static, or PublishAot): it writes shared libraries only; use auto or external");
            return false;
        }
        Dictionary<string, string[]>? graph = null;
        Result = RuntimeIdentifiers.Select(rid =>
        {
            // Our own RIDs need no graph; any other builds as the first of ours it imports, nearest first (as NuGet walks).
            IReadOnlyList<string> lineage = IsOurs(rid.ItemSpec) ? [rid.ItemSpec] : Lineage(rid.ItemSpec, graph ??= ReadGraph());
            string target = lineage.FirstOrDefault(IsOurs) ?? "";
            var item = new TaskItem(rid.ItemSpec);
            item.SetMetadata("LibraryFileName", NativeToolchain.LibraryFileName(LibraryName, rid.ItemSpec));
            item.SetMetadata("TargetRuntimeIdentifier", target);
            bool integrated = choice == "integrated"
                || (choice is "" or "auto" && !Static && target.Length > 0 && NativeToolchain.HasIntegratedToolchain(target) && !NamesATool(rid.ItemSpec, target));
            item.SetMetadata("Integrated", integrated ? "true" : "false");
            // A musl RID (linux-musl-x64, alpine.3.18-x64) builds as linux-x64, but its library must not record glibc.
            bool musl = lineage.Any(r => r.StartsWith("linux-musl", StringComparison.Ordinal));
            item.SetMetadata("RecordsCLibrary", musl ? "false" : "true");
            return (ITaskItem)item;
        }).ToArray();
        return !Log.HasLoggedErrors;
    }

    // MARU_AS, MARU_LD and their per-RID forms (MARU_AS_LINUX_X64), as the tool tasks read them.
    private bool NamesATool(string rid, string target) =>
        !string.IsNullOrEmpty(AssemblerPath) || !string.IsNullOrEmpty(LinkerPath)
        || new[] { "", "_" + Variable(rid), "_" + Variable(target) }.Any(suffix =>
            !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MARU_AS" + suffix)) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MARU_LD" + suffix)));

    private static string Variable(string rid) => rid.ToUpperInvariant().Replace('-', '_').Replace('.', '_');

    private static bool IsOurs(string rid) => Targets.SupportedRuntimeIdentifiers.Contains(rid) && ToolchainCommands.IsSupported(rid);

    /// <summary><paramref name="rid"/> and every RID it imports in the graph, nearest first (breadth first).</summary>
    private static List<string> Lineage(string rid, Dictionary<string, string[]> graph)
    {
        var lineage = new List<string> { rid };
        var seen = new HashSet<string>(StringComparer.Ordinal) { rid };
        for (int i = 0; i < lineage.Count; i++)
            foreach (string imported in graph.GetValueOrDefault(lineage[i]) ?? [])
                if (seen.Add(imported)) lineage.Add(imported);
        return lineage;
    }

    private Dictionary<string, string[]> ReadGraph()
    {
        var graph = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(RuntimeIdentifierGraphPath) || !File.Exists(RuntimeIdentifierGraphPath)) return graph;
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(RuntimeIdentifierGraphPath));
            foreach (JsonProperty runtime in document.RootElement.GetProperty("runtimes").EnumerateObject())
            {
                graph[runtime.Name] = runtime.Value.TryGetProperty("#import", out JsonElement imports)
                    ? imports.EnumerateArray().Select(i => i.GetString() ?? "").ToArray()
                    : [];
            }
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or KeyNotFoundException or InvalidOperationException)
        {
            // Without a readable graph only our own RIDs build; the others are reported by the compile, naming the ones that do.
            Log.LogMessage(MessageImportance.Low, $"Maru: cannot read the RID graph {RuntimeIdentifierGraphPath}: {e.Message}");
        }
        return graph;
    }
}
