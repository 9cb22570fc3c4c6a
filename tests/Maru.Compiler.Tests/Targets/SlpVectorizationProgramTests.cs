using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Maru.Compiler.Tests.Targets;

/// <summary>
/// Two-lane code from straight-line vectorisation computes what the scalar code did, on every target: nbody's updates of
/// pairs of bodies, laid out apart (the vectorised path), overlapping by one to four words and with the bodies in
/// descending addresses (the overlap test must choose the scalar path, or an update would read a word the other
/// lane's store changed), every double printed as bits.
/// </summary>
[TestClass]
public sealed class SlpVectorizationProgramTests
{
    private const string Program = """
        (define printf (extern 'printf))
        (define malloc (extern 'malloc))
        (define-function step (n bodies stride dt)
          (for (i 0 n)
            (let ((b (+ bodies (* i stride))))
              (for (j (+ i 1) n)
                (let* ((b2 (+ bodies (* j stride)))
                       (dx (fl- (double-at b 0) (double-at b2 0)))
                       (dy (fl- (double-at b 1) (double-at b2 1)))
                       (mag (fl/ dt (fl+ (fl* dx dx) (fl* dy dy) 1.0))))
                  (set-double-at b 2 (fl- (double-at b 2) (fl* dx (double-at b2 4) mag)))
                  (set-double-at b 3 (fl- (double-at b 3) (fl* dy (double-at b2 4) mag)))
                  (set-double-at b2 2 (fl+ (double-at b2 2) (fl* dx (double-at b 4) mag)))
                  (set-double-at b2 3 (fl+ (double-at b2 3) (fl* dy (double-at b 4) mag)))))))
          (for (i 0 n)
            (let ((b (+ bodies (* i stride))))
              (set-double-at b 0 (fl+ (double-at b 0) (fl* dt (double-at b 2))))
              (set-double-at b 1 (fl+ (double-at b 1) (fl* dt (double-at b 3)))))))
        (define-function simulate (n stride)
          (let* ((words (+ (* n 5) 5))
                 (memory (malloc (* 8 words)))
                 (bodies (if (< stride 0) (+ memory (* (- 1 n) stride)) memory)))
            (for (k 0 words) (set-double-at memory k (fl/ (long->double (- (* k 37) 101)) 13.0)))
            (for (s 0 20) (step n bodies stride 0.01))
            (for (k 0 words) (printf "%llx " (double-at memory k)))
            (printf "\n")))
        (define-function main (argc argv)
          (simulate 5 40)
          (simulate 5 8)
          (simulate 4 16)
          (simulate 3 32)
          (simulate 5 -40)
          (simulate 4 -24)
          0)
        """;

    private static readonly (int N, int Stride)[] Layouts = [(5, 40), (5, 8), (4, 16), (3, 32), (5, -40), (4, -24)];

    /// <summary>The same steps in C#, on an array of the words, operation by operation.</summary>
    private static string Expected()
    {
        var text = new StringBuilder();
        foreach (var (n, stride) in Layouts)
        {
            int words = n * 5 + 5, step = stride / 8;
            var m = new double[words];
            int bodies = stride < 0 ? (1 - n) * step : 0;
            for (int k = 0; k < words; k++) m[k] = (double)(k * 37 - 101) / 13.0;
            const double dt = 0.01;
            for (int s = 0; s < 20; s++)
            {
                for (int i = 0; i < n; i++)
                {
                    int b = bodies + i * step;
                    for (int j = i + 1; j < n; j++)
                    {
                        int b2 = bodies + j * step;
                        double dx = m[b] - m[b2], dy = m[b + 1] - m[b2 + 1];
                        double mag = dt / (dx * dx + dy * dy + 1.0);
                        m[b + 2] = m[b + 2] - dx * m[b2 + 4] * mag;
                        m[b + 3] = m[b + 3] - dy * m[b2 + 4] * mag;
                        m[b2 + 2] = m[b2 + 2] + dx * m[b + 4] * mag;
                        m[b2 + 3] = m[b2 + 3] + dy * m[b + 4] * mag;
                    }
                }
                for (int i = 0; i < n; i++)
                {
                    int b = bodies + i * step;
                    m[b] = m[b] + dt * m[b + 2];
                    m[b + 1] = m[b + 1] + dt * m[b + 3];
                }
            }
            AppendBits(text, m);
        }
        return text.ToString();
    }

