using Maru.Compiler.IR;
using Maru.Compiler.Optimization;
using Maru.Compiler.Tests.IR;

namespace Maru.Compiler.Tests.Optimization;

/// <summary>Dead-store elimination: a store overwritten before anything can read it, or to a slot nothing reads, goes.</summary>
[TestClass]
public sealed class DeadStoreTests
{
    private static List<Instruction> Stores(IrFunction function, Opcode opcode) =>
        function.Blocks.SelectMany(b => b.Instructions).Where(i => i.Opcode == opcode).ToList();

    /// <summary>The function as lowered, after dead-store elimination alone.</summary>
    private static IrFunction WithoutDeadStores(string source, out bool changed)
    {
        var function = IrTests.Lower(source, optimise: false);
        changed = DeadStores.Run(function);
        return function;
    }

    [TestMethod]
    public void AStoreOverwrittenAtTheSameAddressWithTheSameWidthIsRemoved()
    {
        foreach (string source in new[]
        {
            "(define-function f (p i) (set-int64-at p i 1) (set-int64-at p i 2) 0)",
            "(define-function f (p) (set-int32-at p 3 1) (+ p 1) (set-uint32-at p 3 2) 0)", // the same width, pure work between
            "(define-function f (p q) (set-int64-at p 0 1) (set-int64-at q 0 9) (set-int64-at p 0 2) 0)", // a store between reads nothing
        })
        {
            var function = WithoutDeadStores(source, out bool changed);
            Assert.IsTrue(changed, source);
            var stores = Stores(function, Opcode.Store);
            Assert.AreEqual(2, stores[^1].Args[2].Constant, $"{source}\n{function}");
            Assert.IsFalse(stores.Any(s => s.Args[2] == Value.Const(1)), $"{source}\n{function}");
            Assert.IsFalse(Stores(IrTests.Lower(source, optimise: true), Opcode.Store).Any(s => s.Args[2] == Value.Const(1)), source);
        }
    }

    [TestMethod]
    public void AStoreThatSomethingMayReadOrThatIsNotOverwrittenWhollyIsKept()
    {
        foreach (string source in new[]
        {
            "(define-function f (p q) (set-int64-at p 0 1) (let ((x (int64-at q 0))) (set-int64-at p 0 2) x))", // q may be p
            "(define-function f (p) (set-int32-at p 0 1) (set-int64-at p 0 2) 0)", // different widths
            "(define-function f (p) (set-int64-at p 0 1) (set-int32-at p 0 2) 0)",
            "(define-function f (p) (set-int64-at p 0 1) (set-int64-at p 1 2) 0)", // different index
            "(define-function f (p) (set-int64-at p 0 1) (g p) (set-int64-at p 0 2) 0) (define-function g (p) (int64-at p 0))",
            "(define v 0) (define-function f (p) (set-int64-at p 0 1) (let ((x v)) (set-int64-at p 0 2) x)) (define-function g () (set v 1))", // p may be v's address (g changes v: f reads it)
            "(define-function f (p) (set-int64-at p 0 1) (set p (+ p 8)) (set-int64-at p 0 2) 0)", // p is another address then
            "(define-function f (p a) (set-int64-at p 0 1) (if (> a 0) (set-int64-at p 0 2)) 0)", // not overwritten on every path
            "(define-function f (a) (let ((x a)) (let ((y (int64-at (address-of x) 0))) (set-int64-at (address-of x) 0 2) (set x 3) (+ y x))))",
        })
        {
            var function = WithoutDeadStores(source, out bool changed);
            Assert.IsFalse(changed, $"{source}\n{function}");
            int stores = Stores(IrTests.Lower(source, optimise: true), Opcode.Store).Count;
            Assert.AreEqual(Stores(IrTests.Lower(source, optimise: false), Opcode.Store).Count, stores, source);
        }
    }

    [TestMethod]
    public void AStoreToASlotOverwrittenOrEndedByTheReturnIsRemoved()
    {
        const string escapes = "(define-function g (p) (int64-at p 0))";
        foreach (var (body, kept) in new[]
        {
            ("(let ((x a)) (g (address-of x)) (set x 5) (set x 6) x)", new long?[] { null, 6 }), // x = a, x = 6
            ("(let ((x a)) (g (address-of x)) (set x 7) 0)", new long?[] { null }), // the frame ends
            ("(let ((x a)) (g (address-of x)) (set x 7) (g 0) 0)", new long?[] { null, 7 }), // g may read x through its address
            ("(let ((x a)) (g (address-of x)) (set x 7) (set-int64-at (address-of x) 0 8) (+ (int64-at (address-of x) 0) x))", new long?[] { null, 7 }),
        })
        {
            string source = $"(define-function f (a) {body}) {escapes}";
            var function = WithoutDeadStores(source, out _);
            var values = Stores(function, Opcode.StoreSlot).Select(s => s.Args[0].IsConstant ? s.Args[0].Constant : (long?)null).ToArray();
            CollectionAssert.AreEqual(kept, values, $"{source}\n{function}");
        }
    }

    [TestMethod]
    public void StoresToASlotWhoseAddressIsNeverTakenNorLoadedAreRemoved()
    {
        // The only address-of is in an arm that constant folding drops: the slot is then written and never read.
        const string source = "(define-function f (a) (let ((x a)) (if 0 (g (address-of x))) (set x 3) a)) (define-function g (p) (int64-at p 0))";
        Assert.HasCount(2, Stores(IrTests.Lower(source, optimise: false), Opcode.StoreSlot));
        Assert.IsEmpty(Stores(IrTests.Lower(source, optimise: true), Opcode.StoreSlot));
    }

    [TestMethod]
    public void ProgramsPrintTheSameOnEveryTarget()
    {
        const string source = """
            (define printf (extern 'printf))
            (define calloc (extern 'calloc))
            (define-function g (p) (set-int64-at p 0 (+ (int64-at p 0) 100)))
            (define-function f (p q)
              (set-int64-at p 0 1)
              (let ((x (int64-at q 0)))
                (set-int64-at p 0 2)
                (set-int32-at p 0 3)
                (set-int64-at p 1 4)
                (set-int64-at p 1 5)
                (+ (* x 1000) (int64-at p 0) (int64-at p 1))))
            (define-function h (a)
              (let ((x a))
                (g (address-of x))
                (set x (+ x 1))
                (g (address-of x))
                (set x (+ x 1))
                (set x (+ x 1))
                x))
            (define-function main ()
              (let ((p (calloc 2 8)))
                (printf "%lld %lld\n" (f p p) (h 1)))
              0)
            """;
        Assert.AreEqual("1008 204\n", SsaFormTests.OutputOnEveryTarget(source));
    }
}
