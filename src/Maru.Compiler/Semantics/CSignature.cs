namespace Maru.Compiler.Semantics;

/// <summary>A C type of an extern's signature (spec section 11): how a word crosses into C and back.</summary>
public enum CType { Long, Int, Double, Float, Void }

/// <summary>
/// The C signature of <c>(extern 'cname (T ...) R)</c>: the types of the arguments a call passes (the fixed parameters,
/// then the variable arguments this declaration passes) and the result type.
/// </summary>
/// <param name="VariadicFrom">For a variadic C function, the index of the first variable argument (the number of fixed parameters); else null.</param>
public sealed record CSignature(IReadOnlyList<CType> Parameters, int? VariadicFrom, CType Result)
{
    /// <summary>Whether an argument of this type travels in a floating-point register.</summary>
    public static bool IsFloatingPoint(CType type) => type is CType.Double or CType.Float;

    public static CType Parse(string name) => name switch
    {
        "long" => CType.Long, "int" => CType.Int, "double" => CType.Double, "float" => CType.Float, "void" => CType.Void,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a C type of a signature"),
    };

    public override string ToString()
    {
        var types = Parameters.Select(t => t.ToString().ToLowerInvariant()).ToList();
        if (VariadicFrom is int from) types.Insert(from, "...");
        return $"({string.Join(' ', types)}) {Result.ToString().ToLowerInvariant()}";
    }
}
