using Maru.Compiler.IR;
using Maru.Compiler.Optimization;
using Maru.Compiler.Semantics;
using Maru.Compiler.Tests.IR;

namespace Maru.Compiler.Tests.Optimization;

/// <summary>
/// Straight-line vectorisation: neighbouring stores of doubles and the operations that compute them become two-lane
/// instructions where that is legal; through two bases, in a block versioned on a runtime overlap test.
/// </summary>
[TestClass]
public sealed class SlpVectorizationTests
{
    private static IrFunction Vectorised(string source, out bool changed)
    {
        var function = IrTests.Lower(source, optimise: true);
        RegisterClasses.Assign(function);
        changed = SlpVectorization.Run(function);
        return function;
    }

    private static bool GoesTo(BasicBlock from, BasicBlock to) => from.Terminator.True == to || from.Terminator.False == to;

    private static bool IsTwoLane(IrFunction function, Instruction i) =>
        i.Opcode == Opcode.Store ? i.Args[2].IsRegister && function.TwoLaneRegisters.Contains(i.Args[2].Register)
        : i.Dest >= 0 && function.TwoLaneRegisters.Contains(i.Dest);

    private static List<string> TwoLaneOperations(IrFunction function, BasicBlock block) =>
        block.Instructions.Where(i => IsTwoLane(function, i)).Select(i => i.Opcode == Opcode.Binary || i.Opcode == Opcode.Load || i.Opcode == Opcode.Store ? i.Operator.ToString() : i.Opcode.ToString()).ToList();

    [TestMethod]
    public void AnUpdateOfNeighbouringWordsOfOneBaseBecomesTwoLaneInPlace()
    {
        // nbody's position update: x += dt * vx; y += dt * vy, one body's words.
        var function = Vectorised("""
            (define-function f (n p dt)
              (for (i 0 n)
                (let ((b (+ p (* i 56))))
                  (set-double-at b 0 (fl+ (double-at b 0) (fl* dt (double-at b 3))))
                  (set-double-at b 1 (fl+ (double-at b 1) (fl* dt (double-at b 4)))))))
            """, out bool changed);
        Assert.IsTrue(changed, function.ToString());
        // Unrolled twice, with a copy for the last iterations: each copy's store is one, of two lanes.
        var loops = function.Blocks.Where(b => b.LoopDepth > 0 && b.Instructions.Any(i => i.Opcode == Opcode.Store)).ToList();
        Assert.IsNotEmpty(loops, function.ToString());
        foreach (var loop in loops)
        {
            var stores = loop.Instructions.Where(i => i.Opcode == Opcode.Store).ToList();
            Assert.IsTrue(stores.All(i => IsTwoLane(function, i)), function.ToString());
            var operations = TwoLaneOperations(function, loop);
            Assert.AreEqual(2 * stores.Count, operations.Count(o => o == "LoadWord"), function.ToString());
            Assert.AreEqual(stores.Count, operations.Count(o => o == "FMul"), function.ToString());
            Assert.AreEqual(stores.Count, operations.Count(o => o == "FAdd"), function.ToString());
            // dt in both lanes: made once before the loop, in the block that enters it, if one block does (the
            // unrolled loop); made each time round if more do (the loop of the last iterations).
            var entries = function.Blocks.Where(b => b != loop && GoesTo(b, loop)).ToList();
            Assert.AreEqual(entries.Count == 1 ? 0 : 1, operations.Count(o => o == "Pack"), function.ToString());
            if (entries.Count == 1) Assert.AreEqual(1, entries[0].Instructions.Count(i => i.Opcode == Opcode.Pack), function.ToString());
            Assert.IsFalse(loop.Instructions.Any(i => i.Opcode == Opcode.Lane), "no lane is read alone: " + function);
        }
        Assert.IsTrue(loops.Any(loop => function.Blocks.Count(b => b != loop && GoesTo(b, loop)) == 1), function.ToString());
        Assert.IsFalse(function.Blocks.Any(b => b.Terminator.Comparison == Operator.Le && b.Terminator.B.IsConstant && b.Terminator.B.Constant < 0), "no overlap test: " + function);
    }

