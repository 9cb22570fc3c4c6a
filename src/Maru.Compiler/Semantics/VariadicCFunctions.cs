namespace Maru.Compiler.Semantics;

/// <summary>
/// The variadic functions of the C and POSIX libraries with their number of fixed parameters: an
/// <c>(extern 'name)</c> of one of them is variadic without saying so (<c>(extern 'name n)</c> declares any other).
/// </summary>
public static class VariadicCFunctions
{
    private static readonly Dictionary<string, int> Table = new(StringComparer.Ordinal)
    {
        ["printf"] = 1, ["fprintf"] = 2, ["sprintf"] = 2, ["snprintf"] = 3, ["dprintf"] = 2, ["asprintf"] = 2,
        ["wprintf"] = 1, ["fwprintf"] = 2, ["swprintf"] = 3,
        ["scanf"] = 1, ["fscanf"] = 2, ["sscanf"] = 2, ["wscanf"] = 1, ["fwscanf"] = 2, ["swscanf"] = 2,
        ["syslog"] = 2, ["err"] = 2, ["errx"] = 2, ["warn"] = 1, ["warnx"] = 1, ["error"] = 3,
        ["open"] = 2, ["openat"] = 3, ["fcntl"] = 2, ["ioctl"] = 2, ["prctl"] = 1, ["syscall"] = 1,
        ["execl"] = 2, ["execlp"] = 2, ["execle"] = 2, ["sem_open"] = 2, ["mq_open"] = 2, ["ulimit"] = 1,
    };

    /// <summary>The number of fixed parameters of the C library function <paramref name="cName"/>, or null when it is not variadic.</summary>
    public static int? FixedParameters(string cName) => Table.TryGetValue(cName, out int count) ? count : null;
}
