using Maru.Compiler.Diagnostics;

namespace Maru.Compiler.Toolchain;

/// <summary>One program that can do a tool's job for a platform (how to install it is <see cref="InstallHints"/>'s).</summary>
/// <param name="Command">The command searched on PATH and in the LLVM folders (<c>as</c>, <c>llvm-mc</c>, <c>ld64.lld</c> ...).</param>
internal abstract record ToolCandidate(string Command);

/// <param name="Arguments">The argument list that assembles a source (first) into an object file (second).</param>
internal sealed record AssemblerCandidate(string Command, Func<string, string, IReadOnlyList<string>> Arguments)
    : ToolCandidate(Command);

/// <param name="Arguments">
/// The argument list of one link; it may write files the linker needs (a Mach-O libSystem stub) into the request's
/// <see cref="LinkRequest.SupportDirectory"/>. Null after adding the errors that prevent the link.
/// </param>
internal sealed record LinkerCandidate(string Command, Func<LinkRequest, DiagnosticBag, IReadOnlyList<string>?> Arguments)
    : ToolCandidate(Command);

/// <summary>What one link is given.</summary>
/// <param name="Output">The file the linker writes.</param>
/// <param name="LibraryFileName">The library's own file name, recorded in it (ELF soname, Mach-O install name).</param>
/// <param name="SupportDirectory">A directory of the caller's, deleted after the link, for files the linker needs.</param>
/// <param name="RecordsCLibrary">Whether an ELF library records glibc (libc.so.6, libm.so.6) as DT_NEEDED: not for a musl target.</param>
internal sealed record LinkRequest(IReadOnlyList<string> Objects, string Output, string LibraryFileName, string SupportDirectory, bool RecordsCLibrary = true);
