using Maru.Compiler.Semantics;

namespace Maru.Compiler.IR;

/// <summary>
/// Which direct calls of one file are replaced by the callee's body (the cost model; docs/language.md states it).
/// A function is a candidate when its body has at most <see cref="MaxNodes"/> expressions and takes no address of a
/// local (an inlined body has no frame of its own). A call of a candidate defined earlier in the same file, or of the
/// function being compiled itself, is inlined when
/// <list type="bullet">
/// <item>fewer than <see cref="MaxDepth"/> inlined bodies enclose it (bodies inlined into inlined bodies nest, so a
/// recursive function is unrolled into itself at most that deep), and</item>
/// <item>when the call is in a body of the callee itself, exactly one of the callee's calls of itself is not a jump
/// (its tail calls are, see Lowering): fib's <c>(fib (- n 1))</c>. Each level of unrolling is then one copy that turns
/// calls of the base case into branches; with more, the copies would keep the calls' results live across each other
/// (tak's three) for little gain.</item>
/// <item>the expressions inlined into the function so far, with the callee's, stay within
/// <see cref="FunctionAllowance"/>, and those inlined into the whole file within the expressions of the file's
/// functions compiled so far plus <see cref="FileAllowance"/>.</item>
/// </list>
/// So a function grows by at most <see cref="FunctionAllowance"/> expressions and a file to at most twice its
/// expressions plus <see cref="FileAllowance"/>. Calls are decided in source order, depth first. Every function is still
/// compiled on its own (it is exported).
/// </summary>
public sealed class Inlining
{
    public const int MaxNodes = 40;
    public const int MaxDepth = 4;
    public const int FunctionAllowance = 160;
    public const int FileAllowance = 400;

    private readonly Dictionary<FunctionSymbol, (BoundExpression Body, int Size, bool Unrolls)> _candidates = new();
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
        int size = Size(body, function, out bool takesAddress, out int selfCalls);
        _fileSize += size;
        if (size <= MaxNodes && !takesAddress) _candidates[function] = (body, size, selfCalls - selfCallJumps == 1);
    }

    /// <summary>
    /// The body to inline at a direct call of <paramref name="callee"/> <paramref name="depth"/> bodies deep (into a body
    /// of <paramref name="callee"/> itself when <paramref name="intoItself"/>), or null.
    /// </summary>
    public BoundExpression? BodyToInline(FunctionSymbol callee, int depth, bool intoItself)
    {
        if (depth >= MaxDepth || !_candidates.TryGetValue(callee, out var candidate) || (intoItself && !candidate.Unrolls)) return null;
        if (_functionInlined + candidate.Size > FunctionAllowance || _fileInlined + candidate.Size > _fileSize + FileAllowance) return null;
        _functionInlined += candidate.Size;
        _fileInlined += candidate.Size;
        return candidate.Body;
    }

    /// <summary>How many expressions a body has, whether it takes the address of a local, and how often it calls itself.</summary>
    private static int Size(BoundExpression body, FunctionSymbol function, out bool takesAddress, out int selfCalls)
    {
        int nodes = 0;
        takesAddress = false;
        selfCalls = 0;
        foreach (var e in body.SelfAndDescendants())
        {
            nodes++;
            if (e is BoundAddressOfLocal) takesAddress = true;
            if (e is BoundCall { Kind: CallKind.Direct } call && call.Target == function) selfCalls++;
        }
        return nodes;
    }
}
