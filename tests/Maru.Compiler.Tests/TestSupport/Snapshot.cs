using System.Runtime.CompilerServices;

namespace Maru.Compiler.Tests;

/// <summary>
/// Verify-style snapshot testing: the expected text lives beside the test as <c>Class.Method.verified.txt</c>.
/// A mismatch writes <c>.received.txt</c> next to it and fails with the first differing line; review the
/// received file and rename it to accept. Setting MARU_ACCEPT_SNAPSHOTS=1 accepts every received text at once.
/// </summary>
public static class Snapshot
{
    public static void Verify(string actual, string? name = null, [CallerFilePath] string testFile = "", [CallerMemberName] string member = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(testFile)!, "Snapshots");
        string stem = $"{Path.GetFileNameWithoutExtension(testFile)}.{name ?? member}";
        string verified = Path.Combine(directory, stem + ".verified.txt");
        string received = Path.Combine(directory, stem + ".received.txt");
        actual = actual.ReplaceLineEndings("\n");

        string? expected = File.Exists(verified) ? File.ReadAllText(verified).ReplaceLineEndings("\n") : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }
        Directory.CreateDirectory(directory);
        if (Environment.GetEnvironmentVariable("MARU_ACCEPT_SNAPSHOTS") == "1")
        {
            File.WriteAllText(verified, actual);
            return;
        }
        File.WriteAllText(received, actual);
        Assert.Fail(expected is null
            ? $"no snapshot yet: review {received} and rename it to {Path.GetFileName(verified)}"
            : $"snapshot differs: {FirstDifference(expected, actual)}\nreceived text written to {received}");
    }

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string left = i < e.Length ? e[i] : "<end>";
            string right = i < a.Length ? a[i] : "<end>";
            if (left != right) return $"line {i + 1}: expected `{left}` but got `{right}`";
        }
        return "texts differ only in line endings";
    }
}
