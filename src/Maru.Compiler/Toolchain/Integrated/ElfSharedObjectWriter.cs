using System.Buffers.Binary;
using System.Text;
using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Toolchain.Integrated;

/// <summary>
/// The integrated linker for linux-x64: links the objects of <see cref="X64Assembler"/> into an ELF64 shared object that
/// glibc's <c>dlopen</c> loads, as <c>ld -shared -Bsymbolic -z now -z noexecstack</c> would. Layout, one page-aligned
/// segment each: read-only (headers, .hash, .dynsym, .dynstr, .rela.dyn, .rodata, .eh_frame and its .eh_frame_hdr
/// table, found through PT_GNU_EH_FRAME), read+execute (.text, .plt) and
/// read+write (.dynamic and .got, read-only after relocation, then .data); file offsets equal addresses. References inside the library are resolved here;
/// the dynamic linker fills in only the GOT (R_X86_64_GLOB_DAT for imported functions, RELATIVE for its own symbols) and
/// the absolute addresses in .data (RELATIVE, or R_X86_64_64 for an import), all at load time (BIND_NOW): the code
/// segment is never written. Only exported functions (global and not hidden) are dynamic symbols, besides the imports.
/// </summary>
internal sealed class ElfSharedObjectWriter
{
    private const int PageSize = 0x1000;
    private const int HeaderSize = 64, ProgramHeaderSize = 56, SectionHeaderSize = 64, SymbolSize = 24, RelocationSize = 24, DynamicSize = 16;
    private const int PltStubSize = 8;
    private const uint RelocationAbsolute64 = 1, RelocationGlobalData = 6, RelocationRelative = 8;

    private readonly IReadOnlyList<ObjectFile> _objects;
    private readonly DiagnosticBag _diagnostics;
    private readonly Dictionary<string, (ObjectFile File, ObjectSymbol Symbol)> _globals = new(StringComparer.Ordinal);
    // Where each object's part of a merged section starts within it.
    private readonly Dictionary<(ObjectFile, string), int> _bases = [];
    private readonly Dictionary<string, byte[]> _merged = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _alignments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _addresses = new(StringComparer.Ordinal);
    private readonly List<string> _imports = [];
    private readonly List<Target> _got = [];
    private readonly List<string> _plt = [];

    /// <summary>What a reference names once resolved: a symbol of an object, or (File null) a symbol imported from the process.</summary>
    private readonly record struct Target(ObjectFile? File, string Name);

    private ElfSharedObjectWriter(IReadOnlyList<ObjectFile> objects, DiagnosticBag diagnostics)
    {
        _objects = objects;
        _diagnostics = diagnostics;
    }

    /// <summary>
    /// The bytes of the shared object named <paramref name="soname"/>, which records the libraries <paramref name="needed"/>
    /// as DT_NEEDED; null after MARU0903 diagnostics (a duplicate or unusable symbol).
    /// </summary>
    public static byte[]? Link(IReadOnlyList<ObjectFile> objects, string soname, IReadOnlyList<string> needed, DiagnosticBag diagnostics) =>
        new ElfSharedObjectWriter(objects, diagnostics).Write(soname, needed);

