using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Maru.Compiler;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Runtime;

/// <summary>
/// A directory of compiled libraries keyed by everything that determines their code: the sources (paths and bytes), the
/// compiler's build, the platform and the options. A hit loads the stored library and runs neither the compiler nor any tool.
/// The code also depends on the files compile-time <c>(load "file.l")</c> read, which the key cannot know before compiling:
/// each entry records them (path and content hash, and the paths load looked for and found missing), and an entry whose
/// files differ now is a miss, replaced by the new build.
/// </summary>
/// <remarks>
/// <para>
/// Each entry is the library <c>libKEY.HASH.so</c>, named after the start of its SHA-256, and <c>KEY.exports</c>: the key, the
/// library's size and SHA-256, the exported functions and the files load read, sealed by a last line that holds the
/// SHA-256 of everything before it. Nothing on disk is trusted: a hit checks the seal, the exports' shape and the library's
/// hash before the library is loaded, so a file that was truncated, changed or copied from another entry is never loaded
/// (loading a truncated library kills the process with SIGBUS). What fails a check is removed, and the unit is compiled
/// again and stored anew.
/// </para>
/// <para>
/// Entries are immutable once published and any number of threads and processes can share one directory: every file is
/// written under a temporary name and renamed into place, the library first and the exports, which publish the entry,
/// last. A library's name holds its hash, so a file of that name never has other content (short of damage); replacing an
/// entry renames new exports over the old and then deletes the old library, which processes that have loaded it keep.
/// An entry whose files vanish under a reader is a miss. The total size is bounded: after a store, the least recently used
/// entries (by the time of their last hit) are evicted.
/// </para>
/// </remarks>
public sealed class MaruCodeCache
{
    private const string Format = "maru-code-cache 3";
    private const string ExportsExtension = ".exports";
    // Far above any real entry's exports; a bigger file is damage, not worth reading.
    private const int MaxExportsBytes = 16 * 1024 * 1024;
    // Sanity bound for a parameter count read back from disk; compiled functions have far fewer.
    private const int MaxParameterCount = 65535;
    private static readonly string CompilerIdentity = ComputeCompilerIdentity();
    private static readonly Lazy<MaruCodeCache> DefaultCache = new(() => new MaruCodeCache(DefaultDirectory()));