    /// <summary>A line of the words' bits, as the programs print them with <c>%llx</c>.</summary>
    private static void AppendBits(StringBuilder text, double[] words)
    {
        foreach (double x in words) text.Append(CultureInfo.InvariantCulture, $"{BitConverter.DoubleToInt64Bits(x):x} ");
        text.Append('\n');
    }

    private static void AssertPrints(string runtimeIdentifier, string program, string expected)
    {
        var run = TestCompiler.RunOn(runtimeIdentifier, program);
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual(expected, run.StandardOutput);
    }

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    [DataRow("win-x64")]
    public void VectorisedUpdatesComputeWhatCSharpComputes(string runtimeIdentifier) => AssertPrints(runtimeIdentifier, Program, Expected());

    /// <summary>
    /// axpy with x and y up to 6 words apart either way (whose overlap test runs once, on entering the loop), and a loop
    /// too long to unroll whose y moves two words each time round over an x that stays (whose test must run each time
    /// round: the arrays start apart and come to overlap); and a loop that multiplies one value it computes by two
    /// others (the pack of a and b is made before the loop; the pack of t, which the loop sets, must stay in it).
    /// </summary>
    private const string Sweeps = """
        (define printf (extern 'printf))
        (define malloc (extern 'malloc))
        (define-function axpy (n a x y)
          (for (i 0 n) (set-double-at y i (fl+ (double-at y i) (fl* a (double-at x i))))))
        (define-function sweep (n a x y)
          (let ((i 0))
            (while (< i n)
              (set-double-at y 0 (fl+ (double-at y 0) (fl* a (double-at x 0))))
              (set-double-at y 1 (fl+ (double-at y 1) (fl* a (double-at x 1))))
              (set-double-at y 2 (fl+ (double-at y 2) (fl* a (double-at x 2))))
              (set-double-at y 3 (fl+ (double-at y 3) (fl* a (double-at x 3))))
              (set-double-at y 4 (fl+ (double-at y 4) (fl* a (double-at x 4))))
              (set-double-at y 5 (fl+ (double-at y 5) (fl* a (double-at x 5))))
              (set-double-at y 6 (fl+ (double-at y 6) (fl* a (double-at x 6))))
              (set-double-at y 7 (fl+ (double-at y 7) (fl* a (double-at x 7))))
              (set y (+ y 16))
              (set i (+ i 1)))))
        (define-function spread (n a b x y)
          (for (i 0 n)
            (let ((t (fl* (double-at x i) 2.0)))
              (set-double-at y (* 2 i) (fl+ (double-at y (* 2 i)) (fl* t a)))
              (set-double-at y (+ (* 2 i) 1) (fl+ (double-at y (+ (* 2 i) 1)) (fl* t b))))))
        (define-function run (offset)
          (let ((memory (malloc (* 8 64))))
            (for (k 0 64) (set-double-at memory k (fl/ (long->double (- (* k 29) 300)) 7.0)))
            (axpy 13 0.5 (+ memory (* 8 20)) (+ memory (* 8 (+ 20 offset))))
            (sweep 9 0.25 (+ memory (* 8 30)) (+ memory (* 8 (+ 20 offset))))
            (spread 7 0.75 -1.25 (+ memory (* 8 40)) (+ memory (* 8 48)))
            (for (k 0 64) (printf "%llx " (double-at memory k)))
            (printf "\n")))
        (define-function main (argc argv)
          (for (offset -6 7) (run offset))
          0)
        """;