    private byte[]? Write(string soname, IReadOnlyList<string> needed)
    {
        int errors = _diagnostics.ErrorCount;
        CollectGlobals();
        MergeSections();
        CollectImports();
        if (_diagnostics.ErrorCount > errors) return null;

        var exports = _objects.SelectMany(o => o.Symbols.Values.Where(s => s.IsGlobal && !s.IsHidden).Select(s => (File: o, Symbol: s)))
            .OrderBy(e => e.Symbol.Name, StringComparer.Ordinal).ToList();
        var dynamicNames = _imports.Concat(exports.Select(e => e.Symbol.Name)).ToList();
        var dynstr = new StringTable();
        var neededOffsets = needed.Select(dynstr.Add).ToList();
        int sonameOffset = dynstr.Add(soname);
        foreach (string name in dynamicNames) dynstr.Add(name);
        int symbolCount = 1 + dynamicNames.Count;
        int dataRelocations = _objects.Sum(o => o.Relocations.Count(r => r.Kind == RelocationKind.Absolute64));
        int relocationCount = _got.Count + dataRelocations;

        // The layout; every size is known now.
        const int programHeaders = 7;
        var frames = FrameDescriptionEntries(_merged[X64Assembler.EhFrame]);
        var layout = new Layout();
        long hash = layout.Place(HeaderSize + programHeaders * ProgramHeaderSize, 8, 4 * (2 + Buckets(symbolCount) + symbolCount));
        long dynsym = layout.Place(8, SymbolSize * symbolCount);
        long dynstrAddress = layout.Place(1, dynstr.Length);
        long rela = layout.Place(8, RelocationSize * relocationCount);
        long rodata = _addresses[".rodata"] = layout.Place(_alignments[".rodata"], _merged[".rodata"].Length);
        // .eh_frame ends with a zero terminator; .eh_frame_hdr is the table by which the unwinder finds a function's FDE.
        long ehFrame = _addresses[X64Assembler.EhFrame] = layout.Place(8, _merged[X64Assembler.EhFrame].Length + 4);
        long ehFrameHeader = layout.Place(4, 12 + 8 * frames.Count);
        long readOnlyEnd = layout.End;
        layout.NewPage();
        long text = _addresses[".text"] = layout.Place(_alignments[".text"], _merged[".text"].Length);
        long plt = layout.Place(16, PltStubSize * _plt.Count);
        long codeStart = text, codeEnd = layout.End;
        layout.NewPage();
        // .dynamic and .got are read-only once relocated (PT_GNU_RELRO): they end on a page boundary, so that the loader
        // can protect their pages without touching .data, which starts on the next page.
        int dynamicEntries = 13 + needed.Count;
        long writableStart = layout.End;
        long relroSize = DynamicSize * dynamicEntries + 8 * _got.Count;
        long relroStart = writableStart + (relroSize + PageSize - 1) / PageSize * PageSize - relroSize;
        long dynamic = layout.Place(relroStart, 8, DynamicSize * dynamicEntries);
        long got = layout.Place(8, 8 * _got.Count);
        long data = _addresses[".data"] = layout.Place(Math.Max(8, _alignments[".data"]), _merged[".data"].Length);
        long writableEnd = layout.End;
        var shstrtab = new StringTable();
        string[] sectionNames = [".hash", ".dynsym", ".dynstr", ".rela.dyn", ".rodata", X64Assembler.EhFrame, ".eh_frame_hdr", ".text", ".plt", ".dynamic", ".got", ".data", ".shstrtab"];
        foreach (string name in sectionNames) shstrtab.Add(name);
        long shstrtabOffset = layout.Place(1, shstrtab.Length);
        long sectionHeaders = layout.Place(8, SectionHeaderSize * (1 + sectionNames.Length));
        var file = new byte[layout.End];

        // Code and data with every reference inside the library resolved; the dynamic relocations for the rest.
        var relocations = new List<(long Offset, uint Type, int Symbol, long Addend)>();
        foreach (var (name, address) in _addresses) _merged[name].CopyTo(file, address);
        ApplyRelocations(file, got, plt, relocations);
        for (int i = 0; i < _got.Count; i++)
        {
            Target target = _got[i];
            if (target.File is null) relocations.Add((got + 8 * i, RelocationGlobalData, 1 + _imports.IndexOf(target.Name), 0));
            else relocations.Add((got + 8 * i, RelocationRelative, 0, Address(target)));
        }
        for (int i = 0; i < _plt.Count; i++)
        {
            // jmp *entry(%rip), then a two-byte nop to the stub's size.
            long stub = plt + PltStubSize * i;
            long entry = got + 8 * _got.IndexOf(new Target(null, _plt[i]));
            file[stub] = 0xFF;
            file[stub + 1] = 0x25;
            BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan((int)stub + 2), (int)(entry - (stub + 6)));
            file[stub + 6] = 0x66;
            file[stub + 7] = 0x90;
        }
        var writer = new Writer(file);
        WriteFrameTable(writer, ehFrame, ehFrameHeader, frames);
        // RELATIVE first, as DT_RELACOUNT says.
        relocations = [.. relocations.OrderBy(r => r.Type == RelocationRelative ? 0 : 1).ThenBy(r => r.Offset)];
        for (int i = 0; i < relocations.Count; i++)
        {
            var r = relocations[i];
            writer.At(rela + RelocationSize * i).U64((ulong)r.Offset).U64(((ulong)r.Symbol << 32) | r.Type).I64(r.Addend);
        }

        // Dynamic symbols, their hash table and strings.
        writer.At(dynsym + SymbolSize);
        foreach (string import in _imports) writer.U32((uint)dynstr.Offset(import)).U8(1 << 4).U8(0).U16(0).U64(0).U64(0);
        foreach (var (owner, symbol) in exports)
        {
            byte type = (byte)(symbol.IsFunction ? 2 : symbol.Section == ".text" ? 0 : 1);
            writer.U32((uint)dynstr.Offset(symbol.Name)).U8((byte)(1 << 4 | type)).U8(0).U16(SectionIndex(sectionNames, symbol.Section))
                .U64((ulong)Address(new Target(owner, symbol.Name))).U64((ulong)symbol.Size);
        }
        WriteHash(writer.At(hash), dynamicNames);
        dynstr.CopyTo(file, dynstrAddress);
        shstrtab.CopyTo(file, shstrtabOffset);

