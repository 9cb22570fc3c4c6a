namespace Maru.Cli;

/// <summary>The exit statuses of <c>maru</c> (except <c>maru run</c> of a main, which exits with main's result).</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Error = 1;
    /// <summary>The command line itself is wrong: an unknown option, a missing argument, a malformed value.</summary>
    public const int Usage = 2;
    /// <summary>Ctrl+C or SIGTERM stopped a build (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;
}
