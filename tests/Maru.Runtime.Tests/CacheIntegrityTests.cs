using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;

namespace Maru.Runtime.Tests;

/// <summary>
/// An entry damaged on disk (a library truncated or changed, another entry's files copied in, exports cut or garbled) is
/// never loaded: the compile that finds it builds the unit again and replaces the entry, so the compile after it is a hit.
/// Damage that used to crash the process (SIGBUS, SIGSEGV) is tried in a child process (Maru.Runtime.TestHost), so that a
/// regression fails its test instead of ending the test run.
/// </summary>
[TestClass]
public sealed class CacheIntegrityTests
{
    private const string Source = "(define-function f (x) (+ x 10))";           // f(5) = 15
    private const string OtherSource = "(define-function f (x) (+ (* x 5) 4))";  // f(5) = 29

    [TestMethod]
    [DataRow(-1, DisplayName = "truncated to half")]
    [DataRow(1000, DisplayName = "truncated to 1000 bytes")]
    [DataRow(4097, DisplayName = "truncated to 4097 bytes")]
    public void ATruncatedLibraryIsBuiltAgainNotLoaded(int length)
    {
        using var unit = new CachedUnit(Source);
        using (var library = new FileStream(unit.Library, FileMode.Open)) library.SetLength(length < 0 ? library.Length / 2 : length);

        // Loading it died with SIGBUS on every compile until the entry was deleted by hand.
        AssertChildCalls(unit, "15 built");
        AssertChildCalls(unit, "15 cached");
    }

    [TestMethod]
    public void AFlippedCodeByteIsBuiltAgainNotRun()
    {
        using var unit = new CachedUnit(Source);
        byte[] library = File.ReadAllBytes(unit.Library);
        library[Elf.FileOffsetOfSymbol(library, "f")] ^= 0xff;
        File.WriteAllBytes(unit.Library, library);

        AssertChildCalls(unit, "15 built");
        AssertChildCalls(unit, "15 cached");
    }

    [TestMethod]
    public void AnotherEntrysLibraryCopiedInIsNotLoaded()
    {
        using var unit = new CachedUnit(Source);
        using var other = new CachedUnit(OtherSource);
        File.Copy(other.Library, unit.Library, overwrite: true);

        // It loaded, and f(5) gave the other unit's 29.
        AssertBuiltAgain(unit);
        AssertHit(unit);
    }

    [TestMethod]
    public void AnotherEntrysFilesCopiedInAreNotLoaded()
    {
        using var unit = new CachedUnit(Source);
        using var other = new CachedUnit(OtherSource);
        File.Copy(other.Library, unit.Library, overwrite: true);
        File.Copy(other.Exports, unit.Exports, overwrite: true);

        AssertBuiltAgain(unit);
        AssertHit(unit);
    }

    [TestMethod]
    public void ExportsCutAfterTheirHeaderAreBuiltAgain()
    {
        using var unit = new CachedUnit(Source);
        File.WriteAllText(unit.Exports, File.ReadAllLines(unit.Exports)[0] + "\n");

        // It was a hit without functions: KeyNotFoundException for f on every compile.
        AssertBuiltAgain(unit);
        AssertHit(unit);
    }

    [TestMethod]
    [DataRow("empty")]
    [DataRow("random bytes")]
    [DataRow("header then garbage")]
    [DataRow("a function line twice")]
    [DataRow("another parameter count")]
    [DataRow("another symbol")]
    [DataRow("cut in the middle")]
    public void GarbageExportsAreBuiltAgain(string damage)
    {
        using var unit = new CachedUnit(Source);
        string exports = File.ReadAllText(unit.Exports);
        string functionLine = exports.Split('\n').First(line => line.StartsWith("function\t", StringComparison.Ordinal));
        string[] fields = functionLine.Split('\t');
        byte[] garbled = damage switch
        {
            "empty" => [],
            "random bytes" => RandomBytes(seed: 10, count: 300),
            "header then garbage" => Encoding.UTF8.GetBytes(exports.Split('\n')[0] + "\ngarbage\tgarbage\n"),
            "a function line twice" => Encoding.UTF8.GetBytes(exports.Replace(functionLine, functionLine + "\n" + functionLine, StringComparison.Ordinal)),
            "another parameter count" => Encoding.UTF8.GetBytes(exports.Replace(functionLine, string.Join('\t', fields[0], fields[1], "2", fields[3], fields[4]), StringComparison.Ordinal)),
            "another symbol" => Encoding.UTF8.GetBytes(exports.Replace(functionLine, string.Join('\t', fields[0], "g", fields[2], fields[3], fields[4]), StringComparison.Ordinal)),
            "cut in the middle" => Encoding.UTF8.GetBytes(exports[..(exports.Length / 2)]),
            _ => throw new ArgumentOutOfRangeException(nameof(damage)),
        };
        File.WriteAllBytes(unit.Exports, garbled);

        AssertBuiltAgain(unit);
        AssertHit(unit);
    }

