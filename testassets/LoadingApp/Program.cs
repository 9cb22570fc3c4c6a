using LoadingApp;

Console.WriteLine($"twice(3) = {Native.Twice(3)}");
Console.WriteLine($"scaled(5) = {Native.Scaled(5)}");
