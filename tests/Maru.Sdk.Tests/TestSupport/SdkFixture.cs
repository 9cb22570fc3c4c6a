using System.Xml.Linq;

namespace Maru.Sdk.Tests;

/// <summary>
/// Once per test run: packs sdk/Maru.Sdk into a temporary folder that also gets a NuGet.config (that folder as a source, added
/// to the sources this machine is configured with, so restore works wherever the normal package source is reachable)
/// and a global.json (the SDK of the repository, Maru.Sdk pinned in msbuild-sdks), and a package cache of its own
/// (NUGET_PACKAGES), so the freshly packed Maru.Sdk is never served stale from the user's cache. Test assets are copied
/// under that folder, so the NuGet.config and global.json apply to them.
/// </summary>
[TestClass]
public static class SdkFixture
{
    public static string Root { get; private set; } = "";
    public static string RepositoryRoot { get; private set; } = "";
    public static string Feed => Path.Combine(Root, "feed");
    public static string PackagesCache => Path.Combine(Root, "nuget-packages");
    public static string Version { get; private set; } = "";
    public static string HostRid { get; } = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;

    [AssemblyInitialize]
    public static void Pack(TestContext context)
    {
        RepositoryRoot = FindRepositoryRoot();
        Root = Directory.CreateTempSubdirectory("maru-sdk-tests-").FullName;
        Directory.CreateDirectory(Feed);
        Version = XDocument.Load(Path.Combine(RepositoryRoot, "Directory.Build.props")).Descendants("Version").First().Value;

        ProcessResult pack = DotNet.Run(RepositoryRoot, "pack", "sdk/Maru.Sdk", "-c", "Release", "-o", Feed, "-nodeReuse:false", "-v:q");
        DotNet.AssertSucceeded(pack);
        Assert.IsTrue(File.Exists(Path.Combine(Feed, $"Maru.Sdk.{Version}.nupkg")), pack.Output);

        File.WriteAllText(Path.Combine(Root, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="maru-tests" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(Root, "global.json"), $$"""
            {
              "sdk": { "version": "10.0.100", "rollForward": "latestFeature" },
              "msbuild-sdks": { "Maru.Sdk": "{{Version}}" }
            }
            """);
        // Nothing from /tmp or above may leak into the test projects.
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.targets"), "<Project />");
    }

    [AssemblyCleanup]
    public static void Delete()
    {
        if (Environment.GetEnvironmentVariable("MARU_KEEP_SDK_TESTS") == "1" || Root.Length == 0) return;
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>Copies testassets/<paramref name="asset"/> to a fresh folder under the test root; returns the copy's path.</summary>
    public static string CopyAsset(string asset, string? into = null)
    {
        string parent = into ?? NewFolder();
        string target = Path.Combine(parent, asset);
        CopyDirectory(Path.Combine(RepositoryRoot, "testassets", asset), target);
        return target;
    }

    /// <summary>
    /// Builds and runs the PackageConsumer app in <paramref name="folder"/>, restoring MathLib from the packages in
    /// <paramref name="packages"/> (next to the SDK's feed); returns the app's run.
    /// </summary>
    public static ProcessResult RunPackageConsumer(string folder, string packages)
    {
        string app = CopyAsset("PackageConsumer", folder);
        File.WriteAllText(Path.Combine(folder, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="mathlib" value="{packages}" />
              </packageSources>
            </configuration>
            """);
        DotNet.AssertSucceeded(DotNet.Build(app));
        ProcessResult run = DotNet.Run(app, Path.Combine(app, "bin", "Debug", "net10.0", "PackageConsumer.dll"));
        DotNet.AssertSucceeded(run);
        return run;
    }

    public static string NewFolder() => Directory.CreateDirectory(Path.Combine(Root, "t" + Guid.NewGuid().ToString("N")[..8])).FullName;

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string directory in Directory.GetDirectories(from))
        {
            string name = Path.GetFileName(directory);
            if (name is "bin" or "obj") continue;
            CopyDirectory(directory, Path.Combine(to, name));
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Maru.Sdk.sln"))) return directory.FullName;
        throw new InvalidOperationException("cannot find Maru.Sdk.sln above " + AppContext.BaseDirectory);
    }
}
