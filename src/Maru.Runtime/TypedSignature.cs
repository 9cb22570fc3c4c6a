using System.Reflection;

namespace Maru.Runtime;

/// <summary>
/// The parameter and result types of a delegate type that can call a Maru function, every one of them checked: a word
/// each way (spec section 11: every Maru parameter and result is a word).
/// </summary>
/// <param name="Parameters">The delegate's parameter types.</param>
/// <param name="Result">The delegate's result type, or null for <c>void</c>.</param>
internal sealed record TypedSignature(Type[] Parameters, Type? Result)
{
    public const int MaxParameters = 8;

    private const string Scalars = "long, int, short, sbyte, ulong, uint, ushort, byte, nint, nuint, bool, double or float";

    private static readonly HashSet<Type> ScalarTypes =
    [
        typeof(long), typeof(int), typeof(short), typeof(sbyte), typeof(ulong), typeof(uint), typeof(ushort), typeof(byte),
        typeof(nint), typeof(nuint), typeof(bool), typeof(double), typeof(float),
    ];

    /// <summary>The signature of <paramref name="delegateType"/>'s <c>Invoke</c>.</summary>
    /// <exception cref="ArgumentException">A parameter or the result has a type that cannot be passed (naming it and its position), or there are too many parameters.</exception>
    public static TypedSignature Of(Type delegateType)
    {
        string name = CSharpName(delegateType);
        MethodInfo invoke = delegateType.GetMethod("Invoke")
            ?? throw Error($"{name} has no signature: use a delegate type such as Func<long, long>");
        ParameterInfo[] parameters = invoke.GetParameters();
        if (parameters.Length > MaxParameters)
            throw Error($"{name} has {parameters.Length} parameters; a typed delegate has at most {MaxParameters}");
        for (int i = 0; i < parameters.Length; i++)
        {
            if (ParameterProblem(parameters[i].ParameterType) is { } problem)
                throw Error($"{name}: parameter {i + 1} is {CSharpName(parameters[i].ParameterType)}, {problem}");
        }
        Type? result = invoke.ReturnType == typeof(void) ? null : invoke.ReturnType;
        if (result is not null && !ScalarTypes.Contains(result) && !IsPointer(result))
        {
            string problem = result == typeof(string) || result.IsArray || result.IsByRef
                ? "which a Maru function cannot return: its result is a word (return a pointer, or nint)"
                : $"which a Maru function cannot return: use {Scalars}, a pointer, or void";
            throw Error($"{name}: the result is {CSharpName(result)}, {problem}");
        }
        return new TypedSignature([.. parameters.Select(p => p.ParameterType)], result);

        ArgumentException Error(string message) => new(message, "TDelegate");
    }

    /// <summary>Why a parameter of type <paramref name="type"/> cannot be passed as a word, or null if it can.</summary>
    private static string? ParameterProblem(Type type)
    {
        if (ScalarTypes.Contains(type) || type == typeof(string) || IsPointer(type)) return null;
        if (type.IsByRef) return "which cannot be passed to a Maru function: ref, out and in parameters are not supported (pass an array or a pointer)";
        if (type.IsArray)
        {
            Type element = type.GetElementType()!;
            if (!type.IsSZArray) return "which cannot be passed to a Maru function: only one-dimensional arrays are";
            if (!IsUnmanaged(element)) return $"which cannot be passed to a Maru function: {CSharpName(element)} is not an unmanaged type";
            return null;
        }
        return $"which cannot be passed to a Maru function: use {Scalars}, a pointer, string, or an array of an unmanaged type";
    }

    /// <summary>True when a parameter or the result is a pointer (<c>byte*</c>, <c>delegate* unmanaged&lt;...&gt;</c>): a word, passed as an <c>nint</c>.</summary>
    public bool HasPointers => Parameters.Any(IsPointer) || (Result is not null && IsPointer(Result));

    /// <summary>The type that stands for <paramref name="type"/> in a call pattern: a pointer cannot be a type argument; its <c>nint</c> can.</summary>
    public static Type PatternType(Type type) => IsPointer(type) ? typeof(nint) : type;

    private static bool IsPointer(Type type) => type.IsPointer || type.IsFunctionPointer;

    /// <summary>True for the types C#'s <c>unmanaged</c> constraint allows: primitives, enums, pointers and structs of them.</summary>
    private static bool IsUnmanaged(Type type) =>
        type.IsPrimitive || type.IsEnum || type.IsPointer || type.IsFunctionPointer ||
        (type.IsValueType && !type.IsGenericTypeDefinition &&
            type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).All(f => IsUnmanaged(f.FieldType)));

    /// <summary>A type as C# writes it: <c>Func&lt;double, long[]&gt;</c>, <c>decimal</c>, <c>byte*</c>.</summary>
    public static string CSharpName(Type type)
    {
        if (type.IsArray) return CSharpName(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        if (type.IsPointer) return CSharpName(type.GetElementType()!) + "*";
        if (type.IsByRef) return "ref " + CSharpName(type.GetElementType()!);
        if (Keywords.TryGetValue(type, out string? keyword)) return keyword;
        if (!type.IsGenericType) return type.Name;
        string name = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
        return name + "<" + string.Join(", ", type.GetGenericArguments().Select(CSharpName)) + ">";
    }

    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(long)] = "long", [typeof(int)] = "int", [typeof(short)] = "short", [typeof(sbyte)] = "sbyte",
        [typeof(ulong)] = "ulong", [typeof(uint)] = "uint", [typeof(ushort)] = "ushort", [typeof(byte)] = "byte",
        [typeof(nint)] = "nint", [typeof(nuint)] = "nuint", [typeof(bool)] = "bool", [typeof(double)] = "double",
        [typeof(float)] = "float", [typeof(decimal)] = "decimal", [typeof(char)] = "char", [typeof(string)] = "string",
        [typeof(object)] = "object", [typeof(void)] = "void",
    };
}
