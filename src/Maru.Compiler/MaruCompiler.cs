using System.Text;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Expansion;
using Maru.Compiler.IR;
using Maru.Compiler.Semantics;
using Maru.Compiler.Syntax;
using Maru.Compiler.Targets;

namespace Maru.Compiler;

/// <summary>What to compile for. Today: the runtime identifier of the target platform.</summary>
public sealed record CompileOptions(string RuntimeIdentifier = "linux-x64")
{
    /// <summary>
    /// Reads a file that compile-time code loads (<c>(load "file.l")</c>), or null when there is none; the default reads
    /// the file system (relative names from the current folder).
    /// </summary>
    public Func<string, byte[]?>? ReadFile { get; init; }

    /// <summary>
    /// Whether calls of small leaf functions are replaced by their bodies (see <see cref="IR.Inlining"/>); false keeps
    /// every call a call, for tests of calling conventions and frames.
    /// </summary>
    public bool InlineSmallFunctions { get; init; } = true;

    /// <summary>Threads that optimise and emit a big file; null: one per processor (tests compare 1 with many).</summary>
    internal int? BackEndThreads { get; init; }
}

/// <summary>The assembly text generated for one source file of the unit.</summary>
public sealed record AssemblyFile(string SourcePath, string Text)
{
    /// <summary>The C functions the file's externs name, with where each is declared: checked and reported by the toolchain.</summary>
    public IReadOnlyList<Toolchain.ExternReference> Externs { get; init; } = [];
}

/// <summary>An exported function: what the bindings generator and loaders need to know.</summary>
public sealed record ExportedFunction(string MaruName, string Symbol, int ParameterCount, string? Documentation, string SourcePath)
{
    /// <summary>The Maru names of the parameters, in order (empty when not known).</summary>
    public IReadOnlyList<string> ParameterNames { get; init; } = [];
    /// <summary>Where the function is defined: the file (which may be one read by load), line and column.</summary>
    public string? DefinitionPath { get; init; }
    public int Line { get; init; }
    public int Column { get; init; }
}

public sealed class CompileResult
{
    public required IReadOnlyList<Diagnostic> Diagnostics { get; init; }
    public bool Success => !Diagnostics.Any(d => d.IsError);
    /// <summary>One file per source, in the order given; empty when there is any error.</summary>
    public required IReadOnlyList<AssemblyFile> Assembly { get; init; }
    public required IReadOnlyList<ExportedFunction> Exports { get; init; }
    /// <summary>The number of parameters of <c>main</c> (0 or 2), or null when the unit has no main.</summary>
    public int? MainParameterCount { get; init; }
    /// <summary>The files compile-time code read with load (also when there were errors): inputs of an incremental build.</summary>
    public IReadOnlyList<string> LoadedFiles { get; init; } = [];
    /// <summary>What compile-time code printed (print, dump, warn ...).</summary>
    public string CompileTimeOutput { get; init; } = "";
}

/// <summary>What <see cref="MaruCompiler.Expand"/> gives: the diagnostics, each top-level form after expansion as Maru prints it, the files load read, and what compile time printed.</summary>
public sealed record ExpandResult(IReadOnlyList<Diagnostic> Diagnostics, IReadOnlyList<string> Forms, IReadOnlyList<string> LoadedFiles, string CompileTimeOutput)
{
    public bool Success => !Diagnostics.Any(d => d.IsError);
}

