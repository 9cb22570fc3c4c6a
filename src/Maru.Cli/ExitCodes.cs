namespace Maru.Cli;

/// <summary>The exit statuses of <c>maru</c> (except <c>maru run</c> of a main, which exits with main's result).</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Error = 1;
    /// <summary>The command line itself is wrong: an unknown option, a missing argument, a malformed value.</summary>
    public const int Usage = 2;
    /// <summary>Ctrl+C (SIGINT) stopped a build: 128 + the signal's number, as shells report it.</summary>
    public const int Interrupted = 130;
    /// <summary>SIGTERM stopped a build.</summary>
    public const int Terminated = 143;
}