        int relativeCount = relocations.Count(r => r.Type == RelocationRelative);
        writer.At(dynamic);
        foreach (var (tag, value) in neededOffsets.Select(offset => (1L /* DT_NEEDED */, (long)offset)).Concat(new (long, long)[]
        {
            (14, sonameOffset), (4, hash), (5, dynstrAddress), (6, dynsym), (10, dynstr.Length), (11, SymbolSize),
            (7, rela), (8, RelocationSize * relocationCount), (9, RelocationSize), (0x6ffffff9, relativeCount),
            (30, 0x8 /* DF_BIND_NOW */), (0x6ffffffb, 0x1 /* DF_1_NOW */), (0 /* DT_NULL */, 0),
        }))
            writer.I64(tag).I64(value);

        // ELF header and program headers.
        writer.At(0).Bytes([0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
            .U16(3 /* ET_DYN */).U16(62 /* EM_X86_64 */).U32(1).U64(0).U64(HeaderSize).U64((ulong)sectionHeaders).U32(0)
            .U16(HeaderSize).U16(ProgramHeaderSize).U16(programHeaders).U16(SectionHeaderSize).U16((ushort)(1 + sectionNames.Length))
            .U16((ushort)sectionNames.Length);
        ProgramHeader(writer, 1, 4 /* R */, 0, readOnlyEnd, PageSize);
        // A library without functions has no code segment: its entry is PT_NULL, which the loader skips.
        ProgramHeader(writer, codeEnd > codeStart ? 1u : 0u, 5 /* R+X */, codeStart, codeEnd - codeStart, PageSize);
        ProgramHeader(writer, 1, 6 /* R+W */, writableStart, writableEnd - writableStart, PageSize);
        ProgramHeader(writer, 2 /* PT_DYNAMIC */, 6, dynamic, DynamicSize * dynamicEntries, 8);
        ProgramHeader(writer, 0x6474e551 /* PT_GNU_STACK */, 6, 0, 0, 16);
        ProgramHeader(writer, 0x6474e552 /* PT_GNU_RELRO */, 4, relroStart, relroSize, 1);
        ProgramHeader(writer, frames.Count > 0 ? 0x6474e550u /* PT_GNU_EH_FRAME */ : 0u, 4, ehFrameHeader, 12 + 8 * frames.Count, 4);

        // Section headers: for tools (readelf, objdump); the loader reads only the segments.
        writer.At(sectionHeaders + SectionHeaderSize);
        void Section(string name, uint type, ulong flags, long offset, long size, uint link = 0, uint info = 0, long align = 1, long entry = 0) =>
            writer.U32((uint)shstrtab.Offset(name)).U32(type).U64(flags).U64(flags == 0 ? 0 : (ulong)offset).U64((ulong)offset).U64((ulong)size)
                .U32(link).U32(info).U64((ulong)align).U64((ulong)entry);
        const ulong alloc = 2, write = 1, execute = 4;
        Section(".hash", 5, alloc, hash, 4 * (2 + Buckets(symbolCount) + symbolCount), link: 2, align: 8, entry: 4);
        Section(".dynsym", 11, alloc, dynsym, SymbolSize * symbolCount, link: 3, info: 1, align: 8, entry: SymbolSize);
        Section(".dynstr", 3, alloc, dynstrAddress, dynstr.Length);
        Section(".rela.dyn", 4, alloc, rela, RelocationSize * relocationCount, link: 2, align: 8, entry: RelocationSize);
        Section(".rodata", 1, alloc, rodata, _merged[".rodata"].Length, align: _alignments[".rodata"]);
        Section(X64Assembler.EhFrame, 1, alloc, ehFrame, _merged[X64Assembler.EhFrame].Length + 4, align: 8);
        Section(".eh_frame_hdr", 1, alloc, ehFrameHeader, 12 + 8 * frames.Count, align: 4);
        Section(".text", 1, alloc | execute, text, _merged[".text"].Length, align: _alignments[".text"]);
        Section(".plt", 1, alloc | execute, plt, PltStubSize * _plt.Count, align: 16);
        Section(".dynamic", 6, alloc | write, dynamic, DynamicSize * dynamicEntries, link: 3, align: 8, entry: DynamicSize);
        Section(".got", 1, alloc | write, got, 8 * _got.Count, align: 8, entry: 8);
        Section(".data", 1, alloc | write, data, _merged[".data"].Length, align: Math.Max(8, _alignments[".data"]));
        Section(".shstrtab", 3, 0, shstrtabOffset, shstrtab.Length);
        return file;
    }

    private static ushort SectionIndex(string[] sectionNames, string section) => (ushort)(1 + Array.IndexOf(sectionNames, section));

    private static void ProgramHeader(Writer writer, uint type, uint flags, long address, long size, long align) =>
        writer.U32(type).U32(flags).U64((ulong)address).U64((ulong)address).U64((ulong)address).U64((ulong)size).U64((ulong)size).U64((ulong)align);

    private void CollectGlobals()
    {
        foreach (ObjectFile file in _objects)
            foreach (ObjectSymbol symbol in file.Symbols.Values.Where(s => s.IsGlobal))
            {
                if (_globals.TryGetValue(symbol.Name, out var first))
                    Error($"symbol '{symbol.Name}' is defined in both {first.File.Path} and {file.Path}");
                else
                    _globals[symbol.Name] = (file, symbol);
            }
    }

    private void MergeSections()
    {
        foreach (string name in ObjectFile.SectionNames)
        {
            var bytes = new List<byte>();
            int alignment = 1;
            foreach (ObjectFile file in _objects)
            {
                if (!file.Sections.TryGetValue(name, out byte[]? part)) continue;
                int align = file.Alignments[name];
                alignment = Math.Max(alignment, align);
                while (bytes.Count % align != 0) bytes.Add(0);
                _bases[(file, name)] = bytes.Count;
                bytes.AddRange(part);
            }
            _merged[name] = [.. bytes];
            _alignments[name] = alignment;
        }
    }

    private Target Resolve(ObjectFile file, string name) =>
        file.Symbols.ContainsKey(name) ? new Target(file, name)
        : _globals.TryGetValue(name, out var global) ? new Target(global.File, name)
        : new Target(null, name);

    private long Address(Target target)
    {
        ObjectSymbol symbol = target.File!.Symbols[target.Name];
        return _addresses[symbol.Section] + _bases[(target.File, symbol.Section)] + symbol.Offset;
    }

    /// <summary>Finds the imported symbols and the GOT and PLT entries, and rejects references a shared object cannot have.</summary>
    private void CollectImports()
    {
        foreach (ObjectFile file in _objects)
            foreach (Relocation relocation in file.Relocations)
            {
                Target target = Resolve(file, relocation.Symbol);
                bool imported = target.File is null;
                if (imported && !_imports.Contains(target.Name)) _imports.Add(target.Name);
                switch (relocation.Kind)
                {
                    case RelocationKind.GotPcRel:
                        if (!_got.Contains(target)) _got.Add(target);
                        break;
                    case RelocationKind.Plt32 when imported:
                        if (!_got.Contains(target)) _got.Add(target);
                        if (!_plt.Contains(target.Name)) _plt.Add(target.Name);
                        break;
                    case RelocationKind.Pc32 when imported:
                        Error($"'{target.Name}' is not defined in the library, so {file.Path} cannot address it directly (it needs the GOT)");
                        break;
                    case RelocationKind.Absolute64 when relocation.Section != ".data":
                        Error($"an absolute address in {relocation.Section} of {file.Path} would make the code segment writable at load time");
                        break;
                }
            }
    }

    private void ApplyRelocations(byte[] file, long got, long plt, List<(long Offset, uint Type, int Symbol, long Addend)> dynamic)
    {
        foreach (ObjectFile objectFile in _objects)
            foreach (Relocation relocation in objectFile.Relocations)
            {
                Target target = Resolve(objectFile, relocation.Symbol);
                long place = _addresses[relocation.Section] + _bases[(objectFile, relocation.Section)] + relocation.Offset;
                long value = relocation.Kind switch
                {
                    RelocationKind.GotPcRel => got + 8 * _got.IndexOf(target) + relocation.Addend - place,
                    RelocationKind.Plt32 when target.File is null => plt + PltStubSize * _plt.IndexOf(target.Name) + relocation.Addend - place,
                    RelocationKind.Absolute64 => target.File is null ? 0 : Address(target) + relocation.Addend,
                    _ => Address(target) + relocation.Addend - place,
                };
                if (relocation.Kind == RelocationKind.Absolute64)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan((int)place), value);
                    dynamic.Add(target.File is null
                        ? (place, RelocationAbsolute64, 1 + _imports.IndexOf(target.Name), relocation.Addend)
                        : (place, RelocationRelative, 0, value));
                }
                else
                {
                    BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan((int)place), checked((int)value));
                }
            }
    }

    /// <summary>The offsets of the FDEs in a merged .eh_frame (records whose CIE pointer is not zero).</summary>
    private static List<int> FrameDescriptionEntries(byte[] ehFrame)
    {
        var entries = new List<int>();
        for (int at = 0; at + 8 <= ehFrame.Length;)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(ehFrame.AsSpan(at));
            if (length == 0) break;
            if (BinaryPrimitives.ReadInt32LittleEndian(ehFrame.AsSpan(at + 4)) != 0) entries.Add(at);
            at += 4 + length;
        }
        return entries;
    }

    /// <summary>
    /// .eh_frame_hdr: version 1, the address of .eh_frame (pcrel sdata4), the FDE count (udata4), then (start, FDE) pairs
    /// relative to the header (datarel sdata4), sorted by start for the unwinder's binary search. Reads the FDEs' start
    /// addresses from the file, where their relocations are already applied.
    /// </summary>
    private static void WriteFrameTable(Writer writer, long ehFrame, long header, List<int> frames)
    {
        var table = frames.Select(offset =>
        {
            long field = ehFrame + offset + 8;
            long start = field + writer.ReadInt32(field);
            return (Start: start - header, Entry: ehFrame + offset - header);
        }).OrderBy(e => e.Start).ToList();
        writer.At(header).U8(1).U8(0x1B).U8(0x03).U8(0x3B).U32((uint)(ehFrame - (header + 4))).U32((uint)table.Count);
        foreach (var (start, entry) in table) writer.U32((uint)start).U32((uint)entry);
    }

    private static int Buckets(int symbolCount) => Math.Max(1, symbolCount / 2);

    /// <summary>The SysV hash table (DT_HASH) by which the dynamic linker finds a symbol: buckets of chains through the symbol table.</summary>
    private static void WriteHash(Writer writer, List<string> names)
    {
        int symbols = 1 + names.Count, buckets = Buckets(symbols);
        var bucket = new uint[buckets];
        var chain = new uint[symbols];
        for (int i = 1; i < symbols; i++)
        {
            uint b = ElfHash(names[i - 1]) % (uint)buckets;
            chain[i] = bucket[b];
            bucket[b] = (uint)i;
        }
        writer.U32((uint)buckets).U32((uint)symbols);
        foreach (uint b in bucket) writer.U32(b);
        foreach (uint c in chain) writer.U32(c);
    }

    private static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (byte c in Encoding.UTF8.GetBytes(name))
        {
            h = (h << 4) + c;
            uint g = h & 0xF0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    private void Error(string message) =>
        _diagnostics.Add(Diagnostic.General(DiagnosticCodes.LinkerError, $"integrated linker: {message}"));

    /// <summary>Places parts one after another in the file (whose offsets are also the addresses).</summary>
    private sealed class Layout
    {
        public long End { get; private set; }

        public long Place(long align, long size) => Place(End, align, size);

        public long Place(long at, long align, long size)
        {
            long start = (Math.Max(at, End) + align - 1) / align * align;
            End = start + size;
            return start;
        }

        public void NewPage() => End = (End + PageSize - 1) / PageSize * PageSize;
    }

    private sealed class StringTable
    {
        private readonly List<byte> _bytes = [0];
        private readonly Dictionary<string, int> _offsets = new(StringComparer.Ordinal);

        public int Length => _bytes.Count;

        public int Add(string text)
        {
            if (_offsets.TryGetValue(text, out int offset)) return offset;
            offset = _bytes.Count;
            _bytes.AddRange(Encoding.UTF8.GetBytes(text));
            _bytes.Add(0);
            _offsets[text] = offset;
            return offset;
        }

        public int Offset(string text) => _offsets[text];

        public void CopyTo(byte[] file, long at) => _bytes.CopyTo(file, (int)at);
    }

    private sealed class Writer(byte[] file)
    {
        private int _position;

        public Writer At(long position) { _position = (int)position; return this; }
        public Writer U8(byte value) { file[_position++] = value; return this; }
        public Writer U16(ushort value) { BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(_position), value); _position += 2; return this; }
        public Writer U32(uint value) { BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(_position), value); _position += 4; return this; }
        public Writer U64(ulong value) { BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(_position), value); _position += 8; return this; }
        public Writer I64(long value) => U64((ulong)value);
        public int ReadInt32(long position) => BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan((int)position));
        public Writer Bytes(byte[] value) { value.CopyTo(file, _position); _position += value.Length; return this; }
    }
}
