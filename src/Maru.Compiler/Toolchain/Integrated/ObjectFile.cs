namespace Maru.Compiler.Toolchain.Integrated;

/// <summary>How a relocation's value is computed (S: the symbol's address, A: the addend, P: the place, G: the symbol's GOT entry).</summary>
internal enum RelocationKind
{
    /// <summary>S + A - P in 32 bits: a RIP-relative operand.</summary>
    Pc32,
    /// <summary>S + A - P in 32 bits to a function, through a PLT stub when the function is imported: call and jmp.</summary>
    Plt32,
    /// <summary>G + A - P in 32 bits: <c>sym@GOTPCREL(%rip)</c>.</summary>
    GotPcRel,
    /// <summary>S + A in 64 bits: <c>.quad sym</c>.</summary>
    Absolute64,
}

/// <summary>A place in a section whose bytes the linker fills in (they are zero until then, as in a RELA object).</summary>
internal sealed record Relocation(string Section, int Offset, RelocationKind Kind, string Symbol, long Addend);

/// <summary>A label of an object: local (<c>.L...</c> or never <c>.globl</c>), or global and possibly hidden.</summary>
internal sealed record ObjectSymbol(string Name, string Section, int Offset, bool IsGlobal, bool IsHidden, bool IsFunction, long Size);

/// <summary>What the integrated assembler makes of one assembly file: the bytes of each section, its labels and relocations.</summary>
internal sealed class ObjectFile(string path, IReadOnlyDictionary<string, byte[]> sections, IReadOnlyDictionary<string, int> alignments,
    IReadOnlyDictionary<string, ObjectSymbol> symbols, IReadOnlyList<Relocation> relocations)
{
    /// <summary>The sections the assembler knows, in the order they are laid out.</summary>
    public static readonly string[] SectionNames = [".text", ".rodata", ".eh_frame", ".data"];

    public string Path => path;
    public IReadOnlyDictionary<string, byte[]> Sections => sections;
    public IReadOnlyDictionary<string, int> Alignments => alignments;
    public IReadOnlyDictionary<string, ObjectSymbol> Symbols => symbols;
    public IReadOnlyList<Relocation> Relocations => relocations;
}
