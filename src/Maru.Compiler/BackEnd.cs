using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Text;
using Maru.Compiler.IR;
using Maru.Compiler.Optimization;
using Maru.Compiler.Targets;

namespace Maru.Compiler;

/// <summary>
/// Optimises the lowered functions of one source file and emits their code, in the order they were added. A file
/// with many functions is spread over worker threads, each with its own target instance (the register allocator
/// keeps state between functions); the text of each function depends only on that function, so the output is the
/// same whatever the number of workers.
/// </summary>
internal sealed class BackEnd : IDisposable
{
    /// <summary>Below this many functions a file is compiled on the calling thread: starting workers would cost more.</summary>
    public const int ParallelThreshold = 128;

    // A bounded queue keeps only a few functions' IR alive while the front end runs ahead of the workers.
    private const int QueueCapacity = 64;

    private readonly IrModule _module;
    private readonly string[] _texts;
    private readonly ITarget _target;
    private readonly StringBuilder _inlineText = new();
    private readonly BlockingCollection<(int Index, IrFunction Function)>? _queue;
    private readonly Thread[] _workers = [];
    private ExceptionDispatchInfo? _failure;
    private int _count;

    /// <param name="target">The target that emits code when there are no workers.</param>
    /// <param name="createTarget">Makes another instance of the target, one per worker thread.</param>
    /// <param name="functionCount">How many functions the file has, at most.</param>
    /// <param name="threads">The most threads to use (one: everything on the calling thread).</param>
    public BackEnd(ITarget target, Func<ITarget> createTarget, IrModule module, int functionCount, int threads)
    {
        _target = target;
        _module = module;
        _texts = new string[functionCount];
        int workers = functionCount >= ParallelThreshold ? Math.Min(threads, 8) : 1;
        if (workers <= 1) return;
        _queue = new BlockingCollection<(int, IrFunction)>(QueueCapacity);
        _workers = Enumerable.Range(0, workers)
            .Select(i => new Thread(() => Work(createTarget())) { Name = $"Maru code generator {i}", IsBackground = true })
            .ToArray();
        foreach (var worker in _workers) worker.Start();
    }

    /// <summary>Queues (or, without workers, emits) the next function of the file.</summary>
    public void Add(IrFunction function)
    {
        int index = _count++;
        if (_queue is null) _texts[index] = Emit(_target, function, _inlineText.Clear());
        else _queue.Add((index, function));
    }

    /// <summary>Waits for every added function and returns their code, in the order they were added.</summary>
    public ReadOnlySpan<string> Complete()
    {
        Dispose();
        _failure?.Throw();
        return _texts.AsSpan(0, _count);
    }

    /// <summary>Stops the workers once they have emitted what was added (also when the front end failed midway).</summary>
    public void Dispose()
    {
        if (_queue is null || _queue.IsAddingCompleted) return;
        _queue.CompleteAdding();
        foreach (var worker in _workers) worker.Join();
    }

    private void Work(ITarget target)
    {
        var text = new StringBuilder();
        try
        {
            foreach (var (index, function) in _queue!.GetConsumingEnumerable())
                _texts[index] = Emit(target, function, text.Clear());
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            // Drain the queue so the front end never blocks on a full queue that nobody empties.
            foreach (var _ in _queue!.GetConsumingEnumerable()) { }
        }
    }

    private string Emit(ITarget target, IrFunction function, StringBuilder text)
    {
        Optimizer.Run(function);
        target.EmitFunction(function, _module, text);
        return text.ToString();
    }
}
