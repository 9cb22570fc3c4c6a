using Maru.Compiler.Diagnostics;

namespace Maru.Runtime.Tests;

[TestClass]
public sealed class ModuleTests
{
    [TestMethod]
    public void CompiledFunctionIsCallableThroughATypedDelegate()
    {
        using var module = MaruModule.Compile(Sources.Fib, Sources.NoCache);
        Func<long, long> fib = module.GetFunction<Func<long, long>>("fib");
        Assert.AreEqual(6765L, fib(20));
        Assert.IsFalse(module.FromCache);
    }

    [TestMethod]
    public unsafe void CompiledFunctionIsCallableThroughAFunctionPointer()
    {
        using var module = MaruModule.Compile(Sources.Add, Sources.NoCache);
        var add = (delegate* unmanaged<long, long, long>)module.GetFunctionPointer("add", 2);
        Assert.AreEqual(-5L, add(7, -12));
        Assert.AreEqual(module.GetFunctionPointer("add"), (IntPtr)add);
    }

    [TestMethod]
    public void DelegatesOfEveryArityFromZeroToEight()
    {
        using var module = MaruModule.Compile("""
            (define-function f0 () 42)
            (define-function f1 (a) (- a))
            (define-function f2 (a b) (- a b))
            (define-function f3 (a b c) (- a b c))
            (define-function f4 (a b c d) (- a b c d))
            (define-function f5 (a b c d e) (- a b c d e))
            (define-function f6 (a b c d e f) (- a b c d e f))
            (define-function f7 (a b c d e f g) (- a b c d e f g))
            (define-function f8 (a b c d e f g h) (- a b c d e f g h))
            """, Sources.NoCache);
        Assert.AreEqual(42L, module.GetFunction<Func<long>>("f0")());
        Assert.AreEqual(-1L, module.GetFunction<Func<long, long>>("f1")(1));
        Assert.AreEqual(100L - 1, module.GetFunction<Func<long, long, long>>("f2")(100, 1));
        Assert.AreEqual(100L - 3, module.GetFunction<Func<long, long, long, long>>("f3")(100, 1, 2));
        Assert.AreEqual(100L - 6, module.GetFunction<Func<long, long, long, long, long>>("f4")(100, 1, 2, 3));
        Assert.AreEqual(100L - 10, module.GetFunction<Func<long, long, long, long, long, long>>("f5")(100, 1, 2, 3, 4));
        Assert.AreEqual(100L - 15, module.GetFunction<Func<long, long, long, long, long, long, long>>("f6")(100, 1, 2, 3, 4, 5));
        Assert.AreEqual(100L - 21, module.GetFunction<Func<long, long, long, long, long, long, long, long>>("f7")(100, 1, 2, 3, 4, 5, 6));
        Assert.AreEqual(100L - 28, module.GetFunction<Func<long, long, long, long, long, long, long, long, long>>("f8")(100, 1, 2, 3, 4, 5, 6, 7));
        Assert.AreEqual(100L - 28, module.Invoke("f8", 100, 1, 2, 3, 4, 5, 6, 7));
    }

    [TestMethod]
    public void SeveralUnitsCompileAsOneProgram()
    {
        using var module = MaruModule.Compile(
            [
                new MaruSource("a.l", "(define-function twice (x) (helper (helper x)))"),
                new MaruSource("b.l", "(define-function helper (x) (* x 2))"),
            ], Sources.NoCache);
        Assert.AreEqual(12L, module.GetFunction<Func<long, long>>("twice")(3));
    }

    [TestMethod]
    public void FunctionsListTheExportsWithParameterCountsAndDocumentation()
    {
        using var module = MaruModule.Compile("(export add)\n" + Sources.Add + "\n(define-function hidden () 1)", Sources.NoCache);
        var function = module.Functions.Single();
        Assert.AreEqual(new MaruFunctionInfo("add", 2, "Adds two words."), function);
        Assert.ThrowsExactly<KeyNotFoundException>(() => module.GetFunctionPointer("hidden"));
    }

    [TestMethod]
    public void AnUnknownNameIsAClearError()
    {
        using var module = MaruModule.Compile(Sources.Add + "\n" + Sources.Fib, Sources.NoCache);
        var e = Assert.ThrowsExactly<KeyNotFoundException>(() => module.GetFunction<Func<long, long>>("fibb"));
        Assert.AreEqual("the Maru module exports no function 'fibb'; it exports add, fib", e.Message);
        Assert.ThrowsExactly<KeyNotFoundException>(() => module.GetFunctionPointer("fibb"));
    }

    [TestMethod]
    public void AWrongNumberOfParametersIsAClearError()
    {
        using var module = MaruModule.Compile(Sources.Add, Sources.NoCache);
        var e = Assert.ThrowsExactly<ArgumentException>(() => module.GetFunction<Func<long, long>>("add"));
        StringAssert.StartsWith(e.Message, "'add' takes 2 parameters, not the 1 of Func<long, long>");
        Assert.ThrowsExactly<ArgumentException>(() => module.GetFunctionPointer("add", 3));
        Assert.ThrowsExactly<ArgumentException>(() => module.Invoke("add", 1));
    }