/// <summary>The compiler's entry point: a unit of source files in, assembly text out. Thread-safe: no shared state.</summary>
public static class MaruCompiler
{
    public static CompileResult Compile(IReadOnlyList<SourceFile> sources, CompileOptions options)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(options);
        if (sources.Any(s => s is null)) throw new ArgumentException("a source file is null", nameof(sources));
        return OnCompilerThread(() => CompileOnThisThread(sources, options), diagnostics => Failed(diagnostics), sources);
    }

    /// <summary>
    /// Runs compile time only and gives every top-level form after expansion, printed as Maru prints it (strings as
    /// literals): what <c>maru expand</c> shows. Forms of files read by <c>load</c> follow the load form.
    /// </summary>
    public static ExpandResult Expand(IReadOnlyList<SourceFile> sources, CompileOptions options)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(options);
        if (sources.Any(s => s is null)) throw new ArgumentException("a source file is null", nameof(sources));
        return OnCompilerThread(() =>
        {
            var diagnostics = new DiagnosticBag();
            var forms = ReadUnit(sources, diagnostics);
            var printed = new List<string>();
            if (diagnostics.HasErrors) return new ExpandResult(diagnostics.Items, printed, [], "");
            var compileTime = CompileTime.Run(forms, diagnostics, options.ReadFile, expanded => printed.Add(Printer.ToString(expanded)));
            return new ExpandResult(diagnostics.Items, printed, compileTime.LoadedFiles, compileTime.Output);
        }, diagnostics => new ExpandResult(diagnostics.Items, [], [], ""), sources);
    }

    /// <summary>
    /// Reads the unit's files; a file given twice (one path, the same text) is one error, where its definitions would
    /// all clash with themselves. Sources of one name but other texts (a REPL's inputs) are distinct.
    /// </summary>
    private static List<(SourceFile, IReadOnlyList<Form>)> ReadUnit(IReadOnlyList<SourceFile> sources, DiagnosticBag diagnostics)
    {
        var read = new List<(SourceFile, IReadOnlyList<Form>)>();
        var byPath = new Dictionary<string, List<SourceFile>>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            string path = FullPath(source.Path);
            if (!byPath.TryGetValue(path, out var same)) byPath[path] = same = [];
            if (same.Any(other => other.Content.AsSpan().SequenceEqual(source.Content)))
            {
                diagnostics.Add(Diagnostic.General(DiagnosticCodes.DuplicateSourceName,
                    "this source file is given twice; a unit holds each file once", source.Path));
                continue;
            }
            same.Add(source);
            read.Add((source, Reader.Read(source, diagnostics)));
        }
        return read;
    }

    private static string FullPath(string path)
    {
        try { return Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { return path; }
    }

    /// <summary>Runs a stage on a compiler thread (a large stack); input that still nests too deeply is a diagnostic, not a crash.</summary>
    private static T OnCompilerThread<T>(Func<T> run, Func<DiagnosticBag, T> tooDeep, IReadOnlyList<SourceFile> sources)
    {
        T? result = default;
        try
        {
            CompilerThreads.Run(() =>
            {
                try { result = run(); }
                catch (InsufficientExecutionStackException)
                {
                    var diagnostics = new DiagnosticBag();
                    diagnostics.Add(Diagnostic.General(DiagnosticCodes.NestingTooDeep,
                        "the program nests too deeply to compile once its macros are expanded; split the longest form",
                        sources.Count > 0 ? sources[0].Path : null));
                    result = tooDeep(diagnostics);
                }
            });
        }
        catch (Exception e) { throw new InvalidOperationException("internal compiler error: " + e.Message, e); }
        return result!;
    }

    private static CompileResult CompileOnThisThread(IReadOnlyList<SourceFile> sources, CompileOptions options)
    {
        var diagnostics = new DiagnosticBag();
        var target = Targets.Targets.ForRuntime(options.RuntimeIdentifier);
        if (target is null)
        {
            diagnostics.Add(Diagnostic.General(DiagnosticCodes.UnsupportedRuntime,
                $"there is no target for the runtime identifier '{options.RuntimeIdentifier}' (supported: {string.Join(", ", Targets.Targets.SupportedRuntimeIdentifiers)})"));
            return Failed(diagnostics);
        }

        var forms = ReadUnit(sources, diagnostics);
        if (diagnostics.HasErrors) return Failed(diagnostics);
        var compileTime = CompileTime.Run(forms, diagnostics, options.ReadFile);
        if (diagnostics.HasErrors) return Failed(diagnostics, compileTime);
        var unit = compileTime.Unit;
        var analyzer = Analyzer.Declare(unit, diagnostics);
        var program = analyzer.Program;

        var assembly = new List<AssemblyFile>();
        foreach (var source in sources)
        {
            // Small functions are inlined at the calls that follow their definition in the same file (bodies are bound
            // in source order): a file's code depends on no other file's bodies, so an edit reassembles one file.
            var inlining = options.InlineSmallFunctions ? new Inlining() : null;
            // Functions stream from source to text: their IR and machine code die young, which keeps the GC cheap.
            // Binding and lowering stay on this thread, in order (diagnostics and string literals are numbered in
            // source order); the back end may run on workers.
            var module = new IrModule();
            var functions = program.Functions.Where(f => f.File == source).ToList();
            using var backEnd = new BackEnd(target, () => Targets.Targets.ForRuntime(options.RuntimeIdentifier)!, module, functions.Count,
                options.BackEndThreads ?? Environment.ProcessorCount);
            foreach (var function in functions)
            {
                if (diagnostics.IsFull) break;
                // Every body is checked, for its diagnostics; code is made only while there is no error at all.
                var body = analyzer.BindBody(function);
                if (diagnostics.HasErrors) continue;
                backEnd.Add(Lowering.Lower(module, function, body, target.RegisterArguments, inlining));
            }
            // The file's text is allocated once: its head, each function's code, then its tail (after the workers are
            // done, since the tail holds the constants they collected).
            var head = new StringBuilder();
            target.BeginFile(head);
            var code = backEnd.Complete();
            var tail = new StringBuilder();
            target.EndFile(module, functions, program.Globals.Where(g => g.File == source).ToList(), tail);
            assembly.Add(new AssemblyFile(source.Path, string.Concat([head.ToString(), .. code, tail.ToString()]))
            {
                Externs = program.Externs.Where(e => e.File == source).Select(e => new Toolchain.ExternReference(e.NativeName,
                    e.DefinedAt.File?.Path, e.DefinedAt.File?.LineColumn(e.DefinedAt.Start).Line ?? 0,
                    e.DefinedAt.File?.LineColumn(e.DefinedAt.Start).Column ?? 0)).ToList(),
            });
        }
        if (diagnostics.HasErrors) return Failed(diagnostics, compileTime);

        var main = program.Functions.FirstOrDefault(f => f.Name == "main");
        return new CompileResult
        {
            Diagnostics = diagnostics.Items,
            Assembly = assembly,
            Exports = program.Functions.Where(f => f.IsExported)
                .Select(f => new ExportedFunction(f.Name, f.NativeName, f.Parameters.Count, f.Documentation, f.File.Path)
                {
                    ParameterNames = f.Parameters.Select(p => p.Name).ToList(),
                    DefinitionPath = f.DefinedAt.File?.Path,
                    Line = f.DefinedAt.File?.LineColumn(f.DefinedAt.Start).Line ?? 0,
                    Column = f.DefinedAt.File?.LineColumn(f.DefinedAt.Start).Column ?? 0,
                }).ToList(),
            MainParameterCount = main?.Parameters.Count,
            LoadedFiles = compileTime.LoadedFiles,
            CompileTimeOutput = compileTime.Output,
        };
    }

    private static CompileResult Failed(DiagnosticBag diagnostics, CompileTimeResult? compileTime = null) => new()
    {
        Diagnostics = diagnostics.Items,
        Assembly = Array.Empty<AssemblyFile>(),
        Exports = Array.Empty<ExportedFunction>(),
        LoadedFiles = compileTime?.LoadedFiles ?? [],
        CompileTimeOutput = compileTime?.Output ?? "",
    };
}
