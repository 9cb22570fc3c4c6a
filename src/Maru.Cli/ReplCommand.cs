using System.CommandLine;

namespace Maru.Cli;

/// <summary>
/// <c>maru repl [--history FILE]</c>: an interactive session. Definitions replace earlier ones of the same name, and
/// macros are usable from the next form on; expressions are compiled and run as they are entered and their value is
/// printed. Input continues over several lines until its parentheses balance. In a terminal, lines are edited and recalled from the history (saved in FILE);
/// with input piped in, lines are read as they come and no prompt is shown.
/// </summary>
internal static class ReplCommand
{
    public const string Help = """
        Enter definitions (define-function, define, define-structure), macros (define-form, define-constant) and
        expressions; an expression's value is printed. A definition replaces any earlier one of the same name; later
        calls use the new one. A redefined macro is used by the inputs after it; a redefined constant or structure by all.
        :defs      list the current definitions
        :history   show the input history
        :help      show this text
        :quit      leave (or end of input: Ctrl-D); Ctrl-C drops the input being typed
        """;

    /// <summary>What a line source returns when the user drops the input being typed (Ctrl-C).</summary>
    public const string Cancelled = "\u0003";

    public static Command Create()
    {
        Option<string> history = new("--history")
        {
            Description = "The file the input history is kept in, across sessions",
            HelpName = "FILE",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("MARU_HISTORY") is { Length: > 0 } file
                ? file
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".maru_history"),
        };
        var command = new Command("repl", "Start an interactive session: define functions and globals, evaluate expressions") { history };
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output, error = parse.InvocationConfiguration.Error;
            bool interactive = !Console.IsInputRedirected && !Console.IsOutputRedirected;
            var lines = new History(parse.GetRequiredValue(history));
            ILineSource source = interactive ? new LineEditor(lines) : new PipedLines(Console.In);
            if (interactive) output.WriteLine("Maru REPL. Type :help for help, :quit or Ctrl-D to leave.");
            return Run(source, output, error, lines);
        });
        return command;
    }

    /// <summary>Runs a session over the given lines until the input ends or <c>:quit</c>.</summary>
    public static int Run(ILineSource lines, TextWriter output, TextWriter error, History history)
    {
        using var session = new ReplSession(output, error);
        var pending = new System.Text.StringBuilder();
        while (true)
        {
            string? line = lines.ReadLine(pending.Length == 0 ? "maru> " : "  ... ");
            if (line is null) break;
            if (line == Cancelled)
            {
                pending.Clear();
                continue;
            }
            if (pending.Length == 0)
            {
                string command = line.Trim();
                if (command.Length == 0) continue;
                if (command.StartsWith(':'))
                {
                    history.Add(command);
                    if (!RunCommand(command, session, history, output, error)) break;
                    continue;
                }
            }
            history.Add(line);
            pending.Append(line).Append('\n');
            if (!ReplSession.IsComplete(pending.ToString())) continue;
            string input = pending.ToString();
            pending.Clear();
            session.Submit(input);
        }
        if (pending.Length > 0) session.Submit(pending.ToString());
        return ExitCodes.Success;
    }

    /// <summary>Runs a <c>:command</c>; false when the session should end.</summary>
    private static bool RunCommand(string command, ReplSession session, History history, TextWriter output, TextWriter error)
    {
        switch (command)
        {
            case ":quit" or ":q" or ":exit":
                return false;
            case ":help":
                output.WriteLine(Help);
                break;
            case ":defs":
                foreach (string name in session.DefinitionNames) output.WriteLine(name);
                break;
            case ":history":
                foreach (string entry in history.Entries) output.WriteLine(entry);
                break;
            default:
                error.WriteLine($"unknown command '{command}'; type :help for the commands");
                break;
        }
        return true;
    }
}

/// <summary>Where the REPL's lines come from: a line editor in a terminal, or plain lines from a pipe.</summary>
internal interface ILineSource
{
    /// <summary>The next line without its end, or null at the end of input.</summary>
    string? ReadLine(string prompt);
}

internal sealed class PipedLines(TextReader reader) : ILineSource
{
    public string? ReadLine(string prompt) => reader.ReadLine();
}

/// <summary>The input history: the lines of this session, after those of earlier ones, appended to a file as they come.</summary>
internal sealed class History
{
    private const int MaxEntries = 1000;
    private readonly List<string> _entries = [];
    private readonly string? _file;

    public History(string? file)
    {
        _file = string.IsNullOrEmpty(file) ? null : file;
        if (_file is null) return;
        try
        {
            if (File.Exists(_file)) _entries.AddRange(File.ReadAllLines(_file).TakeLast(MaxEntries));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    public IReadOnlyList<string> Entries => _entries;

    public void Add(string line)
    {
        if (line.Length == 0 || (_entries.Count > 0 && _entries[^1] == line)) return;
        _entries.Add(line);
        if (_file is null) return;
        try
        {
            File.AppendAllText(_file, line + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A history that cannot be saved must not end the session.
        }
    }
}
