// A process that uses Maru.Runtime the way an application would, for the tests that need a process of their own:
//   main CACHE FILE.l [ARG...]    compiles FILE.l, calls its main(argc, argv) and exits with the result (output as printed)
//   call CACHE FILE.l NAME [ARG...]  compiles FILE.l, calls NAME with the integer ARGs and prints "RESULT cached|built"
// CACHE is a cache directory, or '-' for none. MARU_AS and MARU_LD choose the tools as usual.
using System.Globalization;
using System.Runtime.InteropServices;
using Maru.Runtime;

if (args.Length < 3) { Console.Error.WriteLine("usage: (main|call) CACHE FILE.l ..."); return 120; }
var options = new MaruCompileOptions { Cache = args[1] == "-" ? null : new MaruCodeCache(args[1]) };
try
{
    using MaruModule module = MaruModule.Compile([new MaruSource(args[2], File.ReadAllText(args[2]))], options);
    if (args[0] == "main")
    {
        long result = NativeMain.Call(module, [args[2], .. args[3..]]);
        NativeMain.FlushC();
        return unchecked((int)(result & 0xff));
    }
    long[] words = args[4..].Select(a => long.Parse(a, CultureInfo.InvariantCulture)).ToArray();
    long value = module.Invoke(args[3], words);
    Console.WriteLine($"{value.ToString(CultureInfo.InvariantCulture)} {(module.FromCache ? "cached" : "built")}");
    return 0;
}
catch (MaruCompilationException e)
{
    Console.Error.WriteLine(e.Message);
    return 121;
}

internal static unsafe partial class NativeMain
{
    public static long Call(MaruModule module, string[] argv)
    {
        MaruFunctionInfo main = module.Functions.Single(f => f.Name == "main");
        IntPtr address = module.GetFunctionPointer("main");
        if (main.ParameterCount == 0) return ((delegate* unmanaged<long>)address)();
        var vector = (IntPtr*)NativeMemory.AllocZeroed((nuint)(argv.Length + 1), (nuint)sizeof(IntPtr));
        for (int i = 0; i < argv.Length; i++) vector[i] = Marshal.StringToCoTaskMemUTF8(argv[i]);
        return ((delegate* unmanaged<long, IntPtr*, long>)address)(argv.Length, vector);
    }

    public static void FlushC() => Flush(IntPtr.Zero);

    [LibraryImport("libc", EntryPoint = "fflush")]
    private static partial int Flush(IntPtr stream);
}