    private static string SweepsExpected()
    {
        var text = new StringBuilder();
        for (int offset = -6; offset < 7; offset++)
        {
            var m = new double[64];
            for (int k = 0; k < 64; k++) m[k] = (double)(k * 29 - 300) / 7.0;
            for (int i = 0; i < 13; i++) m[20 + offset + i] = m[20 + offset + i] + 0.5 * m[20 + i];
            for (int i = 0, y = 20 + offset; i < 9; i++, y += 2)
                for (int w = 0; w < 8; w++) m[y + w] = m[y + w] + 0.25 * m[30 + w];
            for (int i = 0; i < 7; i++)
            {
                double t = m[40 + i] * 2.0;
                m[48 + 2 * i] = m[48 + 2 * i] + t * 0.75;
                m[49 + 2 * i] = m[49 + 2 * i] + t * -1.25;
            }
            AppendBits(text, m);
        }
        return text.ToString();
    }

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("linux-arm64")]
    [DataRow("win-x64")]
    public void SweepsComputeWhatCSharpComputes(string runtimeIdentifier) => AssertPrints(runtimeIdentifier, Sweeps, SweepsExpected());

    [TestMethod]
    [DataRow("linux-x64")]
    [DataRow("win-x64")]
    public void X64UpdatesBothLanesAtOnceAndKeepsTheScalarPath(string runtimeIdentifier)
    {
        string assembly = TestCompiler.Assembly(Program, runtimeIdentifier, inlineSmallFunctions: false);
        string step = Regex.Match(assembly, @"\nstep:.*?(?=\n\t\.p2align 4\n|$)", RegexOptions.Singleline).Value; // up to the next function
        // The velocity updates of b and b2 (two), and the position update, unrolled twice and once for the last
        // iteration (three): five two-lane stores. dx and dy, b's update; b2's update, the three position updates.
        Assert.AreEqual(5, Regex.Matches(step, @"\tmovupd\t%xmm\d+, ").Count, step);
        Assert.AreEqual(2, Regex.Matches(step, @"\tsubpd\t").Count, step);
        Assert.AreEqual(4, Regex.Matches(step, @"\taddpd\t").Count, step);
        // The scalar copy of the velocity updates: its four stores.
        Assert.AreEqual(4, Regex.Matches(step, @"\tmovsd\t%xmm\d+, \d*\(").Count, step);
    }

    [TestMethod]
    public void X64AxpysVectorisedLoopHasNeitherTheTestNorACopy()
    {
        string assembly = TestCompiler.Assembly(Sweeps, "linux-x64", inlineSmallFunctions: false);
        string axpy = Regex.Match(assembly, @"\naxpy:.*?(?=\n\t\.p2align 4\n|$)", RegexOptions.Singleline).Value;
        // The block that stores both lanes: a * x takes x's register (the copy of a for mulpd is gone), and the overlap
        // test of y and x (a subq of the two) runs before the loop.
        var loop = Regex.Split(axpy, @"\n(?=\.L)").Single(block => block.Contains("\tmovupd\t%xmm") && block.Contains("mulpd"));
        Assert.IsFalse(loop.Contains("movapd"), loop);
        Assert.IsFalse(loop.Contains("subq"), loop);
        Assert.AreEqual(2, Regex.Matches(loop, @"\tmulpd\t").Count, loop);
    }

    [TestMethod]
    public void AArch64UpdatesBothLanesAtOnceAndKeepsTheScalarPath()
    {
        string assembly = TestCompiler.Assembly(Program, "linux-arm64", inlineSmallFunctions: false);
        string step = Regex.Match(assembly, @"\nstep:.*?(?=\n\t\.p2align 2\n|$)", RegexOptions.Singleline).Value;
        Assert.AreEqual(5, Regex.Matches(step, @"\tstr\tq\d+, ").Count, step);
        Assert.AreEqual(2, Regex.Matches(step, @"\tfsub\tv\d+\.2d, ").Count, step);
        Assert.AreEqual(4, Regex.Matches(step, @"\tfadd\tv\d+\.2d, ").Count, step);
        Assert.AreEqual(4, Regex.Matches(step, @"\tstr\td\d+, \[").Count, step);
    }
}
