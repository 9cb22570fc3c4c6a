using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Maru.Runtime.Tests;

/// <summary>Typed delegates of every supported parameter and result type, called against compiled Maru code.</summary>
[TestClass]
public sealed class TypedCallTests
{
    private const string Source = """
        (define-function id (x) x)
        (define-function add (a b) (+ a b))
        (define-function fadd (a b) (fl+ a b))
        (define-function fmul (a b) (fl* a b))
        (define-function hypot (x y) (flsqrt (fl+ (fl* x x) (fl* y y))))
        (define-function both (a b) (if a b 0))
        (define total 0)
        (define-function add-to-total (x) (set total (+ total x)))
        (define-function reset-total () (set total 0))
        (define-function get-total () total)
        (define-function string-length (s)
          (let ((n 0)) (while (string-at s n) (set n (+ n 1))) n))
        (define-function string-byte (s i) (string-at s i))
        (define-function three-lengths (a b c) (+ (string-length a) (string-length b) (string-length c)))
        (define-function sum-longs (p n)
          (let ((s 0) (i 0)) (while (< i n) (set s (+ s (oop-at p i))) (set i (+ i 1))) s))
        (define-function sum-doubles (p n)
          (let ((s 0.0) (i 0)) (while (< i n) (set s (fl+ s (double-at p i))) (set i (+ i 1))) s))
        (define-function sum-bytes (p n)
          (let ((s 0) (i 0)) (while (< i n) (set s (+ s (uint8-at p i))) (set i (+ i 1))) s))
        (define-function sum-ints (p n)
          (let ((s 0) (i 0)) (while (< i n) (set s (+ s (int32-at p i))) (set i (+ i 1))) s))
        (define-function sum-floats (p n)
          (let ((s 0.0) (i 0)) (while (< i n) (set s (fl+ s (float-at p i))) (set i (+ i 1))) s))
        (define-function fill (p n v)
          (let ((i 0)) (while (< i n) (set-oop-at p i v) (set i (+ i 1)))))
        (define-function is-zero (p) (= p 0))
        (define-function sum-longs-after (callback p n) (callback) (sum-longs p n))
        (define-function address-after (callback p) (callback) p)
        (define-function string-length-after (callback s) (callback) (string-length s))
        (define-function mixed (s xs n scale) (fl* scale (long->double (+ (string-length s) (sum-longs xs n)))))
        (define-function eight (a b c d e f g h)
          (+ a (* 10 (string-length b)) (* 100 (sum-longs c 1)) (* 1000 d) (* 10000 e) (* 100000 (double->long f)) (* 1000000 g) (* 10000000 h)))
        """;

    private static MaruModule _module = null!;

    private delegate double Hypot(double x, double y);

    private delegate void Fill(long[] values, long count, long value);

    private delegate bool IsNull(string? text);

    private unsafe delegate long SumPointer(long* values, long count);

    private unsafe delegate byte* Offset(byte* p, long n);

    private unsafe delegate void FillPointer(long* values, long count, long value);

    private unsafe delegate long SumAfter(delegate* unmanaged<long> callback, long[] values, long count);

    [ClassInitialize]
    public static void Compile(TestContext _) => _module = MaruModule.Compile(Source, Sources.NoCache);

    [ClassCleanup]
    public static void Dispose() => _module.Dispose();

    [TestMethod]
    public void DoublesTravelAsTheirBits()
    {
        Assert.AreEqual(3.75, _module.GetFunction<Func<double, double, double>>("fadd")(1.5, 2.25));
        Assert.AreEqual(0.1 * 3.0, _module.GetFunction<Func<double, double, double>>("fmul")(0.1, 3.0));
        var id = _module.GetFunction<Func<double, double>>("id");
        Assert.AreEqual(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(id(-0.0)));
        Assert.AreEqual(double.PositiveInfinity, id(double.PositiveInfinity));
        Assert.AreEqual(BitConverter.DoubleToInt64Bits(2.5), _module.GetFunction<Func<double, long>>("id")(2.5));
        Assert.AreEqual(2.5, _module.GetFunction<Func<long, double>>("id")(BitConverter.DoubleToInt64Bits(2.5)));
    }

