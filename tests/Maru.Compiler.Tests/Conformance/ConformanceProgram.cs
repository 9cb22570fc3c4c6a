using System.Text.RegularExpressions;

namespace Maru.Tests.Conformance;

/// <summary>
/// One program of the conformance corpus and what it must do: the <c>;! exit N</c> and <c>;! args ...</c> directives and
/// the sibling <c>.stdout</c> file (README.md in this folder). Shared by every test project that runs the corpus.
/// </summary>
public sealed partial record ConformanceProgram(string Name, string Path, string Text, IReadOnlyList<string> Arguments, int ExpectedExit, string ExpectedOutput)
{
    /// <summary>Where the corpus is copied beside the test assembly.</summary>
    public static string Folder => System.IO.Path.Combine(AppContext.BaseDirectory, "Conformance");

    /// <summary>The programs' names, in a stable order, as rows for [DynamicData].</summary>
    public static IEnumerable<object[]> Names() =>
        Directory.GetFiles(Folder, "*.l").Order(StringComparer.Ordinal).Select(p => new object[] { System.IO.Path.GetFileNameWithoutExtension(p) });

    public static ConformanceProgram Load(string name)
    {
        string path = System.IO.Path.Combine(Folder, name + ".l");
        string text = File.ReadAllText(path);
        int exit = ExitDirective().Match(text) is { Success: true } m ? int.Parse(m.Groups[1].Value) : 0;
        string[] arguments = ArgsDirective().Match(text) is { Success: true } a
            ? a.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            : [];
        string stdoutPath = System.IO.Path.Combine(Folder, name + ".stdout");
        return new ConformanceProgram(name, path, text, arguments, exit, File.Exists(stdoutPath) ? File.ReadAllText(stdoutPath) : "");
    }

    [GeneratedRegex(@"^;!\s*exit\s+(\d+)", RegexOptions.Multiline)]
    private static partial Regex ExitDirective();

    [GeneratedRegex(@"^;!\s*args\s+(.*?)\s*$", RegexOptions.Multiline)]
    private static partial Regex ArgsDirective();
}