    /// <summary>
    /// Exports that a writer sealed (their checksum matches) but whose content makes no sense are refused too: the shape is
    /// checked apart from the checksum.
    /// </summary>
    [TestMethod]
    [DataRow("function\tf\t1\tf\t-", "function\tf\t1\tf\t-\nfunction\tf\t1\tf\t-", DisplayName = "a name twice")]
    [DataRow("function\tf\t1\tf\t-", "function\t\t1\tf\t-", DisplayName = "an empty symbol")]
    [DataRow("function\tf\t1\tf\t-", "function\tf%20g\t1\tf\t-", DisplayName = "a symbol with a space")]
    [DataRow("function\tf\t1\tf\t-", "function\tf\t1\t\t-", DisplayName = "an empty name")]
    [DataRow("function\tf\t1\tf\t-", "function\tf\t-1\tf\t-", DisplayName = "a negative count")]
    [DataRow("function\tf\t1\tf\t-", "function\tf\t99999999999\tf\t-", DisplayName = "a count too large")]
    [DataRow("function\tf\t1\tf\t-", "function\tf\t1\tf", DisplayName = "a field missing")]
    [DataRow("function\tf\t1\tf\t-", "function\tf\t1\tf\t-\nother\tline", DisplayName = "an unknown line")]
    [DataRow("function\tf\t1\tf\t-", "function\tf\t1\tf\t-\nload\tx.l\tnot-a-hash", DisplayName = "a load without a hash")]
    [DataRow("\nlibrary\t", "\nlibrary\t1\t0000000000000000000000000000000000000000000000000000000000000000\nlibrary\t", DisplayName = "a second library line")]
    [DataRow("\nlibrary\t", "\nnot-the-library\t", DisplayName = "no library line")]
    [DataRow("\nkey\t", "\nkey\t0", DisplayName = "another key")]
    public void SealedExportsOfTheWrongShapeAreBuiltAgain(string find, string replacement)
    {
        using var unit = new CachedUnit(Source);
        string body = MaruCodeCache.UnsealExports(File.ReadAllBytes(unit.Exports)) ?? throw new AssertFailedException("the stored exports are sealed");
        Assert.Contains(find, body);
        File.WriteAllText(unit.Exports, MaruCodeCache.SealExports(body.Replace(find, replacement, StringComparison.Ordinal)));

        AssertBuiltAgain(unit);
        AssertHit(unit);
    }

    [TestMethod]
    public void AnEntryInACacheThatCannotBeWrittenIsStillAHit()
    {
        using var unit = new CachedUnit(Source);
        using var unwritable = new Unwritable(unit.Cache.Directory);
        AssertHit(unit);
        AssertHit(unit);
    }

    [TestMethod]
    public void ADamagedEntryInACacheThatCannotBeWrittenIsBuiltEachTimeNeverLoaded()
    {
        using var unit = new CachedUnit(Source);
        using var other = new CachedUnit(OtherSource);
        File.Copy(other.Library, unit.Library, overwrite: true);
        using var unwritable = new Unwritable(unit.Cache.Directory);
        AssertBuiltAgain(unit);
        AssertBuiltAgain(unit);
    }

