using Maru.Cli;

return MaruCommandLine.Run(args, Console.Out, Console.Error);
