using System.Text;

namespace Maru.Compiler.Semantics;

/// <summary>How Maru names become native symbols and C# method names (spec section 6).</summary>
public static class SymbolNames
{
    /// <summary><c>-</c> becomes <c>_</c>; letters, digits and <c>_</c> stay; any other byte becomes <c>_</c> and two hex digits.</summary>
    public static string Mangle(string name)
    {
        var result = new StringBuilder(name.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(name))
        {
            char c = (char)b;
            if (c == '-') result.Append('_');
            else if (char.IsAsciiLetterOrDigit(c) || c == '_') result.Append(c);
            else result.Append('_').Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return result.ToString();
    }

    /// <summary>The name's alphanumeric parts in PascalCase: <c>sum-array</c> is <c>SumArray</c>, <c>set-x!</c> is <c>SetX</c>.</summary>
    public static string CSharpMethodName(string name)
    {
        var result = new StringBuilder(name.Length);
        bool startOfPart = true;
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                startOfPart = true;
                continue;
            }
            result.Append(startOfPart ? char.ToUpperInvariant(c) : c);
            startOfPart = false;
        }
        // An identifier cannot start with a digit.
        if (result.Length > 0 && char.IsAsciiDigit(result[0])) result.Insert(0, '_');
        return result.ToString();
    }
}
