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
/// Safe for any number of threads and processes sharing one directory: every file is written under a temporary name and
/// renamed into place, so a reader sees a whole entry or none; an entry whose files vanish under a reader is a miss. The
/// total size is bounded: after a store, the least recently used entries (by the time of their last hit) are evicted.
/// Each entry is <c>KEY.exports</c> (the exported functions and the files load read) and the library <c>KEY.so</c>, written in
/// that order.
/// </remarks>
public sealed class MaruCodeCache
{
    private const string Format = "maru-code-cache 2";
    private const string ExportsExtension = ".exports";
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

    internal sealed record Entry(string LibraryPath, IReadOnlyList<MaruFunctionInfo> Functions);

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
    /// The entry of <paramref name="key"/>, marked as just used, or null when there is none, it cannot be read, or a file its
    /// compile loaded has changed since (or one load looked for in vain has appeared).
    /// </summary>
    internal Entry? TryLoad(string key)
    {
        string library = LibraryPath(key);
        string exports = ExportsPath(key);
        try
        {
            if (!File.Exists(library)) return null;
            if (ParseExports(File.ReadAllText(exports)) is not var (functions, loaded)) return null;
            if (!loaded.All(file => file.IsUnchanged())) return null;
            File.SetLastWriteTimeUtc(exports, DateTime.UtcNow);
            return new Entry(library, functions);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Stores a freshly built library under <paramref name="key"/> (replacing an entry whose loaded files changed), with the
    /// files its compile loaded, then evicts down to the size bound. Best effort: a cache that cannot be written is skipped.
    /// </summary>
    internal void Store(string key, string builtLibrary, IReadOnlyList<MaruFunctionInfo> functions, IReadOnlyList<LoadedFile> loaded)
    {
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            // The exports first and the library last: a library in place means its exports are too.
            WriteAtomically(ExportsPath(key), temporary => File.WriteAllText(temporary, FormatExports(functions, loaded)));
            WriteAtomically(LibraryPath(key), temporary => File.Copy(builtLibrary, temporary));
            Evict();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private string LibraryPath(string key) => Path.Combine(Directory, NativeToolchain.LibraryFileName(key, NativeToolchain.HostRuntimeIdentifier));

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

    private static string EntryKey(string fileName)
    {
        string name = Path.GetFileNameWithoutExtension(fileName);
        return name.StartsWith("lib", StringComparison.Ordinal) && !fileName.EndsWith(ExportsExtension, StringComparison.Ordinal) ? name[3..] : name;
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

    // One function or loaded file a line: "function", symbol, parameter count, name, documentation; "load", path, hash (or
    // "-": there was none). Texts are escaped so that tabs and newlines survive.
    private static string FormatExports(IReadOnlyList<MaruFunctionInfo> functions, IReadOnlyList<LoadedFile> loaded)
    {
        var text = new StringBuilder(Format).Append('\n');
        foreach (MaruFunctionInfo f in functions)
        {
            text.Append("function\t").Append(Uri.EscapeDataString(f.Symbol)).Append('\t')
                .Append(f.ParameterCount.ToString(CultureInfo.InvariantCulture)).Append('\t')
                .Append(Uri.EscapeDataString(f.Name)).Append('\t')
                .Append(f.Documentation is null ? "-" : "+" + Uri.EscapeDataString(f.Documentation)).Append('\n');
        }
        foreach (LoadedFile file in loaded)
            text.Append("load\t").Append(Uri.EscapeDataString(file.Path)).Append('\t').Append(file.Hash ?? "-").Append('\n');
        return text.ToString();
    }

    private static (IReadOnlyList<MaruFunctionInfo> Functions, IReadOnlyList<LoadedFile> Loaded)? ParseExports(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || lines[0] != Format) return null;
        var functions = new List<MaruFunctionInfo>();
        var loaded = new List<LoadedFile>();
        foreach (string line in lines.Skip(1))
        {
            string[] fields = line.Split('\t');
            if (fields is ["function", var symbol, var countText, var name, var documentationText]
                && int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out int count))
            {
                string? documentation = documentationText.StartsWith('+') ? Uri.UnescapeDataString(documentationText[1..]) : null;
                functions.Add(new MaruFunctionInfo(Uri.UnescapeDataString(name), count, documentation) { Symbol = Uri.UnescapeDataString(symbol) });
            }
            else if (fields is ["load", var path, var hash])
                loaded.Add(new LoadedFile(Uri.UnescapeDataString(path), hash == "-" ? null : hash));
            else return null;
        }
        return (functions, loaded);
    }

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
