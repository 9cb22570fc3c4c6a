System.Console.WriteLine($"12/18 = {MathLib.Fractions.Reduce(12, 18)}");
System.Console.WriteLine($"gcd(84, 36) = {MathLib.Native.Gcd(84, 36)}");
