using System.Numerics;

namespace Maru.Compiler.Optimization;

/// <summary>A fixed-size set of small integers (register numbers), for the data-flow analyses.</summary>
public sealed class BitSet
{
    private readonly ulong[] _words;

    public BitSet(int capacity) => _words = new ulong[(capacity + 63) >> 6];

    public bool Contains(int i) => (_words[i >> 6] & (1UL << i)) != 0;
    public void Add(int i) => _words[i >> 6] |= 1UL << i;
    public void Remove(int i) => _words[i >> 6] &= ~(1UL << i);

    public void Clear() => Array.Clear(_words);

    public IEnumerable<int> Members()
    {
        for (int w = 0; w < _words.Length; w++)
        {
            ulong bits = _words[w];
            while (bits != 0)
            {
                int bit = BitOperations.TrailingZeroCount(bits);
                yield return (w << 6) + bit;
                bits &= bits - 1;
            }
        }
    }

    /// <summary>Calls <paramref name="action"/> for every member, without allocating.</summary>
    public void ForEach<TState>(TState state, Action<TState, int> action)
    {
        for (int w = 0; w < _words.Length; w++)
        {
            ulong bits = _words[w];
            while (bits != 0)
            {
                action(state, (w << 6) + BitOperations.TrailingZeroCount(bits));
                bits &= bits - 1;
            }
        }
    }
}
