using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests;

/// <summary>A fresh directory under the system's temporary directory, deleted with everything in it on dispose.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("maru-test-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>Hand-written x86-64 GNU assembly (AT&amp;T syntax, ELF) standing in for the compiler's output.</summary>
public static class HandWrittenAssembly
{
    /// <summary>A source file that defines exported functions, each given as its instruction lines.</summary>
    public static AssemblyFile File(string sourcePath, params (string Name, string[] Body)[] functions)
    {
        var text = new System.Text.StringBuilder(".text\n");
        foreach (var (name, body) in functions)
        {
            text.Append($".globl {name}\n.type {name},@function\n{name}:\n");
            foreach (string line in body) text.Append('\t').Append(line).Append('\n');
        }
        text.Append(".section .note.GNU-stack,\"\",@progbits\n");
        return new AssemblyFile(sourcePath, text.ToString());
    }

    public static (string, string[]) Answer => ("answer", ["movq $42, %rax", "ret"]);

    /// <summary>Builds the files into a library in <paramref name="directory"/> for this machine and returns its path.</summary>
    public static string BuildLibrary(TemporaryDirectory directory, params AssemblyFile[] files)
    {
        string library = directory.File(NativeToolchain.LibraryFileName("test", NativeToolchain.HostRuntimeIdentifier));
        var diagnostics = NativeToolchain.BuildLibrary(files, library, new ToolchainOptions(NativeToolchain.HostRuntimeIdentifier));
        Assert.IsEmpty(diagnostics, string.Join("\n", diagnostics));
        return library;
    }

    /// <summary>An executable shell script, to stand in for a tool that misbehaves.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static string Script(TemporaryDirectory directory, string name, string body)
    {
        string path = directory.File(name);
        System.IO.File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
