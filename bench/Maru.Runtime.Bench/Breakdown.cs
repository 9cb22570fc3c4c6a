using System.Diagnostics;
using Maru.Compiler;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Runtime.Bench;

/// <summary>
/// <c>--breakdown [N]</c>: where the time of a cold compile goes, stage by stage, as medians over N runs (Stopwatch; a
/// quick look to go with the BenchmarkDotNet figures, not a replacement for them).
/// </summary>
internal static class Breakdown
{
    public static void Run(int runs)
    {
        string rid = NativeToolchain.HostRuntimeIdentifier;
        string directory = Directory.CreateTempSubdirectory("maru-breakdown-").FullName;
        var stages = new Dictionary<string, List<double>>();
        void Time(string stage, Action action)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (!stages.TryGetValue(stage, out var list)) stages[stage] = list = [];
            list.Add(ms);
        }
        var cache = new MaruCodeCache(Path.Combine(directory, "cache"));
        for (int i = 0; i < runs + 5; i++)
        {
            CompileResult result = null!;
            Time("compiler (text to assembly)", () => result = MaruCompiler.Compile([SourceFile.FromText("add1.l", CompileToCallable.MaruSource)], new CompileOptions(rid)));
            Time("integrated assemble + link (BuildLibrary)", () => NativeToolchain.BuildLibrary(result.Assembly, Path.Combine(directory, "libx.so"), new ToolchainOptions(rid) { Integrated = true }));
            Time("as + ld (BuildLibrary)", () => NativeToolchain.BuildLibrary(result.Assembly, Path.Combine(directory, "libx.so"), new ToolchainOptions(rid)));
            Time("process start /bin/true", () => Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!.WaitForExit());
            MaruModule m = null!;
            Time("MaruModule.Compile, no cache (to first call)", () =>
            {
                m = MaruModule.Compile(CompileToCallable.MaruSource, new MaruCompileOptions { Cache = null });
                m.GetFunction<Func<long, long>>("add1")(1);
            });
            Time("Dispose of that module", m.Dispose);
            Time("MaruModule.Compile, no cache, external tools (to first call)", () =>
            {
                m = MaruModule.Compile(CompileToCallable.MaruSource, new MaruCompileOptions { Cache = null, Toolchain = MaruToolchain.External });
                m.GetFunction<Func<long, long>>("add1")(1);
            });
            Time("Dispose of that module", m.Dispose);
            if (i == 0) MaruModule.Compile(CompileToCallable.MaruSource, new MaruCompileOptions { Cache = cache }).Dispose();
            Time("MaruModule.Compile, cache hit (to first call)", () =>
            {
                m = MaruModule.Compile(CompileToCallable.MaruSource, new MaruCompileOptions { Cache = cache });
                m.GetFunction<Func<long, long>>("add1")(1);
            });
            Time("Dispose of that module", m.Dispose);
            string lib = Directory.GetFiles(cache.Directory, "*.so")[0];
            string exports = Directory.GetFiles(cache.Directory, "*.exports")[0];
            Time("hit part: read exports + touch", () => { File.ReadAllText(exports); File.SetLastWriteTimeUtc(exports, DateTime.UtcNow); });
            string copy = "";
            Time("hit part: temp dir + copy", () => { string d = Directory.CreateTempSubdirectory("maru-x-").FullName; copy = Path.Combine(d, "lib.so"); File.Copy(lib, copy); });
            IntPtr h = 0;
            Time("hit part: dlopen copy", () => h = System.Runtime.InteropServices.NativeLibrary.Load(copy));
            Time("dispose part: dlclose + delete dir", () => { System.Runtime.InteropServices.NativeLibrary.Free(h); Directory.Delete(Path.GetDirectoryName(copy)!, true); });
            Time("hit part: dlopen cache file + dlclose", () => System.Runtime.InteropServices.NativeLibrary.Free(System.Runtime.InteropServices.NativeLibrary.Load(lib)));
            if (i < 5) foreach (var list in stages.Values) list.Clear(); // warm-up
        }
        Console.WriteLine($"median of {runs} runs, ms:");
        foreach (var (stage, list) in stages)
        {
            list.Sort();
            Console.WriteLine($"  {stage,-40} {list[list.Count / 2],8:0.000}   (min {list[0]:0.000})");
        }
        Directory.Delete(directory, recursive: true);
    }
}
