using System.Globalization;

namespace Maru.Compiler.Toolchain.Integrated;

/// <summary>
/// The call frame directives (<c>.cfi_*</c>) the emitter prints, turned into .eh_frame as GNU as lays it out: one CIE
/// (augmentation "zR", PC-relative FDE addresses, CFA = rsp + 8 on entry, the return address at CFA - 8), then one FDE per
/// <c>.cfi_startproc</c>/<c>.cfi_endproc</c>, padded with DW_CFA_nop to 4 bytes (the last to 8).
/// </summary>
internal sealed partial class X64Assembler
{
    public const string EhFrame = ".eh_frame";

    // DWARF numbers of the registers, by hardware number (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8...).
    private static readonly byte[] DwarfRegisters = [0, 2, 1, 3, 7, 6, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15];
    private const byte DefCfaOffset = 0x0E, RememberState = 0x0A, RestoreState = 0x0B, Offset = 0x80, Restore = 0xC0;

    private sealed class Frame(Position start)
    {
        public Position Start => start;
        public Position? End { get; set; }
        public List<(Position At, byte[] Instruction)> Instructions { get; } = [];
    }

    private readonly List<Frame> _frames = [];
    private readonly Stack<int> _rememberedCfaOffsets = new();
    private Frame? _frame;
    private int _cfaOffset;

    private Position Here()
    {
        DataFragment data = _section!.Data();
        return new Position(_section, data, data.Bytes.Count);
    }

    private void CallFrameDirective(string name, string arguments)
    {
        if (_section?.Name != ".text") { Error($"{name} outside .text"); return; }
        if (name == ".cfi_startproc")
        {
            if (_frame is not null) { Error(".cfi_startproc inside another"); return; }
            _frame = new Frame(Here());
            _cfaOffset = 8;
            _rememberedCfaOffsets.Clear();
            return;
        }
        if (_frame is null) { Error($"{name} outside .cfi_startproc"); return; }
        switch (name)
        {
            case ".cfi_endproc":
                _frame.End = Here();
                _frames.Add(_frame);
                _frame = null;
                return;
            case ".cfi_adjust_cfa_offset" when ParseInteger(arguments) is { } adjustment:
                SetCfaOffset(_cfaOffset + (int)adjustment);
                return;
            case ".cfi_def_cfa_offset" when ParseInteger(arguments) is { } offset:
                SetCfaOffset((int)offset);
                return;
            case ".cfi_rel_offset" when RegisterAndOffset(arguments) is ({ } register, { } offset) && (offset - _cfaOffset) % 8 == 0 && offset < _cfaOffset:
                // Saved at offset bytes above the stack pointer, which is CFA - _cfaOffset: a multiple of the data alignment -8.
                Add([(byte)(Offset | register), .. Uleb((int)(_cfaOffset - offset) / 8)]);
                return;
            case ".cfi_restore" when Register(arguments.Trim()) is { Size: 8 } restored:
                Add([(byte)(Restore | DwarfRegisters[restored.Number])]);
                return;
            case ".cfi_remember_state" when arguments.Length == 0:
                _rememberedCfaOffsets.Push(_cfaOffset);
                Add([RememberState]);
                return;
            case ".cfi_restore_state" when arguments.Length == 0 && _rememberedCfaOffsets.Count > 0:
                _cfaOffset = _rememberedCfaOffsets.Pop();
                Add([RestoreState]);
                return;
            default:
                Error($"unsupported call frame directive '{name}{(arguments.Length > 0 ? " " + arguments : "")}'");
                return;
        }
    }

    private void SetCfaOffset(int offset)
    {
        if (offset < 0) { Error($"negative CFA offset {offset}"); return; }
        _cfaOffset = offset;
        Add([DefCfaOffset, .. Uleb(offset)]);
    }

    private void Add(byte[] instruction) => _frame!.Instructions.Add((Here(), instruction));

    private static (int?, long?) RegisterAndOffset(string arguments)
    {
        string[] parts = arguments.Split(',');
        if (parts.Length != 2 || Register(parts[0].Trim()) is not { Size: 8 } register) return (null, null);
        return (DwarfRegisters[register.Number], ParseInteger(parts[1].Trim()));
    }

    /// <summary>The .eh_frame bytes; each FDE's start address is a PC-relative relocation to a symbol made for it.</summary>
    private byte[] CallFrameInformation(Dictionary<string, ObjectSymbol> symbols, List<Relocation> relocations)
    {
        // CIE: id 0, version 1, "zR", code alignment 1, data alignment -8, return address column 16,
        // FDE addresses pcrel|sdata4; CFA = rsp + 8, return address at CFA - 8.
        var bytes = new List<byte> { 0, 0, 0, 0, 0, 0, 0, 0, 1, (byte)'z', (byte)'R', 0, 1, 0x78, 16, 1, 0x1B, 0x0C, 7, 8, Offset | 16, 1 };
        Pad(bytes, 0, 8);
        for (int i = 0; i < _frames.Count; i++)
        {
            Frame frame = _frames[i];
            int start = bytes.Count;
            bytes.AddRange(new byte[4]);
            Int32(bytes, start + 4); // the distance back to the CIE
            string symbol = string.Create(CultureInfo.InvariantCulture, $"frame {i}"); // a name no assembly label can have
            symbols[symbol] = new ObjectSymbol(symbol, ".text", frame.Start.Address, false, false, false, 0);
            relocations.Add(new Relocation(EhFrame, bytes.Count, RelocationKind.Pc32, symbol, 0));
            Int32(bytes, 0);
            Int32(bytes, frame.End!.Address - frame.Start.Address);
            bytes.Add(0); // no augmentation data
            int at = frame.Start.Address;
            foreach (var (position, instruction) in frame.Instructions)
            {
                AdvanceLocation(bytes, position.Address - at);
                at = position.Address;
                bytes.AddRange(instruction);
            }
            Pad(bytes, start, i == _frames.Count - 1 ? 8 : 4);
        }
        return [.. bytes];
    }

    /// <summary>Pads the record at <paramref name="start"/> with DW_CFA_nop to the alignment, and sets its length.</summary>
    private static void Pad(List<byte> bytes, int start, int alignment)
    {
        while (bytes.Count % alignment != 0) bytes.Add(0);
        int length = bytes.Count - start - 4;
        for (int i = 0; i < 4; i++) bytes[start + i] = (byte)(length >> (8 * i));
    }

    private static void AdvanceLocation(List<byte> bytes, int delta)
    {
        if (delta == 0) return;
        if (delta < 0x40) bytes.Add((byte)(0x40 | delta));
        else if (delta <= byte.MaxValue) { bytes.Add(0x02); bytes.Add((byte)delta); }
        else if (delta <= ushort.MaxValue) { bytes.Add(0x03); bytes.Add((byte)delta); bytes.Add((byte)(delta >> 8)); }
        else { bytes.Add(0x04); Int32(bytes, delta); }
    }

    private static void Int32(List<byte> bytes, int value)
    {
        for (int i = 0; i < 4; i++) bytes.Add((byte)(value >> (8 * i)));
    }

    private static byte[] Uleb(int value)
    {
        var result = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            result.Add(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
        return [.. result];
    }
}
