using System.Buffers.Binary;

namespace Maru.Compiler.Toolchain;

/// <summary>
/// A shared object with a soname and no symbols, given to the linker so that the library records the C library (libc.so.6,
/// libm.so.6) in <c>DT_NEEDED</c>: externs then resolve from it wherever the library is loaded, and the build needs no C
/// library of the target (a cross build has none) and binds to no glibc symbol version (the library loads with any glibc).
/// </summary>
internal static class ElfNeededStub
{
    public const ushort X86_64 = 62;
    public const ushort AArch64 = 183;

    private const int HeaderSize = 64, ProgramHeaderSize = 56, SectionHeaderSize = 64, SymbolSize = 24, DynamicEntrySize = 16;
    private static readonly byte[] SectionNames = "\0.dynsym\0.dynstr\0.dynamic\0.shstrtab\0"u8.ToArray();

    /// <summary>Writes the stub of <paramref name="soname"/> for machine <paramref name="machine"/> (<c>e_machine</c>) to <paramref name="path"/>.</summary>
    public static void Write(string path, string soname, ushort machine) => File.WriteAllBytes(path, Build(soname, machine));

    // Layout: ELF header, PT_LOAD and PT_DYNAMIC, .dynsym (only the null symbol), .dynstr, .dynamic, .shstrtab, section headers.
    private static byte[] Build(string soname, ushort machine)
    {
        byte[] strings = [0, .. System.Text.Encoding.ASCII.GetBytes(soname), 0];
        int symbols = HeaderSize + 2 * ProgramHeaderSize;
        int stringTable = symbols + SymbolSize;
        int dynamic = Align8(stringTable + strings.Length);
        (long Tag, long Value)[] entries = [(14, 1), (5, stringTable), (6, symbols), (10, strings.Length), (11, SymbolSize), (0, 0)]; // SONAME STRTAB SYMTAB STRSZ SYMENT NULL
        int dynamicSize = entries.Length * DynamicEntrySize;
        int sectionNames = dynamic + dynamicSize;
        int sectionHeaders = Align8(sectionNames + SectionNames.Length);
        var image = new byte[sectionHeaders + 5 * SectionHeaderSize];
        Span<byte> file = image;

        "\x7f"u8.CopyTo(file);
        "ELF"u8.CopyTo(file[1..]);
        file[4] = 2; // 64-bit
        file[5] = 1; // little-endian
        file[6] = 1; // version
        U16(file, 16, 3); // ET_DYN
        U16(file, 18, machine);
        U32(file, 20, 1);
        U64(file, 32, HeaderSize); // program headers
        U64(file, 40, sectionHeaders);
        U16(file, 52, HeaderSize);
        U16(file, 54, ProgramHeaderSize);
        U16(file, 56, 2);
        U16(file, 58, SectionHeaderSize);
        U16(file, 60, 5);
        U16(file, 62, 4); // .shstrtab

        ProgramHeader(file[HeaderSize..], type: 1, offset: 0, size: sectionNames, align: 0x1000); // PT_LOAD
        ProgramHeader(file[(HeaderSize + ProgramHeaderSize)..], type: 2, offset: dynamic, size: dynamicSize, align: 8); // PT_DYNAMIC

        strings.CopyTo(file[stringTable..]);
        for (int i = 0; i < entries.Length; i++)
        {
            U64(file, dynamic + i * DynamicEntrySize, entries[i].Tag);
            U64(file, dynamic + i * DynamicEntrySize + 8, entries[i].Value);
        }
        SectionNames.CopyTo(file[sectionNames..]);

        Span<byte> sections = file[sectionHeaders..];
        SectionHeader(sections[SectionHeaderSize..], name: 1, type: 11, flags: 2, offset: symbols, size: SymbolSize, link: 2, info: 1, align: 8, entrySize: SymbolSize); // .dynsym
        SectionHeader(sections[(2 * SectionHeaderSize)..], name: 9, type: 3, flags: 2, offset: stringTable, size: strings.Length, link: 0, info: 0, align: 1, entrySize: 0); // .dynstr
        SectionHeader(sections[(3 * SectionHeaderSize)..], name: 17, type: 6, flags: 3, offset: dynamic, size: dynamicSize, link: 2, info: 0, align: 8, entrySize: DynamicEntrySize); // .dynamic
        SectionHeader(sections[(4 * SectionHeaderSize)..], name: 26, type: 3, flags: 0, offset: sectionNames, size: SectionNames.Length, link: 0, info: 0, align: 1, entrySize: 0); // .shstrtab
        return image;
    }

    // Addresses equal file offsets: the stub is read by linkers, never loaded.
    private static void ProgramHeader(Span<byte> header, uint type, long offset, long size, long align)
    {
        U32(header, 0, type);
        U32(header, 4, 4); // PF_R
        U64(header, 8, offset);
        U64(header, 16, offset);
        U64(header, 24, offset);
        U64(header, 32, size);
        U64(header, 40, size);
        U64(header, 48, align);
    }

    private static void SectionHeader(Span<byte> header, uint name, uint type, long flags, long offset, long size, uint link, uint info, long align, long entrySize)
    {
        U32(header, 0, name);
        U32(header, 4, type);
        U64(header, 8, flags);
        U64(header, 16, flags == 0 ? 0 : offset);
        U64(header, 24, offset);
        U64(header, 32, size);
        U32(header, 40, link);
        U32(header, 44, info);
        U64(header, 48, align);
        U64(header, 56, entrySize);
    }

    private static int Align8(int value) => (value + 7) & ~7;
    private static void U16(Span<byte> file, int offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(file[offset..], value);
    private static void U32(Span<byte> file, int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(file[offset..], value);
    private static void U64(Span<byte> file, int offset, long value) => BinaryPrimitives.WriteInt64LittleEndian(file[offset..], value);
}
