using System.Text;

namespace Maru.Cli;

/// <summary>
/// A small line editor for the terminal: typing, Backspace/Delete, Left/Right, Home/End (Ctrl-A/Ctrl-E), Up/Down through
/// the history, Ctrl-U to clear, Ctrl-C to drop the line, Ctrl-D on an empty line to end the input.
/// </summary>
internal sealed class LineEditor(History history) : ILineSource
{
    public string? ReadLine(string prompt)
    {
        // Ctrl-C while editing drops the input; while code runs it still stops the process, as native code cannot be interrupted.
        bool treatControlC = Console.TreatControlCAsInput;
        Console.TreatControlCAsInput = true;
        try
        {
            return Edit(prompt);
        }
        finally
        {
            Console.TreatControlCAsInput = treatControlC;
        }
    }

    private string? Edit(string prompt)
    {
        Console.Write(prompt);
        var line = new StringBuilder();
        int cursor = 0;
        int recalled = history.Entries.Count;
        string draft = "";

        void Redraw()
        {
            // Back to the start of the line, the prompt and text, clear what is left of an older longer line, cursor in place.
            Console.Write("\r" + prompt + line + "\u001b[K");
            int back = line.Length - cursor;
            if (back > 0) Console.Write($"\u001b[{back}D");
        }

        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            bool control = (key.Modifiers & ConsoleModifiers.Control) != 0;
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.WriteLine();
                    return line.ToString();
                case ConsoleKey.D when control:
                    if (line.Length > 0) continue;
                    Console.WriteLine();
                    return null;
                case ConsoleKey.C when control:
                    Console.WriteLine("^C");
                    return ReplCommand.Cancelled;
                case ConsoleKey.U when control:
                    line.Clear();
                    cursor = 0;
                    break;
                case ConsoleKey.A when control:
                case ConsoleKey.Home:
                    cursor = 0;
                    break;
                case ConsoleKey.E when control:
                case ConsoleKey.End:
                    cursor = line.Length;
                    break;
                case ConsoleKey.Backspace:
                    if (cursor == 0) continue;
                    line.Remove(--cursor, 1);
                    break;
                case ConsoleKey.Delete:
                    if (cursor == line.Length) continue;
                    line.Remove(cursor, 1);
                    break;
                case ConsoleKey.LeftArrow:
                    if (cursor > 0) cursor--;
                    break;
                case ConsoleKey.RightArrow:
                    if (cursor < line.Length) cursor++;
                    break;
                case ConsoleKey.UpArrow:
                case ConsoleKey.DownArrow:
                    if (recalled == history.Entries.Count) draft = line.ToString();
                    recalled = Math.Clamp(recalled + (key.Key == ConsoleKey.UpArrow ? -1 : 1), 0, history.Entries.Count);
                    line.Clear().Append(recalled == history.Entries.Count ? draft : history.Entries[recalled]);
                    cursor = line.Length;
                    break;
                default:
                    if (key.KeyChar == '\0' || char.IsControl(key.KeyChar)) continue;
                    line.Insert(cursor++, key.KeyChar);
                    break;
            }
            Redraw();
        }
    }
}
