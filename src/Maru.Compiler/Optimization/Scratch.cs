namespace Maru.Compiler.Optimization;

/// <summary>
/// Storage a pass reuses from one function to the next instead of allocating it for each. The fields that hold it are
/// [ThreadStatic]: the back end optimises functions on several worker threads.
/// </summary>
internal static class Scratch
{
    /// <summary>
    /// <paramref name="array"/> if it holds at least <paramref name="length"/> elements, else a new array stored there; its
    /// first <paramref name="length"/> elements default. Callers index it with the length they asked for, not its own.
    /// </summary>
    public static T[] Cleared<T>(ref T[]? array, int length)
    {
        if (array is null || array.Length < length) array = new T[Math.Max(length, 64)];
        else Array.Clear(array, 0, length);
        return array;
    }

    /// <summary>Like <see cref="Cleared{T}"/> for lists: the first <paramref name="length"/> exist and are empty.</summary>
    public static List<T>[] ClearedLists<T>(ref List<T>[]? lists, int length)
    {
        if (lists is null || lists.Length < length)
        {
            var grown = new List<T>[Math.Max(length, 64)];
            for (int i = 0; i < grown.Length; i++) grown[i] = lists is not null && i < lists.Length ? lists[i] : new List<T>();
            lists = grown;
        }
        for (int i = 0; i < length; i++) lists[i].Clear();
        return lists;
    }
}
