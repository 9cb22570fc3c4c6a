using System.Globalization;
using System.Text;

namespace Maru.Compiler.Bindings;

/// <summary>
/// The manifest of a unit's exports that Maru.Sdk passes to its source generator (an AdditionalFiles item), so that typed
/// <c>[Maru.MaruFunction]</c> declarations are implemented and checked against what the Maru sources export. Tab-separated
/// lines: the native library's name, then one line per export with its Maru name, native symbol and parameter count.
/// The reader is src/Maru.Sdk.Generators/ExportManifest.cs; the two must agree on this format.
/// </summary>
public static class ExportManifest
{
    /// <summary>The end of the manifest's file name, by which the generator finds it among the AdditionalFiles.</summary>
    public const string FileNameSuffix = ".MaruExports.txt";

    /// <summary>The manifest text: a pure function of its input, so an unchanged unit rewrites nothing.</summary>
    public static string Format(IReadOnlyList<ExportedFunction> exports, string libraryName)
    {
        ArgumentNullException.ThrowIfNull(exports);
        ArgumentException.ThrowIfNullOrEmpty(libraryName);
        var text = new StringBuilder();
        text.Append("# The functions the Maru sources of this project export, for Maru.Sdk's source generator. Generated: changes are overwritten.\n");
        text.Append("library\t").Append(libraryName).Append('\n');
        foreach (ExportedFunction function in exports)
        {
            text.Append("export\t").Append(function.MaruName).Append('\t').Append(function.Symbol).Append('\t')
                .Append(function.ParameterCount.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return text.ToString();
    }
}
