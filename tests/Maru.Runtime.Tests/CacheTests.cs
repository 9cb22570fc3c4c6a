namespace Maru.Runtime.Tests;

[TestClass]
public sealed class CacheTests
{
    [TestMethod]
    public void CompilingTheSameSourceAgainRunsNoTool()
    {
        using var directory = new TemporaryDirectory();
        var cache = new MaruCodeCache(directory.File("cache"));
        using (var first = MaruModule.Compile(Sources.Fib, new MaruCompileOptions { Cache = cache }))
            Assert.IsFalse(first.FromCache);

        // Building again would throw: only a cache hit can succeed.
        using var second = MaruModule.Compile(Sources.Fib, Sources.CacheOnly(cache));
        Assert.IsTrue(second.FromCache);
        Assert.AreEqual(832040L, second.GetFunction<Func<long, long>>("fib")(30));
    }

    [TestMethod]
    public void AnExternalBuildIsCachedAndItsHitRunsNoTool()
    {
        using var directory = new TemporaryDirectory();
        var cache = new MaruCodeCache(directory.File("cache"));
        using (var first = MaruModule.Compile(Sources.Fib, new MaruCompileOptions { Cache = cache, Toolchain = MaruToolchain.External }))
            Assert.IsFalse(first.FromCache);

        // The assembler and linker do not exist: only a cache hit can succeed.
        using var second = MaruModule.Compile(Sources.Fib, Sources.WithoutTools(cache));
        Assert.IsTrue(second.FromCache);
        Assert.AreEqual(55L, second.Invoke("fib", 10));
    }

    [TestMethod]
    public void TheToolchainIsPartOfTheKey()
    {
        using var directory = new TemporaryDirectory();
        var cache = new MaruCodeCache(directory.File("cache"));
        using (MaruModule.Compile(Sources.Fib, new MaruCompileOptions { Cache = cache, Toolchain = MaruToolchain.Integrated })) { }
        // Asking for the external tools misses the integrated build's entry, and so needs the (missing) tools.
        var e = Assert.ThrowsExactly<MaruCompilationException>(() => MaruModule.Compile(Sources.Fib, Sources.WithoutTools(cache)));
        Assert.IsTrue(e.Diagnostics.All(d => d.Code == "MARU0901"), e.Message);
        using var hit = MaruModule.Compile(Sources.Fib, Sources.CacheOnly(cache) with { Toolchain = MaruToolchain.Integrated });
        Assert.IsTrue(hit.FromCache);
    }

    [TestMethod]
    public void TheCacheSurvivesItsObjectAndKeepsTheExportsAndDocumentation()
    {
        using var directory = new TemporaryDirectory();
        using (MaruModule.Compile(Sources.Add, Sources.WithCache(directory))) { }
        using var again = MaruModule.Compile(Sources.Add, Sources.CacheOnly(new MaruCodeCache(directory.File("cache"))));
        Assert.IsTrue(again.FromCache);
        Assert.AreEqual(new MaruFunctionInfo("add", 2, "Adds two words."), again.Functions.Single());
        Assert.AreEqual(5L, again.GetFunction<Func<long, long, long>>("add")(2, 3));
    }

    [TestMethod]
    public void ADifferentSourceOrPathIsAMiss()
    {
        using var directory = new TemporaryDirectory();
        var cache = new MaruCodeCache(directory.File("cache"));
        using (MaruModule.Compile(Sources.Fib, new MaruCompileOptions { Cache = cache })) { }
        Assert.ThrowsExactly<CacheMissException>(() => MaruModule.Compile(Sources.Fib + " ", Sources.CacheOnly(cache)));
        Assert.ThrowsExactly<CacheMissException>(() => MaruModule.Compile([new MaruSource("other.l", Sources.Fib)], Sources.CacheOnly(cache)));
    }

    [TestMethod]
    public void ACompileWithErrorsStoresNothing()
    {
        using var directory = new TemporaryDirectory();
        var options = Sources.WithCache(directory);
        Assert.ThrowsExactly<MaruCompilationException>(() => MaruModule.Compile("(define-function f () (g))", options));
        Assert.IsFalse(Directory.Exists(directory.File("cache")) && Directory.EnumerateFileSystemEntries(directory.File("cache")).Any());
    }

