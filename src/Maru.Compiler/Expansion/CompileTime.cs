using System.Text;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Syntax;

namespace Maru.Compiler.Expansion;

/// <summary>What compile time made of a unit: the definitions to compile, and what it read and printed.</summary>
/// <param name="LoadedFiles">The paths of the files read by <c>load</c>, as opened (inputs of an incremental build).</param>
/// <param name="Output">What compile-time code printed.</param>
public sealed record CompileTimeResult(ExpandedUnit Unit, IReadOnlyList<string> LoadedFiles, string Output);

/// <summary>
/// Runs compile-time Maru over a unit (spec section 10): every top-level form of every file, in order, is expanded by
/// Maru's expander and evaluated; at the end of each compile region the region's definitions are classified by their
/// final values into what the analyser compiles. A file without <c>(compile-begin)</c> is one region (consecutive
/// such files share one, so their macros and definitions see each other).
/// </summary>
public sealed class CompileTime : ICompileTimeHost
{
    /// <summary>The most files <c>load</c> may nest (a file that loads itself stops here).</summary>
    public const int MaxLoadDepth = 64;

    private readonly Interpreter _interpreter;
    private readonly DiagnosticBag _diagnostics;
    private readonly Func<string, byte[]?> _readFile;
    private readonly Action<object?>? _expanded;

    private readonly List<TopLevelDefinition> _definitions = new();
    private readonly List<SymbolForm> _exports = new();
    private bool _hasExportForm;
    private readonly List<string> _loadedFiles = new();
    private readonly Stack<SourceFile> _loading = new();
    private HashSet<string> _unitPaths = [];
    /// <summary>The compile region of consecutive files without (compile-begin), while one is open.</summary>
    private MaruEnvironment? _implicitRegion;
    private SourceFile _unitFile = null!;

    /// <summary>
    /// Where a region definition was made (the name's place, the whole form's, the unit file it belongs to), the
    /// expanded value form of its define, and the value that define gave.
    /// </summary>
    private sealed record RegionDefinition(SourceSpan Name, SourceSpan Form, SourceFile UnitFile, object? Initializer = null, object? DefinedValue = null)
    {
        /// <summary>Where the value form is written (the define's place when unknown).</summary>
        public SourceSpan InitializerSpan { get; init; } = Form;
    }

    private CompileTime(Interpreter interpreter, DiagnosticBag diagnostics, Func<string, byte[]?> readFile, Action<object?>? expanded)
    {
        _interpreter = interpreter;
        _diagnostics = diagnostics;
        _readFile = readFile;
        _expanded = expanded;
        interpreter.DefinitionObserver = ObserveDefinition;
        interpreter.Host = this;
    }

