using System.Globalization;
using System.Text;
using Maru.Compiler.IR;
using Maru.Compiler.Semantics;
using Maru.Compiler.Targets.X64;

namespace Maru.Compiler.Targets.Arm64;

/// <summary>
/// AArch64 code: ELF for linux-arm64 (AAPCS64) or Mach-O for osx-arm64 (Apple's arm64 ABI: symbols get a leading
/// underscore, and the variadic arguments of C calls go on the stack). One assembly file per source file.
/// </summary>
public sealed class Arm64Target : ITarget
{
    private readonly Arm64Abi _abi = Arm64Abi.Instance;
    private readonly RegisterAllocator _allocator = new(Arm64Abi.Instance);
    private readonly bool _isMachO;
    private readonly Arm64AddressSyntax _syntax;

    private Arm64Target(bool isMachO)
    {
        _isMachO = isMachO;
        _syntax = isMachO ? Arm64AddressSyntax.MachO : Arm64AddressSyntax.Elf;
    }

    public static Arm64Target Linux() => new(isMachO: false);
    public static Arm64Target Apple() => new(isMachO: true);

    public int RegisterArguments => _abi.ArgumentRegisters.Count;

    public void BeginFile(StringBuilder text) =>
        text.Append(_isMachO ? "\t.section __TEXT,__text,regular,pure_instructions\n" : "\t.text\n");

    public void EmitFunction(IrFunction function, IrModule module, StringBuilder text)
    {
        BeforeSelection.Run(function);
        var machine = Arm64InstructionSelector.Select(function, _abi, StringLabel, (name, _) => Symbol(name), variadicArgumentsOnStack: _isMachO);
        _allocator.Allocate(machine);
        string symbol = machine.Symbol;
        text.Append("\n\t.p2align 2\n");
        text.Append($"\t.globl {symbol}\n");
        if (_isMachO)
        {
            if (!machine.IsExported) text.Append($"\t.private_extern {symbol}\n");
            Arm64Emitter.Emit(machine, _syntax, text);
        }
        else
        {
            if (!machine.IsExported) text.Append($"\t.hidden {symbol}\n");
            text.Append($"\t.type {symbol}, %function\n");
            Arm64Emitter.Emit(machine, _syntax, text);
            text.Append($"\t.size {symbol}, .-{symbol}\n");
        }
    }

    public void EndFile(IrModule module, IReadOnlyList<FunctionSymbol> functions, IReadOnlyList<GlobalSymbol> globals, StringBuilder text)
    {
        // Global initialisers may name strings: intern them before the string table is written.
        var initialValues = globals.Select(g => InitialValue(g, module)).ToList();
        if (globals.Count > 0)
        {
            text.Append(_isMachO ? "\n\t.section __DATA,__data\n\t.p2align 3\n" : "\n\t.data\n\t.p2align 3\n");
            for (int i = 0; i < globals.Count; i++)
            {
                string symbol = Symbol(globals[i].NativeName);
                text.Append(_isMachO
                    ? $"\t.globl {symbol}\n\t.private_extern {symbol}\n"
                    : $"\t.globl {symbol}\n\t.hidden {symbol}\n\t.type {symbol}, %object\n\t.size {symbol}, 8\n");
                text.Append($"{symbol}:\n\t.quad {initialValues[i]}\n");
            }
        }
        if (module.Strings.Count > 0)
        {
            // Not a C-string section: literals may contain NUL bytes.
            text.Append(_isMachO ? "\n\t.section __TEXT,__const\n" : "\n\t.section .rodata\n");
            for (int i = 0; i < module.Strings.Count; i++)
                text.Append($"{StringLabel(i)}:\n\t.asciz \"{AssemblyText.Escape(module.Strings[i])}\"\n");
        }
        text.Append(_isMachO ? "\n\t.subsections_via_symbols\n" : "\n\t.section .note.GNU-stack,\"\",%progbits\n");
    }

    /// <summary>The assembler name of a native symbol: Mach-O prefixes every C-level name with an underscore.</summary>
    private string Symbol(string nativeName) => _isMachO ? "_" + nativeName : nativeName;

    private string StringLabel(int index) => $"{_syntax.LocalLabelPrefix}str.{index}";

    private string InitialValue(GlobalSymbol global, IrModule module) => global.InitialValue switch
    {
        ConstantValue c => c.Value.ToString(CultureInfo.InvariantCulture),
        AddressOfFunction f => Symbol(f.Function.NativeName),
        AddressOfExtern e => Symbol(e.Extern.NativeName),
        AddressOfString s => StringLabel(module.InternString(s.Bytes)),
        _ => throw new InvalidOperationException("unknown initial value"),
    };
}
