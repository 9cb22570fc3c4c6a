using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain;
using Microsoft.Build.Utilities;

namespace Maru.Build.Tasks;

/// <summary>Compiler and tool diagnostics as MSBuild errors and warnings, with file, line, column and the MARUnnnn code.</summary>
internal static class MaruDiagnostics
{
    public static void Log(TaskLoggingHelper log, IEnumerable<Diagnostic> diagnostics)
    {
        foreach (Diagnostic d in diagnostics) Log(log, d);
    }

    public static void Log(TaskLoggingHelper log, Diagnostic d)
    {
        if (d.IsError)
            log.LogError(null, d.Code, null, d.Path, d.Line, d.Column, 0, 0, d.Message);
        else
            log.LogWarning(null, d.Code, null, d.Path, d.Line, d.Column, 0, 0, d.Message);
    }
}

/// <summary>Writes files so that no reader sees half of one: a temporary name beside the target, then a rename.</summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> unless the file already holds exactly it; true when the file was written.</summary>
    public static bool WriteIfChanged(string path, string text)
    {
        if (File.Exists(path) && File.ReadAllText(path) == text) return false;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temporary = AtomicOutput.TemporaryNameFor(path);
        try
        {
            File.WriteAllText(temporary, text);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            AtomicOutput.DeleteQuietly(temporary);
        }
        return true;
    }
}