    private static string FullPath(string path)
    {
        try { return Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { return path; }
    }

    /// <summary>Reads the files from disk for load (the default for <paramref name="readFile"/>): null when there is no such file.</summary>
    public static byte[]? ReadFromDisk(string path)
    {
        if (!File.Exists(path)) return null;
        return (SourceFile.ReadFromDisk(path, out string? error) ?? throw new IOException(error)).Content;
    }

    /// <param name="files">The unit's files, read, in order.</param>
    /// <param name="readFile">Reads a file for load; null when there is no such file.</param>
    /// <param name="expanded">Called with every top-level form after expansion (maru expand).</param>
    public static CompileTimeResult Run(IReadOnlyList<(SourceFile File, IReadOnlyList<Form> Forms)> files, DiagnosticBag diagnostics,
        Func<string, byte[]?>? readFile = null, Action<object?>? expanded = null)
    {
        var interpreter = Prelude.NewInterpreter();
        var compileTime = new CompileTime(interpreter, diagnostics, readFile ?? ReadFromDisk, expanded);
        compileTime.RunUnit(files);
        return new CompileTimeResult(
            new ExpandedUnit(compileTime._definitions, compileTime._exports, compileTime._hasExportForm),
            compileTime._loadedFiles, interpreter.Output.ToString());
    }

    private MaruEnvironment Host => _interpreter.Globals;

    /// <summary>
    /// Whether the unit's compile-time work ends here: the error limit is reached, or the step limit, which is one budget
    /// for the whole unit, so every form after it would fail with the same error.
    /// </summary>
    private bool Stopped => _diagnostics.IsFull || _interpreter.OutOfSteps;

    private bool InRegion => !ReferenceEquals(_interpreter.CurrentGlobals, Host);

    private void RunUnit(IReadOnlyList<(SourceFile File, IReadOnlyList<Form> Forms)> files)
    {
        _unitPaths = files.Select(f => FullPath(f.File.Path)).ToHashSet();
        bool implicitRegion = false;
        foreach (var (file, forms) in files)
        {
            _unitFile = file;
            bool explicitRegion = forms.Any(f => f is ListForm { Head: "compile-begin" });
            if (explicitRegion && implicitRegion)
            {
                CloseRegion();
                implicitRegion = false;
            }
            if (!explicitRegion && !implicitRegion)
            {
                _implicitRegion = new MaruEnvironment(Host);
                _interpreter.GlobalsVariable.Value = _implicitRegion;
                implicitRegion = true;
            }
            foreach (var form in forms)
            {
                if (Stopped) return;
                RunTopLevel(form);
            }
            if (explicitRegion && InRegion)
            {
                _diagnostics.Error(forms.First(f => f is ListForm { Head: "compile-begin" }).Span, DiagnosticCodes.RegionMismatch,
                    "(compile-begin) has no (compile-end) in this file: the region's definitions are not compiled");
                _interpreter.GlobalsVariable.Value = Host;
            }
        }
        if (implicitRegion) CloseRegion();
    }

    /// <summary>Expands and evaluates one top-level form.</summary>
    private void RunTopLevel(Form form)
    {
        long closureCalls = _interpreter.ClosureCalls;
        var value = FormConversion.ToValue(form, _interpreter);
        object? expanded;
        try
        {
            expanded = _interpreter.Expand(value, _interpreter.CurrentGlobals);
        }
        catch (MaruError error)
        {
            Report(error, form.Span);
            return;
        }
        _expanded?.Invoke(expanded);
        try
        {
            _interpreter.Eval(expanded, _interpreter.CurrentGlobals, form.Span);
            if (_interpreter.ClosureCalls == closureCalls && !_interpreter.ReadCellsChanged) LetGoOfBodyCells(form, value, expanded);
        }
        catch (MaruError error) when (InRegion && AsDefine(expanded) is var (name, define) && IsDeferrable(error, define))
        {
            // A region definition that cannot be evaluated yet (it names something defined later), or a constant
            // expression that compile time cannot evaluate: the analyser evaluates it as a constant global of
            // section 2, in any order, or reports why it is not one.
            DeferDefinition(name, define);
        }
        catch (MaruError error)
        {
            Report(error, form.Span);
        }
    }

    /// <summary>
    /// After <c>(define-function name (p...) body...)</c> was expanded and evaluated without running any Maru code
    /// (no macro but define-function's own, nothing but the definition) and while no read cell has ever been changed,
    /// nothing holds a cell of the body and the cells are as read: the function keeps the body as the forms read, and
    /// the cells die young rather than living until the region ends.
    /// That is most of the memory, and of the collector's copying, that a large file's expansion costs.
    /// </summary>
    private void LetGoOfBodyCells(Form form, object? read, object? expanded)
    {
        const int FirstBodyItem = 3; // define-function, name, parameters
        if (form is not ListForm { Count: > FirstBodyItem, Tail: null } list || read is not Pair { Tail: Pair { Tail: Pair parameterCell } }
            || AsDefine(expanded) is not { } define
            || _interpreter.Lookup(_interpreter.CurrentGlobals, define.Name) is not Closure { Code: { Form: { } lambda } code }
            || !ReferenceEquals(lambda.Tail, parameterCell))
            return; // not a define-function, or its parameters and body are not the cells read (a macro in it made others)
        var (lambdaHead, lambdaSpan, lambdaHeadSpan, parameters) = (lambda.Head, lambda.Span, lambda.HeadSpan, code.Parameters);
        code.LetGoOfCells(list.Items.Skip(FirstBodyItem).ToArray(), () =>
        {
            object? body = null;
            for (int i = list.Count - 1; i >= FirstBodyItem; i--) body = Pair.ReadFrom(list, i, FormConversion.ToValue(list[i], _interpreter), body);
            return (body, new Pair(lambdaHead, Pair.ReadFrom(list, FirstBodyItem - 1, parameters, body), lambdaSpan, lambdaHeadSpan));
        });
    }

    private static bool IsDeferrable(MaruError error, Pair define) =>
        error.Code == DiagnosticCodes.UndefinedName
        || (error.Code is DiagnosticCodes.WrongType or DiagnosticCodes.WrongArgumentCount && IsConstantShaped(((Pair)((Pair)define.Tail!).Tail!).Head));

    /// <summary>Whether a form has the shape of a constant expression of section 2 (whatever its names turn out to be).</summary>
    private static bool IsConstantShaped(object? form) => form switch
    {
        null or long or MaruSymbol => true,
        Pair { Head: MaruSymbol op } application => Semantics.Builtins.Operators.ContainsKey(op.Name) && AllOperands(application, IsConstantShaped),
        _ => false,
    };

    private static bool AllOperands(Pair application, Func<object?, bool> test)
    {
        object? operands = application.Tail;
        for (; operands is Pair operand; operands = operand.Tail)
            if (!test(operand.Head)) return false;
        return operands is null;
    }

    /// <summary>The name of an expanded <c>(define name value)</c> and the form, or null.</summary>
    private (MaruSymbol Name, Pair Form)? AsDefine(object? expanded) =>
        expanded is Pair { Head: MaruSymbol head, Tail: Pair { Head: MaruSymbol name, Tail: Pair { Tail: null } } } define
        && head.Name == "define" && _interpreter.Lookup(_interpreter.CurrentGlobals, head) is SpecialForm
            ? (name, define)
            : null;

    private void DeferDefinition(MaruSymbol name, Pair define)
    {
        try
        {
            _interpreter.Define(_interpreter.CurrentGlobals, name, Deferred.Instance, define);
        }
        catch (MaruError error)
        {
            Report(error, define.Span);
        }
    }

    private void Report(MaruError error, SourceSpan fallback)
    {
        var span = error.Span.File is not null ? error.Span : fallback;
        _diagnostics.Error(span, error.Code, error.Message);
    }

    /// <summary>Records where region definitions are made; a compiled definition made twice in one region is an error.</summary>
    private void ObserveDefinition(Variable variable, bool isNew, object? previous, Pair form)
    {
        if (ReferenceEquals(variable.Environment, Host) || !InRegion) return;
        var nameSpan = form.Tail is Pair { HeadSpan.File: not null } named ? named.HeadSpan : form.Span;
        if (!isNew && variable.RegionDefinition is RegionDefinition earlier && previous is not MaruForm && variable.Value is not MaruForm)
        {
            var (line, column) = earlier.Name.File.LineColumn(earlier.Name.Start);
            throw new MaruError($"'{variable.Name.Name}' is already defined at {earlier.Name.File.Path}({line},{column})", DiagnosticCodes.DuplicateDefinition)
                { Span = nameSpan };
        }
        var valueCell = form.Tail is Pair { Tail: Pair cell } ? cell : null;
        var value = _interpreter.ValueOf(variable);
        // A lambda's form is its closure's (which may let go of the cells, see LetGoOfBodyCells); Classify never reads it.
        var initializer = value is Closure closure && valueCell?.Head is Pair lambda && closure.Code.IsMadeFrom(lambda) ? null : valueCell?.Head;
        variable.RegionDefinition = new RegionDefinition(nameSpan, form.Span, _unitFile, initializer, value)
        {
            InitializerSpan = valueCell?.Head is Pair { Span.File: not null } list ? list.Span
                : valueCell?.HeadSpan.File is not null ? valueCell.HeadSpan
                : form.Span,
        };
    }

    // ---- compile regions ----

    /// <summary>Ends the innermost region: its definitions, in order, become what the analyser compiles.</summary>
    private void CloseRegion()
    {
        if (!InRegion) return; // an explicit (compile-end) closed it already
        var region = _interpreter.CurrentGlobals;
        RetryDeferredDefinitions(region);
        foreach (var item in region.Bindings.Items)
        {
            if (Stopped) break;
            if (item is Variable variable) Classify(variable);
        }
        _interpreter.GlobalsVariable.Value = region.Parent ?? Host;
    }

    /// <summary>
    /// Evaluates again, now that the whole region is defined, each definition that named something not defined yet;
    /// a constant expression stays for the analyser. What still fails is reported.
    /// </summary>
    private void RetryDeferredDefinitions(MaruEnvironment region)
    {
        foreach (var item in region.Bindings.Items)
        {
            if (item is not Variable variable || _interpreter.ValueOf(variable) is not Deferred) continue;
            var site = (RegionDefinition)variable.RegionDefinition!;
            if (IsConstantShaped(site.Initializer)) continue;
            try
            {
                var value = _interpreter.Eval(site.Initializer, region, site.InitializerSpan);
                _interpreter.Assign(variable, value);
                variable.RegionDefinition = site with { DefinedValue = value };
            }
            catch (MaruError error)
            {
                Report(error, site.InitializerSpan);
                _interpreter.Assign(variable, null);
                variable.RegionDefinition = site with { DefinedValue = null };
            }
        }
    }

    private void Classify(Variable variable)
    {
        var site = variable.RegionDefinition as RegionDefinition ?? new RegionDefinition(default, default, _unitFile);
        var nameSpan = site.Name.File is not null ? site.Name : new SourceSpan(_unitFile, 0, 0);
        var formSpan = site.Form.File is not null ? site.Form : nameSpan;
        var name = new SymbolForm(nameSpan, variable.Name.Name);
        object? value = _interpreter.ValueOf(variable);
        if (value is not (MaruForm or long) && Equals(value, site.DefinedValue) && site.Initializer is Pair or MaruSymbol
            && IsConstantExpression(site.Initializer, _interpreter.CurrentGlobals))
        {
            // A constant global of section 2 whose value at compile time is not a number (a comparison's t or nil, or
            // not evaluated yet): the analyser folds it with the compiled language's operators, which give 1 and 0.
            Add(new GlobalDefinition(name, formSpan, FormConversion.ToForm(site.Initializer, site.InitializerSpan, _diagnostics, _interpreter.ReadCellsChanged)) { File = site.UnitFile });
            return;
        }
        switch (value)
        {
            case MaruForm:
                return; // a macro: compile time only
            case Deferred:
                Add(new GlobalDefinition(name, formSpan, FormConversion.ToForm(site.Initializer, site.InitializerSpan, _diagnostics, _interpreter.ReadCellsChanged)) { File = site.UnitFile });
                return;
            case null:
                Add(new GlobalDefinition(name, formSpan, null) { File = site.UnitFile });
                return;
            case long or MaruString:
                Add(new GlobalDefinition(name, formSpan, FormConversion.ToForm(value, formSpan, _diagnostics, _interpreter.ReadCellsChanged)) { File = site.UnitFile });
                return;
            case Closure closure:
                ClassifyFunction(variable, closure, name, site, formSpan);
                return;
            case ExternValue external:
                if (external.Name is null || ReferenceEquals(external.Name, variable.Name))
                {
                    external.Name = variable.Name;
                    Add(new ExternDefinition(name, formSpan, external.CName.Name, external.FixedParameters, external.Signature) { File = site.UnitFile });
                }
                else
                {
                    Add(new GlobalDefinition(name, formSpan, new SymbolForm(nameSpan, external.Name.Name)) { File = site.UnitFile });
                }
                return;
            default:
                _diagnostics.Error(nameSpan, DiagnosticCodes.NotCompilable,
                    $"'{variable.Name.Name}' holds {FormConversion.TypeName(value)} ({Printer.Describe(value)}) at the end of the compile region: only functions, integers, strings, externs and macros can be compiled");
                return;
        }
    }

    private void ClassifyFunction(Variable variable, Closure closure, SymbolForm name, RegionDefinition site, SourceSpan formSpan)
    {
        if (closure.Name is MaruSymbol owner && !ReferenceEquals(owner, variable.Name))
        {
            // Another name's function: this global holds its address (spec section 2).
            if (_interpreter.CurrentGlobals.FindLocal(owner) is { } ownerVariable && _interpreter.ValueOf(ownerVariable) == closure)
            {
                Add(new GlobalDefinition(name, formSpan, new SymbolForm(name.Span, owner.Name)) { File = site.UnitFile });
                return;
            }
            _diagnostics.Error(name.Span, DiagnosticCodes.NotCompilable,
                $"'{variable.Name.Name}' holds the compile-time function '{owner.Name}', which is not defined in this compile region");
            return;
        }
        closure.Name = variable.Name;
        var code = closure.Code;
        var span = code.Span.File is not null ? code.Span : formSpan;
        if (closure.Frame is not null)
        {
            _diagnostics.Error(name.Span, DiagnosticCodes.NotSupported,
                $"'{variable.Name.Name}' is a closure over local variables; closures exist only at compile time (spec section 9)");
            return;
        }
        if (code.HasRest)
        {
            _diagnostics.Error(name.Span, DiagnosticCodes.NotSupported,
                $"'{variable.Name.Name}' takes a variable number of arguments, which only compile-time functions can");
            return;
        }
        var parameters = new List<SymbolForm>();
        var parameterSpan = code.Parameters is Pair { Span.File: not null } list ? list.Span : span;
        for (object? p = code.Parameters; p is Pair cell; p = cell.Tail)
            parameters.Add(new SymbolForm(cell.HeadSpan.File is not null ? cell.HeadSpan : parameterSpan, ((MaruSymbol)cell.Head!).Name));
        var body = code.BodyForms;
        if (body is null)
        {
            var converted = new List<Form>();
            for (object? b = code.BodySource; b is Pair cell; b = cell.Tail)
            {
                var itemSpan = cell.Head is Pair { Span.File: not null } inner ? inner.Span : cell.HeadSpan.File is not null ? cell.HeadSpan : span;
                converted.Add(FormConversion.ToForm(cell.Head, itemSpan, _diagnostics, _interpreter.ReadCellsChanged));
            }
            body = converted;
        }
        Add(CoreForms.Function(name, span, parameters, body, site.UnitFile, _diagnostics));
    }

    private void Add(TopLevelDefinition definition) => _definitions.Add(definition);

    /// <summary>
    /// Whether a form is a constant expression of spec section 2: integers, nil, names of the region's definitions, and
    /// the operators of section 4 applied to constant expressions.
    /// </summary>
    private static bool IsConstantExpression(object? form, MaruEnvironment region)
    {
        switch (form)
        {
            case null or long:
                return true;
            case MaruSymbol name:
                return region.FindLocal(name) is not null;
            case Pair { Head: MaruSymbol op } application when Semantics.Builtins.Operators.ContainsKey(op.Name):
                return AllOperands(application, operand => IsConstantExpression(operand, region));
            default:
                return false;
        }
    }

    // ---- what compile-time primitives ask of the unit ----

    void ICompileTimeHost.CompileEnd()
    {
        if (!InRegion || ReferenceEquals(_interpreter.CurrentGlobals, _implicitRegion))
            throw new MaruError("(compile-end) without a (compile-begin) before it in this file", DiagnosticCodes.RegionMismatch);
        CloseRegion();
    }

    /// <summary>Tells which compile-time code made an export form: names given by a macro have no place of their own but the call's.</summary>
    void ICompileTimeHost.Export(object? names, SourceSpan site)
    {
        _hasExportForm = true;
        for (object? rest = names; rest is Pair cell; rest = cell.Tail)
        {
            var span = cell.HeadSpan.File is not null ? cell.HeadSpan : site;
            if (cell.Head is MaruSymbol name) _exports.Add(new SymbolForm(span, name.Name));
            else _diagnostics.Error(span, DiagnosticCodes.MalformedForm, "export takes function names");
        }
    }

    /// <summary>
    /// Reads a file into the place of the load: each of its forms is expanded and evaluated in turn. A relative name is
    /// found beside the loading file, then in the current folder.
    /// </summary>
    void ICompileTimeHost.Load(string name)
    {
        if (_loading.Count >= MaxLoadDepth)
            throw new MaruError($"load nests more than {MaxLoadDepth} files deep: does a file load itself?", DiagnosticCodes.LoadFailed);
        string? directory = Path.GetDirectoryName(_loading.Count > 0 ? _loading.Peek().Path : _unitFile.Path);
        var candidates = Path.IsPathRooted(name) || string.IsNullOrEmpty(directory) ? [name] : new[] { Path.Combine(directory, name), name };
        foreach (var candidate in candidates)
        {
            byte[]? content;
            try { content = _readFile(candidate); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new MaruError($"cannot read '{candidate}': {e.Message}", DiagnosticCodes.LoadFailed);
            }
            if (content is null) continue;
            if (_unitPaths.Contains(FullPath(candidate)))
                throw new MaruError($"'{candidate}' is a source file of the unit, so its definitions are made already; loading it would make them twice (remove it from the unit's sources, or do not load it)",
                    DiagnosticCodes.LoadFailed);
            _loadedFiles.Add(candidate);
            var file = new SourceFile(candidate, content);
            int errors = _diagnostics.ErrorCount;
            var forms = Reader.Read(file, _diagnostics);
            if (_diagnostics.ErrorCount > errors) return;
            _loading.Push(file);
            try
            {
                foreach (var form in forms)
                {
                    if (Stopped) break;
                    RunTopLevel(form);
                }
            }
            finally
            {
                _loading.Pop();
            }
            return;
        }
        throw new MaruError($"cannot load '{name}': no such file{(candidates.Length > 1 ? $" beside the loading file ({candidates[0]}) or in the current folder" : "")}",
            DiagnosticCodes.LoadFailed);
    }
}
