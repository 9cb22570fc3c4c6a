namespace Maru.Compiler.Optimization;

/// <summary>A set of register numbers that a block's live-out registers can be copied into (<see cref="BlockLiveness.CopyLiveOut"/>).</summary>
public interface IRegisterSet
{
    void Add(int i);
    void Clear();
}

/// <summary>A fixed-size set of small integers (register numbers), for the data-flow analyses.</summary>
public sealed class BitSet : IRegisterSet
{
    private readonly ulong[] _words;

    public BitSet(int capacity) => _words = new ulong[(capacity + 63) >> 6];

    public bool Contains(int i) => (_words[i >> 6] & (1UL << i)) != 0;
    public void Add(int i) => _words[i >> 6] |= 1UL << i;
    public void Remove(int i) => _words[i >> 6] &= ~(1UL << i);

    public void Clear() => Array.Clear(_words);
}
