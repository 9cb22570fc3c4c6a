// Runs until dotnet watch stops it: what an edit of answer.l must restart.
System.Console.WriteLine($"answer = {WatchApp.Native.Answer()}");
System.Threading.Thread.Sleep(System.Threading.Timeout.Infinite);
