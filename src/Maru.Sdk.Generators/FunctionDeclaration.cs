using System.Collections.Immutable;
using System.Linq;
using System.Reflection.Metadata;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Maru.Sdk.Generators;

/// <summary>How a C# type travels as a word (the conversions of Maru.Runtime's Words and Pinned).</summary>
internal enum ValueKind
{
    Long, Int, Short, SByte, ULong, UInt, UShort, Byte, NInt, NUInt, Bool, Double, Float,
    /// <summary>A pointer or an unmanaged function pointer: its address.</summary>
    Pointer,
    /// <summary>NUL-terminated UTF-8, 0 for null.</summary>
    String,
    /// <summary>A one-dimensional array of an unmanaged type, pinned: its first element's address, 0 for null or empty.</summary>
    Array,
    /// <summary>A Span or ReadOnlySpan of an unmanaged type, pinned: as an array.</summary>
    Span,
    Void,
    Unsupported,
}

/// <summary>A C# type as the generator writes it (fully qualified) and how it is passed; for arrays and spans, the element type.</summary>
internal sealed record ValueType(ValueKind Kind, string TypeName, string ElementTypeName);

/// <summary>A source location kept as values, so the pipeline can compare and cache it.</summary>
internal sealed record LocationInfo(string Path, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo From(SyntaxNode node) => From(node.GetLocation());

    public static LocationInfo From(Location location) =>
        new(location.SourceTree?.FilePath ?? "", location.SourceSpan, location.GetLineSpan().Span);

    public Location ToLocation() => Location.Create(Path, Span, LineSpan);
}

/// <summary>
/// A parameter: its name as C# writes it, its type, its modifier as C# writes it (<c>params </c>, or <c>ref </c> and the like,
/// which only a declaration with an error has), and why it cannot be passed (null when it can).
/// </summary>
internal sealed record ParameterDeclaration(string Name, ValueType Type, string Modifier, string? Problem, LocationInfo Location);