    [TestMethod]
    public void EachModuleHasItsOwnGlobals()
    {
        const string counter = "(define count 0)\n(define-function next () (set count (+ count 1)))";
        using var a = MaruModule.Compile(counter, Sources.NoCache);
        using var b = MaruModule.Compile(counter, Sources.NoCache);
        a.Invoke("next");
        a.Invoke("next");
        Assert.AreEqual(3L, a.Invoke("next"));
        Assert.AreEqual(1L, b.Invoke("next"));
    }

    [TestMethod]
    public void ModulesLoadedFromTheCacheHaveTheirOwnGlobalsToo()
    {
        using var directory = new TemporaryDirectory();
        var options = Sources.WithCache(directory);
        const string counter = "(define count 10)\n(define-function next () (set count (+ count 1)))";
        using var a = MaruModule.Compile(counter, options);
        using var b = MaruModule.Compile(counter, options);
        using var c = MaruModule.Compile(counter, options);
        Assert.IsTrue(b.FromCache && c.FromCache);
        Assert.IsNull(b.DirectoryPath, "the first hit loads the cached library where it is");
        Assert.IsNotNull(c.DirectoryPath, "a second live module of the same entry gets a copy of its own");
        Assert.AreEqual(11L, a.Invoke("next"));
        Assert.AreEqual(11L, b.Invoke("next"));
        Assert.AreEqual(12L, b.Invoke("next"));
        Assert.AreEqual(11L, c.Invoke("next"));

        // Once b is disposed its library is unloaded: the next hit loads it afresh, globals initialised again.
        b.Dispose();
        using var d = MaruModule.Compile(counter, options);
        Assert.IsNull(d.DirectoryPath);
        Assert.AreEqual(11L, d.Invoke("next"));
        Assert.AreEqual(12L, c.Invoke("next"));
    }
}

[TestClass]
public sealed class DiagnosticsTests
{
    [TestMethod]
    public void ASourceWithErrorsRaisesOneExceptionWithEveryDiagnostic()
    {
        const string source = "(define-function f (x) (g x))\n(define-function h () (f 1 2))\n";
        var e = Assert.ThrowsExactly<MaruCompilationException>(() => MaruModule.Compile(source, Sources.NoCache));
        Assert.HasCount(2, e.Diagnostics);
        Assert.IsTrue(e.Diagnostics.All(d => d.IsError && d.Path == "source.l" && d.Code.StartsWith("MARU", StringComparison.Ordinal)));
        Assert.AreEqual((1, 25), (e.Diagnostics[0].Line, e.Diagnostics[0].Column));
        Assert.AreEqual(2, e.Diagnostics[1].Line);
        foreach (Diagnostic d in e.Diagnostics) StringAssert.Contains(e.Message, d.ToString());
    }

    [TestMethod]
    public void DiagnosticsNameTheUnitTheyAreIn()
    {
        var e = Assert.ThrowsExactly<MaruCompilationException>(() => MaruModule.Compile(
            [new MaruSource("good.l", "(define-function f () 1)"), new MaruSource("bad.l", "\n  (define-function g () (undefined-h))")], Sources.NoCache));
        Diagnostic d = e.Diagnostics.Single();
        Assert.AreEqual(("bad.l", 2), (d.Path, d.Line));
    }

    [TestMethod]
    public void AFailedCompileLeavesNothingBehind()
    {
        using var directory = new TemporaryDirectory();
        var before = ModuleDirectories();
        Assert.ThrowsExactly<MaruCompilationException>(() => MaruModule.Compile("(define-function f (", Sources.WithCache(directory)));
        // The tools fail too: the compile succeeded, the build did not.
        var e = Assert.ThrowsExactly<MaruCompilationException>(() =>
            MaruModule.Compile(Sources.Fib, Sources.WithoutTools(new MaruCodeCache(directory.File("cache")))));
        Assert.IsTrue(e.Diagnostics.All(d => d.Code == "MARU0901"), e.Message);
        CollectionAssert.IsSubsetOf(ModuleDirectories().ToList(), before.ToList());
        Assert.IsFalse(Directory.Exists(directory.File("cache")) && Directory.EnumerateFileSystemEntries(directory.File("cache")).Any());
    }

    private static string[] ModuleDirectories() => Directory.GetDirectories(Path.GetTempPath(), "maru-module-*");
}

[TestClass]
public sealed class DisposeTests
{
    [TestMethod]
    public void DisposingDeletesTheModulesFiles()
    {
        var module = MaruModule.Compile(Sources.Fib, Sources.NoCache);
        string directory = module.DirectoryPath!;
        Assert.IsNotEmpty(Directory.GetFiles(directory));
        module.Dispose();
        Assert.IsTrue(module.IsDisposed);
        Assert.IsFalse(Directory.Exists(directory));
        module.Dispose();
    }

