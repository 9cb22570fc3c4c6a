using System.Runtime.InteropServices;
using Maru.Compiler;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Runtime;

/// <summary>
/// A unit of Maru source compiled to a native library for this process and loaded into it. Its exported functions are
/// available as unmanaged function pointers and as typed delegates (<c>Func&lt;double, double, double&gt;</c> and friends).
/// Disposing unloads the library and deletes the module's own files (a library loaded straight from the cache stays in the
/// cache); a delegate of a disposed module throws
/// <see cref="ObjectDisposedException"/> instead of calling unloaded code.
/// </summary>
/// <remarks>
/// Thread-safe: compiling, getting functions and calling them may happen on any number of threads. Disposing while another
/// thread is inside a call of the module is the caller's error (as freeing any native library in use is): the check is made
/// when a call starts. A raw function pointer cannot be checked at all; it must not be called after the module is disposed.
/// </remarks>
public sealed class MaruModule : IDisposable
{
    // The cache libraries this process has loaded straight from the cache, each by one live module at most: loading the same
    // path again would give the same library (and the same globals), so a second module of that entry gets a copy of its own.
    private static readonly HashSet<string> LoadedFromCache = new(StringComparer.Ordinal);

    private readonly Dictionary<string, MaruFunctionInfo> _functions;
    private readonly string? _directory;
    private readonly string? _cachedLibrary;
    private IntPtr _handle;
    private volatile bool _disposed;

    private MaruModule(IntPtr handle, string? directory, string? cachedLibrary, IReadOnlyList<MaruFunctionInfo> functions, bool fromCache)
    {
        _handle = handle;
        _directory = directory;
        _cachedLibrary = cachedLibrary;
        Functions = functions;
        FromCache = fromCache;
        _functions = functions.ToDictionary(f => f.Name, StringComparer.Ordinal);
    }

    /// <summary>The exported functions, in the order the compiler reported them.</summary>
    public IReadOnlyList<MaruFunctionInfo> Functions { get; }

    /// <summary>True when the library came from the compiled-code cache: nothing was compiled, assembled or linked.</summary>
    public bool FromCache { get; }

    public bool IsDisposed => _disposed;

    /// <summary>The directory that holds this module's own copy of its library, or null when it was loaded straight from the cache (for tests).</summary>
    internal string? DirectoryPath => _directory;

    /// <summary>Compiles one unit of source text (named <c>source.l</c> in diagnostics) and loads it.</summary>
    /// <exception cref="MaruCompilationException">The source has errors, or a tool failed; nothing is left behind.</exception>
    public static MaruModule Compile(string source, MaruCompileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Compile([new MaruSource("source.l", source)], options);
    }

    /// <summary>Compiles several source units as one program (one namespace, calls between them) and loads it.</summary>
    /// <exception cref="MaruCompilationException">The sources have errors, or a tool failed; nothing is left behind.</exception>
    public static MaruModule Compile(IReadOnlyList<MaruSource> sources, MaruCompileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count == 0) throw new ArgumentException("at least one source is needed", nameof(sources));
        options ??= MaruCompileOptions.Default;
        var files = sources.Select(s => SourceFile.FromText(s.Path, s.Text)).ToList();
        string rid = NativeToolchain.HostRuntimeIdentifier;

        MaruCodeCache? cache = options.Cache;
        bool integrated = options.UsesIntegratedToolchain(rid);
        string? key = cache is null ? null : MaruCodeCache.Key(files, rid, integrated);
        if (cache is not null && cache.TryLoad(key!) is { } hit)
        {
            MaruModule? module = TryLoadFromCache(hit.LibraryPath, hit.Functions) ?? TryLoadCopy(hit);
            if (module is not null) return module;
        }

        options.OnBuild?.Invoke();
        // The files compile-time load asks for, as they were read: the cache entry is valid while they stay so.
        var loaded = new List<MaruCodeCache.LoadedFile>();
        CompileResult result = MaruCompiler.Compile(files, new CompileOptions(rid)
        {
            ReadFile = path =>
            {
                loaded.Add(MaruCodeCache.LoadedFile.Read(path, out byte[]? content));
                return content;
            },
        });
        if (!result.Success) throw new MaruCompilationException(result.Diagnostics);
        var functions = result.Exports.Select(e => new MaruFunctionInfo(e.MaruName, e.ParameterCount, e.Documentation) { Symbol = e.Symbol }).ToList();

