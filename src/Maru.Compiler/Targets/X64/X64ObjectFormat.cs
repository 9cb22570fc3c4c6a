using System.Text;

namespace Maru.Compiler.Targets.X64;

/// <summary>
/// The object-format side of x86-64 assembly text: symbol names, sections, symbol directives, the forms that reach
/// externs, and which unwind directives describe frames. <see cref="X64Target"/> writes the file's structure; the
/// format fills in the directives. ELF is linux-x64, COFF is win-x64, Mach-O is osx-x64.
/// </summary>
public abstract class X64ObjectFormat
{
    public static readonly X64ObjectFormat Elf = new ElfFormat();
    public static readonly X64ObjectFormat Coff = new CoffFormat();
    public static readonly X64ObjectFormat MachO = new MachOFormat();

    /// <summary>The prefix of labels the assembler keeps out of the symbol table.</summary>
    public virtual string LocalLabelPrefix => ".L";

    /// <summary>Windows SEH unwind directives (<c>.seh_*</c>) rather than DWARF call-frame information (<c>.cfi_*</c>).</summary>
    public virtual bool UsesSehUnwind => false;

    /// <summary>The assembler name of a native symbol (Mach-O adds its leading underscore).</summary>
    public virtual string Symbol(string nativeName) => nativeName;

    /// <summary>The label of string literal number <paramref name="index"/> of the file.</summary>
    public string StringLabel(int index) => $"{LocalLabelPrefix}str.{index}";

    /// <summary>The label of constant number <paramref name="index"/> in the pool of the function <paramref name="function"/>.</summary>
    public string ConstantLabel(string function, int index) => $"{LocalLabelPrefix}{function}.k{index}";

    public abstract string TextSection { get; }
    public abstract string DataSection { get; }
    /// <summary>Read-only data for string literals; never a mergeable-strings section, as literals may contain NUL bytes.</summary>
    public abstract string ReadOnlySection { get; }

    /// <summary>The directives between a function's alignment and its label.</summary>
    public abstract void BeginFunction(string symbol, bool isExported, StringBuilder text);

    /// <summary>The directives after a function's last instruction.</summary>
    public virtual void EndFunction(string symbol, StringBuilder text) { }

    /// <summary>The directives before the label of an 8-byte global variable, which is local to the library.</summary>
    public abstract void DeclareData(string symbol, StringBuilder text);

    /// <summary>The operand of a direct call to an extern (a C function of another library).</summary>
    public abstract string ExternCallTarget(string symbol);

    /// <summary>The instruction that loads the address of an extern into <paramref name="destination"/>.</summary>
    public abstract string ExternAddress(string symbol, string destination);

    /// <summary>The closing directives of a file whose exported functions are <paramref name="exportedFunctions"/>.</summary>
    public abstract void EndFile(IReadOnlyList<string> exportedFunctions, StringBuilder text);

    private sealed class ElfFormat : X64ObjectFormat
    {
        public override string TextSection => ".text";
        public override string DataSection => ".data";
        public override string ReadOnlySection => ".section .rodata";

        public override void BeginFunction(string symbol, bool isExported, StringBuilder text)
        {
            text.Append($"\t.globl {symbol}\n");
            if (!isExported) text.Append($"\t.hidden {symbol}\n");
            text.Append($"\t.type {symbol}, @function\n");
        }

        public override void EndFunction(string symbol, StringBuilder text) => text.Append($"\t.size {symbol}, .-{symbol}\n");

        public override void DeclareData(string symbol, StringBuilder text) =>
            text.Append($"\t.globl {symbol}\n\t.hidden {symbol}\n\t.type {symbol}, @object\n\t.size {symbol}, 8\n");

        public override string ExternCallTarget(string symbol) => symbol + "@PLT";

        public override string ExternAddress(string symbol, string destination) => $"movq\t{symbol}@GOTPCREL(%rip), {destination}";

        public override void EndFile(IReadOnlyList<string> exportedFunctions, StringBuilder text) =>
            text.Append("\n\t.section .note.GNU-stack,\"\",@progbits\n");
    }

    /// <summary>
    /// PE/COFF for Windows DLLs. Externs are reached through the import thunks (<c>jmp *__imp_f</c>) that the linker adds
    /// from the import library: direct calls, addresses and data words all name the plain symbol, and the address of an
    /// extern is then a valid function pointer. A symbol is exported only when the file's <c>.drectve</c> section says so.
    /// </summary>
    private sealed class CoffFormat : X64ObjectFormat
    {
        public override bool UsesSehUnwind => true;
        public override string TextSection => ".text";
        public override string DataSection => ".data";
        public override string ReadOnlySection => ".section .rdata,\"dr\"";

        // Storage class 2 is external, type 32 a function: what debuggers and the linker's export code expect of a function.
        public override void BeginFunction(string symbol, bool isExported, StringBuilder text) =>
            text.Append($"\t.globl {symbol}\n\t.def {symbol};\t.scl 2;\t.type 32;\t.endef\n");

        public override void DeclareData(string symbol, StringBuilder text) => text.Append($"\t.globl {symbol}\n");

        public override string ExternCallTarget(string symbol) => symbol;

        public override string ExternAddress(string symbol, string destination) => $"leaq\t{symbol}(%rip), {destination}";

        public override void EndFile(IReadOnlyList<string> exportedFunctions, StringBuilder text)
        {
            if (exportedFunctions.Count == 0) return;
            // Linker directives, as compilers emit them for __declspec(dllexport); GNU ld and lld-link both read them.
            text.Append("\n\t.section .drectve\n");
            foreach (string symbol in exportedFunctions) text.Append($"\t.ascii \" -export:{symbol}\"\n");
        }
    }

    private sealed class MachOFormat : X64ObjectFormat
    {
        public override string LocalLabelPrefix => "L";
        public override string Symbol(string nativeName) => "_" + nativeName;
        public override string TextSection => ".section __TEXT,__text,regular,pure_instructions";
        public override string DataSection => ".section __DATA,__data";
        public override string ReadOnlySection => ".section __TEXT,__const";

        public override void BeginFunction(string symbol, bool isExported, StringBuilder text)
        {
            text.Append($"\t.globl {symbol}\n");
            if (!isExported) text.Append($"\t.private_extern {symbol}\n");
        }

        public override void DeclareData(string symbol, StringBuilder text) => text.Append($"\t.globl {symbol}\n\t.private_extern {symbol}\n");

        public override string ExternCallTarget(string symbol) => symbol;

        public override string ExternAddress(string symbol, string destination) => $"movq\t{symbol}@GOTPCREL(%rip), {destination}";

        // Each symbol starts an atom the linker may strip or move on its own.
        public override void EndFile(IReadOnlyList<string> exportedFunctions, StringBuilder text) =>
            text.Append("\n\t.subsections_via_symbols\n");
    }
}
