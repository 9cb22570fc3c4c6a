using System.Buffers.Binary;
using System.Text;
using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Toolchain;

/// <summary>
/// Mach-O dynamic libraries (osx-x64, osx-arm64): the tools, and how a library is linked against the C library without an
/// Apple SDK. The linker needs libSystem's symbols; with no SDK at hand (SDKROOT, or Xcode's on a Mac) it gets a text stub
/// (TAPI v4 <c>.tbd</c>) of <c>/usr/lib/libSystem.B.dylib</c> that lists exactly the symbols the objects use and do not define.
/// </summary>
internal static class MachOLink
{
    public const string MinimumMacOS = "11.0";

    /// <param name="architecture">The architecture in Apple's spelling: <c>x86_64</c>, <c>arm64</c>.</param>
    public static TargetToolchain Toolchain(string runtimeIdentifier, ToolEnvironment environment, string architecture)
    {
        var llvmMc = new AssemblerCandidate("llvm-mc",
            (source, obj) => [$"-triple={architecture}-apple-macos{MinimumMacOS}", "-filetype=obj", "-o", obj, source]);
        var ld64Lld = new LinkerCandidate("ld64.lld", (request, diagnostics) => LinkerArguments(request, architecture, environment, diagnostics));
        if (!environment.HostRuntimeIdentifier.StartsWith("osx-", StringComparison.Ordinal))
            return new TargetToolchain(runtimeIdentifier, ".o", [llvmMc], [ld64Lld]);

        // On a Mac, Xcode's assembler and linker build for both architectures.
        return new TargetToolchain(runtimeIdentifier, ".o",
            [new AssemblerCandidate("as", (source, obj) => ["-arch", architecture, "-o", obj, source]), llvmMc],
            [new LinkerCandidate("ld", ld64Lld.Arguments), ld64Lld]);
    }

    // Apple's ld and ld64.lld take the same flags. Only the objects' global, non-private-extern symbols are exported.
    private static IReadOnlyList<string>? LinkerArguments(LinkRequest request, string architecture, ToolEnvironment environment, DiagnosticBag diagnostics)
    {
        IReadOnlyList<string>? libSystem = environment.AppleSdk is { } sdk
            ? ["-syslibroot", sdk, "-lSystem"]
            : WriteLibSystemStub(request, architecture, diagnostics) is { } stub ? [stub] : null;
        if (libSystem is null) return null;
        return
        [
            "-dylib", "-arch", architecture, "-platform_version", "macos", MinimumMacOS, MinimumMacOS,
            "-install_name", "@rpath/" + request.LibraryFileName, "-o", request.Output, .. request.Objects, .. libSystem,
        ];
    }

    /// <summary>Writes <c>libSystem.tbd</c> into the request's support directory; its path, or null after an error.</summary>
    private static string? WriteLibSystemStub(LinkRequest request, string architecture, DiagnosticBag diagnostics)
    {
        var defined = new HashSet<string>(StringComparer.Ordinal);
        var undefined = new SortedSet<string>(StringComparer.Ordinal) { "dyld_stub_binder" };  // lazy binding calls it: always needed
        foreach (string obj in request.Objects)
        {
            try
            {
                MachOSymbols symbols = MachOSymbols.Read(File.ReadAllBytes(obj));
                defined.UnionWith(symbols.Defined);
                undefined.UnionWith(symbols.Undefined);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                diagnostics.Add(Diagnostic.General(DiagnosticCodes.LinkerError, $"cannot read the symbols of the object file '{obj}': {e.Message}", request.Output));
                return null;
            }
        }
        undefined.ExceptWith(defined);

        string path = Path.Combine(request.SupportDirectory, "libSystem.tbd");
        try
        {
            File.WriteAllText(path, LibSystemStub(architecture, undefined));
            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(Diagnostic.General(DiagnosticCodes.CannotWriteOutput, $"cannot write the libSystem stub: {e.Message}", path));
            return null;
        }
    }

    public static string LibSystemStub(string architecture, IEnumerable<string> symbols)
    {
        string target = $"{architecture}-macos";
        return new StringBuilder()
            .Append("--- !tapi-tbd\n")
            .Append("tbd-version: 4\n")
            .Append($"targets: [ {target} ]\n")
            .Append("install-name: '/usr/lib/libSystem.B.dylib'\n")
            .Append("current-version: 1311\n")
            .Append("exports:\n")
            .Append($"  - targets: [ {target} ]\n")
            .Append($"    symbols: [ {string.Join(", ", symbols.Select(s => $"'{s}'"))} ]\n")
            .Append("...\n")
            .ToString();
    }
}

/// <summary>The external symbols a 64-bit Mach-O object file defines and those it needs, from its symbol table.</summary>
internal sealed record MachOSymbols(IReadOnlyList<string> Defined, IReadOnlyList<string> Undefined)
{
    private const uint Magic64 = 0xFEEDFACF;
    private const uint SymbolTableCommand = 0x2;  // LC_SYMTAB
    private const int HeaderSize = 32;
    private const int SymbolSize = 16;            // nlist_64
    private const byte DebugMask = 0xE0, TypeMask = 0x0E, External = 0x01, NoSection = 0x0, InSection = 0xE;

    /// <exception cref="InvalidDataException">The bytes are not a well-formed 64-bit little-endian Mach-O object.</exception>
    public static MachOSymbols Read(ReadOnlySpan<byte> file)
    {
        try
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(file) != Magic64) throw new InvalidDataException("not a 64-bit Mach-O file");
            uint commands = BinaryPrimitives.ReadUInt32LittleEndian(file[16..]);
            int offset = HeaderSize;
            for (uint i = 0; i < commands; i++)
            {
                ReadOnlySpan<byte> command = file[offset..];
                if (BinaryPrimitives.ReadUInt32LittleEndian(command) == SymbolTableCommand)
                {
                    return Symbols(file,
                        checked((int)BinaryPrimitives.ReadUInt32LittleEndian(command[8..])),
                        checked((int)BinaryPrimitives.ReadUInt32LittleEndian(command[12..])),
                        checked((int)BinaryPrimitives.ReadUInt32LittleEndian(command[16..])));
                }
                offset = checked(offset + (int)BinaryPrimitives.ReadUInt32LittleEndian(command[4..]));
            }
            return new MachOSymbols([], []);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            throw new InvalidDataException("a truncated or damaged Mach-O file", e);
        }
    }

    private static MachOSymbols Symbols(ReadOnlySpan<byte> file, int symbolOffset, int count, int stringOffset)
    {
        var defined = new List<string>();
        var undefined = new List<string>();
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> symbol = file.Slice(checked(symbolOffset + i * SymbolSize), SymbolSize);
            byte type = symbol[4];
            if ((type & DebugMask) != 0 || (type & External) == 0) continue;
            ReadOnlySpan<byte> name = file[checked(stringOffset + (int)BinaryPrimitives.ReadUInt32LittleEndian(symbol))..];
            int end = name.IndexOf((byte)0);
            if (end < 0) throw new InvalidDataException("a symbol name runs past the end of the file");
            string text = Encoding.UTF8.GetString(name[..end]);
            // An undefined symbol with a value is a common symbol: defined by the linker.
            if ((type & TypeMask) == NoSection && BinaryPrimitives.ReadUInt64LittleEndian(symbol[8..]) == 0) undefined.Add(text);
            else if ((type & TypeMask) == InSection) defined.Add(text);
        }
        return new MachOSymbols(defined, undefined);
    }
}
