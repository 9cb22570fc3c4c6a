using ConsoleApp;

Console.WriteLine($"fib(20) = {Native.Fib(20)}");
Console.WriteLine($"square(12) = {Native.Square(12)}");
Console.WriteLine($"sum-of-squares(3) = {Native.SumOfSquares(3)}");
long[] values = [3, -1, 4, 1, -5, 9, 2, 6];
unsafe
{
    fixed (long* p = values)
    {
        Console.WriteLine($"sum = {Arrays.SumArray((long)p, values.Length)}");
        Console.WriteLine($"max = {Arrays.MaxArray((long)p, values.Length)}");
        Console.WriteLine($"squares = {Arrays.SumSquares((long)p, values.Length)}");
    }
}
