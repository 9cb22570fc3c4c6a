using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Toolchain.Integrated;

/// <summary>
/// Builds a linux-x64 shared library in process, with no assembler or linker to start: <see cref="X64Assembler"/> turns each
/// assembly file into sections and relocations, <see cref="ElfSharedObjectWriter"/> links them into the library.
/// </summary>
internal static class IntegratedToolchain
{
    public const string RuntimeIdentifier = "linux-x64";

    public static void BuildLibrary(IReadOnlyList<AssemblyFile> assembly, string outputPath, ToolchainOptions options, DiagnosticBag diagnostics)
    {
        IReadOnlyList<string> names = LibraryBuild.UniqueNames(assembly).Select(name => name + ".s").ToList();
        if (!string.IsNullOrEmpty(options.AssemblyOutputDirectory))
        {
            names = names.Select(name => Path.Combine(options.AssemblyOutputDirectory, name)).ToList();
            if (!LibraryBuild.TryWriteAssembly(assembly, names, options.AssemblyOutputDirectory, diagnostics)) return;
        }
        var objects = new List<ObjectFile>();
        for (int i = 0; i < assembly.Count; i++)
        {
            if (X64Assembler.Assemble(names[i], assembly[i].Text, diagnostics) is { } assembled) objects.Add(assembled);
        }
        if (diagnostics.HasErrors) return;
        // Externs resolve from the C and maths libraries wherever the library is loaded (spec section 11), unless the
        // target's C library is not glibc.
        string[] needed = options.RecordsCLibrary ? ["libc.so.6", "libm.so.6"] : [];
        if (ElfSharedObjectWriter.Link(objects, Path.GetFileName(outputPath), needed, diagnostics) is not { } library) return;
        AtomicOutput.Replace(outputPath, diagnostics, temporary => File.WriteAllBytes(temporary, library));
    }
}
