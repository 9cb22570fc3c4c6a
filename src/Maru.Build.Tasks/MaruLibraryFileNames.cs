using Maru.Compiler.Toolchain;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Maru.Build.Tasks;

/// <summary>
/// The library's file name on each runtime identifier's platform (<c>libX.so</c>, <c>libX.dylib</c>, <c>X.dll</c>), from
/// <see cref="NativeToolchain.LibraryFileName"/>: the targets ask rather than repeat the rule.
/// </summary>
public sealed class MaruLibraryFileNames : Microsoft.Build.Utilities.Task
{
    [Required] public ITaskItem[] RuntimeIdentifiers { get; set; } = [];
    [Required] public string LibraryName { get; set; } = "";

    /// <summary>One item per runtime identifier, with its file name as <c>LibraryFileName</c> metadata.</summary>
    [Output] public ITaskItem[] Result { get; private set; } = [];

    public override bool Execute()
    {
        Result = RuntimeIdentifiers.Select(rid =>
        {
            var item = new TaskItem(rid.ItemSpec);
            item.SetMetadata("LibraryFileName", NativeToolchain.LibraryFileName(LibraryName, rid.ItemSpec));
            return (ITaskItem)item;
        }).ToArray();
        return true;
    }
}