    [TestMethod]
    public void TemporariesAndHalfEntriesAreNeverHits()
    {
        using var directory = new TemporaryDirectory();
        var cache = new MaruCodeCache(directory.File("cache"));
        using (MaruModule.Compile(Sources.Fib, new MaruCompileOptions { Cache = cache })) { }
        // An entry whose exports vanished (evicted by another process between two steps) is a miss, not an error.
        foreach (string exports in Directory.GetFiles(cache.Directory, "*.exports")) File.Delete(exports);
        Assert.ThrowsExactly<CacheMissException>(() => MaruModule.Compile(Sources.Fib, Sources.CacheOnly(cache)));
        using var rebuilt = MaruModule.Compile(Sources.Fib, new MaruCompileOptions { Cache = cache });
        Assert.IsFalse(rebuilt.FromCache);
        using var hit = MaruModule.Compile(Sources.Fib, Sources.CacheOnly(cache));
        Assert.IsTrue(hit.FromCache);
    }

    [TestMethod]
    public void TheCacheIsBoundedAndEvictsTheLeastRecentlyUsed()
    {
        using var directory = new TemporaryDirectory();
        string cachePath = directory.File("cache");
        using (MaruModule.Compile(Sources.Fib, new MaruCompileOptions { Cache = new MaruCodeCache(cachePath) })) { }
        long entrySize = Directory.GetFiles(cachePath).Sum(f => new FileInfo(f).Length);
        // Room for two entries of about this size, not three.
        var cache = new MaruCodeCache(cachePath, maxSizeBytes: entrySize * 5 / 2);
        var options = new MaruCompileOptions { Cache = cache };
        string a = "(define-function a () 1)", b = "(define-function b () 2)", c = "(define-function c () 3)";
        using (MaruModule.Compile(a, options)) { }
        Thread.Sleep(20);
        using (MaruModule.Compile(b, options)) { }
        Thread.Sleep(20);
        using (var hitA = MaruModule.Compile(a, options)) Assert.IsTrue(hitA.FromCache); // a is now more recent than b
        Thread.Sleep(20);
        using (MaruModule.Compile(c, options)) { }

        Assert.IsLessThanOrEqualTo(cache.MaxSizeBytes, Directory.GetFiles(cachePath).Sum(f => new FileInfo(f).Length));
        var offline = Sources.CacheOnly(cache);
        using (var hitA = MaruModule.Compile(a, offline)) Assert.IsTrue(hitA.FromCache);
        using (var hitC = MaruModule.Compile(c, offline)) Assert.IsTrue(hitC.FromCache);
        Assert.ThrowsExactly<CacheMissException>(() => MaruModule.Compile(b, offline));
        Assert.ThrowsExactly<CacheMissException>(() => MaruModule.Compile(Sources.Fib, offline));
    }

    [TestMethod]
    public void ADamagedLibraryIsAMissAndIsReplaced()
    {
        using var directory = new TemporaryDirectory();
        var options = Sources.WithCache(directory);
        using (MaruModule.Compile(Sources.Fib, options)) { }
        string library = Directory.GetFiles(options.Cache!.Directory, "*.so").Single();
        File.WriteAllBytes(library, [0x7f, (byte)'E', (byte)'L', (byte)'F', 0, 0]);

        using (var rebuilt = MaruModule.Compile(Sources.Fib, options))
        {
            Assert.IsFalse(rebuilt.FromCache);
            Assert.AreEqual(55L, rebuilt.Invoke("fib", 10));
        }
        using var hit = MaruModule.Compile(Sources.Fib, Sources.CacheOnly(options.Cache));
        Assert.IsTrue(hit.FromCache);
    }

    [TestMethod]
    public void TemporariesLeftByADeadProcessAreRemovedAfterAnHour()
    {
        using var directory = new TemporaryDirectory();
        var cache = new MaruCodeCache(directory.File("cache"));
        Directory.CreateDirectory(cache.Directory);
        string old = Path.Combine(cache.Directory, ".libdead.so.0123.tmp"), recent = Path.Combine(cache.Directory, ".libbusy.so.4567.tmp");
        File.WriteAllText(old, "half a library");
        File.WriteAllText(recent, "being written");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddHours(-2));