    [TestMethod]
    public void UpdatesThroughTwoBasesAreVersionedOnAnOverlapTest()
    {
        // nbody's velocity updates: b's words are read and written, then b2's, and b2 could be anywhere near b.
        var function = Vectorised("""
            (define-function f (n p dt)
              (for (i 0 n)
                (let ((b (+ p (* i 40))))
                  (for (j (+ i 1) n)
                    (let* ((b2 (+ p (* j 40)))
                           (dx (fl- (double-at b 0) (double-at b2 0)))
                           (dy (fl- (double-at b 1) (double-at b2 1)))
                           (mag (fl/ dt (fl+ (fl* dx dx) (fl* dy dy)))))
                      (set-double-at b 2 (fl- (double-at b 2) (fl* dx (double-at b2 4) mag)))
                      (set-double-at b 3 (fl- (double-at b 3) (fl* dy (double-at b2 4) mag)))
                      (set-double-at b2 2 (fl+ (double-at b2 2) (fl* dx (double-at b 4) mag)))
                      (set-double-at b2 3 (fl+ (double-at b2 3) (fl* dy (double-at b 4) mag))))))))
            """, out bool changed);
        Assert.IsTrue(changed, function.ToString());
        var test = function.Blocks.Single(b => b.Terminator is { Kind: TerminatorKind.Branch, Comparison: Operator.Le, B.IsConstant: true } t
                                               && t.True != t.False && t.True!.Instructions.Count > 10);
        var scalar = test.Terminator.True!;
        var vectorised = test.Terminator.False!;
        // Both bodies reach 40 bytes each: they overlap when -40 < b2 - b < 40, 79 values from -39.
        Assert.AreEqual(unchecked(long.MinValue + 78), test.Terminator.B.Constant, function.ToString());
        var shifted = test.Instructions[^1];
        Assert.AreEqual(Operator.Add, shifted.Operator, function.ToString());
        Assert.AreEqual(unchecked(long.MinValue + 39), shifted.Args[1].Constant, function.ToString());
        Assert.AreEqual(Operator.Sub, test.Instructions[^2].Operator, function.ToString());
        Assert.IsEmpty(TwoLaneOperations(function, scalar), function.ToString());
        Assert.AreEqual(4, scalar.Instructions.Count(i => i.Opcode == Opcode.Store), function.ToString());
        Assert.AreEqual(2, vectorised.Instructions.Count(i => i.Opcode == Opcode.Store), function.ToString());
        Assert.IsTrue(vectorised.Instructions.Where(i => i.Opcode == Opcode.Store).All(i => IsTwoLane(function, i)), function.ToString());
        // Both copies go on as the block did.
        Assert.AreEqual(scalar.Terminator.ToString(), vectorised.Terminator.ToString());
        Assert.AreEqual(test.LoopDepth, vectorised.LoopDepth);
        Assert.IsTrue(function.Blocks.Select((b, i) => b.Id == i).All(x => x), "blocks numbered in order");
        // Each mass, loaded again after the first update's store, is one load in both lanes.
        Assert.AreEqual(4, scalar.Instructions.Count(i => i is { Opcode: Opcode.Load, Args: [_, { Constant: 4 }] }), function.ToString());
        Assert.AreEqual(2, vectorised.Instructions.Count(i => i is { Opcode: Opcode.Load, Args: [_, { Constant: 4 }] }), function.ToString());
    }

    [TestMethod]
    public void AnUnrolledArrayUpdateIsPairedAcrossItsStepsAndVersionedOnTheArraysOverlap()
    {
        // axpy, unrolled: y[i] and y[i + 1] are neighbours though the counter is stepped (and copied) between them.
        var function = Vectorised("(define-function f (n a x y) (for (i 0 n) (set-double-at y i (fl+ (double-at y i) (fl* a (double-at x i))))))", out bool changed);
        Assert.IsTrue(changed, function.ToString());
        var test = function.Blocks.Single(b => b.Terminator is { Kind: TerminatorKind.Branch, Comparison: Operator.Le, B.IsConstant: true } t
                                               && t.B.Constant < long.MinValue / 2);
        var vectorised = test.Terminator.False!;
        var stores = vectorised.Instructions.Where(i => i.Opcode == Opcode.Store).ToList();
        Assert.IsNotEmpty(stores, function.ToString());
        Assert.IsTrue(stores.All(i => IsTwoLane(function, i) && i.Args[1].IsRegister), function.ToString());
        Assert.AreEqual(2 * stores.Count, test.Terminator.True!.Instructions.Count(i => i.Opcode == Opcode.Store), "the scalar copy stores each word: " + function);
        // x and y, each reached over the unrolled copies' words: they overlap when |y - x| < that many bytes.
        long bytes = 16L * stores.Count;
        Assert.AreEqual(unchecked(long.MinValue + 2 * (bytes - 1)), test.Terminator.B.Constant, function.ToString());
        // The block was the loop, and the test reads what the loop never changes: each copy loops on itself, so the
        // test runs once on entry, and so does the pack of a into both lanes.
        var scalar = test.Terminator.True!;
        Assert.IsTrue(GoesTo(vectorised, vectorised) && !GoesTo(vectorised, test), function.ToString());
        Assert.IsTrue(GoesTo(scalar, scalar) && !GoesTo(scalar, test), function.ToString());
        Assert.AreEqual(1, test.Instructions.Count(i => i.Opcode == Opcode.Pack), function.ToString());
        Assert.IsFalse(vectorised.Instructions.Any(i => i.Opcode == Opcode.Pack), function.ToString());
    }