    /// <summary>Creates a cache in <paramref name="directory"/> (created when first stored to) of at most <paramref name="maxSizeBytes"/>.</summary>
    public MaruCodeCache(string directory, long maxSizeBytes = 256L * 1024 * 1024)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSizeBytes);
        Directory = Path.GetFullPath(directory);
        MaxSizeBytes = maxSizeBytes;
    }

    /// <summary>
    /// The per-user cache: <c>MARU_CACHE_DIR</c> when set, else <c>$XDG_CACHE_HOME/maru/jit</c>, else
    /// <c>~/.cache/maru/jit</c> (the local application data folder on Windows).
    /// </summary>
    public static MaruCodeCache Default => DefaultCache.Value;

    public string Directory { get; }

    /// <summary>The total size of the stored files above which least recently used entries are evicted.</summary>
    public long MaxSizeBytes { get; }

    /// <summary>Deletes every entry. Modules already loaded from the cache are not affected.</summary>
    public void Clear()
    {
        foreach (string file in Files()) AtomicOutput.DeleteQuietly(file);
    }

    /// <summary>
    /// The key of a unit: a hash of the format, the compiler build, the platform, the toolchain (integrated or external:
    /// their libraries differ, so asking for the other one is a miss) and each source's path and bytes.
    /// </summary>
    internal static string Key(IReadOnlyList<SourceFile> sources, string runtimeIdentifier, bool integratedToolchain)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(ReadOnlySpan<byte> bytes)
        {
            Span<byte> length = stackalloc byte[8];
            BitConverter.TryWriteBytes(length, (long)bytes.Length);
            hash.AppendData(length);
            hash.AppendData(bytes);
        }
        Add(Encoding.UTF8.GetBytes(Format));
        Add(Encoding.UTF8.GetBytes(CompilerIdentity));
        Add(Encoding.UTF8.GetBytes(runtimeIdentifier));
        Add(Encoding.UTF8.GetBytes(integratedToolchain ? "integrated" : "external"));
        foreach (SourceFile source in sources)
        {
            Add(Encoding.UTF8.GetBytes(source.Path));
            Add(source.Content);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>A verified entry: its library, that library's size and SHA-256 (to check a copy of it against), and its functions.</summary>
    internal sealed record Entry(string LibraryPath, long LibrarySize, string LibraryHash, IReadOnlyList<MaruFunctionInfo> Functions);

    /// <summary>What the exports of an entry say: its library's size and hash, its functions and the files its compile loaded.</summary>
    private sealed record Exports(long LibrarySize, string LibraryHash, IReadOnlyList<MaruFunctionInfo> Functions, IReadOnlyList<LoadedFile> Loaded);

    /// <summary>
    /// A file compile-time <c>load</c> asked for, by the path the compiler gave (a relative one is relative to the current
    /// folder): the SHA-256 of what it read, or null when there was no such file (and load looked further).
    /// </summary>
    internal sealed record LoadedFile(string Path, string? Hash)
    {
        /// <summary>The file as it is now: what reading it for load would give.</summary>
        public static LoadedFile Read(string path, out byte[]? content)
        {
            content = File.Exists(path) ? File.ReadAllBytes(path) : null;
            return new LoadedFile(path, content is null ? null : Convert.ToHexStringLower(SHA256.HashData(content)));
        }

        public bool IsUnchanged()
        {
            try
            {
                return Read(Path, out _) == this;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// The entry of <paramref name="key"/>, verified and marked as just used, or null when there is none, it cannot be read,
    /// a file its compile loaded has changed since (or one load looked for in vain has appeared), or it fails a check: then
    /// the file at fault is removed, for the new build to replace.
    /// </summary>
    internal Entry? TryLoad(string key)
    {
        string exportsPath = ExportsPath(key);
        try
        {
            if (!File.Exists(exportsPath)) return null;
            if (ReadExports(exportsPath, key) is not { } exports)
            {
                Discard(exportsPath);
                return null;
            }
            // Not damage: the entry is out of date, and the new build replaces it.
            if (!exports.Loaded.All(file => file.IsUnchanged())) return null;
            string library = LibraryPath(key, exports.LibraryHash);
            switch (CheckLibrary(library, exports.LibrarySize, exports.LibraryHash))
            {
                case LibraryCheck.Missing:
                    return null;
                case LibraryCheck.Damaged:
                    Discard(library);
                    return null;
            }
            MarkUsed(exportsPath);
            return new Entry(library, exports.LibrarySize, exports.LibraryHash, exports.Functions);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Stores a freshly built library under <paramref name="key"/> (replacing an entry whose loaded files changed or that
    /// failed a check), with the files its compile loaded, then evicts down to the size bound. Best effort: a cache that
    /// cannot be written is skipped.
    /// </summary>
    internal void Store(string key, string builtLibrary, IReadOnlyList<MaruFunctionInfo> functions, IReadOnlyList<LoadedFile> loaded)
    {
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            byte[] content = File.ReadAllBytes(builtLibrary);
            string hash = Convert.ToHexStringLower(SHA256.HashData(content));
            string library = LibraryPath(key, hash);
            // A file of this name is this very library unless damaged: one that checks out is left as it is (it may be loaded).
            if (CheckLibrary(library, content.Length, hash) != LibraryCheck.Verified)
                WriteAtomically(library, temporary => File.WriteAllBytes(temporary, content));
            // The exports last: they publish the entry, so a reader finds the old entry or the whole new one.
            WriteAtomically(ExportsPath(key), temporary => File.WriteAllText(temporary, FormatExports(key, content.Length, hash, functions, loaded)));
            // The library of the entry just replaced, if any. A reader that was about to load it finds it gone: a miss.
            foreach (string old in System.IO.Directory.GetFiles(Directory, LibraryFileName($"{key}.*")))
                if (old != library) AtomicOutput.DeleteQuietly(old);
            Evict();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    internal enum LibraryCheck { Verified, Missing, Damaged }

    /// <summary>
    /// Whether the file at <paramref name="path"/> is the library of <paramref name="size"/> bytes and SHA-256
    /// <paramref name="hash"/>, missing, or something else. The whole file is read (into a pooled buffer: a library is
    /// typically a few KB) and hashed; this is most of what verifying a hit costs.
    /// </summary>
    internal static LibraryCheck CheckLibrary(string path, long size, string hash)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return LibraryCheck.Missing;
        }
        using (file)
        {
            if (RandomAccess.GetLength(file) != size) return LibraryCheck.Damaged;
            byte[] buffer = ArrayPool<byte>.Shared.Rent((int)size);
            try
            {
                Span<byte> content = buffer.AsSpan(0, (int)size);
                for (int read = 0; read < content.Length;)
                {
                    int count = RandomAccess.Read(file, content[read..], read);
                    if (count == 0) return LibraryCheck.Damaged; // shortened while being read
                    read += count;
                }
                Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
                SHA256.HashData(content, actual);
                return Convert.ToHexStringLower(actual) == hash ? LibraryCheck.Verified : LibraryCheck.Damaged;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// Removes a file that failed a check. It is renamed aside first: atomic, allowed on Windows for a library another
    /// process has loaded (where deleting is not), and harmless to processes that have it open or loaded, which keep what
    /// they have. One that cannot be moved (an unwritable cache) stays, and stays a miss. Should another process have just
    /// put a good file in its place, that one goes: a miss, rebuilt, never a wrong load.
    /// </summary>
    private static void Discard(string path)
    {
        string aside = AtomicOutput.TemporaryNameFor(path);
        try
        {
            File.Move(path, aside);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        // Left in place if it cannot be deleted now; Evict removes hidden temporaries after an hour.
        AtomicOutput.DeleteQuietly(aside);
    }

    /// <summary>Records a hit for the least-recently-used order. A cache that cannot be written still gives hits.</summary>
    private static void MarkUsed(string exportsPath)
    {
        try
        {
            File.SetLastWriteTimeUtc(exportsPath, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private string LibraryPath(string key, string hash) => Path.Combine(Directory, LibraryFileName($"{key}.{hash[..16]}"));

    private static string LibraryFileName(string baseName) => NativeToolchain.LibraryFileName(baseName, NativeToolchain.HostRuntimeIdentifier);

    private string ExportsPath(string key) => Path.Combine(Directory, key + ExportsExtension);

    private static void WriteAtomically(string path, Action<string> write)
    {
        string temporary = AtomicOutput.TemporaryNameFor(path);
        try
        {
            write(temporary);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            AtomicOutput.DeleteQuietly(temporary);
        }
    }

    /// <summary>Deletes least recently used entries until the total is at most <see cref="MaxSizeBytes"/>, and stale temporaries.</summary>
    internal void Evict()
    {
        var entries = new Dictionary<string, (long Size, DateTime Used, List<string> Files)>(StringComparer.Ordinal);
        long total = 0;
        foreach (string file in Files())
        {
            var info = new FileInfo(file);
            try
            {
                if (info.Name.StartsWith('.'))
                {
                    // A temporary left by a process that died while writing it.
                    if (info.LastWriteTimeUtc < DateTime.UtcNow.AddHours(-1)) info.Delete();
                    continue;
                }
                string key = EntryKey(info.Name);
                long size = info.Length;
                total += size;
                entries.TryGetValue(key, out var entry);
                entry.Files ??= [];
                entry.Files.Add(file);
                entry.Size += size;
                if (info.Name.EndsWith(ExportsExtension, StringComparison.Ordinal)) entry.Used = info.LastWriteTimeUtc;
                entries[key] = entry;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        if (total <= MaxSizeBytes) return;
        foreach (var (_, entry) in entries.OrderBy(e => e.Value.Used))
        {
            // The library first, so that no reader finds a library without its exports.
            foreach (string file in entry.Files.OrderBy(f => f.EndsWith(ExportsExtension, StringComparison.Ordinal) ? 1 : 0))
                AtomicOutput.DeleteQuietly(file);
            total -= entry.Size;
            if (total <= MaxSizeBytes) return;
        }
    }

    // KEY.exports, libKEY.HASH.so, KEY.HASH.dll: the key is the name up to its first dot, without "lib" (a key is hex digits).
    private static string EntryKey(string fileName)
    {
        string name = fileName.Split('.')[0];
        return name.StartsWith("lib", StringComparison.Ordinal) ? name[3..] : name;
    }

    private IEnumerable<string> Files()
    {
        try
        {
            return System.IO.Directory.Exists(Directory) ? System.IO.Directory.GetFiles(Directory) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    // The format line; "key" and the key; "library", its size and SHA-256; one function or loaded file a line: "function",
    // symbol, parameter count, name, documentation; "load", path, hash (or "-": there was none); and the seal. Texts are
    // escaped so that tabs and newlines survive (the whole file is ASCII).
    private static string FormatExports(string key, long librarySize, string libraryHash, IReadOnlyList<MaruFunctionInfo> functions, IReadOnlyList<LoadedFile> loaded)
    {
        var text = new StringBuilder(Format).Append('\n');
        text.Append("key\t").Append(key).Append('\n');
        text.Append("library\t").Append(librarySize.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(libraryHash).Append('\n');
        foreach (MaruFunctionInfo f in functions)
        {
            text.Append("function\t").Append(Uri.EscapeDataString(f.Symbol)).Append('\t')
                .Append(f.ParameterCount.ToString(CultureInfo.InvariantCulture)).Append('\t')
                .Append(Uri.EscapeDataString(f.Name)).Append('\t')
                .Append(f.Documentation is null ? "-" : "+" + Uri.EscapeDataString(f.Documentation)).Append('\n');
        }
        foreach (LoadedFile file in loaded)
            text.Append("load\t").Append(Uri.EscapeDataString(file.Path)).Append('\t').Append(file.Hash ?? "-").Append('\n');
        return SealExports(text.ToString());
    }

    /// <summary>Appends the seal: a line "end" and the SHA-256 of <paramref name="body"/>, so that exports cut short or changed are known.</summary>
    internal static string SealExports(string body) =>
        $"{body}end\t{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))}\n";

    /// <summary>The exports without their seal, or null when the seal is missing or does not match what it seals.</summary>
    internal static string? UnsealExports(ReadOnlySpan<byte> exports)
    {
        ReadOnlySpan<byte> end = "end\t"u8;
        if (exports is not [.., (byte)'\n']) return null;
        int sealStart = exports[..^1].LastIndexOf((byte)'\n') + 1;
        ReadOnlySpan<byte> seal = exports[sealStart..^1], body = exports[..sealStart];
        if (!seal.StartsWith(end)) return null;
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        return Encoding.ASCII.GetString(seal[end.Length..]) == Convert.ToHexStringLower(hash) ? Encoding.UTF8.GetString(body) : null;
    }

    /// <summary>
    /// The exports of <paramref name="key"/>'s entry when they are sealed and make sense: the right format and key, one library
    /// line, and functions and loaded files whose every field is well formed, no name twice; null otherwise.
    /// </summary>
    private static Exports? ReadExports(string path, string key)
    {
        byte[] bytes;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0))
        {
            if (stream.Length > MaxExportsBytes) return null;
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        if (UnsealExports(bytes) is not { } body) return null;
        string[] lines = body.Split('\n');
        // The body ends with a newline, so the last of the split lines is empty.
        if (lines is not [var format, var keyLine, var libraryLine, .. var rest, ""] || format != Format || keyLine != "key\t" + key) return null;
        if (libraryLine.Split('\t') is not ["library", var sizeText, var libraryHash]
            || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out long librarySize)
            || librarySize is 0 or > int.MaxValue || !IsSha256(libraryHash))
            return null;
        var functions = new List<MaruFunctionInfo>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var loaded = new List<LoadedFile>();
        foreach (string line in rest)
        {
            string[] fields = line.Split('\t');
            if (fields is ["function", var symbolText, var countText, var nameText, var documentationText]
                && int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count <= MaxParameterCount
                && Uri.UnescapeDataString(symbolText) is { Length: > 0 } symbol && symbol.All(c => c is > ' ' and <= '~')
                && Uri.UnescapeDataString(nameText) is { Length: > 0 } name && names.Add(name)
                && (documentationText == "-" || documentationText.StartsWith('+')))
            {
                string? documentation = documentationText == "-" ? null : Uri.UnescapeDataString(documentationText[1..]);
                functions.Add(new MaruFunctionInfo(name, count, documentation) { Symbol = symbol });
            }
            else if (fields is ["load", var pathText, var hash] && pathText.Length > 0 && (hash == "-" || IsSha256(hash)))
                loaded.Add(new LoadedFile(Uri.UnescapeDataString(pathText), hash == "-" ? null : hash));
            else return null;
        }
        return new Exports(librarySize, libraryHash, functions, loaded);
    }

    private static bool IsSha256(string text) => text.Length == SHA256.HashSizeInBytes * 2 && text.All(char.IsAsciiHexDigitLower);

    // The compiler's assembly version and module id: a different build of the compiler never reuses another's code.
    private static string ComputeCompilerIdentity()
    {
        var assembly = typeof(MaruCompiler).Assembly;
        return $"{assembly.GetName().Version}/{assembly.ManifestModule.ModuleVersionId:N}";
    }

    private static string DefaultDirectory()
    {
        string? configured = Environment.GetEnvironmentVariable("MARU_CACHE_DIR");
        if (!string.IsNullOrEmpty(configured)) return configured;
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg) && !OperatingSystem.IsWindows()) return Path.Combine(xdg, "maru", "jit");
        string root = OperatingSystem.IsWindows()
            ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        if (string.IsNullOrEmpty(root)) root = Path.GetTempPath();
        return Path.Combine(root, "maru", "jit");
    }
}
