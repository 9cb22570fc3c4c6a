// Runs one bench program: `bench NAME`. The program's work, from the call of its Run method to the checksum line
// it returns, is timed with a Stopwatch; the line goes to stdout, exactly as the C twin prints it, and the time to
// stderr as `elapsed-us N` (microseconds), which bench/run.sh reads for the RyuJIT column so that the runtime's
// start-up is not counted. Everything a Run method does, including the JIT compiling it, is counted.
using System.Diagnostics;
using MaruBench;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: bench NAME");
    return 2;
}
Func<string>? run = args[0] switch
{
    "fib" => Fib.Run,
    "tak" => Tak.Run,
    "sieve" => Sieve.Run,
    "collatz" => Collatz.Run,
    "loops" => Loops.Run,
    "fnv" => Fnv.Run,
    "nbody" => NBody.Run,
    "spectral" => Spectral.Run,
    "mandelbrot" => Mandelbrot.Run,
    "dotaxpy" => DotAxpy.Run,
    "matmul" => MatMul.Run,
    "nqueens" => NQueens.Run,
    _ => null,
};
if (run is null)
{
    Console.Error.WriteLine($"bench: no program '{args[0]}'");
    return 2;
}
var stopwatch = Stopwatch.StartNew();
string line = run();
stopwatch.Stop();
Console.Out.Write(line + "\n");
Console.Error.Write($"elapsed-us {(long)stopwatch.Elapsed.TotalMicroseconds}\n");
return 0;
