using System.Globalization;
using System.Text;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Targets.X64;

namespace Maru.Compiler.Toolchain.Integrated;

/// <summary>
/// The integrated assembler for linux-x64: reads the GNU assembler text the X64 target prints (the single source of truth)
/// and produces the same section bytes GNU as does, with the relocations left for <see cref="ElfSharedObjectWriter"/>.
/// It knows exactly the instructions and directives the compiler emits; anything else is a MARU0902 diagnostic at its line.
/// Jumps to labels of their own section start short and grow to near form until every displacement fits (as GNU as relaxes).
/// Call frame directives become the .eh_frame section's CIE and FDEs (X64Assembler.CallFrames.cs).
/// </summary>
internal sealed partial class X64Assembler
{
    // GNU as's x86-64 padding: the longest nop it has is 11 bytes; longer padding is a run of those.
    private static readonly byte[][] Nops =
    [
        [],
        [0x90],
        [0x66, 0x90],
        [0x0F, 0x1F, 0x00],
        [0x0F, 0x1F, 0x40, 0x00],
        [0x0F, 0x1F, 0x44, 0x00, 0x00],
        [0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00],
        [0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00],
        [0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        [0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        [0x66, 0x2E, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        [0x66, 0x66, 0x2E, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
    ];

    private readonly string _path;
    private readonly DiagnosticBag _diagnostics;
    private readonly Dictionary<string, Section> _sections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Position> _labels = new(StringComparer.Ordinal);
    private readonly HashSet<string> _globals = new(StringComparer.Ordinal);
    private readonly HashSet<string> _hidden = new(StringComparer.Ordinal);
    private readonly HashSet<string> _functions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (Position? End, long Value)> _sizes = new(StringComparer.Ordinal);
    private Section? _section;
    private int _line;

    private X64Assembler(string path, DiagnosticBag diagnostics)
    {
        _path = path;
        _diagnostics = diagnostics;
    }

    /// <summary>Assembles one file; null (and MARU0902 diagnostics at the offending lines) when it has forms this assembler does not know.</summary>
    public static ObjectFile? Assemble(string path, string text, DiagnosticBag diagnostics)
    {
        var assembler = new X64Assembler(path, diagnostics);
        int errors = diagnostics.ErrorCount;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length && !diagnostics.IsFull; i++)
        {
            assembler._line = i + 1;
            assembler.Statement(lines[i]);
        }
        return diagnostics.ErrorCount > errors ? null : assembler.Finish();
    }

    private sealed class Section(string name)
    {
        public string Name { get; } = name;
        public List<Fragment> Fragments { get; } = [];
        public int Alignment { get; set; } = 1;

        public DataFragment Data()
        {
            if (Fragments.Count == 0 || Fragments[^1] is not DataFragment data)
            {
                data = new DataFragment();
                Fragments.Add(data);
            }
            return data;
        }
    }

    private abstract class Fragment
    {
        public int Start { get; set; }
        public abstract int Size { get; }
    }

    private sealed class DataFragment : Fragment
    {
        public List<byte> Bytes { get; } = [];
        public List<Fixup> Fixups { get; } = [];
        public override int Size => Bytes.Count;
    }

    /// <summary><c>.p2align</c>: padding up to a boundary, skipped when it would exceed <see cref="MaxSkip"/>.</summary>
    private sealed class AlignFragment(int alignment, int maxSkip, bool code) : Fragment
    {
        public int Alignment => alignment;
        public bool Code => code;
        public int Padding { get; set; }
        public override int Size => Padding;

        public void Place(int start)
        {
            Start = start;
            int padding = (alignment - start % alignment) % alignment;
            Padding = padding <= maxSkip ? padding : 0;
        }
    }

    /// <summary>A jump: short (rel8) until its target is out of range, then near (rel32); near from the start when the target is elsewhere.</summary>
    private sealed class JumpFragment(int condition, string target, int line) : Fragment
    {
        public int Condition => condition; // -1: jmp
        public string Target => target;
        public int Line => line;
        public bool IsNear { get; set; }
        public override int Size => IsNear ? (condition < 0 ? 5 : 6) : 2;
    }

    private sealed record Position(Section Section, Fragment Fragment, int Offset)
    {
        public int Address => Fragment.Start + Offset;
    }

    private void Statement(string raw)
    {
        string line = raw.Trim();
        if (line.Length == 0 || line[0] == '#') return;
        int colon = LabelEnd(line);
        if (colon > 0)
        {
            DefineLabel(line[..colon]);
            line = line[(colon + 1)..].Trim();
            if (line.Length == 0) return;
        }
        int space = line.IndexOfAny([' ', '\t']);
        string name = space < 0 ? line : line[..space];
        string rest = space < 0 ? "" : line[(space + 1)..].Trim();
        if (name[0] == '.') Directive(name, rest);
        else Instruction(name, rest);
    }

    private static int LabelEnd(string line)
    {
        int i = 0;
        while (i < line.Length && IsSymbolCharacter(line[i])) i++;
        return i > 0 && i < line.Length && line[i] == ':' && !char.IsAsciiDigit(line[0]) ? i : -1;
    }

    private static bool IsSymbolCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '$';

    private static bool IsSymbol(string text) => text.Length > 0 && !char.IsAsciiDigit(text[0]) && text.All(IsSymbolCharacter);

    private void DefineLabel(string name)
    {
        if (_section is null) { Error($"label '{name}' outside any section"); return; }
        if (_labels.ContainsKey(name)) { Error($"symbol '{name}' is already defined"); return; }
        DataFragment data = _section.Data();
        _labels[name] = new Position(_section, data, data.Bytes.Count);
    }

    private void Directive(string name, string arguments)
    {
        if (name.StartsWith(".cfi_", StringComparison.Ordinal))
        {
            CallFrameDirective(name, arguments);
            return;
        }
        switch (name)
        {
            case ".text": Switch(".text"); return;
            case ".data": Switch(".data"); return;
            case ".section": SectionDirective(arguments); return;
            case ".p2align": Align(arguments); return;
            case ".globl" or ".global": Declare(arguments, _globals); return;
            case ".hidden": Declare(arguments, _hidden); return;
            case ".type": TypeDirective(arguments); return;
            case ".size": SizeDirective(arguments); return;
            case ".quad": Quad(arguments); return;
            case ".asciz" or ".string": Asciz(arguments); return;
            default: Error($"unsupported directive '{name}'"); return;
        }
    }

    private void Switch(string section)
    {
        if (!_sections.TryGetValue(section, out _section))
        {
            _section = new Section(section);
            _sections[section] = _section;
        }
    }

    private void SectionDirective(string arguments)
    {
        string[] parts = arguments.Split(',', 2);
        switch (parts[0].Trim())
        {
            case ".rodata" or ".text" or ".data": Switch(parts[0].Trim()); return;
            // Only says the library needs no executable stack, which every library this writes says anyway.
            case ".note.GNU-stack": _section = null; return;
            default: Error($"unsupported section '{parts[0].Trim()}'"); return;
        }
    }

    private Section? Current(string what)
    {
        if (_section is null) Error($"{what} outside .text, .data or .rodata");
        return _section;
    }

    private void Align(string arguments)
    {
        string[] parts = arguments.Split(',');
        if (Current(".p2align") is not { } section) return;
        if (parts.Length > 3 || !int.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int power) || power > 12
            || (parts.Length > 1 && parts[1].Trim().Length > 0))
        {
            Error($"unsupported .p2align '{arguments}'");
            return;
        }
        int alignment = 1 << power;
        int maxSkip = alignment - 1;
        if (parts.Length == 3 && (!int.TryParse(parts[2].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out maxSkip)))
        {
            Error($"unsupported .p2align '{arguments}'");
            return;
        }
        section.Alignment = Math.Max(section.Alignment, alignment);
        section.Fragments.Add(new AlignFragment(alignment, maxSkip, section.Name == ".text"));
    }

    private void Declare(string arguments, HashSet<string> set)
    {
        if (IsSymbol(arguments)) set.Add(arguments);
        else Error($"not a symbol: '{arguments}'");
    }

    private void TypeDirective(string arguments)
    {
        string[] parts = arguments.Split(',');
        if (parts.Length != 2 || !IsSymbol(parts[0].Trim()) || parts[1].Trim() is not ("@function" or "@object"))
        {
            Error($"unsupported .type '{arguments}'");
            return;
        }
        if (parts[1].Trim() == "@function") _functions.Add(parts[0].Trim());
    }

    private void SizeDirective(string arguments)
    {
        string[] parts = arguments.Split(',');
        string symbol = parts[0].Trim();
        string expression = parts.Length == 2 ? parts[1].Trim() : "";
        if (parts.Length == 2 && IsSymbol(symbol) && expression == ".-" + symbol && _section is not null)
        {
            DataFragment data = _section.Data();
            _sizes[symbol] = (new Position(_section, data, data.Bytes.Count), 0);
        }
        else if (parts.Length == 2 && IsSymbol(symbol) && long.TryParse(expression, NumberStyles.None, CultureInfo.InvariantCulture, out long size))
            _sizes[symbol] = (null, size);
        else
            Error($"unsupported .size '{arguments}'");
    }

    private void Quad(string arguments)
    {
        if (Current(".quad") is not { } section) return;
        DataFragment data = section.Data();
        if (ParseInteger(arguments) is { } value)
        {
            for (int i = 0; i < 8; i++) data.Bytes.Add((byte)(value >> (8 * i)));
        }
        else if (IsSymbol(arguments))
        {
            data.Fixups.Add(new Fixup(data.Bytes.Count, RelocationKind.Absolute64, arguments, 0));
            for (int i = 0; i < 8; i++) data.Bytes.Add(0);
        }
        else Error($"unsupported .quad operand '{arguments}'");
    }

    private void Asciz(string arguments)
    {
        if (Current(".asciz") is not { } section) return;
        if (ParseString(arguments) is not { } bytes)
        {
            Error($"malformed string {arguments}");
            return;
        }
        DataFragment data = section.Data();
        data.Bytes.AddRange(bytes);
        data.Bytes.Add(0);
    }

    /// <summary>A GNU as string literal: escapes \ooo (octal), \xhh, \\, \" and the C letters.</summary>
    private static byte[]? ParseString(string text)
    {
        if (text.Length < 2 || text[0] != '"' || text[^1] != '"') return null;
        var bytes = new List<byte>();
        for (int i = 1; i < text.Length - 1; i++)
        {
            char c = text[i];
            if (c == '"') return null;
            if (c != '\\')
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                continue;
            }
            if (++i >= text.Length - 1) return null;
            c = text[i];
            if (c is >= '0' and <= '7')
            {
                int value = 0;
                for (int n = 0; n < 3 && i < text.Length - 1 && text[i] is >= '0' and <= '7'; n++, i++) value = value * 8 + (text[i] - '0');
                i--;
                bytes.Add((byte)value);
                continue;
            }
            if (c == 'x')
            {
                int value = 0, digits = 0;
                while (i + 1 < text.Length - 1 && char.IsAsciiHexDigit(text[i + 1])) { value = value * 16 + Convert.ToInt32(text[++i].ToString(), 16); digits++; }
                if (digits == 0) return null;
                bytes.Add((byte)value);
                continue;
            }
            byte? escaped = c switch { '\\' => (byte)'\\', '"' => (byte)'"', 'n' => 10, 't' => 9, 'r' => 13, 'b' => 8, 'f' => 12, _ => null };
            if (escaped is null) return null;
            bytes.Add(escaped.Value);
        }
        return [.. bytes];
    }

    private static long? ParseInteger(string text)
    {
        bool negative = text.StartsWith('-');
        string digits = negative ? text[1..] : text;
        ulong magnitude;
        bool parsed = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out magnitude)
            : ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out magnitude);
        if (!parsed || digits.Length == 0) return null;
        return negative ? -(long)magnitude : (long)magnitude;
    }

    private void Instruction(string mnemonic, string operandText)
    {
        if (Current($"instruction '{mnemonic}'") is not { } section) return;
        if (section.Name != ".text") { Error($"instruction '{mnemonic}' outside .text"); return; }
        List<AsmOperand>? operands = ParseOperands(operandText);
        if (operands is null) return;
        if (IsJump(mnemonic, out int condition))
        {
            if (operands is not [SymbolOperand target]) { Error($"unsupported operands of '{mnemonic}': {operandText}"); return; }
            section.Fragments.Add(new JumpFragment(condition, target.Name, _line));
            return;
        }
        DataFragment data = section.Data();
        int start = data.Bytes.Count, fixups = data.Fixups.Count;
        if (!new X64Encoder(data.Bytes, data.Fixups).Encode(mnemonic, operands))
        {
            data.Bytes.RemoveRange(start, data.Bytes.Count - start);
            data.Fixups.RemoveRange(fixups, data.Fixups.Count - fixups);
            Error($"unsupported instruction '{mnemonic}{(operandText.Length > 0 ? " " + operandText : "")}'");
        }
    }

    private static bool IsJump(string mnemonic, out int condition)
    {
        condition = -1;
        if (mnemonic == "jmp") return true;
        return mnemonic.Length > 1 && mnemonic[0] == 'j' && X64Encoder.Conditions.TryGetValue(mnemonic[1..], out condition);
    }

    private List<AsmOperand>? ParseOperands(string text)
    {
        var operands = new List<AsmOperand>();
        if (text.Length == 0) return operands;
        int depth = 0, start = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] == '(') depth++;
            else if (i < text.Length && text[i] == ')') depth--;
            else if (i == text.Length || (text[i] == ',' && depth == 0))
            {
                string item = text[start..i].Trim();
                AsmOperand? operand = ParseOperand(item);
                if (operand is null) { Error($"unsupported operand '{item}'"); return null; }
                operands.Add(operand);
                start = i + 1;
            }
        }
        return operands;
    }

    private static AsmOperand? ParseOperand(string text)
    {
        if (text.Length == 0) return null;
        if (text[0] == '%') return Register(text) is { } register ? new RegisterOperand(register.Number, register.Size) : null;
        if (text[0] == '$') return ParseInteger(text[1..]) is { } value ? new ImmediateOperand(value) : null;
        if (text[0] == '*') return Register(text[1..]) is { Size: 8 } target ? new IndirectOperand(target.Number) : null;
        int open = text.IndexOf('(');
        if (open < 0)
        {
            string name = text.EndsWith("@PLT", StringComparison.Ordinal) ? text[..^4] : text;
            return IsSymbol(name) ? new SymbolOperand(name) : null;
        }
        if (text[^1] != ')') return null;
        string displacement = text[..open];
        string[] inside = text[(open + 1)..^1].Split(',');
        if (inside is ["%rip"])
        {
            bool throughGot = displacement.EndsWith("@GOTPCREL", StringComparison.Ordinal);
            string symbol = throughGot ? displacement[..^9] : displacement;
            return IsSymbol(symbol) ? new MemoryOperand(-1, -1, 1, 0, symbol, throughGot) : null;
        }
        long offset = 0;
        if (displacement.Length > 0)
        {
            if (ParseInteger(displacement) is not { } parsed) return null;
            offset = parsed;
        }
        if (offset is < int.MinValue or > int.MaxValue) return null;
        if (Register(inside[0].Trim()) is not { Size: 8 } baseRegister) return null;
        if (inside.Length == 1) return new MemoryOperand(baseRegister.Number, -1, 1, offset, null, false);
        if (inside.Length > 3 || Register(inside[1].Trim()) is not { Size: 8 } index || index.Number == 4) return null;
        int scale = inside.Length == 3 ? (int.TryParse(inside[2].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int s) ? s : 0) : 1;
        return scale is 1 or 2 or 4 or 8 ? new MemoryOperand(baseRegister.Number, index.Number, scale, offset, null, false) : null;
    }

    // Every register name the X64 target can print, with its number and size in bytes.
    private static readonly Dictionary<string, (int Number, int Size)> RegisterNames =
        (from number in Enumerable.Range(0, 16) from size in new[] { 8, 4, 2, 1, 16 } select (Name: X64Registers.Name(number, size), number, size))
        .ToDictionary(r => r.Name, r => (r.number, r.size), StringComparer.Ordinal);

    private static (int Number, int Size)? Register(string text) => RegisterNames.TryGetValue(text, out var register) ? register : null;

    private void Error(string message) =>
        _diagnostics.Add(new Diagnostic(DiagnosticCodes.AssemblerError, Severity.Error, _path, _line, 1, $"integrated assembler: {message}"));

    private ObjectFile? Finish()
    {
        int errors = _diagnostics.ErrorCount;
        foreach (Section section in _sections.Values)
        {
            foreach (JumpFragment jump in section.Fragments.OfType<JumpFragment>())
                jump.IsNear = !(_labels.TryGetValue(jump.Target, out var target) && target.Section == section);
            Relax(section);
        }
        var symbols = new Dictionary<string, ObjectSymbol>(StringComparer.Ordinal);
        foreach (var (name, position) in _labels)
        {
            long size = _sizes.TryGetValue(name, out var s) ? (s.End is { } end ? end.Address - position.Address : s.Value) : 0;
            bool isGlobal = _globals.Contains(name);
            symbols[name] = new ObjectSymbol(name, position.Section.Name, position.Address, isGlobal, _hidden.Contains(name), _functions.Contains(name), size);
        }
        var relocations = new List<Relocation>();
        var sections = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (Section section in _sections.Values) sections[section.Name] = Bytes(section, symbols, relocations);
        var alignments = _sections.Values.ToDictionary(s => s.Name, s => s.Alignment);
        if (_frame is not null) Error(".cfi_startproc without .cfi_endproc");
        if (_frames.Count > 0)
        {
            sections[EhFrame] = CallFrameInformation(symbols, relocations);
            alignments[EhFrame] = 8;
        }
        if (_diagnostics.ErrorCount > errors) return null;
        return new ObjectFile(_path, sections, alignments, symbols, relocations);
    }

    /// <summary>
    /// Grows every short jump whose target is out of reach, pass after pass until nothing moves, as GNU as relaxes: each
    /// pass walks the fragments in order, moving each by what those before it grew (the stretch). A target not yet
    /// reached in this pass is taken to move by the stretch too, unless an alignment lies between, which may absorb it:
    /// then the target is taken where it was (and a forward jump never grows on a target that seems behind it).
    /// </summary>
    private void Relax(Section section)
    {
        Layout(section);
        var fragments = section.Fragments;
        var index = new Dictionary<Fragment, int>(fragments.Count);
        var region = new int[fragments.Count]; // how many alignments precede each fragment
        for (int i = 0, aligns = 0; i < fragments.Count; i++)
        {
            index[fragments[i]] = i;
            region[i] = aligns;
            if (fragments[i] is AlignFragment) aligns++;
        }
        for (bool moved = true; moved;)
        {
            moved = false;
            int stretch = 0;
            for (int i = 0; i < fragments.Count; i++)
            {
                var fragment = fragments[i];
                int sizeBefore = fragment.Size, address = fragment.Start + stretch;
                if (fragment is AlignFragment align) align.Place(address);
                else fragment.Start = address;
                if (fragment is JumpFragment { IsNear: false } jump && !Reaches(jump, address, i, stretch)) jump.IsNear = true;
                int growth = fragment.Size - sizeBefore;
                if (growth == 0) continue;
                stretch += growth;
                moved = true;
            }
        }

        bool Reaches(JumpFragment jump, int address, int i, int stretch)
        {
            var target = _labels[jump.Target];
            long aim = target.Address;
            int targetIndex = index[target.Fragment];
            if (targetIndex > i && stretch != 0)
            {
                if (stretch < 0 || region[targetIndex] == region[i]) aim += stretch;
                else if (aim < address) return true;
            }
            return aim - (address + jump.Size) is >= sbyte.MinValue and <= sbyte.MaxValue;
        }
    }

    private static void Layout(Section section)
    {
        int address = 0;
        foreach (Fragment fragment in section.Fragments)
        {
            if (fragment is AlignFragment align) align.Place(address);
            else fragment.Start = address;
            address += fragment.Size;
        }
    }

    private byte[] Bytes(Section section, Dictionary<string, ObjectSymbol> symbols, List<Relocation> relocations)
    {
        var bytes = new List<byte>();
        foreach (Fragment fragment in section.Fragments)
        {
            switch (fragment)
            {
                case DataFragment data:
                    bytes.AddRange(data.Bytes);
                    foreach (Fixup fixup in data.Fixups) Place(section, fixup with { Offset = data.Start + fixup.Offset }, bytes, symbols, relocations);
                    break;
                case AlignFragment align:
                    for (int remaining = align.Padding; remaining > 0;)
                    {
                        int length = align.Code ? Math.Min(remaining, Nops.Length - 1) : 1;
                        bytes.AddRange(align.Code ? Nops[length] : [0]);
                        remaining -= length;
                    }
                    break;
                case JumpFragment jump:
                    Jump(section, jump, bytes, relocations);
                    break;
            }
        }
        return [.. bytes];
    }

    private void Jump(Section section, JumpFragment jump, List<byte> bytes, List<Relocation> relocations)
    {
        bool local = _labels.TryGetValue(jump.Target, out var target) && target.Section == section;
        long displacement = local ? target!.Address - (jump.Start + jump.Size) : 0;
        if (!jump.IsNear)
        {
            bytes.Add((byte)(jump.Condition < 0 ? 0xEB : 0x70 + jump.Condition));
            bytes.Add((byte)displacement);
            return;
        }
        if (jump.Condition < 0) bytes.Add(0xE9);
        else { bytes.Add(0x0F); bytes.Add((byte)(0x80 + jump.Condition)); }
        if (!local) relocations.Add(new Relocation(section.Name, bytes.Count, RelocationKind.Plt32, jump.Target, -4));
        for (int i = 0; i < 4; i++) bytes.Add((byte)(displacement >> (8 * i)));
    }

    /// <summary>
    /// Resolves a PC-relative reference to a local label of the same section here (as GNU as does); everything else is a
    /// relocation, with the field left zero.
    /// </summary>
    private static void Place(Section section, Fixup fixup, List<byte> bytes, Dictionary<string, ObjectSymbol> symbols, List<Relocation> relocations)
    {
        if (fixup.Kind is RelocationKind.Pc32 or RelocationKind.Plt32
            && symbols.TryGetValue(fixup.Symbol, out var symbol) && !symbol.IsGlobal && symbol.Section == section.Name)
        {
            long value = symbol.Offset + fixup.Addend - fixup.Offset;
            for (int i = 0; i < 4; i++) bytes[fixup.Offset + i] = (byte)(value >> (8 * i));
            return;
        }
        relocations.Add(new Relocation(section.Name, fixup.Offset, fixup.Kind, fixup.Symbol, fixup.Addend));
    }
}
