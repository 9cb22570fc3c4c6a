namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// The unwind information of compiled frames works: glibc's backtrace, called from three nested Maru functions
/// (with frames of every kind: callee-saved registers, stack arguments, an early return without a frame), walks
/// through them to the harness and beyond. A missing or wrong CFI, or a library without an .eh_frame_hdr table,
/// stops the walk at the first Maru frame.
/// </summary>
[TestClass]
public sealed class UnwindTests
{
    private const string Program = """
        (define backtrace (extern 'backtrace))
        (define malloc (extern 'malloc))
        (define printf (extern 'printf))
        (define-function leaf (buffer depth)
          (if (= depth 0) 0 (+ (backtrace buffer 64) (* depth 0))))
        (define-function middle (buffer n) (let ((frames (leaf buffer 1))) (+ frames n)))
        (define-function outer (buffer a b c d e f g h i j) (let ((frames (middle buffer a))) (+ frames j)))
        (define-function main () (printf "%lld\n" (outer (malloc 512) 0 0 0 0 0 0 0 0 0 0)) 0)
        """;

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    public void BacktraceWalksThroughCompiledFrames(string runtimeIdentifier)
    {
        // Calls stay calls (no inlining): the frames are what is tested.
        var run = TestCompiler.RunOn(new CompileOptions(runtimeIdentifier) { InlineSmallFunctions = false }, Program);

        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        // backtrace, leaf, middle, outer, main and the harness's main at least; the C library adds its start-up frames.
        Assert.IsGreaterThanOrEqualTo(6, long.Parse(run.StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture), run.StandardOutput);
    }
}