/// <summary>A type enclosing the method: what declares it (<c>class</c>, <c>record struct</c> ...) and its name with type parameters.</summary>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>One <c>[Maru.MaruFunction("name")]</c> method, with what is wrong with it; values only, so the pipeline caches it.</summary>
internal sealed record FunctionDeclaration(
    string? Namespace,
    EquatableArray<ContainingType> Types,
    string Modifiers,
    string MethodName,
    string MaruName,
    LocationInfo NameLocation,
    ValueType Result,
    string? ResultProblem,
    LocationInfo ResultLocation,
    EquatableArray<ParameterDeclaration> Parameters,
    string? DeclarationProblem,
    LocationInfo MethodLocation)
{
    public const string AttributeName = "Maru.MaruFunctionAttribute";

    private const string Scalars = "long, int, short, sbyte, ulong, uint, ushort, byte, nint, nuint, bool, double or float";

    private static readonly SymbolDisplayFormat TypeFormat =
        SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static FunctionDeclaration? From(GeneratorAttributeSyntaxContext context, CancellationToken cancellation)
    {
        if (context.TargetNode is not MethodDeclarationSyntax syntax || context.TargetSymbol is not IMethodSymbol method) return null;
        AttributeData attribute = context.Attributes[0];
        string maruName = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string name ? name : "";
        SyntaxNode nameNode = attribute.ApplicationSyntaxReference?.GetSyntax(cancellation) is AttributeSyntax { ArgumentList.Arguments.Count: > 0 } applied
            ? applied.ArgumentList.Arguments[0]
            : syntax;

        var types = ImmutableArray.CreateBuilder<ContainingType>();
        string? typeProblem = null;
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            types.Insert(0, new ContainingType(Keyword(type), type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
            bool isPartial = type.DeclaringSyntaxReferences.Any(r =>
                r.GetSyntax(cancellation) is TypeDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!isPartial) typeProblem ??= $"'{type.Name}' must be partial for the generator to add '{method.Name}' to it";
        }

        string? declarationProblem =
            !method.IsStatic ? $"'{method.Name}' must be static: a [MaruFunction] method calls a native function and has no instance"
            : !syntax.Modifiers.Any(SyntaxKind.PartialKeyword) || syntax.Body is not null || syntax.ExpressionBody is not null
                ? $"'{method.Name}' must be a partial method without a body (static partial), which the generator implements"
            : method.IsGenericMethod ? $"'{method.Name}' cannot be generic: the generator passes each parameter by its own type"
            : maruName.Length == 0 ? $"'{method.Name}' needs the Maru name of the function it calls: [Maru.MaruFunction(\"name\")]"
            : typeProblem;

        var parameters = ImmutableArray.CreateBuilder<ParameterDeclaration>();
        for (int i = 0; i < method.Parameters.Length; i++)
        {
            IParameterSymbol parameter = method.Parameters[i];
            ValueType type = Classify(parameter.Type);
            string? problem = parameter.RefKind != RefKind.None
                ? "ref, out and in parameters are not supported (pass an array, a span or a pointer)"
                : ParameterProblem(parameter.Type, type);
            if (problem is not null) problem = $"parameter '{parameter.Name}' is {Display(parameter.Type)}, {problem}";
            SyntaxNode location = i < syntax.ParameterList.Parameters.Count ? syntax.ParameterList.Parameters[i] : syntax;
            string modifier = parameter.IsParams ? "params " : parameter.RefKind switch
            {
                RefKind.Ref => "ref ",
                RefKind.Out => "out ",
                RefKind.In => "in ",
                RefKind.RefReadOnlyParameter => "ref readonly ",
                _ => "",
            };
            parameters.Add(new ParameterDeclaration(Identifier(parameter.Name), type, modifier, problem, LocationInfo.From(location)));
        }

        ValueType result = Classify(method.ReturnType);
        string? resultProblem = method.ReturnsByRef || method.ReturnsByRefReadonly
            ? $"the result is ref {Display(method.ReturnType)}, which a Maru function cannot return: its result is a word"
            : result.Kind is ValueKind.String or ValueKind.Array or ValueKind.Span
                ? $"the result is {Display(method.ReturnType)}, which a Maru function cannot return: its result is a word (return a pointer, or nint)"
            : result.Kind == ValueKind.Unsupported
                ? $"the result is {Display(method.ReturnType)}, which a Maru function cannot return: use {Scalars}, a pointer, or void"
            : null;

        return new FunctionDeclaration(
            method.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
            new EquatableArray<ContainingType>(types.ToImmutable()),
            syntax.Modifiers.ToString(),
            Identifier(method.Name),
            maruName,
            LocationInfo.From(nameNode),
            result,
            resultProblem,
            LocationInfo.From(syntax.ReturnType),
            new EquatableArray<ParameterDeclaration>(parameters.ToImmutable()),
            declarationProblem,
            LocationInfo.From(syntax.Identifier.GetLocation()));
    }

    private static string? ParameterProblem(ITypeSymbol type, ValueType value) => value.Kind switch
    {
        ValueKind.Void => "which cannot be passed to a Maru function",
        ValueKind.Unsupported when type is IArrayTypeSymbol { IsSZArray: false } =>
            "which cannot be passed to a Maru function: only one-dimensional arrays are",
        ValueKind.Unsupported when ElementOf(type) is { IsUnmanagedType: false } element =>
            $"which cannot be passed to a Maru function: {Display(element)} is not an unmanaged type",
        ValueKind.Unsupported =>
            $"which cannot be passed to a Maru function: use {Scalars}, a pointer, string, or an array or span of an unmanaged type",
        _ => null,
    };

    private static ValueType Classify(ITypeSymbol type)
    {
        string name = type.ToDisplayString(TypeFormat);
        ValueKind? scalar = type.SpecialType switch
        {
            SpecialType.System_Int64 => ValueKind.Long,
            SpecialType.System_Int32 => ValueKind.Int,
            SpecialType.System_Int16 => ValueKind.Short,
            SpecialType.System_SByte => ValueKind.SByte,
            SpecialType.System_UInt64 => ValueKind.ULong,
            SpecialType.System_UInt32 => ValueKind.UInt,
            SpecialType.System_UInt16 => ValueKind.UShort,
            SpecialType.System_Byte => ValueKind.Byte,
            SpecialType.System_IntPtr => ValueKind.NInt,
            SpecialType.System_UIntPtr => ValueKind.NUInt,
            SpecialType.System_Boolean => ValueKind.Bool,
            SpecialType.System_Double => ValueKind.Double,
            SpecialType.System_Single => ValueKind.Float,
            SpecialType.System_String => ValueKind.String,
            SpecialType.System_Void => ValueKind.Void,
            _ => null,
        };
        if (scalar is { } kind) return new ValueType(kind, name, "");
        // A managed function pointer (delegate*<...>) is an address only managed code may call: not passed.
        if (type is IPointerTypeSymbol || type is IFunctionPointerTypeSymbol { Signature.CallingConvention: not SignatureCallingConvention.Default })
            return new ValueType(ValueKind.Pointer, name, "");
        if (type is IArrayTypeSymbol { IsSZArray: true, ElementType.IsUnmanagedType: true } array)
            return new ValueType(ValueKind.Array, name, array.ElementType.ToDisplayString(TypeFormat));
        if (IsSpan(type) && type is INamedTypeSymbol named && named.TypeArguments[0] is { IsUnmanagedType: true } element)
            return new ValueType(ValueKind.Span, name, element.ToDisplayString(TypeFormat));
        return new ValueType(ValueKind.Unsupported, name, "");
    }

    private static bool IsSpan(ITypeSymbol type) =>
        type is INamedTypeSymbol { Arity: 1, ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } named
        && named.Name is "Span" or "ReadOnlySpan";

    private static ITypeSymbol? ElementOf(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => array.ElementType,
        INamedTypeSymbol named when IsSpan(named) => named.TypeArguments[0],
        _ => null,
    };

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };

    /// <summary>A name as C# source writes it: a keyword gets <c>@</c>.</summary>
    private static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
