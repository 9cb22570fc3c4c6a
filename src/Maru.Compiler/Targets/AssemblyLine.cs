using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Maru.Compiler.Targets;

/// <summary>An emitter that writes assembly text line by line into <see cref="Text"/>.</summary>
internal interface IAssemblyText
{
    StringBuilder Text { get; }
}

/// <summary>
/// Lets an emitter's <c>Line($"\tmovq\t{a}, {b}")</c> append each piece straight to its text, with invariant number
/// formatting, instead of first building the line as a string: the back end writes millions of lines.
/// </summary>
[InterpolatedStringHandler]
internal ref struct AssemblyLine
{
    private StringBuilder.AppendInterpolatedStringHandler _text;

    public AssemblyLine(int literalLength, int formattedCount, IAssemblyText emitter) =>
        _text = new StringBuilder.AppendInterpolatedStringHandler(literalLength, formattedCount, emitter.Text, CultureInfo.InvariantCulture);

    public void AppendLiteral(string value) => _text.AppendLiteral(value);
    public void AppendFormatted(string? value) => _text.AppendFormatted(value);
    public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);
    public void AppendFormatted<T>(T value, string? format) => _text.AppendFormatted(value, format);
}

/// <summary>The lower-case names of an enumeration's members (mnemonics, condition codes), made once rather than per line.</summary>
internal static class LowerCaseName<T> where T : struct, Enum
{
    private static readonly Dictionary<T, string> s_names =
        Enum.GetValues<T>().Distinct().ToDictionary(value => value, value => value.ToString().ToLowerInvariant());

    public static string Of(T value) => s_names.TryGetValue(value, out var name) ? name : value.ToString().ToLowerInvariant();
}
