using System.Numerics;

namespace Maru.Compiler.Optimization;

/// <summary>
/// A set of register numbers that is walked in ascending order in time proportional to its nonempty 64-bit words (and
/// one bit for every 4 096 numbers), not to its capacity: a bit set with a summary of which words are nonempty. For a
/// set that stays small while a function's registers run into the tens of thousands.
/// </summary>
public sealed class SummarizedBitSet : IRegisterSet
{
    private readonly ulong[] _words;
    private readonly ulong[] _nonEmptyWords;

    public SummarizedBitSet(int capacity)
    {
        _words = new ulong[(capacity + 63) >> 6];
        _nonEmptyWords = new ulong[(_words.Length + 63) >> 6];
    }

    public bool Contains(int i) => (_words[i >> 6] & (1UL << i)) != 0;

    public void Add(int i)
    {
        int word = i >> 6;
        _words[word] |= 1UL << i;
        _nonEmptyWords[word >> 6] |= 1UL << word;
    }

    public void Remove(int i)
    {
        int word = i >> 6;
        if ((_words[word] &= ~(1UL << i)) == 0) _nonEmptyWords[word >> 6] &= ~(1UL << word);
    }

    public void Clear()
    {
        for (int s = 0; s < _nonEmptyWords.Length; s++)
        {
            for (ulong bits = _nonEmptyWords[s]; bits != 0; bits &= bits - 1) _words[(s << 6) + BitOperations.TrailingZeroCount(bits)] = 0;
            _nonEmptyWords[s] = 0;
        }
    }

    /// <summary>Calls <paramref name="action"/> for every member in ascending order, without allocating; the set must not change meanwhile.</summary>
    public void ForEach<TState>(TState state, Action<TState, int> action)
    {
        for (int s = 0; s < _nonEmptyWords.Length; s++)
        {
            for (ulong words = _nonEmptyWords[s]; words != 0; words &= words - 1)
            {
                int word = (s << 6) + BitOperations.TrailingZeroCount(words);
                for (ulong bits = _words[word]; bits != 0; bits &= bits - 1)
                    action(state, (word << 6) + BitOperations.TrailingZeroCount(bits));
            }
        }
    }
}
