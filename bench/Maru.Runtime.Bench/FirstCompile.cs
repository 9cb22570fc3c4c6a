using System.Diagnostics;
using System.Runtime.InteropServices;
using Maru.Compiler;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Runtime.Bench;

/// <summary>
/// <c>--first-compile</c>: the stages of the first compile in a fresh process (mostly .NET compiling the compiler, the
/// integrated assembler and linker), then a whole <see cref="MaruModule.Compile(string, MaruCompileOptions?)"/> after them.
/// Run it several times, each a new process; compare a ReadyToRun publish of this program with the plain build.
/// </summary>
internal static class FirstCompile
{
    public static void Run()
    {
        string rid = NativeToolchain.HostRuntimeIdentifier;
        string directory = Directory.CreateTempSubdirectory("maru-first-").FullName;
        string library = Path.Combine(directory, "libfirst.so");
        long start = Stopwatch.GetTimestamp();
        CompileResult result = MaruCompiler.Compile([SourceFile.FromText("add1.l", CompileToCallable.MaruSource)], new CompileOptions(rid));
        double compiled = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        NativeToolchain.BuildLibrary(result.Assembly, library, new ToolchainOptions(rid) { Integrated = true });
        double built = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        NativeLibrary.Free(NativeLibrary.Load(library));
        double loaded = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        start = Stopwatch.GetTimestamp();
        using (var module = MaruModule.Compile(CompileToCallable.MaruSource, new MaruCompileOptions { Cache = null }))
            module.GetFunction<Func<long, long>>("add1")(1);
        double whole = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        start = Stopwatch.GetTimestamp();
        using (var module = MaruModule.Compile(CompileToCallable.MaruSource, new MaruCompileOptions { Cache = null }))
            module.GetFunction<Func<long, long>>("add1")(1);
        double again = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        Console.WriteLine($"first: compiler {compiled:0.0} ms, integrated build {built - compiled:0.0} ms, load {loaded - built:0.0} ms; "
            + $"then MaruModule.Compile {whole:0.0} ms, and again {again:0.0} ms");
        Directory.Delete(directory, recursive: true);
    }
}
