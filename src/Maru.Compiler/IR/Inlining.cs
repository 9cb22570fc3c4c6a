using Maru.Compiler.Semantics;

namespace Maru.Compiler.IR;

/// <summary>
/// Which functions are inlined where they are called: small leaves. A body of at most <see cref="MaxNodes"/>
/// expressions, with no loop, no <c>return</c>, no address of a local and no call of a Maru function (externs may be
/// called), replaces each direct call, its parameters bound to the arguments as a <c>let</c> would. So no call site
/// grows by more than that many expressions, and inlining never nests. The function itself is still compiled.
/// </summary>
public static class Inlining
{
    public const int MaxNodes = 40;

    public static bool IsCandidate(BoundExpression body)
    {
        int nodes = 0;
        var pending = new Stack<BoundExpression>();
        pending.Push(body);
        while (pending.Count > 0)
        {
            var e = pending.Pop();
            if (++nodes > MaxNodes) return false;
            if (e is BoundWhile or BoundReturn or BoundAddressOfLocal or BoundCall { Kind: not CallKind.Extern }) return false;
            foreach (var child in e.Children()) pending.Push(child);
        }
        return true;
    }
}