    [TestMethod]
    public void FloatsAreWidenedToDoublesAndNarrowedBack()
    {
        Assert.AreEqual(3.75f, _module.GetFunction<Func<float, float, float>>("fmul")(1.5f, 2.5f));
        Assert.AreEqual((double)0.1f, _module.GetFunction<Func<float, double>>("id")(0.1f));
        Assert.AreEqual((float)0.1, _module.GetFunction<Func<double, float>>("id")(0.1));
        Assert.AreEqual(5.0f, _module.GetFunction<Func<float, float, float>>("hypot")(3f, 4f));
    }

    [TestMethod]
    public void BoolsAreZeroOrOneAndAnyNonzeroResultIsTrue()
    {
        var both = _module.GetFunction<Func<bool, bool, bool>>("both");
        Assert.IsTrue(both(true, true));
        Assert.IsFalse(both(true, false));
        Assert.IsFalse(both(false, true));
        Assert.AreEqual(1L, _module.GetFunction<Func<bool, long>>("id")(true));
        Assert.AreEqual(0L, _module.GetFunction<Func<bool, long>>("id")(false));
        var toBool = _module.GetFunction<Func<long, bool>>("id");
        Assert.IsTrue(toBool(2));
        Assert.IsTrue(toBool(long.MinValue));
        Assert.IsFalse(toBool(0));
    }

    [TestMethod]
    public void IntegersAreWidenedToAWordBySignOrByZero()
    {
        Assert.AreEqual(-5L, _module.GetFunction<Func<int, long>>("id")(-5));
        Assert.AreEqual(4294967295L, _module.GetFunction<Func<uint, long>>("id")(uint.MaxValue));
        Assert.AreEqual(-300L, _module.GetFunction<Func<short, long>>("id")(-300));
        Assert.AreEqual(65535L, _module.GetFunction<Func<ushort, long>>("id")(ushort.MaxValue));
        Assert.AreEqual(-3L, _module.GetFunction<Func<sbyte, long>>("id")(-3));
        Assert.AreEqual(200L, _module.GetFunction<Func<byte, long>>("id")(200));
        Assert.AreEqual(-1L, _module.GetFunction<Func<ulong, long>>("id")(ulong.MaxValue));
        Assert.AreEqual(-7L, _module.GetFunction<Func<nint, long>>("id")(-7));
        Assert.AreEqual(-1L, _module.GetFunction<Func<nuint, long>>("id")(nuint.MaxValue));
        Assert.AreEqual(-2L, _module.GetFunction<Func<int, short, long>>("add")(-1, -1));
    }

    [TestMethod]
    public void IntegerResultsKeepTheWordsLowBits()
    {
        const long word = 0x1234_5678_9ABC_DEF0;
        Assert.AreEqual(unchecked((int)word), _module.GetFunction<Func<long, int>>("id")(word));
        Assert.AreEqual(unchecked((uint)word), _module.GetFunction<Func<long, uint>>("id")(word));
        Assert.AreEqual(unchecked((short)word), _module.GetFunction<Func<long, short>>("id")(word));
        Assert.AreEqual(unchecked((ushort)word), _module.GetFunction<Func<long, ushort>>("id")(word));
        Assert.AreEqual(unchecked((sbyte)word), _module.GetFunction<Func<long, sbyte>>("id")(word));
        Assert.AreEqual(unchecked((byte)word), _module.GetFunction<Func<long, byte>>("id")(word));
        Assert.AreEqual(ulong.MaxValue, _module.GetFunction<Func<long, ulong>>("id")(-1));
        Assert.AreEqual(unchecked((nint)word), _module.GetFunction<Func<long, nint>>("id")(word));
        Assert.AreEqual(nuint.MaxValue, _module.GetFunction<Func<long, nuint>>("id")(-1));
        Assert.AreEqual(-1, _module.GetFunction<Func<int, int, int>>("add")(int.MaxValue, int.MinValue));
    }

    [TestMethod]
    public void ActionsCallAndIgnoreTheResult()
    {
        _module.GetFunction<Action>("reset-total")();
        var addToTotal = _module.GetFunction<Action<long>>("add-to-total");
        addToTotal(5);
        addToTotal(37);
        Assert.AreEqual(42L, _module.Invoke("get-total"));
        _module.GetFunction<Action<double>>("add-to-total")(0.0);
        Assert.AreEqual(42L, _module.Invoke("get-total"));
    }

