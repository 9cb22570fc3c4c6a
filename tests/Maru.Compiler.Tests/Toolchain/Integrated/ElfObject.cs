using System.Buffers.Binary;
using System.Text;

namespace Maru.Compiler.Tests.Toolchain.Integrated;

/// <summary>The sections and relocations of an ELF64 relocatable object (what GNU as writes), read for comparison.</summary>
public sealed class ElfObject
{
    private readonly byte[] _file;
    private readonly List<(string Name, uint Type, long Offset, long Size, uint Info)> _sections = [];

    public ElfObject(byte[] file)
    {
        _file = file;
        long sectionHeaders = BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(0x28));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(0x3C));
        int names = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(0x3E));
        long namesOffset = BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan((int)(sectionHeaders + 64 * names + 0x18)));
        for (int i = 0; i < count; i++)
        {
            var header = file.AsSpan((int)(sectionHeaders + 64 * i));
            int name = (int)BinaryPrimitives.ReadUInt32LittleEndian(header);
            int end = Array.IndexOf(file, (byte)0, (int)namesOffset + name);
            _sections.Add((Encoding.ASCII.GetString(file, (int)namesOffset + name, end - (int)namesOffset - name),
                BinaryPrimitives.ReadUInt32LittleEndian(header[4..]), BinaryPrimitives.ReadInt64LittleEndian(header[0x18..]),
                BinaryPrimitives.ReadInt64LittleEndian(header[0x20..]), BinaryPrimitives.ReadUInt32LittleEndian(header[0x2C..])));
        }
    }

    /// <summary>The bytes of the named section; empty when there is none.</summary>
    public byte[] Section(string name)
    {
        var section = _sections.FirstOrDefault(s => s.Name == name);
        return section.Name is null ? [] : _file.AsSpan((int)section.Offset, (int)section.Size).ToArray();
    }

    /// <summary>The (offset, ELF relocation type) pairs that apply to the named section, in offset order.</summary>
    public IReadOnlyList<(long Offset, uint Type)> Relocations(string name)
    {
        int index = _sections.FindIndex(s => s.Name == name);
        var result = new List<(long, uint)>();
        foreach (var rela in _sections.Where(s => s.Type == 4 && s.Info == index))
            for (long at = rela.Offset; at < rela.Offset + rela.Size; at += 24)
                result.Add((BinaryPrimitives.ReadInt64LittleEndian(_file.AsSpan((int)at)), BinaryPrimitives.ReadUInt32LittleEndian(_file.AsSpan((int)at + 8))));
        return [.. result.OrderBy(r => r.Item1)];
    }
}
