using System.Collections.Frozen;
using System.Reflection;
using System.Text.RegularExpressions;
using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Toolchain;

/// <summary>The C function an extern names, and where the extern is declared (the file may be one read by load).</summary>
public sealed record ExternReference(string CName, string? Path, int Line, int Column);

/// <summary>
/// What each target's C library provides, so that an extern naming something else is an error at its declaration instead of
/// a failure when the library is loaded (ELF, Mach-O) or a link error without a source line (PE). The lists are generated
/// once from the real libraries by tools/c-library-names/generate.sh: glibc's libc and libm for linux-*, msvcrt, kernel32
/// and MinGW's libmingwex for win-x64, and for osx-* (whose libSystem is not at hand off a Mac) the C standard and POSIX
/// functions. Names the host process provides are the caller's to list (<see cref="ToolchainOptions.ProcessExterns"/>).
/// </summary>
internal static partial class CLibrary
{
    private static readonly Lazy<FrozenDictionary<string, FrozenSet<string>>> Lists = new(Load);

    /// <summary>True when the C library of <paramref name="runtimeIdentifier"/> has <paramref name="name"/>; true for a target we have no list of.</summary>
    public static bool Provides(string runtimeIdentifier, string name) =>
        !Lists.Value.TryGetValue(ListName(runtimeIdentifier), out var names) || names.Contains(name);

    /// <summary>
    /// One MARU0910 at each extern whose C function neither the target's C library nor the process (<paramref name="processExterns"/>)
    /// provides.
    /// </summary>
    public static void Check(string runtimeIdentifier, IEnumerable<ExternReference> externs, IReadOnlyCollection<string> processExterns, DiagnosticBag diagnostics)
    {
        foreach (ExternReference extern_ in externs)
        {
            if (Provides(runtimeIdentifier, extern_.CName) || processExterns.Contains(extern_.CName)) continue;
            string suggestion = Nearest(runtimeIdentifier, extern_.CName) is { } near ? $" (did you mean '{near}'?)" : "";
            diagnostics.Add(new Diagnostic(DiagnosticCodes.UnknownExtern, Severity.Error, extern_.Path, extern_.Line, extern_.Column,
                $"the C library of {runtimeIdentifier} has no '{extern_.CName}'{suggestion}; if the process that loads the library " +
                "provides it, list it as a process extern (MaruProcessExterns in a project, --process-extern for maru build)"));
        }
    }

    /// <summary>
    /// The linker's diagnostics with each one that names an extern's C function (as a whole word, with or without Mach-O's
    /// leading underscore) moved to that extern's declaration: the .l line a user can fix, rather than the library.
    /// </summary>
    public static IReadOnlyList<Diagnostic> AtExterns(IReadOnlyList<Diagnostic> diagnostics, IReadOnlyList<ExternReference> externs)
    {
        if (externs.Count == 0) return diagnostics;
        return diagnostics.Select(diagnostic =>
        {
            if (diagnostic.Code != DiagnosticCodes.LinkerError) return diagnostic;
            foreach (Match word in Word().Matches(diagnostic.Message))
            {
                string name = word.Value.StartsWith('_') && externs.All(e => e.CName != word.Value) ? word.Value[1..] : word.Value;
                if (externs.FirstOrDefault(e => e.CName == name && e.Path is not null) is { } extern_)
                    return diagnostic with { Path = extern_.Path, Line = extern_.Line, Column = extern_.Column };
            }
            return diagnostic;
        }).ToList();
    }

    /// <summary>The library's name closest to a misspelt one: at most two edits away (the first such in order), else null.</summary>
    private static string? Nearest(string runtimeIdentifier, string name)
    {
        if (!Lists.Value.TryGetValue(ListName(runtimeIdentifier), out var names)) return null;
        return names.Where(candidate => Math.Abs(candidate.Length - name.Length) <= 2)
            .Select(candidate => (candidate, distance: EditDistance(candidate, name)))
            .Where(c => c.distance <= 2)
            .OrderBy(c => c.distance).ThenBy(c => c.candidate, StringComparer.Ordinal)
            .Select(c => c.candidate).FirstOrDefault();
    }

    // Levenshtein distance, one row at a time.
    private static int EditDistance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    [GeneratedRegex(@"[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex Word();

    // osx-x64 and osx-arm64 share one list; every other target has its own.
    private static string ListName(string runtimeIdentifier) => runtimeIdentifier.StartsWith("osx-", StringComparison.Ordinal) ? "osx" : runtimeIdentifier;

    private static FrozenDictionary<string, FrozenSet<string>> Load()
    {
        const string prefix = "Maru.Compiler.Toolchain.CLibraries.";
        Assembly assembly = typeof(CLibrary).Assembly;
        var lists = new Dictionary<string, FrozenSet<string>>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            var names = new List<string>();
            while (reader.ReadLine() is { } line)
            {
                if (line.Length > 0 && line[0] != '#') names.Add(line);
            }
            lists[Path.GetFileNameWithoutExtension(resource[prefix.Length..])] = names.ToFrozenSet(StringComparer.Ordinal);
        }
        return lists.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
