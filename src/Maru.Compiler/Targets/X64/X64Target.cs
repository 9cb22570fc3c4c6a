using System.Globalization;
using System.Text;
using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Targets.X64;

/// <summary>x86-64 code for ELF (linux-x64): one assembly file per source file.</summary>
public sealed class X64Target : ITarget
{
    private readonly X64Abi _abi = X64Abi.SysV;
    private readonly RegisterAllocator _allocator = new(X64Abi.SysV);

    public int RegisterArguments => _abi.ArgumentRegisters.Count;

    public void BeginFile(StringBuilder text) => text.Append("\t.text\n");

    public void EmitFunction(IrFunction function, IrModule module, StringBuilder text)
    {
        var machine = X64InstructionSelector.Select(function, _abi, StringLabel, (name, _) => name);
        _allocator.Allocate(machine);
        text.Append('\n');
        text.Append("\t.p2align 4\n");
        text.Append($"\t.globl {machine.Symbol}\n");
        if (!machine.IsExported) text.Append($"\t.hidden {machine.Symbol}\n");
        text.Append($"\t.type {machine.Symbol}, @function\n");
        X64Emitter.Emit(machine, _abi, text);
        text.Append($"\t.size {machine.Symbol}, .-{machine.Symbol}\n");
    }

    public void EndFile(IrModule module, IReadOnlyList<GlobalSymbol> globals, StringBuilder text)
    {
        // Global initialisers may name strings: intern them before the string table is written.
        var initialValues = globals.Select(g => InitialValue(g, module)).ToList();
        if (globals.Count > 0)
        {
            text.Append("\n\t.data\n\t.p2align 3\n");
            for (int i = 0; i < globals.Count; i++)
            {
                string symbol = globals[i].NativeName;
                text.Append($"\t.globl {symbol}\n\t.hidden {symbol}\n\t.type {symbol}, @object\n\t.size {symbol}, 8\n");
                text.Append($"{symbol}:\n\t.quad {initialValues[i]}\n");
            }
        }
        if (module.Strings.Count > 0)
        {
            // Not a mergeable-strings section: literals may contain NUL bytes.
            text.Append("\n\t.section .rodata\n");
            for (int i = 0; i < module.Strings.Count; i++)
                text.Append($"{StringLabel(i)}:\n\t.asciz \"{AssemblyText.Escape(module.Strings[i])}\"\n");
        }
        text.Append("\n\t.section .note.GNU-stack,\"\",@progbits\n");
    }

    private static string StringLabel(int index) => $".Lstr.{index}";

    private static string InitialValue(GlobalSymbol global, IrModule module) => global.InitialValue switch
    {
        ConstantValue c => c.Value.ToString(CultureInfo.InvariantCulture),
        AddressOfFunction f => f.Function.NativeName,
        AddressOfExtern e => e.Extern.NativeName,
        AddressOfString s => StringLabel(module.InternString(s.Bytes)),
        _ => throw new InvalidOperationException("unknown initial value"),
    };
}

/// <summary>Helpers for writing assembler source that every target shares.</summary>
public static class AssemblyText
{
    /// <summary>Escapes bytes for a GNU assembler string: printable ASCII as is, everything else as octal.</summary>
    public static string Escape(byte[] bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            if (b == '"' || b == '\\') text.Append('\\').Append((char)b);
            else if (b >= 0x20 && b < 0x7f) text.Append((char)b);
            else text.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0'));
        }
        return text.ToString();
    }
}