    [TestMethod]
    public void StringsArePassedAsNulTerminatedUtf8()
    {
        var length = _module.GetFunction<Func<string, long>>("string-length");
        Assert.AreEqual(5L, length("hello"));
        Assert.AreEqual(Encoding.UTF8.GetByteCount("héllo wörld ✓"), length("héllo wörld ✓"));
        Assert.AreEqual(0L, length(""));
        var at = _module.GetFunction<Func<string, long, byte>>("string-byte");
        Assert.AreEqual((byte)'h', at("hi", 0));
        Assert.AreEqual(0xC3, at("é", 0));
        Assert.AreEqual(0, at("hi", 2));
        Assert.IsTrue(_module.GetFunction<Func<string?, bool>>("is-zero")(null));
        Assert.IsFalse(_module.GetFunction<Func<string?, bool>>("is-zero")(""));
    }

    [TestMethod]
    public void LongStringsAndManyStringsOutgrowTheStackBuffer()
    {
        var length = _module.GetFunction<Func<string, long>>("string-length");
        string large = new('x', 100_000);
        Assert.AreEqual(100_000L, length(large));
        string justOver = new('é', 300);
        Assert.AreEqual(600L, length(justOver));
        var three = _module.GetFunction<Func<string, string, string, long>>("three-lengths");
        string a = new('a', 100), b = new('b', 200), c = new('c', 300);
        Assert.AreEqual(600L, three(a, b, c));
        Assert.AreEqual(100L + 100_000 + 300, three(a, large, justOver.Replace('é', 'e')));
        // Each string keeps its own bytes, whether on the stack or not.
        for (int i = 0; i < 100; i++) Assert.AreEqual(600L, three(c, b, a));
    }

    [TestMethod]
    public void ArraysArePinnedAndPassedAsTheAddressOfTheirFirstElement()
    {
        Assert.AreEqual(10L, _module.GetFunction<Func<long[], long, long>>("sum-longs")([1, 2, 3, 4], 4));
        Assert.AreEqual(6.75, _module.GetFunction<Func<double[], long, double>>("sum-doubles")([0.5, 1.25, 5.0], 3));
        Assert.AreEqual(600L, _module.GetFunction<Func<byte[], int, long>>("sum-bytes")([200, 200, 200], 3));
        Assert.AreEqual(-6L, _module.GetFunction<Func<int[], int, long>>("sum-ints")([-1, -2, -3], 3));
        Assert.AreEqual(4.0f, _module.GetFunction<Func<float[], long, float>>("sum-floats")([1.5f, 2.5f], 2));
        Assert.AreEqual(7L, _module.GetFunction<Func<Point[], long, long>>("sum-ints")([new Point(3, 4)], 2));

        long[] values = new long[1000];
        _module.GetFunction<Action<long[], long, long>>("fill")(values, values.Length, 9);
        Assert.IsTrue(values.All(v => v == 9));
        var isZero = _module.GetFunction<Func<long[]?, bool>>("is-zero");
        Assert.IsTrue(isZero(null));
        Assert.IsTrue(isZero([]));
        Assert.IsFalse(isZero([0]));
    }

    [TestMethod]
    public void ArraysStayPinnedWhileTheGarbageCollectorMovesObjects()
    {
        var sum = _module.GetFunction<Func<long[], long, long>>("sum-longs");
        for (int i = 0; i < 200; i++)
        {
            long[] values = Enumerable.Range(1, 100).Select(v => (long)v).ToArray();
            if (i % 50 == 0) GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            Assert.AreEqual(5050L, sum(values, values.Length));
        }
    }

    [TestMethod]
    public unsafe void ArgumentsStayInPlaceWhenTheGarbageCollectorRunsDuringTheCall()
    {
        // The Maru function first calls back into C#, which collects (compacting) and fills the freed memory.
        nint churn = (nint)(delegate* unmanaged<long>)&CollectAndChurn;
        long[] values = Enumerable.Range(1, 1000).Select(v => (long)v).ToArray();
        Assert.AreEqual(500500L, _module.GetFunction<Func<nint, long[], int, long>>("sum-longs-after")(churn, values, values.Length));
        // A new array, in generation 0: unless pinned, the collection would move it.
        values = [1, 2, 3];
        long address = _module.GetFunction<Func<nint, long[], long>>("address-after")(churn, values);
        fixed (long* now = values) Assert.AreEqual((long)now, address);
        var length = _module.GetFunction<Func<nint, string, long>>("string-length-after");
        Assert.AreEqual(5L, length(churn, "short"));
        Assert.AreEqual(50_000L, length(churn, new string('x', 50_000)));
    }

