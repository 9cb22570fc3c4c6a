namespace Maru.Compiler.Tests;

/// <summary>Compiles run on kept threads with a large stack; every job ends, and concurrent ones do not wait for each other.</summary>
[TestClass]
public sealed class CompilerThreadsTests
{
    [TestMethod]
    public void OneCompileAfterAnotherRunsOnTheSameThread()
    {
        int first = 0, second = 0;
        CompilerThreads.Run(() => first = Environment.CurrentManagedThreadId);
        CompilerThreads.Run(() => second = Environment.CurrentManagedThreadId);
        Assert.AreNotEqual(Environment.CurrentManagedThreadId, first);
        Assert.AreEqual(first, second);
    }

    [TestMethod]
    public void ConcurrentJobsRunOnThreadsOfTheirOwn()
    {
        // Each job waits until all have started: with fewer threads than jobs this would never end.
        const int jobs = 6;
        using var allStarted = new Barrier(jobs);
        var threads = new int[jobs];
        var callers = Enumerable.Range(0, jobs).Select(i => Task.Factory.StartNew(() => CompilerThreads.Run(() =>
        {
            threads[i] = Environment.CurrentManagedThreadId;
            if (!allStarted.SignalAndWait(TimeSpan.FromSeconds(30))) throw new TimeoutException("the jobs did not run at once");
        }), TaskCreationOptions.LongRunning)).ToArray();
        Assert.IsTrue(Task.WaitAll(callers, TimeSpan.FromSeconds(60)), "the jobs did not finish");
        Assert.AreEqual(jobs, threads.Distinct().Count());
    }

    [TestMethod]
    public void AJobsExceptionReachesItsCallerAndTheThreadGoesOn()
    {
        var thrown = Assert.ThrowsExactly<InvalidOperationException>(() => CompilerThreads.Run(() => throw new InvalidOperationException("in the job")));
        Assert.AreEqual("in the job", thrown.Message);
        bool ran = false;
        CompilerThreads.Run(() => ran = true);
        Assert.IsTrue(ran);
    }

    [TestMethod]
    public void TheStackHoldsADeepRecursion()
    {
        // 1 KB a frame, 100 000 frames: 100 MB, beyond a default stack (8 MB at most) and within the compiler's.
        static int Depth(int n) { Span<byte> frame = stackalloc byte[1024]; frame[0] = (byte)n; return n == 0 ? frame[0] : 1 + Depth(n - 1) + frame[0] * 0; }
        int depth = 0;
        CompilerThreads.Run(() => depth = Depth(100_000));
        Assert.AreEqual(100_000, depth);
    }
}
