using System.Runtime.InteropServices;

System.Console.WriteLine($"triple(14) = {NoBindings.Native.Triple(14)}");

namespace NoBindings
{
    /// <summary>Written by hand: the project generates no bindings.</summary>
    public static partial class Native
    {
        [DllImport("NoBindings.Native", EntryPoint = "triple", ExactSpelling = true)]
        public static extern long Triple(long n);
    }
}