    [UnmanagedCallersOnly]
    private static long CollectAndChurn()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        for (int i = 0; i < 100; i++)
        {
            GC.AllocateArray<byte>(1000, pinned: true).AsSpan().Fill(0x41);
            new long[100].AsSpan().Fill(-1);
        }
        return 0;
    }

    [TestMethod]
    public void CallsOnManyThreadsEachHaveTheirOwnStrings()
    {
        var length = _module.GetFunction<Func<string, long>>("string-length");
        Parallel.For(0, 8, thread =>
        {
            string text = new((char)('a' + thread), 10 + thread * 50);
            for (int i = 0; i < 2000; i++) Assert.AreEqual(text.Length, length(text));
        });
    }

    [TestMethod]
    public void ParametersOfEveryKindMixInOneCall()
    {
        var mixed = _module.GetFunction<Func<string, long[], int, double, double>>("mixed");
        Assert.AreEqual(2.5 * (3 + 10), mixed("abc", [4, 6], 2, 2.5));
        var eight = _module.GetFunction<Func<long, string, long[], int, short, double, bool, byte, long>>("eight");
        Assert.AreEqual(81654321L, eight(1, "ab", [3], 4, 5, 6.9, true, 8));
    }

    [TestMethod]
    public void DelegateTypesOfYourOwnWork()
    {
        Assert.AreEqual(5.0, _module.GetFunction<Hypot>("hypot")(3, 4));
        long[] values = new long[3];
        _module.GetFunction<Fill>("fill")(values, 3, -2);
        CollectionAssert.AreEqual(new long[] { -2, -2, -2 }, values);
        Assert.IsTrue(_module.GetFunction<IsNull>("is-zero")(null));
    }

    [TestMethod]
    public unsafe void PointersInDelegateTypesOfYourOwnTravelAsWords()
    {
        long* values = stackalloc long[] { 1, 2, 3 };
        Assert.AreEqual(6L, _module.GetFunction<SumPointer>("sum-longs")(values, 3));
        _module.GetFunction<FillPointer>("fill")(values, 3, 7);
        Assert.AreEqual(21L, values[0] + values[1] + values[2]);
        byte* bytes = stackalloc byte[4];
        Assert.AreEqual((nint)(bytes + 3), (nint)_module.GetFunction<Offset>("add")(bytes, 3));
        Assert.AreEqual(6L, _module.GetFunction<SumAfter>("sum-longs-after")(&CollectAndChurn, [1, 2, 3], 3));
    }

    [TestMethod]
    public unsafe void EveryCallChecksThatTheModuleIsNotDisposed()
    {
        var module = MaruModule.Compile(Source, Sources.NoCache);
        var fadd = module.GetFunction<Func<double, double, double>>("fadd");
        var length = module.GetFunction<Func<string, long>>("string-length");
        var reset = module.GetFunction<Action>("reset-total");
        var hypot = module.GetFunction<Hypot>("hypot");
        var sumPointer = module.GetFunction<SumPointer>("sum-longs");
        Assert.AreEqual(2.0, fadd(1, 1));
        module.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => fadd(1, 1));
        Assert.ThrowsExactly<ObjectDisposedException>(() => length("x"));
        Assert.ThrowsExactly<ObjectDisposedException>(() => reset());
        Assert.ThrowsExactly<ObjectDisposedException>(() => hypot(3, 4));
        Assert.ThrowsExactly<ObjectDisposedException>(() => sumPointer(null, 0));
        Assert.ThrowsExactly<ObjectDisposedException>(() => module.GetFunction<Func<double, double>>("id"));
    }

    private readonly record struct Point(int X, int Y);
}

/// <summary>A delegate type that cannot call a Maru function is refused when the delegate is asked for, never at a call.</summary>
[TestClass]
public sealed class TypedCallErrorTests
{
    private static MaruModule _module = null!;

