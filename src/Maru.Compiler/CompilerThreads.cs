using System.Collections.Concurrent;

namespace Maru.Compiler;

/// <summary>
/// The threads compiles run on: each has a stack sized for the deepest nesting the pipeline allows, and is kept for
/// the next compile. Starting one per compile (mapping, touching and unmapping its stack) cost more than a small
/// compile itself. A thread no compile has used for <see cref="IdleTimeout"/> ends, which releases its stack.
/// </summary>
internal static class CompilerThreads
{
    /// <summary>
    /// The pipeline recurses over expression trees up to the reader's nesting limit; a stack of this size holds that,
    /// so no input can overflow the caller's stack.
    /// </summary>
    private const int StackSize = 256 * 1024 * 1024;

    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(20);
    private static readonly BlockingCollection<Action> s_jobs = new();

    /// <summary>Threads waiting for a job that no caller has counted on yet.</summary>
    private static int s_idle;

    /// <summary>Runs <paramref name="job"/> on a compiler thread and waits for it; an exception it throws is rethrown here.</summary>
    public static void Run(Action job)
    {
        Exception? failure = null;
        using var done = new ManualResetEventSlim();
        // Count on an idle thread before the job is queued: one that counted itself idle takes this job or another.
        if (!TryClaimIdle())
            new Thread(Work, StackSize) { Name = "Maru compiler", IsBackground = true }.Start(); // a host that exits mid-compile is not kept alive
        s_jobs.Add(() =>
        {
            try { job(); }
            catch (Exception e) { failure = e; }
            finally { done.Set(); }
        });
        done.Wait();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    private static void Work()
    {
        while (true)
        {
            if (s_jobs.TryTake(out var job, IdleTimeout))
            {
                job();
                Interlocked.Increment(ref s_idle);
            }
            // Nothing came: end, unless a caller has just counted on this thread (then its job is on its way).
            else if (TryClaimIdle()) return;
        }
    }

    /// <summary>Takes one thread off the idle count, if any is idle.</summary>
    private static bool TryClaimIdle()
    {
        int idle = Volatile.Read(ref s_idle);
        while (idle > 0)
        {
            int seen = Interlocked.CompareExchange(ref s_idle, idle - 1, idle);
            if (seen == idle) return true;
            idle = seen;
        }
        return false;
    }
}
