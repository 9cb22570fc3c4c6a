using System.Diagnostics;
using Maru.Compiler.Toolchain;

namespace Maru.Compiler.Tests.Toolchain;

[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProcessTemporaryDirectoryTests
{
    [TestMethod]
    public void ADirectoryIsNamedAfterItsPurposeAndThisProcess()
    {
        string directory = ProcessTemporaryDirectory.Create("build");
        try
        {
            string name = Path.GetFileName(directory);
            StringAssert.StartsWith(name, $"maru-build-{Environment.ProcessId}-");
            Assert.AreEqual(Environment.ProcessId, ProcessTemporaryDirectory.OwnerOf(name));
            Assert.AreEqual(Path.GetFullPath(Path.GetTempPath()), Path.GetDirectoryName(directory) + Path.DirectorySeparatorChar);
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    [TestMethod]
    [DataRow("maru-module-123-AbC9xz", 123)]   // Maru.Runtime's modules: the same scheme
    [DataRow("maru-run-7-q", 7)]
    [DataRow("maru-test-AbC9xz", null)]        // the tests' own folders carry no process id
    [DataRow("maru-build-12x-AbC9xz", null)]
    [DataRow("maru-build--1-AbC9xz", null)]
    [DataRow("maru-build-123-", null)]
    [DataRow("maru-build-123-a-b", null)]
    [DataRow("other-build-123-AbC9xz", null)]
    public void TheOwnerIsReadFromTheName(string name, int? expected) => Assert.AreEqual(expected, ProcessTemporaryDirectory.OwnerOf(name));

    [TestMethod]
    public void TheDirectoryOfAProcessThatEndedIsDeletedAndOneOfAProcessThatRunsIsKept()
    {
        // The id of a process that has ended (and been reaped): ours to be sure it is not running.
        using var ended = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        ended.WaitForExit();
        string abandoned = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"maru-build-{ended.Id}-Tst{Guid.NewGuid():N}"[..40])).FullName;
        File.WriteAllText(Path.Combine(abandoned, "half.o"), "left by a killed build");
        string live = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"maru-build-{Environment.ProcessId}-Tst{Guid.NewGuid():N}"[..40])).FullName;
        try
        {
            ProcessTemporaryDirectory.DeleteAbandoned();

            Assert.IsFalse(Directory.Exists(abandoned), "the ended process's directory is deleted");
            Assert.IsTrue(Directory.Exists(live), "this process's directory is kept");
        }
        finally
        {
            if (Directory.Exists(abandoned)) Directory.Delete(abandoned, recursive: true);
            Directory.Delete(live);
        }
    }
}
