using System.Buffers.Binary;

namespace Maru.Sdk.Tests;

/// <summary>The object format and architecture of a native library, read from its header.</summary>
public static class NativeFormat
{
    /// <summary>"ELF x86-64", "Mach-O arm64", "PE x86-64" ...; "unknown" for anything else.</summary>
    public static string Of(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length >= 20 && bytes[0] == 0x7F && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F')
            return "ELF " + Architecture(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(18)), 0x3E, 0xB7);
        if (bytes.Length >= 8 && BinaryPrimitives.ReadUInt32LittleEndian(bytes) == 0xFEEDFACF)
            return "Mach-O " + Architecture(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)), 0x01000007, 0x0100000C);
        if (bytes.Length >= 0x40 && bytes[0] == 'M' && bytes[1] == 'Z')
        {
            int pe = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(0x3C));
            if (pe > 0 && pe + 6 <= bytes.Length && bytes.AsSpan(pe, 4).SequenceEqual(new byte[] { (byte)'P', (byte)'E', 0, 0 }))
                return "PE " + Architecture(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(pe + 4)), 0x8664, 0xAA64);
        }
        return "unknown";
    }

    /// <summary>What <see cref="Of"/> says of a library built for <paramref name="rid"/>.</summary>
    public static string Expected(string rid)
    {
        string[] parts = rid.Split('-');
        string format = parts[0] switch { "win" => "PE", "osx" => "Mach-O", _ => "ELF" };
        string architecture = parts[^1] switch { "x64" => "x86-64", "arm64" => "arm64", var other => other };
        return $"{format} {architecture}";
    }

    private static string Architecture(uint machine, uint x64, uint arm64) =>
        machine == x64 ? "x86-64" : machine == arm64 ? "arm64" : $"machine 0x{machine:X}";

    /// <summary>
    /// The functions a library exports, without the platform's decoration (Mach-O's leading underscore), read with the
    /// LLVM object tools: the dynamic symbols of an ELF object, the external symbols of a Mach-O dylib, the export
    /// table of a PE DLL.
    /// </summary>
    public static string[] ExportedFunctions(string path)
    {
        string format = Of(path);
        IReadOnlyList<string> arguments = format.StartsWith("PE", StringComparison.Ordinal) ? ["--coff-exports", path]
            : format.StartsWith("Mach-O", StringComparison.Ordinal) ? ["--extern-only", "--defined-only", "--format=just-symbols", path]
            : ["-D", "--defined-only", "--format=just-symbols", path];
        string tool = format.StartsWith("PE", StringComparison.Ordinal) ? "llvm-readobj" : "llvm-nm";
        ProcessResult run = DotNet.Start(tool, Path.GetDirectoryName(path)!, arguments);
        Assert.AreEqual(0, run.ExitCode, run.Output);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var names = format.StartsWith("PE", StringComparison.Ordinal)
            ? lines.Where(l => l.StartsWith("Name: ", StringComparison.Ordinal)).Select(l => l["Name: ".Length..])
            : format.StartsWith("Mach-O", StringComparison.Ordinal) ? lines.Select(l => l.TrimStart('_')) : lines;
        return names.Order(StringComparer.Ordinal).ToArray();
    }
}