        string directory = CreateModuleDirectory();
        string library = Path.Combine(directory, NativeToolchain.LibraryFileName("maru-module", rid));
        try
        {
            var toolchain = new ToolchainOptions(rid)
            {
                AssemblerPath = options.AssemblerPath,
                LinkerPath = options.LinkerPath,
                Integrated = integrated,
                ProcessExterns = options.ProcessExterns,
            };
            var diagnostics = NativeToolchain.BuildLibrary(result.Assembly, library, toolchain);
            if (diagnostics.Any(d => d.IsError)) throw new MaruCompilationException([.. result.Diagnostics, .. diagnostics]);
            cache?.Store(key!, library, functions, loaded);
            return Load(library, directory, functions, fromCache: false);
        }
        catch
        {
            AtomicOutput.DeleteQuietly(directory);
            throw;
        }
    }

    /// <summary>The address of the exported function <paramref name="name"/>, to call with the platform's C convention.</summary>
    /// <exception cref="KeyNotFoundException">The module exports no function of that name.</exception>
    public IntPtr GetFunctionPointer(string name) => Address(Find(name));

    /// <summary>As <see cref="GetFunctionPointer(string)"/>, and checks that the function has <paramref name="parameterCount"/> parameters.</summary>
    /// <exception cref="ArgumentException">The function has another number of parameters.</exception>
    public IntPtr GetFunctionPointer(string name, int parameterCount) => Address(Find(name, parameterCount));

    /// <summary>
    /// A typed delegate over the exported function <paramref name="name"/>: a <c>Func&lt;...&gt;</c>, an
    /// <c>Action&lt;...&gt;</c> or a delegate type of your own, with up to eight parameters. Each parameter and the result
    /// travel as one word (spec section 11): <c>long</c>, <c>ulong</c>, <c>nint</c>, <c>nuint</c>, <c>int</c>, <c>uint</c>,
    /// <c>short</c>, <c>ushort</c>, <c>sbyte</c>, <c>byte</c> widened to a word (a result keeps the word's low bits);
    /// <c>bool</c> as 0 or 1 (a result is true when nonzero); <c>double</c> as its binary64 bits and <c>float</c> widened to a
    /// double first (a result narrowed back); a <c>string</c> parameter as the address of a NUL-terminated UTF-8 copy
    /// (on the stack when short); an array of an unmanaged type pinned for the call and passed as the address of its first
    /// element (0 for null or empty); a pointer (in a delegate type of your own) as its address; a <c>void</c> result.
    /// Each call checks that the module is not disposed.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The module exports no function of that name.</exception>
    /// <exception cref="ArgumentException">
    /// The delegate type has a parameter or result type that cannot be passed (the message names it and its position), more
    /// than eight parameters, or another number of parameters than the function.
    /// </exception>
    /// <exception cref="NotSupportedException">Under NativeAOT, a delegate type other than <c>Func&lt;long, ..., long&gt;</c> whose call was not compiled ahead of time.</exception>
    public TDelegate GetFunction<TDelegate>(string name) where TDelegate : Delegate
    {
        TypedSignature signature = TypedSignature.Of(typeof(TDelegate));
        MaruFunctionInfo function = Find(name, signature.Parameters.Length, TypedSignature.CSharpName(typeof(TDelegate)));
        return (TDelegate)TypedCalls.Create(typeof(TDelegate), signature, this, Address(function));
    }

    /// <summary>Calls the exported function <paramref name="name"/> with the given words (at most eight) and returns its result.</summary>
    public long Invoke(string name, params ReadOnlySpan<long> arguments)
    {
        IntPtr address = Address(Find(name, arguments.Length));
        return TypedCalls.Invoke(this, address, arguments);
    }

    /// <summary>Unloads the library and deletes the module's own files (not the cache's). Idempotent.</summary>
    public void Dispose()
    {
        IntPtr handle;
        lock (_functions)
        {
            if (_disposed) return;
            _disposed = true;
            handle = _handle;
            _handle = IntPtr.Zero;
        }
        NativeLibrary.Free(handle);
        if (_cachedLibrary is not null)
        {
            lock (LoadedFromCache) LoadedFromCache.Remove(_cachedLibrary);
        }
        if (_directory is not null) AtomicOutput.DeleteQuietly(_directory);
    }

    internal void ThrowIfDisposed()
    {
        if (_disposed) ThrowDisposed();
    }

    private static void ThrowDisposed() => throw new ObjectDisposedException(nameof(MaruModule), "the Maru module was disposed: its library is unloaded and its functions cannot be called");

    private MaruFunctionInfo Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ThrowIfDisposed();
        if (_functions.TryGetValue(name, out var function)) return function;
        string known = _functions.Count == 0 ? "it exports none" : "it exports " + string.Join(", ", _functions.Keys.Order(StringComparer.Ordinal));
        throw new KeyNotFoundException($"the Maru module exports no function '{name}'; {known}");
    }

    private MaruFunctionInfo Find(string name, int parameterCount, string? delegateType = null)
    {
        MaruFunctionInfo function = Find(name);
        if (function.ParameterCount != parameterCount)
        {
            string given = delegateType is null ? $"{parameterCount}" : $"the {parameterCount} of {delegateType}";
            throw new ArgumentException($"'{name}' takes {Count(function.ParameterCount)}, not {given}", nameof(parameterCount));
        }
        return function;
    }

    private static string Count(int n) => n == 1 ? "1 parameter" : $"{n} parameters";

    private IntPtr Address(MaruFunctionInfo function)
    {
        lock (_functions)
        {
            ThrowIfDisposed();
            return NativeLibrary.GetExport(_handle, function.Symbol);
        }
    }

    /// <summary>
    /// Loads a cached library where it is, when no live module of this process has it loaded; null otherwise or if that fails.
    /// The cache has just checked its hash, and a library's name in the cache is its hash's: the file loaded is that one.
    /// </summary>
    private static MaruModule? TryLoadFromCache(string cachedLibrary, IReadOnlyList<MaruFunctionInfo> functions)
    {
        lock (LoadedFromCache)
        {
            if (!LoadedFromCache.Add(cachedLibrary)) return null;
        }
        // Evicted or replaced between the look-up and here: the library loaded is still a whole one, or none (a miss).
        if (NativeLibrary.TryLoad(cachedLibrary, out IntPtr handle)) return new MaruModule(handle, null, cachedLibrary, functions, fromCache: true);
        lock (LoadedFromCache) LoadedFromCache.Remove(cachedLibrary);
        return null;
    }

    /// <summary>
    /// Copies a cached library into a directory of the module's own (so each module has its own globals) and loads it, when
    /// the copy checks out against the entry's hash; null otherwise or if that fails.
    /// </summary>
    private static MaruModule? TryLoadCopy(MaruCodeCache.Entry entry)
    {
        string directory = CreateModuleDirectory();
        string library = Path.Combine(directory, Path.GetFileName(entry.LibraryPath));
        try
        {
            File.Copy(entry.LibraryPath, library);
            // The copy is what gets loaded: checked itself, in case the cache's file changed since the cache checked it.
            if (MaruCodeCache.CheckLibrary(library, entry.LibrarySize, entry.LibraryHash) != MaruCodeCache.LibraryCheck.Verified)
            {
                AtomicOutput.DeleteQuietly(directory);
                return null;
            }
            return Load(library, directory, entry.Functions, fromCache: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or MaruCompilationException)
        {
            // Evicted or unreadable between the look-up and the copy: a miss.
            AtomicOutput.DeleteQuietly(directory);
            return null;
        }
    }

    private static MaruModule Load(string library, string directory, IReadOnlyList<MaruFunctionInfo> functions, bool fromCache)
    {
        if (!NativeLibrary.TryLoad(library, out IntPtr handle))
            throw new MaruCompilationException([Diagnostic.General(DiagnosticCodes.CannotWriteOutput, "the compiled library could not be loaded", library)]);
        return new MaruModule(handle, directory, null, functions, fromCache);
    }

    // Named after this process, so that a process that ends without disposing its modules (killed, crashed) has its
    // directories deleted by the next one that makes any (a module, or a build of maru or the SDK).
    private static string CreateModuleDirectory()
    {
        try
        {
            return ProcessTemporaryDirectory.Create("module");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MaruCompilationException([Diagnostic.General(DiagnosticCodes.CannotWriteOutput, $"cannot create a temporary directory: {e.Message}")]);
        }
    }
}
