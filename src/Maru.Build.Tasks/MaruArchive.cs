using System.Diagnostics;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;
using Microsoft.Build.Framework;

namespace Maru.Build.Tasks;

/// <summary>
/// Puts the object files of one runtime identifier into a static archive (<c>libX.a</c>) for NativeAOT to link into the
/// executable, with <c>ar</c> or <c>llvm-ar</c> (started with an argument list), written under a temporary name and moved into
/// place. The objects keep only the exported functions global, so the archive adds no other name to the executable.
/// </summary>
public sealed class MaruArchive : Microsoft.Build.Utilities.Task
{
    [Required] public ITaskItem[] ObjectFiles { get; set; } = [];
    [Required] public string OutputFile { get; set; } = "";
    /// <summary>MaruArchiverPath: the archiver to run; empty for <c>ar</c>, then <c>llvm-ar</c>, on PATH or in Debian's LLVM folders.</summary>
    public string? ToolOverride { get; set; }

    public override bool Execute()
    {
        string? tool = Locate();
        if (tool is null)
        {
            Log.LogError(null, DiagnosticCodes.ToolNotFound, null, null, 0, 0, 0, 0,
                string.IsNullOrEmpty(ToolOverride)
                    ? "no archiver for the static library: neither 'ar' nor 'llvm-ar' was found on PATH; install 'binutils' or 'llvm', or set the MaruArchiverPath property"
                    : $"archiver '{ToolOverride}' not found (set by the MaruArchiverPath property)");
            return false;
        }
        string output = Path.GetFullPath(OutputFile);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        string temporary = AtomicOutput.TemporaryNameFor(output);
        try
        {
            // r: insert, c: create quietly, s: symbol index, D: deterministic (no timestamps or owners).
            var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in new[] { "rcsD", temporary }.Concat(ObjectFiles.Select(o => o.GetMetadata("FullPath")))) info.ArgumentList.Add(argument);
            info.Environment["LC_ALL"] = "C";
            using Process process = Process.Start(info)!;
            Task<string> error = process.StandardError.ReadToEndAsync();
            string text = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            text += error.Result;
            if (process.ExitCode != 0 || !File.Exists(temporary))
            {
                Log.LogError(null, DiagnosticCodes.LinkerError, null, output, 0, 0, 0, 0, $"archiver '{tool}' failed (exit code {process.ExitCode}): {text.Trim()}");
                return false;
            }
            File.Move(temporary, output, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or UnauthorizedAccessException)
        {
            Log.LogError(null, DiagnosticCodes.ToolFailed, null, output, 0, 0, 0, 0, $"archiver '{tool}' could not be run: {e.Message}");
            return false;
        }
        finally
        {
            AtomicOutput.DeleteQuietly(temporary);
        }
    }

    private string? Locate()
    {
        if (!string.IsNullOrEmpty(ToolOverride)) return File.Exists(ToolOverride) ? Path.GetFullPath(ToolOverride) : null;
        IEnumerable<string> folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(Directory.Exists("/usr/lib") ? Directory.GetDirectories("/usr/lib", "llvm-*").Order().Reverse().Select(d => Path.Combine(d, "bin")) : []);
        string suffix = OperatingSystem.IsWindows() ? ".exe" : "";
        return new[] { "ar", "llvm-ar" }.SelectMany(name => folders.Select(folder => Path.Combine(folder, name + suffix))).FirstOrDefault(File.Exists);
    }
}
