using System.Globalization;

namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// Double constants in code: from the read-only pool on x86-64, as an fmov immediate on AArch64 where it encodes one
/// (and from xzr for zero), through a general register otherwise; the values are exact on every target.
/// </summary>
[TestClass]
public sealed class FloatConstantTests
{
    private const string Program = """
        (define printf (extern 'printf))
        (define-function f (x) (fl+ (fl* x 0.1328125) (fl* x 31.0) (fl* x 0.0) (fl* x 1.1) (fl* x -0.5)))
        (define-function main (argc argv) (printf "%llx\n" (f (fl* 3.0 (long->double argc)))) 0)
        """;

    private static string Expected()
    {
        double x = 3.0; // the harness passes one argument, the program's name
        double sum = x * 0.1328125 + x * 31.0 + x * 0.0 + x * 1.1 + x * -0.5; // C# adds left to right, as fl+ folds
        return BitConverter.DoubleToInt64Bits(sum).ToString("x", CultureInfo.InvariantCulture) + "\n";
    }

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    [DataRow("win-x64")]
    public void ConstantsAreExact(string runtimeIdentifier)
    {
        var run = TestCompiler.RunOn(runtimeIdentifier, Program);
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual(Expected(), run.StandardOutput);
    }

    [TestMethod]
    public void AArch64EncodesTheConstantsFmovCan()
    {
        string assembly = TestCompiler.Assembly(Program, "linux-arm64");
        StringAssert.Contains(assembly, "#0.1328125");
        StringAssert.Contains(assembly, "#31.0");
        StringAssert.Contains(assembly, "#-0.5");
        StringAssert.Contains(assembly, "xzr");
        StringAssert.Contains(assembly, "movk\tx0, #0x3ff1, lsl #48", "1.1 (0x3ff199999999999a) goes through a general register");
    }

    [TestMethod]
    public void X64ReadsThemFromThePool()
    {
        string assembly = TestCompiler.Assembly(Program, "linux-x64");
        StringAssert.Contains(assembly, "mulsd\t.Lf.k0(%rip)");
        StringAssert.Contains(assembly, ".quad " + BitConverter.DoubleToInt64Bits(1.1).ToString(CultureInfo.InvariantCulture));
    }
}