    [TestMethod]
    public void TheFilesOfAProcessThatEndedWithoutDisposingAreDeletedByTheNext()
    {
        string dead = Path.Combine(Path.GetTempPath(), "maru-module-2147483646-test");
        string mine = Path.Combine(Path.GetTempPath(), $"maru-module-{Environment.ProcessId}-test");
        string other = Path.Combine(Path.GetTempPath(), "maru-module-not-a-pid");
        foreach (string d in new[] { dead, mine, other }) Directory.CreateDirectory(d);
        File.WriteAllText(Path.Combine(dead, "libmaru-module.so"), "");
        try
        {
            Maru.Compiler.Toolchain.ProcessTemporaryDirectory.DeleteAbandoned();
            Assert.IsFalse(Directory.Exists(dead));
            Assert.IsTrue(Directory.Exists(mine));
            Assert.IsTrue(Directory.Exists(other));
        }
        finally
        {
            foreach (string d in new[] { dead, mine, other }) if (Directory.Exists(d)) Directory.Delete(d, recursive: true);
        }
    }

    [TestMethod]
    public void ADirectoryOfAKilledProcessIsSweptByTheNextProcess()
    {
        using var directory = new TemporaryDirectory();
        string source = directory.File("loop.l");
        // A process that compiles, then never returns from the call: it is killed with its module loaded.
        File.WriteAllText(source, "(define-function spin (x) (while 1 (set x (+ x 1))) x)");
        var process = TestHost.Start(["call", "-", source, "spin", "0"]);
        string prefix = $"maru-module-{process.Id}-";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Directory.GetDirectories(Path.GetTempPath(), prefix + "*").Any() && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.IsNotEmpty(Directory.GetDirectories(Path.GetTempPath(), prefix + "*"));
        Thread.Sleep(200); // inside the call
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
        Assert.IsNotEmpty(Directory.GetDirectories(Path.GetTempPath(), prefix + "*"), "a killed process cannot clean up");

        var next = TestHost.Run(["call", "-", Path.Combine(AppContext.BaseDirectory, "Conformance", "s2-define-function.l"), "main"]);
        Assert.IsEmpty(Directory.GetDirectories(Path.GetTempPath(), prefix + "*"), next.StandardError);
    }

    [TestMethod]
    public void CallingADelegateOfADisposedModuleThrowsInsteadOfCrashing()
    {
        var module = MaruModule.Compile(Sources.Fib + "\n" + Sources.Add, Sources.NoCache);
        Func<long, long> fib = module.GetFunction<Func<long, long>>("fib");
        Func<long, long, long> add = module.GetFunction<Func<long, long, long>>("add");
        Assert.AreEqual(55L, fib(10));
        module.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => fib(10));
        Assert.ThrowsExactly<ObjectDisposedException>(() => add(1, 2));
        Assert.ThrowsExactly<ObjectDisposedException>(() => module.Invoke("fib", 10));
        Assert.ThrowsExactly<ObjectDisposedException>(() => module.GetFunction<Func<long, long>>("fib"));
        Assert.ThrowsExactly<ObjectDisposedException>(() => module.GetFunctionPointer("fib"));
    }

    [TestMethod]
    public void DisposingAModuleFromTheCacheKeepsTheCacheEntry()
    {
        using var directory = new TemporaryDirectory();
        var options = Sources.WithCache(directory);
        MaruModule.Compile(Sources.Fib, options).Dispose();
        MaruModule.Compile(Sources.Fib, options).Dispose();
        using var third = MaruModule.Compile(Sources.Fib, options);
        Assert.IsTrue(third.FromCache);
        Assert.AreEqual(6765L, third.Invoke("fib", 20));
    }
}

[TestClass]
public sealed class ReadmeTests
{
    [TestMethod]
    public unsafe void TheReadmeExampleWorks()
    {
        using var directory = new TemporaryDirectory();
        using MaruModule module = MaruModule.Compile("""
            (define-function fib (n)
              (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
            (define-function hypot (x y) (flsqrt (fl+ (fl* x x) (fl* y y))))
            (define-function sum (xs n)
              (let ((s 0.0) (i 0)) (while (< i n) (set s (fl+ s (double-at xs i))) (set i (+ i 1))) s))
            (define-function length (s)
              (let ((n 0)) (while (string-at s n) (set n (+ n 1))) n))
            """, Sources.WithCache(directory));
        Func<long, long> fib = module.GetFunction<Func<long, long>>("fib");
        Assert.AreEqual(832040L, fib(30));
        Assert.AreEqual(5.0, module.GetFunction<Func<double, double, double>>("hypot")(3, 4));
        double[] values = [0.5, 1.25, 5.0];
        Assert.AreEqual(6.75, module.GetFunction<Func<double[], int, double>>("sum")(values, values.Length));
        Assert.AreEqual(6, module.GetFunction<Func<string, int>>("length")("héllo"));
        var pointer = (delegate* unmanaged<long, long>)module.GetFunctionPointer("fib", 1);
        Assert.AreEqual(6765L, pointer(20));
    }
}