    [TestMethod]
    public void ThreadsThatFindADamagedEntryTogetherAllGetTheRightFunction()
    {
        using var unit = new CachedUnit(Source);
        using var other = new CachedUnit(OtherSource);
        File.Copy(other.Library, unit.Library, overwrite: true);

        using var start = new Barrier(8);
        var results = new long[8];
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                using var module = unit.Compile(new MaruCompileOptions { Cache = unit.Cache });
                results[i] = module.Invoke("f", 5);
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        })).ToList();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        Assert.IsEmpty(failures, string.Join("\n", failures));
        CollectionAssert.AreEqual(Enumerable.Repeat(15L, 8).ToArray(), results);

        AssertHit(unit);
        Assert.IsEmpty(Directory.GetFiles(unit.Cache.Directory, ".*"), "no temporaries are left");
        Assert.HasCount(2, Directory.GetFiles(unit.Cache.Directory), "one entry: its exports and one library");
    }

    [TestMethod]
    public void TwoProcessesThatFindATruncatedLibraryTogetherBothGetTheRightFunction()
    {
        using var unit = new CachedUnit(Source);
        using (var library = new FileStream(unit.Library, FileMode.Open)) library.SetLength(4097);

        using Process first = unit.StartChild(), second = unit.StartChild();
        foreach (ProcessRun run in new[] { TestHost.Finish(first), TestHost.Finish(second) })
        {
            Assert.AreEqual(0, run.ExitCode, $"the child process failed (135 is SIGBUS): {run.StandardError}");
            StringAssert.StartsWith(run.StandardOutput, "15 ");
        }
        AssertChildCalls(unit, "15 cached");
    }

    private static void AssertChildCalls(CachedUnit unit, string expected)
    {
        using Process child = unit.StartChild();
        ProcessRun run = TestHost.Finish(child);
        Assert.AreEqual(0, run.ExitCode, $"the child process failed (135 is SIGBUS, 139 SIGSEGV): {run.StandardError}");
        Assert.AreEqual(expected, run.StandardOutput.Trim());
    }

    private static void AssertBuiltAgain(CachedUnit unit)
    {
        using MaruModule module = unit.Compile(new MaruCompileOptions { Cache = unit.Cache });
        Assert.IsFalse(module.FromCache, "a damaged entry is not a hit");
        Assert.AreEqual(new MaruFunctionInfo("f", 1, null), module.Functions.Single());
        Assert.AreEqual(15L, module.GetFunction<Func<long, long>>("f")(5));
    }

    private static void AssertHit(CachedUnit unit)
    {
        using MaruModule module = unit.Compile(Sources.CacheOnly(unit.Cache));
        Assert.IsTrue(module.FromCache);
        Assert.AreEqual(15L, module.GetFunction<Func<long, long>>("f")(5));
    }

    private static byte[] RandomBytes(int seed, int count)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A unit in a source file of its own (a child process compiles it by path) whose entry is in a cache of its own.</summary>
    private sealed class CachedUnit : IDisposable
    {
        private readonly TemporaryDirectory _directory = new();

        public CachedUnit(string source)
        {
            Cache = new MaruCodeCache(_directory.File("cache"));
            SourcePath = _directory.File("unit.l");
            File.WriteAllText(SourcePath, source);
            using MaruModule module = Compile(new MaruCompileOptions { Cache = Cache });
            Assert.IsFalse(module.FromCache);
        }

        public MaruCodeCache Cache { get; }

        public string SourcePath { get; }

        public string Library => Directory.GetFiles(Cache.Directory, "*.so").Single();

        public string Exports => Directory.GetFiles(Cache.Directory, "*.exports").Single();

        /// <summary>Compiles the unit as the test host does: the same path and text, so the same key.</summary>
        public MaruModule Compile(MaruCompileOptions options) => MaruModule.Compile([new MaruSource(SourcePath, File.ReadAllText(SourcePath))], options);

        /// <summary>A process that compiles the unit with this cache and prints f(5) and "cached" or "built".</summary>
        public Process StartChild() => TestHost.Start(["call", Cache.Directory, SourcePath, "f", "5"]);

        public void Dispose() => _directory.Dispose();
    }

    /// <summary>
    /// Makes a directory and its files unwritable for the time of a test: modes for anyone but root, and for root (which
    /// ignores modes) the immutable attribute, where the file system and the process's capabilities allow it. A test that
    /// cannot make the directory unwritable is inconclusive.
    /// </summary>
    private sealed class Unwritable : IDisposable
    {
        private const UnixFileMode ReadOnlyFile = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        private const UnixFileMode ReadOnlyDirectory = ReadOnlyFile | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        private readonly string _directory;
        private readonly string[] _files;
        // Root ignores modes; the immutable attribute binds root too (where the file system and capabilities allow it).
        private readonly bool _root = Environment.IsPrivilegedProcess;

        public Unwritable(string directory)
        {
            if (OperatingSystem.IsWindows()) Assert.Inconclusive("file modes are a Unix test");
            _directory = directory;
            _files = Directory.GetFiles(directory);
            foreach (string file in _files) SetMode(file, ReadOnlyFile);
            SetMode(directory, ReadOnlyDirectory);
            if (_root) Chattr("+i");
            if (!CannotWrite())
            {
                Dispose();
                Assert.Inconclusive("this process can write to a read-only directory (root without chattr +i)");
            }
        }

        public void Dispose()
        {
            if (_root) Chattr("-i");
            SetMode(_directory, ReadOnlyDirectory | UnixFileMode.UserWrite);
            foreach (string file in _files) SetMode(file, ReadOnlyFile | UnixFileMode.UserWrite);
        }

        private static void SetMode(string path, UnixFileMode mode)
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
        }

        private bool CannotWrite()
        {
            try
            {
                File.WriteAllText(Path.Combine(_directory, ".probe"), "");
                File.Delete(Path.Combine(_directory, ".probe"));
                return false;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return true;
            }
        }

        private void Chattr(string change)
        {
            try
            {
                var startInfo = new ProcessStartInfo("chattr") { UseShellExecute = false, RedirectStandardError = true };
                startInfo.ArgumentList.Add(change);
                foreach (string path in _files.Append(_directory)) startInfo.ArgumentList.Add(path);
                using Process process = Process.Start(startInfo)!;
                process.StandardError.ReadToEnd();
                process.WaitForExit();
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // No chattr: what CannotWrite finds decides.
            }
        }
    }
}

