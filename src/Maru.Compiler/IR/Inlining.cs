using Maru.Compiler.Semantics;

namespace Maru.Compiler.IR;

/// <summary>
/// Which direct calls of one file are replaced by the callee's body (the cost model; docs/language.md states it).
/// A function is a candidate when its body takes no address of a local (an inlined body has no frame of its own) and
/// either has at most <see cref="MaxNodes"/> expressions, or is called once (a single call site in the unit, its address
/// never taken, no call of itself: <see cref="FunctionSymbol.CallSites"/>) from inside a loop, whatever its size: its
/// one body then moves into the loop, where the call's cost repeats and the caller's constants meet the callee's loops.
/// (Out of loops that saves one call per call of the caller, while an exported callee keeps its own copy: a file of
/// functions that each call the previous one grew by 70% and compiled 20% slower for nothing.) A call of a candidate
/// defined earlier in the same file, or of the function being compiled itself, is inlined when
/// <list type="bullet">
/// <item>fewer than <see cref="MaxDepth"/> inlined bodies enclose it (bodies inlined into inlined bodies nest, so a
/// recursive function is unrolled into itself at most that deep), and</item>
/// <item>when the call is in a body of the callee itself, exactly one of the callee's calls of itself is not a jump
/// (its tail calls are, see Lowering): fib's <c>(fib (- n 1))</c>. Each level of unrolling is then one copy that turns
/// calls of the base case into branches; with more, the copies would keep the calls' results live across each other
/// (tak's three) for little gain.</item>
/// <item>the expressions inlined into the function so far, with the callee's, stay within
/// <see cref="FunctionAllowance"/> (a function called once does not count: it is moved, not copied), and those inlined
/// into the whole file within the expressions of the file's functions compiled so far plus <see cref="FileAllowance"/>.</item>
/// </list>
/// So a function grows by at most <see cref="FunctionAllowance"/> expressions plus the bodies of functions called once,
/// and a file to at most twice its expressions plus <see cref="FileAllowance"/>. Calls are decided in source order,
/// depth first. A function called once is inlined whatever its size at the first of its calls lowered in a loop: a body
/// inlined more than once (such as a small caller's) copies the call, and the other copies follow the rule for small
/// functions. Every
/// function is still compiled on its own (it may be exported).
/// </summary>
public sealed class Inlining
{
    public const int MaxNodes = 40;
    public const int MaxDepth = 4;
    public const int FunctionAllowance = 160;
    public const int FileAllowance = 400;

    /// <summary>Below this many candidates, none is let go (see <see cref="EndFunction"/>).</summary>
    private const int SweepThreshold = 64;

    private readonly Dictionary<FunctionSymbol, Candidate> _candidates = new();
    /// <summary>For each function, its call sites in bodies not yet lowered (<see cref="FunctionSymbol.CallSites"/> at first).</summary>
    private readonly Dictionary<FunctionSymbol, int> _callSitesLeft = new();
    private List<FunctionSymbol> _callsOfCurrent = [];
    private int _sweepAt = SweepThreshold;
    private long _fileSize;
    private long _fileInlined;
    private int _functionInlined;

    /// <summary>
    /// Starts a function: its body counts towards the file, and it may be inlined into itself and later ones.
    /// <paramref name="selfCallJumps"/>: how many of its calls of itself become jumps (its tail calls, see Lowering).
    /// </summary>
    public void BeginFunction(FunctionSymbol function, BoundExpression body, int selfCallJumps)
    {
        _functionInlined = 0;
        _callsOfCurrent = new List<FunctionSymbol>();
        int size = Size(body, function, _callsOfCurrent, out bool takesAddress, out int selfCalls);
        _fileSize += size;
        if (takesAddress) return;
        bool calledOnce = function is { CallSites: 1, IsAddressTaken: false } && selfCalls == 0;
        if (size <= MaxNodes || calledOnce)
        {
            var callees = _callsOfCurrent.Where(callee => callee != function).Distinct().ToArray();
            _candidates[function] = new Candidate(body, size, selfCalls - selfCallJumps == 1, callees) { CalledOnce = calledOnce };
        }
    }

