using System.Diagnostics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Maru.Compiler;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Runtime.Bench;

/// <summary>
/// From the source text of a one-line function to a delegate that has been called once: Maru without a cache (the compiler
/// and the integrated assembler and linker run; or, to compare, as and ld), Maru from a warm cache, and gcc -shared of the
/// same function in C followed by loading it. The parts of the cold path are measured alone too: the compiler, the
/// assemble-and-link step both ways, and starting a process that does nothing.
/// </summary>
[MemoryDiagnoser]
public class CompileToCallable
{
    public const string MaruSource = "(define-function add1 (x) (+ x 1))";
    public const string CSource = "long add1(long x) { return x + 1; }\n";

    private readonly List<MaruModule> _modules = [];
    private readonly List<IntPtr> _libraries = [];
    private string _directory = "";
    private MaruCompileOptions _cached = null!;
    private readonly MaruCompileOptions _uncached = new() { Cache = null };
    private readonly MaruCompileOptions _uncachedExternal = new() { Cache = null, Toolchain = MaruToolchain.External };
    private IReadOnlyList<AssemblyFile> _assembly = null!;
    private int _counter;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("maru-bench-").FullName;
        _cached = new MaruCompileOptions { Cache = new MaruCodeCache(Path.Combine(_directory, "cache")) };
        MaruModule.Compile(MaruSource, _cached).Dispose(); // fills the cache
        File.WriteAllText(Path.Combine(_directory, "add1.c"), CSource);
        _assembly = MaruCompiler.Compile([SourceFile.FromText("add1.l", MaruSource)], new CompileOptions(NativeToolchain.HostRuntimeIdentifier)).Assembly;
    }

    [Benchmark(Description = "Maru cold (compile, integrated assemble + link, load)")]
    public long MaruCold() => Keep(MaruModule.Compile(MaruSource, _uncached));

    [Benchmark(Description = "Maru cold, external tools (compile, as, ld, load)")]
    public long MaruColdExternal() => Keep(MaruModule.Compile(MaruSource, _uncachedExternal));

    [Benchmark(Description = "Maru cold, cache on (miss: compile, assemble + link, store, load)")]
    public long MaruColdStoring() => Keep(MaruModule.Compile($"{MaruSource} ; {_counter++}", _cached));

    [Benchmark(Description = "Maru cached (load from cache)")]
    public long MaruCached() => Keep(MaruModule.Compile(MaruSource, _cached));

    [Benchmark(Description = "gcc -O2 -shared + load")]
    public long GccSharedAndLoad()
    {
        string library = Path.Combine(_directory, $"libadd1-{_counter++}.so");
        Run("gcc", "-O2", "-shared", "-fPIC", "-o", library, Path.Combine(_directory, "add1.c"));
        IntPtr handle = NativeLibrary.Load(library);
        _libraries.Add(handle);
        return Call(NativeLibrary.GetExport(handle, "add1"));
    }

    [Benchmark(Description = "part: Maru compiler only (text to assembly)")]
    public int CompilerOnly() => MaruCompiler.Compile([SourceFile.FromText("add1.l", MaruSource)], new CompileOptions(NativeToolchain.HostRuntimeIdentifier)).Assembly.Count;

    [Benchmark(Description = "part: integrated assemble + link only (NativeToolchain.BuildLibrary)")]
    public int IntegratedAssembleAndLinkOnly()
    {
        string library = Path.Combine(_directory, "libpart.so");
        return NativeToolchain.BuildLibrary(_assembly, library, new ToolchainOptions(NativeToolchain.HostRuntimeIdentifier) { Integrated = true }).Count;
    }

    [Benchmark(Description = "part: as + ld only (NativeToolchain.BuildLibrary)")]
    public int AssembleAndLinkOnly()
    {
        string library = Path.Combine(_directory, "libpart.so");
        return NativeToolchain.BuildLibrary(_assembly, library, new ToolchainOptions(NativeToolchain.HostRuntimeIdentifier)).Count;
    }

    [Benchmark(Description = "part: start and wait for /bin/true")]
    public int ProcessStart() => Run("/bin/true");

    [IterationCleanup]
    public void ReleaseLoaded()
    {
        foreach (MaruModule module in _modules) module.Dispose();
        _modules.Clear();
        foreach (IntPtr handle in _libraries) NativeLibrary.Free(handle);
        _libraries.Clear();
        foreach (string file in Directory.GetFiles(_directory, "libadd1-*.so")) File.Delete(file);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ReleaseLoaded();
        Directory.Delete(_directory, recursive: true);
    }

    private long Keep(MaruModule module)
    {
        _modules.Add(module);
        return module.GetFunction<Func<long, long>>("add1")(41);
    }

    private static unsafe long Call(IntPtr function) => ((delegate* unmanaged<long, long>)function)(41);

    private static int Run(string program, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(program) { UseShellExecute = false };
        foreach (string argument in arguments) startInfo.ArgumentList.Add(argument);
        using var process = Process.Start(startInfo)!;
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} failed with {process.ExitCode}");
        return process.ExitCode;
    }
}
