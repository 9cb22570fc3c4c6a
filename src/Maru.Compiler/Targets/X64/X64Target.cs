using System.Globalization;
using System.Text;
using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Targets.X64;

/// <summary>x86-64 code for one calling convention and object format: one assembly file per source file.</summary>
public sealed class X64Target(X64Abi abi, X64ObjectFormat format) : ITarget
{
    private readonly RegisterAllocator _allocator = new(abi);

    public int RegisterArguments => abi.ArgumentRegisters.Count;

    public void BeginFile(StringBuilder text) => text.Append($"\t{format.TextSection}\n");

    public void EmitFunction(IrFunction function, IrModule module, StringBuilder text)
    {
        BeforeSelection.Run(function);
        var machine = X64InstructionSelector.Select(function, abi, format);
        _allocator.Allocate(machine);
        X64Peephole.Apply(machine);
        X64Scheduler.Apply(machine);
        X64Peephole.ZeroWithXor(machine);
        text.Append('\n');
        text.Append("\t.p2align 4\n");
        format.BeginFunction(machine.Symbol, machine.IsExported, text);
        X64Emitter.Emit(machine, abi, format, text);
        format.EndFunction(machine.Symbol, text);
        if (machine.Constants.Count > 0)
        {
            text.Append($"\n\t{format.ReadOnlySection}\n\t.p2align 3\n");
            for (int i = 0; i < machine.Constants.Count; i++)
                text.Append($"{format.ConstantLabel(machine.Symbol, i)}:\n\t.quad {machine.Constants[i]}\n");
            text.Append($"\t{format.TextSection}\n");
        }
    }

    public void EndFile(IrModule module, IReadOnlyList<FunctionSymbol> functions, IReadOnlyList<GlobalSymbol> globals, StringBuilder text)
    {
        // Global initialisers may name strings: intern them before the string table is written.
        var initialValues = globals.Select(g => InitialValue(g, module)).ToList();
        if (globals.Count > 0)
        {
            text.Append($"\n\t{format.DataSection}\n\t.p2align 3\n");
            for (int i = 0; i < globals.Count; i++)
            {
                string symbol = format.Symbol(globals[i].NativeName);
                format.DeclareData(symbol, text);
                text.Append($"{symbol}:\n\t.quad {initialValues[i]}\n");
            }
        }
        if (module.Strings.Count > 0)
        {
            text.Append($"\n\t{format.ReadOnlySection}\n");
            for (int i = 0; i < module.Strings.Count; i++)
                text.Append($"{format.StringLabel(i)}:\n\t.asciz \"{AssemblyText.Escape(module.Strings[i])}\"\n");
        }
        format.EndFile(functions.Where(f => f.IsExported).Select(f => format.Symbol(f.NativeName)).ToList(), text);
    }

    private string InitialValue(GlobalSymbol global, IrModule module) => global.InitialValue switch
    {
        ConstantValue c => c.Value.ToString(CultureInfo.InvariantCulture),
        AddressOfFunction f => format.Symbol(f.Function.NativeName),
        AddressOfExtern e => format.Symbol(e.Extern.NativeName),
        AddressOfString s => format.StringLabel(module.InternString(s.Bytes)),
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
