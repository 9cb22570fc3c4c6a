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

    public void CopyFrom(BitSet other) => Array.Copy(other._words, _words, _words.Length);

    /// <summary>Adds every member of <paramref name="other"/>; true if that changed this set.</summary>
    public bool UnionWith(BitSet other)
    {
        bool changed = false;
        for (int w = 0; w < _words.Length; w++)
        {
            ulong merged = _words[w] | other._words[w];
            changed |= merged != _words[w];
            _words[w] = merged;
        }
        return changed;
    }

    /// <summary>This set becomes <c>use ∪ (out − def)</c>: the classic live-in equation.</summary>
    public void SetLiveIn(BitSet use, BitSet liveOut, BitSet def)
    {
        for (int w = 0; w < _words.Length; w++) _words[w] = use._words[w] | (liveOut._words[w] & ~def._words[w]);
    }

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

/// <summary>Backward liveness over any control-flow graph, shared by the IR passes and the register allocator.</summary>
public static class LivenessSolver
{
    /// <summary>
    /// The registers live at each block's end, given what each block uses before defining (<paramref name="use"/>) and
    /// defines (<paramref name="def"/>), iterated to the fixed point of out = ∪ in(successors), in = use ∪ (out − def).
    /// </summary>
    /// <param name="successors">For each block, the numbers of the blocks it may go to.</param>
    public static BitSet[] LiveOut(int registers, BitSet[] use, BitSet[] def, int[][] successors)
    {
        int blocks = use.Length;
        var liveIn = new BitSet[blocks];
        var liveOut = new BitSet[blocks];
        for (int i = 0; i < blocks; i++) { liveIn[i] = new BitSet(registers); liveOut[i] = new BitSet(registers); }
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int i = blocks - 1; i >= 0; i--)
            {
                foreach (int successor in successors[i]) changed |= liveOut[i].UnionWith(liveIn[successor]);
                liveIn[i].SetLiveIn(use[i], liveOut[i], def[i]);
            }
        }
        return liveOut;
    }
}