    /// <summary>
    /// Ends the function begun last. Now and then, lets go of the candidates no later call can reach: a call of a
    /// function is inlined from a body not lowered yet (depth 0), or from a candidate's body inlined at depth d (depth
    /// d + 1, below <see cref="MaxDepth"/>). Kept to the file's end, every small function's bound body was copied by the
    /// collector from generation to generation; which calls are inlined does not change.
    /// </summary>
    public void EndFunction()
    {
        foreach (var callee in _callsOfCurrent) _callSitesLeft[callee] = CallSitesLeft(callee) - 1;
        if (_candidates.Count < _sweepAt) return;
        var reachable = _candidates.Keys.Where(function => CallSitesLeft(function) > 0).ToHashSet();
        var level = reachable.ToList();
        for (int depth = 1; depth < MaxDepth && level.Count > 0; depth++)
            level = level.SelectMany(function => _candidates[function].Callees)
                .Where(callee => _candidates.ContainsKey(callee) && reachable.Add(callee)).ToList();
        foreach (var function in _candidates.Keys.Where(function => !reachable.Contains(function)).ToList()) _candidates.Remove(function);
        _sweepAt = Math.Max(SweepThreshold, 2 * _candidates.Count);
    }

    /// <summary>The functions whose bodies may be inlined now (for tests).</summary>
    internal IReadOnlyCollection<FunctionSymbol> Candidates => _candidates.Keys;

    private int CallSitesLeft(FunctionSymbol function) => _callSitesLeft.TryGetValue(function, out int left) ? left : function.CallSites;

    /// <summary>
    /// The body to inline at a direct call of <paramref name="callee"/> <paramref name="depth"/> bodies deep (into a body
    /// of <paramref name="callee"/> itself when <paramref name="intoItself"/>; in a loop when <paramref name="inLoop"/>),
    /// or null.
    /// </summary>
    public BoundExpression? BodyToInline(FunctionSymbol callee, int depth, bool intoItself, bool inLoop)
    {
        if (depth >= MaxDepth || !_candidates.TryGetValue(callee, out var candidate) || (intoItself && !candidate.Unrolls)) return null;
        if (_fileInlined + candidate.Size > _fileSize + FileAllowance) return null;
        if (candidate.CalledOnce)
        {
            if (!inLoop && candidate.Size > MaxNodes) return null;
            candidate.CalledOnce = false; // any later call is a copy of the one call (see the class's summary)
            if (candidate.Size > MaxNodes) _candidates.Remove(callee);
        }
        else if (_functionInlined + candidate.Size > FunctionAllowance) return null;
        else _functionInlined += candidate.Size;
        _fileInlined += candidate.Size;
        return candidate.Body;
    }

    /// <param name="Callees">The other functions its body calls directly.</param>
    private sealed record Candidate(BoundExpression Body, int Size, bool Unrolls, FunctionSymbol[] Callees)
    {
        /// <summary>Whether it is called once and that call is not inlined yet: it is inlined whatever its size.</summary>
        public bool CalledOnce { get; set; }
    }

    /// <summary>
    /// How many expressions a body has, whether it takes the address of a local, and how often it calls itself; adds
    /// the functions it calls directly to <paramref name="calls"/>, once for each call.
    /// </summary>
    private static int Size(BoundExpression body, FunctionSymbol function, List<FunctionSymbol> calls, out bool takesAddress, out int selfCalls)
    {
        int nodes = 0;
        takesAddress = false;
        selfCalls = 0;
        foreach (var e in body.SelfAndDescendants())
        {
            nodes++;
            if (e is BoundAddressOfLocal) takesAddress = true;
            if (e is BoundCall { Kind: CallKind.Direct, Target: FunctionSymbol callee })
            {
                calls.Add(callee);
                if (callee == function) selfCalls++;
            }
        }
        return nodes;
    }
}
