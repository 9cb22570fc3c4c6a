using Maru.Tests.Conformance;

namespace Maru.Compiler.Tests.RandomPrograms;

/// <summary>The oracle itself checked: against the spec's own examples, and against the conformance corpus where it can read the program.</summary>
[TestClass]
public sealed class ReferenceEvaluatorTests
{
    /// <summary>The values the spec gives (sections 3, 4 and 11), copied from its text.</summary>
    [TestMethod]
    [DataRow("(/ 7 -2)", "-3")]
    [DataRow("(% 7 -2)", "1")]
    [DataRow("(% -7 2)", "-1")]
    [DataRow("(/ 5 0)", "0")]
    [DataRow("(% 5 0)", "5")]
    [DataRow("(/ 0x8000000000000000 -1)", "-9223372036854775808")]
    [DataRow("(% 0x8000000000000000 -1)", "0")]
    [DataRow("(+ 0x7fffffffffffffff 1)", "-9223372036854775808")]
    [DataRow("(<< 1 64)", "1")]
    [DataRow("(<< 1 65)", "2")]
    [DataRow("(>> -8 1)", "-4")]
    [DataRow("(< -1 0)", "1")]
    [DataRow("0xffffffffffffffff", "-1")]
    [DataRow("-0x10", "-16")]
    [DataRow("(unless 5 7)", "5")]
    [DataRow("(when 0 7)", "0")]
    [DataRow("(and)", "1")]
    [DataRow("(or)", "0")]
    [DataRow("(and 1 2 3)", "3")]
    [DataRow("(or 0 0 4 5)", "4")]
    [DataRow("(if 0 1)", "0")]
    [DataRow("(let ((x 1)) (let ((x 2) (y x)) y))", "1")]
    [DataRow("(let ((x 1)) (let* ((x 2) (y x)) y))", "2")]
    [DataRow("(let ((x 1)) (+ x (set x 10) x))", "21")]
    [DataRow("(let ((n 0)) (for (i 0 (set n 3)) (set n (+ n 100))) n)", "303")]
    [DataRow("(cond (0 1) (2) (else 3))", "0")]
    [DataRow("(let ((p (calloc 2 8))) (set-string-at p 0 0x1ff) (string-at p 0))", "255")]
    [DataRow("(let ((p (calloc 2 8))) (set-string-at p 0 0x1ff))", "511")]
    [DataRow("(let ((p (calloc 2 8))) (set-oop-at p 1 -2) (+ (string-at p 8) (string-at p 15)))", "509")]
    [DataRow("(double->long 1e300)", "9223372036854775807")]
    [DataRow("(double->long -1e300)", "-9223372036854775808")]
    [DataRow("(double->long (fl/ 0.0 0.0))", "0")]
    [DataRow("(double->long -2.75)", "-2")]
    [DataRow("(= (fl/ 1.0 0.0) 0x7ff0000000000000)", "1")]
    [DataRow("(flmin -0.0 0.0)", "-9223372036854775808")]
    [DataRow("(flmax -0.0 0.0)", "0")]
    [DataRow("(double->long (flmin (fl/ 0.0 0.0) 2.0))", "2")]
    [DataRow("(fl!= (fl/ 0.0 0.0) (fl/ 0.0 0.0))", "1")]
    [DataRow("(fl= (fl/ 0.0 0.0) (fl/ 0.0 0.0))", "0")]
    [DataRow("(double->long (flround 2.5))", "2")]
    [DataRow("(double->long (flround 3.5))", "4")]
    [DataRow("(fl- 0.0)", "-9223372036854775808")]
    public void TheEvaluatorGivesTheSpecsValues(string expression, string value)
    {
        string program = $"(define calloc (extern 'calloc))\n(define printf (extern 'printf))\n(define-function main () (printf \"%lld\\n\" {expression}) 0)";
        Assert.AreEqual(value + "\n", ReferenceEvaluator.Run(program, 1000).Output, expression);
    }

    [TestMethod]
    public void ReturnLeavesTheFunctionFromInsideAnExpression()
    {
        Assert.AreEqual("7\n", ReferenceEvaluator.Run("""
            (define printf (extern 'printf))
            (define g 0)
            (define-function f (x) (+ 1 (let ((i 0)) (while 1 (set g (+ g 1)) (if (= g 3) (return (+ x g))))) 0))
            (define-function main () (printf "%lld\n" (f 4)) 0)
            """, 1000).Output);
    }

    [TestMethod]
    public void AProgramThatRunsTooLongRunsOutOfSteps() =>
        Assert.ThrowsExactly<ReferenceEvaluator.OutOfStepsException>(() => ReferenceEvaluator.Run("(define-function main () (while 1) 0)", 1000));

    [TestMethod]
    public void AnAccessOutsideTheBlockIsAnError() =>
        Assert.ThrowsExactly<InvalidOperationException>(() => ReferenceEvaluator.Run("(define calloc (extern 'calloc))\n(define-function main () (oop-at (calloc 2 8) 2) 0)", 1000));

    /// <summary>
    /// Section 11's widths: element i at p + size*i, loads sign- or zero-extended, stores keeping the low bits (their value
    /// is the value given), a float store rounding to binary32, little-endian bytes in one word.
    /// </summary>
    [TestMethod]
    public void MemoryOfEveryWidthIsWhatSection11Says() =>
        Assert.AreEqual("-1 -1\n255\n-32768 32768\n-2147483648 2147483648\n-9223372034707226880\n100000001\n-4610560118520545280 -2\n",
            ReferenceEvaluator.Run("""
                (define printf (extern 'printf))
                (define calloc (extern 'calloc))
                (define-function main ()
                  (let ((p (calloc 2 8)))
                    (printf "%lld %lld\n" (set-int8-at p 1 -1) (int8-at p 1))
                    (printf "%lld\n" (uint8-at p 1))
                    (set-int16-at p 1 0x18000)
                    (printf "%lld %lld\n" (int16-at p 1) (uint16-at p 1))
                    (set-uint32-at p 1 0x180000000)
                    (printf "%lld %lld\n" (int32-at p 1) (uint32-at p 1))
                    (printf "%lld\n" (oop-at p 0))
                    (set-float-at p 2 0.1)
                    (printf "%lld\n" (double->long (fl* (float-at p 2) 1e9)))
                    (set-double-at p 1 -2.5)
                    (printf "%lld %lld\n" (int64-at p 1) (double->long (double-at p 1)))
                    0))
                """, 1000).Output);

    /// <summary>
    /// Every corpus program that uses only what the evaluator knows (no other format than %lld, no argv, no other
    /// extern) must print its expected output there too: the oracle and the corpus agree on the spec.
    /// </summary>
    [TestMethod]
    public void TheEvaluatorPrintsWhatTheCorpusExpectsOfEveryProgramItCanRead()
    {
        var checkedNames = new List<string>();
        foreach (var row in ConformanceProgram.Names())
        {
            var program = ConformanceProgram.Load((string)row[0]);
            (string Output, long Result) run;
            try
            {
                run = ReferenceEvaluator.Run(program.Text, 10_000_000);
            }
            catch (Exception ex) when (ex is NotSupportedException or ReferenceEvaluator.OutOfStepsException)
            {
                continue;
            }
            Assert.AreEqual(program.ExpectedOutput, run.Output, program.Name);
            Assert.AreEqual(program.ExpectedExit, (int)(run.Result & 0xff), program.Name);
            checkedNames.Add(program.Name);
        }
        Assert.IsGreaterThanOrEqualTo(35, checkedNames.Count, string.Join(" ", checkedNames));
    }
}