        using (MaruModule.Compile(Sources.Fib, new MaruCompileOptions { Cache = cache })) { }
        Assert.IsFalse(File.Exists(old));
        Assert.IsTrue(File.Exists(recent), "a temporary another process may still be writing is left alone");
    }

    [TestMethod]
    public void ClearEmptiesTheCache()
    {
        using var directory = new TemporaryDirectory();
        var cache = new MaruCodeCache(directory.File("cache"));
        using (MaruModule.Compile(Sources.Fib, new MaruCompileOptions { Cache = cache })) { }
        cache.Clear();
        Assert.IsEmpty(Directory.GetFiles(cache.Directory));
    }

    [TestMethod]
    public void TheDefaultCacheLivesWhereMaruCacheDirSaysOrInTheUsersCacheFolder()
    {
        string? configured = Environment.GetEnvironmentVariable("MARU_CACHE_DIR");
        string expected = !string.IsNullOrEmpty(configured) ? Path.GetFullPath(configured)
            : !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("XDG_CACHE_HOME"))
                ? Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME")!, "maru", "jit")
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "maru", "jit");
        Assert.AreEqual(expected, MaruCodeCache.Default.Directory);
        Assert.AreSame(MaruCodeCache.Default, MaruCompileOptions.Default.Cache);
    }

    // ---- Files read by load: part of what an entry's code depends on ----

    [TestMethod]
    public void AnEditedLoadedFileIsAMissAndTheNewBuildReplacesTheEntry()
    {
        using var directory = new TemporaryDirectory();
        var cache = new MaruCodeCache(directory.File("cache"));
        string answer = directory.File("answer.l");
        File.WriteAllText(answer, "(define-function answer () 42)");
        // The source's path need not exist; load finds answer.l beside it.
        MaruSource[] unit = [new(directory.File("main.l"), "(load \"answer.l\")\n(define-function twice-answer () (* 2 (answer)))")];

        using (var first = MaruModule.Compile(unit, new MaruCompileOptions { Cache = cache }))
        {
            Assert.IsFalse(first.FromCache);
            Assert.AreEqual(84L, first.Invoke("twice-answer"));
        }
        using (var hit = MaruModule.Compile(unit, Sources.CacheOnly(cache)))
            Assert.AreEqual(84L, hit.Invoke("twice-answer"));

        // The sources are the same, the loaded file is not: a miss, and the new build replaces the entry.
        File.WriteAllText(answer, "(define-function answer () 50)");
        Assert.ThrowsExactly<CacheMissException>(() => MaruModule.Compile(unit, Sources.CacheOnly(cache)));
        using (var rebuilt = MaruModule.Compile(unit, new MaruCompileOptions { Cache = cache }))
        {
            Assert.IsFalse(rebuilt.FromCache);
            Assert.AreEqual(100L, rebuilt.Invoke("twice-answer"));
        }
        using (var hit = MaruModule.Compile(unit, Sources.CacheOnly(cache)))
            Assert.AreEqual(100L, hit.Invoke("twice-answer"));
        Assert.HasCount(1, Directory.GetFiles(cache.Directory, "*.exports"));
        Assert.HasCount(1, Directory.GetFiles(cache.Directory, "*.so"), "the replaced entry's library is gone");

        // A loaded file that is gone is the compile's error, not a stale hit.
        File.Delete(answer);
        var e = Assert.ThrowsExactly<MaruCompilationException>(() => MaruModule.Compile(unit, new MaruCompileOptions { Cache = cache }));
        Assert.AreEqual("MARU0204", e.Diagnostics.Single().Code, e.Message);
    }

    [TestMethod]
    public void ALoadedFileEditedWhileAModuleOfItsEntryIsLoadedGivesTheNewCode()
    {
        using var directory = new TemporaryDirectory();
        var cache = new MaruCodeCache(directory.File("cache"));
        string value = directory.File("value.l");
        File.WriteAllText(value, "(define-function value () 1)");
        MaruSource[] unit = [new(directory.File("main.l"), "(load \"value.l\")")];
        using (MaruModule.Compile(unit, new MaruCompileOptions { Cache = cache })) { }

        // This module has the cached library loaded where it is; replacing the entry must not disturb it.
        using var old = MaruModule.Compile(unit, Sources.CacheOnly(cache));
        File.WriteAllText(value, "(define-function value () 2)");
        using var rebuilt = MaruModule.Compile(unit, new MaruCompileOptions { Cache = cache });
        using var hit = MaruModule.Compile(unit, Sources.CacheOnly(cache));
        Assert.AreEqual((1L, 2L, 2L), (old.Invoke("value"), rebuilt.Invoke("value"), hit.Invoke("value")));
    }

    [TestMethod]
    [DoNotParallelize]
    public void AFileThatAppearsWhereLoadLooksFirstIsAMiss()
    {
        // src/main.l loads "answer.l": beside itself first (there is none at first), then from the current folder.
        using var directory = new TemporaryDirectory();
        var cache = new MaruCodeCache(directory.File("cache"));
        Directory.CreateDirectory(directory.File("src"));
        Directory.CreateDirectory(directory.File("current"));
        File.WriteAllText(directory.File("current/answer.l"), "(define-function answer () 1)");
        MaruSource[] unit = [new(directory.File("src/main.l"), "(load \"answer.l\")")];
        string previous = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = directory.File("current");
            using (var first = MaruModule.Compile(unit, new MaruCompileOptions { Cache = cache }))
                Assert.AreEqual(1L, first.Invoke("answer"));
            using (var hit = MaruModule.Compile(unit, Sources.CacheOnly(cache)))
                Assert.AreEqual(1L, hit.Invoke("answer"));

            File.WriteAllText(directory.File("src/answer.l"), "(define-function answer () 2)");
            Assert.ThrowsExactly<CacheMissException>(() => MaruModule.Compile(unit, Sources.CacheOnly(cache)));
            using var rebuilt = MaruModule.Compile(unit, new MaruCompileOptions { Cache = cache });
            Assert.AreEqual(2L, rebuilt.Invoke("answer"));
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }
}