/// <summary>Just enough of ELF64 to find where a dynamic symbol's code lies in the file.</summary>
internal static class Elf
{
    private const int DynamicSymbols = 11; // SHT_DYNSYM

    public static int FileOffsetOfSymbol(byte[] elf, string name)
    {
        Assert.IsTrue(elf is [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, ..], "a 64-bit ELF file");
        long sectionTable = BinaryPrimitives.ReadInt64LittleEndian(elf.AsSpan(0x28));
        int sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3a));
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3c));
        Span<byte> Section(int index) => elf.AsSpan((int)(sectionTable + index * sectionSize), sectionSize);
        for (int i = 0; i < sectionCount; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(Section(i)[4..]) != DynamicSymbols) continue;
            long symbols = BinaryPrimitives.ReadInt64LittleEndian(Section(i)[24..]);
            long symbolsSize = BinaryPrimitives.ReadInt64LittleEndian(Section(i)[32..]);
            int strings = (int)BinaryPrimitives.ReadInt64LittleEndian(Section(BinaryPrimitives.ReadInt32LittleEndian(Section(i)[40..]))[24..]);
            for (long symbol = symbols; symbol < symbols + symbolsSize; symbol += 24)
            {
                var entry = elf.AsSpan((int)symbol, 24);
                int nameStart = strings + BinaryPrimitives.ReadInt32LittleEndian(entry);
                int nameLength = elf.AsSpan(nameStart).IndexOf((byte)0);
                if (Encoding.ASCII.GetString(elf, nameStart, nameLength) != name) continue;
                var section = Section(BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]));
                long address = BinaryPrimitives.ReadInt64LittleEndian(entry[8..]);
                return (int)(BinaryPrimitives.ReadInt64LittleEndian(section[24..]) + address - BinaryPrimitives.ReadInt64LittleEndian(section[16..]));
            }
        }
        throw new AssertFailedException($"no symbol {name}");
    }
}
