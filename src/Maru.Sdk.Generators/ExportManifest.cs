using System;
using System.Collections.Generic;
using System.Collections.Immutable;

namespace Maru.Sdk.Generators;

/// <summary>One function the Maru sources export: its Maru name, the native symbol and how many words it takes.</summary>
internal sealed record ManifestExport(string MaruName, string Symbol, int ParameterCount);

/// <summary>
/// What the Maru compile step exported, read from the manifest it writes (<c>&lt;project&gt;.MaruExports.txt</c>): the native
/// library's name and every exported function. Lines are tab-separated; <c>#</c> starts a comment line:
/// <code>
/// library	App.Native
/// export	sum-array	sum_array	2
/// </code>
/// The writer is Maru.Compiler's ExportManifest (src/Maru.Compiler/Bindings); both sides must agree on this format.
/// </summary>
internal sealed record ExportManifest(string LibraryName, EquatableArray<ManifestExport> Exports)
{
    /// <summary>The file name suffix of the manifest among the AdditionalFiles.</summary>
    public const string FileNameSuffix = ".MaruExports.txt";

    /// <summary>No manifest: the project has no MaruSource, or has not been compiled.</summary>
    public static readonly ExportManifest None = new("", EquatableArray<ManifestExport>.Empty);

    public bool IsPresent => LibraryName.Length > 0;

    public ManifestExport? Find(string maruName)
    {
        foreach (ManifestExport export in Exports)
            if (export.MaruName == maruName) return export;
        return null;
    }

    public static ExportManifest Parse(string text)
    {
        string library = "";
        var exports = ImmutableArray.CreateBuilder<ManifestExport>();
        foreach (string rawLine in text.Split('\n'))
        {
            string line = rawLine.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#') continue;
            string[] fields = line.Split('\t');
            if (fields[0] == "library" && fields.Length == 2) library = fields[1];
            else if (fields[0] == "export" && fields.Length == 4 && int.TryParse(fields[3], out int count))
                exports.Add(new ManifestExport(fields[1], fields[2], count));
        }
        return new ExportManifest(library, new EquatableArray<ManifestExport>(exports.ToImmutable()));
    }
}

/// <summary>An immutable array compared by its elements, so that the generator's pipeline can cache values holding one.</summary>
internal readonly struct EquatableArray<T>(ImmutableArray<T> items) : IEquatable<EquatableArray<T>>
{
    public static readonly EquatableArray<T> Empty = new(ImmutableArray<T>.Empty);

    private readonly ImmutableArray<T> _items = items;

    public ImmutableArray<T> Items => _items.IsDefault ? ImmutableArray<T>.Empty : _items;
    public int Count => Items.Length;
    public T this[int index] => Items[index];

    public ImmutableArray<T>.Enumerator GetEnumerator() => Items.GetEnumerator();

    public bool Equals(EquatableArray<T> other)
    {
        ImmutableArray<T> mine = Items, theirs = other.Items;
        if (mine.Length != theirs.Length) return false;
        for (int i = 0; i < mine.Length; i++)
            if (!EqualityComparer<T>.Default.Equals(mine[i], theirs[i])) return false;
        return true;
    }

    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    public override int GetHashCode()
    {
        int hash = 17;
        foreach (T item in Items) hash = hash * 31 + (item is null ? 0 : EqualityComparer<T>.Default.GetHashCode(item));
        return hash;
    }
}