[TestClass]
public sealed class ConcurrencyTests
{
    [TestMethod]
    public void SixteenThreadsCompilingDifferentAndIdenticalSourcesAtOnce()
    {
        using var directory = new TemporaryDirectory();
        var cache = new MaruCodeCache(directory.File("cache"));
        var options = new MaruCompileOptions { Cache = cache };
        // Threads 0-7 compile the same source; threads 8-15 each their own.
        static string SourceOf(int thread) => thread < 8
            ? "(define-function f (x) (+ x 1000))"
            : $"(define-function f (x) (+ x {thread}))";
        static long Expected(int thread, long x) => x + (thread < 8 ? 1000 : thread);

        using var start = new Barrier(16);
        var results = new long[16];
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var threads = Enumerable.Range(0, 16).Select(i => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                using var module = MaruModule.Compile(SourceOf(i), options);
                results[i] = module.GetFunction<Func<long, long>>("f")(5);
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        })).ToList();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        Assert.IsEmpty(failures, string.Join("\n", failures));
        for (int i = 0; i < 16; i++) Assert.AreEqual(Expected(i, 5), results[i], $"thread {i}");

        // Nine entries, no temporaries, and every one of them a hit now.
        Assert.IsEmpty(Directory.GetFiles(cache.Directory, ".*"));
        Assert.HasCount(9, Directory.GetFiles(cache.Directory, "*.exports"));
        Parallel.For(0, 16, i =>
        {
            using var module = MaruModule.Compile(SourceOf(i), Sources.CacheOnly(cache));
            Assert.IsTrue(module.FromCache);
            Assert.AreEqual(Expected(i, 7), module.Invoke("f", 7));
        });
    }

    [TestMethod]
    public void TwoProcessesShareOneCache()
    {
        using var directory = new TemporaryDirectory();
        string cache = directory.File("cache");
        string source = directory.File("twice.l");
        File.WriteAllText(source, "(define-function twice (x) (* 2 x))");

        // Two processes at once, same source, same cache: both work, whoever stores last.
        var first = TestHost.Start(["call", cache, source, "twice", "21"]);
        var second = TestHost.Start(["call", cache, source, "twice", "21"]);
        foreach (var run in new[] { TestHost.Finish(first), TestHost.Finish(second) })
        {
            Assert.AreEqual(0, run.ExitCode, run.StandardError);
            StringAssert.StartsWith(run.StandardOutput, "42 ");
        }
        first.Dispose();
        second.Dispose();

        // A third process with no tools at all finds it.
        var third = TestHost.Run(["call", cache, source, "twice", "50"],
            new Dictionary<string, string> { ["MARU_AS"] = "/nonexistent/as", ["MARU_LD"] = "/nonexistent/ld" });
        Assert.AreEqual(0, third.ExitCode, third.StandardError);
        Assert.AreEqual("100 cached", third.StandardOutput.Trim());

        // And this process finds it too, under the same path.
        using var module = MaruModule.Compile([new MaruSource(source, File.ReadAllText(source))], Sources.CacheOnly(new MaruCodeCache(cache)));
        Assert.IsTrue(module.FromCache);
    }
}