    private delegate long TakesARef(ref long x, long y);

    private delegate long TakesNine(long a, long b, long c, long d, long e, long f, long g, long h, long i);

    [ClassInitialize]
    public static void Compile(TestContext _) => _module = MaruModule.Compile(Sources.Add, Sources.NoCache);

    [ClassCleanup]
    public static void Dispose() => _module.Dispose();

    [TestMethod]
    [DataRow(typeof(Func<object, long, long>), "Func<object, long, long>: parameter 1 is object, which cannot be passed")]
    [DataRow(typeof(Func<long, decimal, long>), "Func<long, decimal, long>: parameter 2 is decimal, which cannot be passed")]
    [DataRow(typeof(Func<long, Guid, long>), "Func<long, Guid, long>: parameter 2 is Guid, which cannot be passed")]
    [DataRow(typeof(Func<long, char, long>), "Func<long, char, long>: parameter 2 is char, which cannot be passed")]
    [DataRow(typeof(Func<string[], long, long>), "Func<string[], long, long>: parameter 1 is string[], which cannot be passed to a Maru function: string is not an unmanaged type")]
    [DataRow(typeof(Func<long[,], long, long>), "Func<long[,], long, long>: parameter 1 is long[,], which cannot be passed to a Maru function: only one-dimensional arrays are")]
    [DataRow(typeof(Func<long, List<long>, long>), "Func<long, List<long>, long>: parameter 2 is List<long>, which cannot be passed")]
    [DataRow(typeof(TakesARef), "TakesARef: parameter 1 is ref long, which cannot be passed to a Maru function: ref, out and in parameters are not supported")]
    [DataRow(typeof(Func<long, long, decimal>), "Func<long, long, decimal>: the result is decimal, which a Maru function cannot return")]
    [DataRow(typeof(Func<long, long, string>), "Func<long, long, string>: the result is string, which a Maru function cannot return")]
    [DataRow(typeof(Func<long, long, long[]>), "Func<long, long, long[]>: the result is long[], which a Maru function cannot return")]
    [DataRow(typeof(Func<long, long, object>), "Func<long, long, object>: the result is object, which a Maru function cannot return")]
    public void AnUnsupportedTypeIsAnArgumentExceptionNamingTheTypeAndItsPosition(Type delegateType, string message)
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => GetFunction(delegateType, "add"));
        StringAssert.StartsWith(e.Message, message);
        Assert.AreEqual("TDelegate", e.ParamName);
    }

    [TestMethod]
    public void AnUnsupportedTypeIsReportedBeforeTheNameIsLookedUp()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => _module.GetFunction<Func<decimal, long>>("no-such-function"));
        StringAssert.StartsWith(e.Message, "Func<decimal, long>: parameter 1 is decimal");
    }

    [TestMethod]
    public void ADelegateWithAnotherNumberOfParametersIsAnArgumentException()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => _module.GetFunction<Func<double, double>>("add"));
        StringAssert.StartsWith(e.Message, "'add' takes 2 parameters, not the 1 of Func<double, double>");
        e = Assert.ThrowsExactly<ArgumentException>(() => _module.GetFunction<Action<string, long[], long>>("add"));
        StringAssert.StartsWith(e.Message, "'add' takes 2 parameters, not the 3 of Action<string, long[], long>");
    }

    [TestMethod]
    public void MoreThanEightParametersOrNoSignatureIsAnArgumentException()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => _module.GetFunction<TakesNine>("add"));
        StringAssert.StartsWith(e.Message, "TakesNine has 9 parameters; a typed delegate has at most 8");
        e = Assert.ThrowsExactly<ArgumentException>(() => _module.GetFunction<Delegate>("add"));
        StringAssert.StartsWith(e.Message, "Delegate has no signature");
    }

    /// <summary><c>_module.GetFunction&lt;delegateType&gt;(name)</c>, for a type given as a test's data.</summary>
    private static object GetFunction(Type delegateType, string name)
    {
        var method = typeof(MaruModule).GetMethod(nameof(MaruModule.GetFunction))!.MakeGenericMethod(delegateType);
        return method.Invoke(_module, BindingFlags.DoNotWrapExceptions, null, [name], null)!;
    }
}
