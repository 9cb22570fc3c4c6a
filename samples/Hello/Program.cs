// Calls the Maru functions of fib.l: Native is generated from the MaruSource items at build time.
using Hello;

long n = args.Length > 0 ? long.Parse(args[0]) : 30;
Console.WriteLine($"fib({n}) = {Native.Fib(n)}");

long[] numbers = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
unsafe
{
    fixed (long* p = numbers)
        Console.WriteLine($"sum of 1..10 = {Native.SumArray((long)p, numbers.Length)}");
}
