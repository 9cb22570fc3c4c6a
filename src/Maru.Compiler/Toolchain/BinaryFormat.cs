using System.Buffers.Binary;

namespace Maru.Compiler.Toolchain;

/// <summary>
/// Recognises the object files and shared libraries of each platform by their headers: ELF on Linux, Mach-O on macOS, COFF
/// objects and PE DLLs on Windows. It checks what any file a tool wrote for us has: the magic number, the kind of file
/// (object or library), the machine, and that the tables and contents the header points to lie within the file, so that
/// an empty, foreign or truncated file is caught. It is no validator of the rest.
/// </summary>
internal static class BinaryFormat
{
    // Enough for every header and table looked at: tools put them at the start of the file (ELF's section headers aside,
    // which are checked against the file's length only).
    private const int HeaderBytes = 64 * 1024;

    /// <summary>
    /// Null when the file at <paramref name="path"/> looks like an object file (or, with <paramref name="library"/>, a shared
    /// library) for <paramref name="runtimeIdentifier"/>; else what is wrong with it, as a clause ("it is empty").
    /// </summary>
    public static string? Problem(string path, string runtimeIdentifier, bool library)
    {
        byte[] header;
        long length;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            length = file.Length;
            header = new byte[(int)Math.Min(length, HeaderBytes)];
            file.ReadExactly(header);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return "it does not exist";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"it cannot be read: {e.Message}";
        }
        return Problem(header, length, runtimeIdentifier, library);
    }

    /// <summary>As <see cref="Problem(string, string, bool)"/>, given the file's first bytes and its length.</summary>
    internal static string? Problem(ReadOnlySpan<byte> header, long length, string runtimeIdentifier, bool library)
    {
        if (length == 0) return "it is empty";
        string os = runtimeIdentifier.Split('-')[0];
        bool arm64 = runtimeIdentifier.EndsWith("-arm64", StringComparison.Ordinal);
        try
        {
            return os switch
            {
                "win" => library ? Pe(header, length, arm64) : Coff(header, length, arm64),
                "osx" => MachO(header, length, arm64, library),
                _ => Elf(header, length, arm64, library),
            };
        }
        catch (ArgumentOutOfRangeException)
        {
            // A header field past the bytes we have: with the whole file at hand, it is shorter than its header says; else
            // the header is larger than any we expect, and is taken as it is.
            return header.Length == length ? $"it is truncated ({length} bytes)" : null;
        }
        catch (OverflowException)
        {
            return "it is damaged: its header points beyond any file";
        }
    }

    private static string? Elf(ReadOnlySpan<byte> file, long length, bool arm64, bool library)
    {
        const int EtRel = 1, EtDyn = 3, PtLoad = 1, ProgramHeaderSize = 56;
        if (!file.StartsWith("\u007fELF"u8)) return "it is not an ELF file";
        if (file[4] != 2 || file[5] != 1) return "it is not a 64-bit little-endian ELF file";
        int type = U16(file, 16), machine = U16(file, 18);
        int expectedType = library ? EtDyn : EtRel;
        if (type != expectedType) return $"it is {ElfType(type)}, not {ElfType(expectedType)}";
        int expectedMachine = arm64 ? 183 : 62;  // EM_AARCH64, EM_X86_64
        if (machine != expectedMachine) return $"it is for another machine (e_machine {machine}, not {expectedMachine})";
        if (Ends(U64(file, 40), U16(file, 60), U16(file, 58), length) is { } sections) return sections + " (section headers)";
        ulong programHeaders = U64(file, 32);
        ushort programHeaderCount = U16(file, 56);
        if (Ends(programHeaders, programHeaderCount, U16(file, 54), length) is { } program) return program + " (program headers)";
        if (library && programHeaderCount == 0) return "it has no program headers: nothing could load it";
        for (int i = 0; library && i < programHeaderCount; i++)
        {
            int entry = checked((int)programHeaders + i * ProgramHeaderSize);
            if (U32(file, entry) == PtLoad && Ends(U64(file, entry + 8), 1, U64(file, entry + 32), length) is { } segment)
                return segment + " (a loadable segment)";
        }
        return null;
    }

    private static string ElfType(int type) => type switch
    {
        1 => "a relocatable object",
        2 => "an executable",
        3 => "a shared library",
        4 => "a core file",
        _ => $"of ELF type {type}",
    };

    private static string? MachO(ReadOnlySpan<byte> file, long length, bool arm64, bool library)
    {
        const uint Magic64 = 0xFEEDFACF, Segment64 = 0x19;
        const int MhObject = 1, MhDylib = 6, HeaderSize = 32;
        if (file.Length < 4 || U32(file, 0) != Magic64) return "it is not a 64-bit Mach-O file";
        uint cpu = U32(file, 4), expectedCpu = arm64 ? 0x0100000Cu : 0x01000007u;  // CPU_TYPE_ARM64, CPU_TYPE_X86_64
        if (cpu != expectedCpu) return $"it is for another machine (CPU type 0x{cpu:X}, not 0x{expectedCpu:X})";
        uint type = U32(file, 12);
        int expectedType = library ? MhDylib : MhObject;
        if (type != expectedType) return $"it is Mach-O file type {type}, not {expectedType} ({(library ? "a dynamic library" : "an object")})";
        uint commands = U32(file, 16), commandBytes = U32(file, 20);
        if (Ends(HeaderSize, 1, commandBytes, length) is { } truncated) return truncated + " (load commands)";
        int offset = HeaderSize;
        for (uint i = 0; i < commands; i++)
        {
            if (U32(file, offset) == Segment64 && Ends(U64(file, offset + 40), 1, U64(file, offset + 48), length) is { } segment)
                return segment + " (a segment)";
            offset = checked(offset + (int)U32(file, offset + 4));
        }
        return null;
    }

    private static string? Coff(ReadOnlySpan<byte> file, long length, bool arm64)
    {
        const int HeaderSize = 20;
        if (file.StartsWith("MZ"u8)) return "it is a PE image, not a COFF object";
        if (file.Length < 2 || U16(file, 0) != Machine(arm64)) return $"it is not a COFF object for {(arm64 ? "arm64" : "x86-64")}";
        return Symbols(file, 0, length) ?? Sections(file, HeaderSize + U16(file, 16), U16(file, 2), length);
    }

    private static string? Pe(ReadOnlySpan<byte> file, long length, bool arm64)
    {
        const int Dll = 0x2000;  // IMAGE_FILE_DLL
        if (!file.StartsWith("MZ"u8)) return "it is not a PE file";
        int pe = checked((int)U32(file, 0x3C));
        if (!file[pe..].StartsWith("PE\0\0"u8)) return "it is not a PE file";
        int coff = pe + 4;
        if (U16(file, coff) != Machine(arm64)) return $"it is for another machine (0x{U16(file, coff):X4})";
        if ((U16(file, coff + 18) & Dll) == 0) return "it is an executable, not a DLL";
        return Symbols(file, coff, length) ?? Sections(file, coff + 20 + U16(file, coff + 16), U16(file, coff + 2), length);
    }

    private static int Machine(bool arm64) => arm64 ? 0xAA64 : 0x8664;  // IMAGE_FILE_MACHINE_ARM64, IMAGE_FILE_MACHINE_AMD64

    // The COFF symbol table, if there is one, and the string table after it (its first word is its size) lie within the file.
    private static string? Symbols(ReadOnlySpan<byte> file, int coffHeader, long length)
    {
        const int SymbolSize = 18;
        uint table = U32(file, coffHeader + 8), count = U32(file, coffHeader + 12);
        if (table == 0) return null;
        ulong strings = table + (ulong)count * SymbolSize;
        if (Ends(strings, 1, 4, length) is { } truncated) return truncated + " (symbol table)";
        if (strings + 4 > (ulong)file.Length) return null;  // beyond what we read: taken as it is
        return Ends(strings, 1, U32(file, (int)strings), length) is { } text ? text + " (string table)" : null;
    }

    // The COFF section table (of an object or a PE image) and the raw data of each section lie within the file.
    private static string? Sections(ReadOnlySpan<byte> file, int table, int count, long length)
    {
        const int SectionSize = 40;
        if (Ends((ulong)table, (ulong)count, SectionSize, length) is { } truncated) return truncated + " (section table)";
        for (int i = 0; i < count; i++)
        {
            int section = table + i * SectionSize;
            uint size = U32(file, section + 16), offset = U32(file, section + 20);
            if (offset != 0 && Ends(offset, 1, size, length) is { } data) return data + " (section data)";
        }
        return null;
    }

    /// <summary>Null when <paramref name="count"/> entries of <paramref name="size"/> bytes from <paramref name="offset"/> end within the file; else how far past it they end.</summary>
    private static string? Ends(ulong offset, ulong count, ulong size, long length)
    {
        ulong end;
        try
        {
            end = checked(offset + count * size);
        }
        catch (OverflowException)
        {
            return "it is damaged: its header points beyond any file";
        }
        return end <= (ulong)length ? null : $"it is truncated: {length} bytes, where the header needs {end}";
    }

    private static ushort U16(ReadOnlySpan<byte> file, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(file[offset..]);
    private static uint U32(ReadOnlySpan<byte> file, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(file[offset..]);
    private static ulong U64(ReadOnlySpan<byte> file, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(file[offset..]);
}
