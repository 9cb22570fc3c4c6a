using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests.Toolchain;

/// <summary>
/// The linux-arm64 toolchain builds an AArch64 ELF shared object from hand-written assembly, with whatever this machine has
/// (cross binutils, else LLVM) and with LLVM asked for by name. Checked by format and symbols: the library is not run here.
/// </summary>
[TestClass]
public sealed class LinuxArm64ToolchainTests
{
    private static readonly AssemblyFile Answer = new("answer.l",
        ".text\n.globl answer\n.type answer,%function\nanswer:\n  mov x0, #42\n  ret\n" +
        ".hidden helper\n.globl helper\n.type helper,%function\nhelper:\n  ret\n.section .note.GNU-stack,\"\",%progbits\n");

    [TestMethod]
    [DataRow(null, null)]
    [DataRow("llvm-mc", "ld.lld")]
    public void BuildsAnAArch64SharedObject(string? assembler, string? linker)
    {
        using var directory = new TemporaryDirectory();
        string library = directory.File("libanswer.so");

        var diagnostics = NativeToolchain.BuildLibrary([Answer], library,
            new ToolchainOptions("linux-arm64") { AssemblerPath = assembler, LinkerPath = linker });

        Assert.IsEmpty(diagnostics, string.Join("\n", diagnostics));
        ProgramRun headers = NativeHarness.Run("llvm-readobj", ["--file-headers", library], TimeSpan.FromMinutes(1));
        Assert.Contains("Machine: EM_AARCH64", headers.StandardOutput);
        Assert.Contains("Type: SharedObject", headers.StandardOutput);
        ProgramRun dynamic = NativeHarness.Run("llvm-nm", ["--dynamic", "--defined-only", library], TimeSpan.FromMinutes(1));
        CollectionAssert.AreEqual(new[] { "answer" }, dynamic.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[^1]).ToArray());
    }
}
