namespace Maru.Sdk.Tests;

/// <summary>
/// A MaruSource that loads two files at compile time, one beside it and one from the project folder: both are inputs of the
/// incremental build, and what compile time prints is a build message.
/// </summary>
[TestClass]
public sealed class LoadTests
{
    private static string Obj(string project) => Path.Combine(project, "obj", "Debug");
    private static string Bin(string project) => Path.Combine(project, "bin", "Debug", "net10.0");
    private static string Library(string project) => Path.Combine(Bin(project), "libLoadingApp.Native.so");

    private static string RunApp(string project)
    {
        ProcessResult run = DotNet.Run(project, Path.Combine(Bin(project), "LoadingApp.dll"));
        DotNet.AssertSucceeded(run);
        return run.Output.ReplaceLineEndings("\n");
    }

    private static void AssertNothingRan(ProcessResult build)
    {
        DotNet.AssertSucceeded(build);
        StringAssert.Contains(build.Output, "Skipping target \"MaruCompile\"");
        StringAssert.Contains(build.Output, "Skipping target \"MaruAssemble\"");
        StringAssert.Contains(build.Output, "Skipping target \"MaruLink\"");
    }

    private static void Edit(string file, string from, string to)
    {
        string text = File.ReadAllText(file);
        Assert.Contains(from, text);
        File.WriteAllText(file, text.Replace(from, to));
    }

    [TestMethod]
    public void LoadedFilesAreInputsOfTheIncrementalBuild()
    {
        string project = SdkFixture.CopyAsset("LoadingApp");
        string main = Path.Combine(project, "src", "main.l");
        string helpers = Path.Combine(project, "src", "helpers.l");
        string answer = Path.Combine(project, "shared", "answer.l");

        ProcessResult first = DotNet.Build(project);
        DotNet.AssertSucceeded(first);
        StringAssert.Contains(first.Output, "LoadingApp: compile time read helpers.l", "what compile time prints is a build message");
        Assert.AreEqual("twice(3) = 6\nscaled(5) = 420\n", RunApp(project));
        string loadedList = Path.Combine(Obj(project), "maru", "compile.loaded");
        CollectionAssert.AreEqual(new[] { helpers, answer }, File.ReadAllLines(loadedList));

        // Nothing changed: no Maru tool runs, and -question agrees.
        DateTime library = File.GetLastWriteTimeUtc(Library(project));
        AssertNothingRan(DotNet.Build(project));
        Assert.AreEqual(library, File.GetLastWriteTimeUtc(Library(project)));
        DotNet.AssertSucceeded(DotNet.Build(project, "-question"));

        // Editing the file loaded from the project folder compiles and links again, and the app sees the change.
        Edit(answer, "42", "43");
        ProcessResult edited = DotNet.Build(project);
        DotNet.AssertSucceeded(edited);
        Assert.DoesNotContain("Skipping target \"MaruCompile\"", edited.Output);
        Assert.IsTrue(File.GetLastWriteTimeUtc(Library(project)) > library, "relinked");
        Assert.AreEqual("twice(3) = 6\nscaled(5) = 430\n", RunApp(project));
        DotNet.AssertSucceeded(DotNet.Build(project, "-question"));

        // So does editing the one beside the loading file.
        Edit(helpers, "(+ x x)", "(* 3 x)");
        DotNet.AssertSucceeded(DotNet.Build(project));
        Assert.AreEqual("twice(3) = 9\nscaled(5) = 645\n", RunApp(project));
        AssertNothingRan(DotNet.Build(project));
        DotNet.AssertSucceeded(DotNet.Build(project, "-question"));

        // A loaded file that is gone is an error at the load, in this build and the next, never a stale success.
        string answerText = File.ReadAllText(answer);
        File.Delete(answer);
        for (int i = 0; i < 2; i++)
        {
            ProcessResult missing = DotNet.Build(project);
            Assert.AreNotEqual(0, missing.ExitCode, missing.Output);
            StringAssert.Contains(missing.Output, $"{main}(3,1): error MARU0204: cannot load 'shared/answer.l'");
            Assert.IsFalse(File.Exists(Library(project)), "no stale library after a failed compilation");
        }

        // Back again, it builds.
        File.WriteAllText(answer, answerText);
        DotNet.AssertSucceeded(DotNet.Build(project));
        Assert.AreEqual("twice(3) = 9\nscaled(5) = 645\n", RunApp(project));
        DotNet.AssertSucceeded(DotNet.Build(project, "-question"));

        // A lost list of loaded files compiles again (without it, an edit of a loaded file would go unseen).
        File.Delete(loadedList);
        ProcessResult relisted = DotNet.Build(project);
        DotNet.AssertSucceeded(relisted);
        Assert.DoesNotContain("Skipping target \"MaruCompile\"", relisted.Output);
        CollectionAssert.AreEqual(new[] { helpers, answer }, File.ReadAllLines(loadedList));
        DotNet.AssertSucceeded(DotNet.Build(project, "-question"));
    }
}
