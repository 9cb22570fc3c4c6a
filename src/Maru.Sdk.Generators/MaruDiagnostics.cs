using Microsoft.CodeAnalysis;

namespace Maru.Sdk.Generators;

/// <summary>
/// The errors of typed declarations. The codes are Maru's own (src/Maru.Compiler/Diagnostics/DiagnosticCodes.cs, documented in
/// docs/language.md), repeated here because the generator cannot reference the compiler (netstandard2.0).
/// </summary>
internal static class MaruDiagnostics
{
    private const string Category = "Maru";

    public static readonly DiagnosticDescriptor NotExported = new(
        "MARU0920", "Maru function not exported", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ParameterCountMismatch = new(
        "MARU0921", "Parameter count differs from the Maru function's", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor TypeNotPassable = new(
        "MARU0922", "Type that cannot be passed to or returned from a Maru function", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidDeclaration = new(
        "MARU0923", "Invalid [MaruFunction] declaration", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