    [TestMethod]
    public void ALoopThatMovesABaseTestsForOverlapInEveryIteration()
    {
        // y moves on each time round and x stays: whether they overlap changes as the loop runs.
        var function = Vectorised("""
            (define-function f (n a x y)
              (let ((i 0))
                (while (< i n)
                  (set-double-at y 0 (fl+ (double-at y 0) (fl* a (double-at x 0))))
                  (set-double-at y 1 (fl+ (double-at y 1) (fl* a (double-at x 1))))
                  (set y (+ y 16))
                  (set i (+ i 1)))))
            """, out bool changed);
        Assert.IsTrue(changed, function.ToString());
        var tests = function.Blocks.Where(b => b.Terminator is { Kind: TerminatorKind.Branch, Comparison: Operator.Le, B.IsConstant: true } t
                                               && t.B.Constant < long.MinValue / 2).ToList();
        Assert.IsNotEmpty(tests, function.ToString());
        foreach (var test in tests)
            Assert.IsTrue(GoesTo(test.Terminator.True!, test) && GoesTo(test.Terminator.False!, test), function.ToString());
    }

    [TestMethod]
    public void AWordStoredBetweenItsTwoLoadsIsLoadedTwice()
    {
        // a[4] is read for lane 0, written, and read again for lane 1: the lanes multiply by different values.
        var function = Vectorised("""
            (define-function f (n a b)
              (for (i 0 n)
                (set-double-at a 0 (fl+ (fl* (fl* (double-at b 0) (double-at b 2)) (double-at a 4)) (double-at b 4)))
                (set-double-at a 4 (fl+ (double-at a 4) 1.0))
                (set-double-at a 1 (fl+ (fl* (fl* (double-at b 1) (double-at b 3)) (double-at a 4)) (double-at b 5)))))
            """, out bool changed);
        Assert.IsTrue(changed, function.ToString());
        var vectorised = function.Blocks.Single(b => b.Instructions.Any(i => i.Opcode == Opcode.Store && IsTwoLane(function, i)));
        var loadsOfA4 = vectorised.Instructions.Where(i => i is { Opcode: Opcode.Load, Args: [_, { Constant: 4 }] } && !IsTwoLane(function, i)).ToList();
        Assert.HasCount(3, loadsOfA4, function.ToString()); // for lane 0, for the update, for lane 1
        var pack = vectorised.Instructions.Single(i => i.Opcode == Opcode.Pack && i.Args[0] != i.Args[1]);
        Assert.AreEqual(Value.Reg(loadsOfA4[0].Dest), pack.Args[0], function.ToString());
        Assert.AreEqual(Value.Reg(loadsOfA4[2].Dest), pack.Args[1], function.ToString());
    }

    [TestMethod]
    public void ALaneReadingWhatTheOtherLaneStoresStaysScalar()
    {
        // The second store's value reads a[1], which the first store writes: one two-lane store cannot do both.
        const string source = """
            (define-function f (n a b k)
              (for (i 0 n)
                (set-double-at a 1 (fl* (fl+ (double-at b 0) (double-at b 1)) k))
                (set-double-at a 2 (fl* (fl+ (double-at b 1) (double-at a 1)) k))))
            """;
        var function = Vectorised(source, out bool changed);
        Assert.IsFalse(changed, function.ToString());
        Assert.IsEmpty(function.TwoLaneRegisters, function.ToString());
    }

    /// <summary>
    /// An index of -2^63 (found by the fuzzer) makes an address the pass does not know, never a crash; a base that far
    /// off is still a base, whose neighbouring words pair.
    /// </summary>
    [TestMethod]
    [DataRow("(set-double-at q i (flfloor (double-at p i))) (set-double-at q (+ (* 5 i) -9223372036854775808) 0.0)", false)]
    [DataRow("(set-double-at q -9223372036854775808 (double-at p i)) (set-double-at q (- -9223372036854775807 1) (double-at p i))", false)]
    [DataRow("(let ((r (+ q -9223372036854775808))) (set-double-at r i (fl* 2.0 (double-at p i))) (set-double-at r (+ i 1) (fl* 3.0 (double-at p i))))", true)]
    public void AnIndexOfTheMostNegativeWordIsAnUnknownAddress(string body, bool vectorised)
    {
        var function = Vectorised($"(define-function f (n p q) (for (i 0 n) {body}))", out bool changed);
        Assert.AreEqual(vectorised, changed, function.ToString());
    }

    [TestMethod]
    public void StoresOutsideLoopsStay()
    {
        var function = Vectorised("(define-function f (a x y) (set-double-at a 0 (fl* x y)) (set-double-at a 1 (fl* y x)))", out bool changed);
        Assert.IsFalse(changed, function.ToString());
    }
}
