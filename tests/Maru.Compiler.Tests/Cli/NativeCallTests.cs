using System.Runtime.InteropServices;
using Maru.Cli;
using Maru.Compiler.Tests.Toolchain;

namespace Maru.Compiler.Tests.Cli;

// What `maru run` does once the library is built: call an entry with words, or main with argc/argv.
[TestClass]
public sealed class NativeCallTests
{
    private static TemporaryDirectory s_directory = null!;
    private static IntPtr s_library;

    [ClassInitialize]
    public static void BuildLibrary(TestContext _)
    {
        s_directory = new TemporaryDirectory();
        s_library = NativeLibrary.Load(HandWrittenAssembly.BuildLibrary(s_directory, HandWrittenAssembly.File("calls.l",
            HandWrittenAssembly.Answer,
            ("subtract", ["movq %rdi, %rax", "subq %rsi, %rax", "ret"]),
            ("seventh", ["movq 8(%rsp), %rax", "ret"]),
            ("tenth", ["movq 32(%rsp), %rax", "ret"]),
            // argc * 1000 + the first byte of argv[1], + 500000 if argv[argc] is not NULL.
            ("main", [
                "movq %rdi, %rax", "imulq $1000, %rax",
                "movq 8(%rsi), %rcx", "movzbq (%rcx), %rcx", "addq %rcx, %rax",
                "cmpq $0, (%rsi,%rdi,8)", "je 1f", "addq $500000, %rax",
                "1: ret"]))));
    }

    [ClassCleanup]
    public static void FreeLibrary()
    {
        NativeLibrary.Free(s_library);
        s_directory.Dispose();
    }

    private static IntPtr Function(string name) => NativeLibrary.GetExport(s_library, name);

    [TestMethod]
    public void PassesWordsInOrder()
    {
        Assert.AreEqual(42L, NativeCall.Invoke(Function("answer"), []));
        Assert.AreEqual(7L, NativeCall.Invoke(Function("subtract"), [10, 3]));
        Assert.AreEqual(long.MinValue, NativeCall.Invoke(Function("subtract"), [long.MaxValue, -1]));
    }

    [TestMethod]
    public void PassesArgumentsBeyondTheRegistersOnTheStack()
    {
        long[] arguments = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

        Assert.AreEqual(7L, NativeCall.Invoke(Function("seventh"), arguments.AsSpan(0, 7)));
        Assert.AreEqual(10L, NativeCall.Invoke(Function("tenth"), arguments));
    }

    [TestMethod]
    public void RefusesMoreThanTenArguments() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NativeCall.Invoke(Function("answer"), new long[11]));

    [TestMethod]
    public void PassesMainANullTerminatedUtf8Argv()
    {
        // 'é' is 0xC3 0xA9 in UTF-8.
        Assert.AreEqual(2L * 1000 + 0xC3, NativeCall.InvokeMain(Function("main"), 2, ["prog.l", "é"]));
        Assert.AreEqual(3L * 1000 + 'x', NativeCall.InvokeMain(Function("main"), 2, ["prog.l", "x", "y"]));
    }

    [TestMethod]
    public void CallsAParameterlessMainWithNothing() =>
        Assert.AreEqual(42L, NativeCall.InvokeMain(Function("answer"), 0, ["prog.l", "ignored"]));
}
