using Maru.Compiler.IR;
using Maru.Compiler.Optimization;

namespace Maru.Compiler.Targets;

/// <summary>
/// What every target does to an optimised function before selecting its instructions: each register gets its class
/// (word or double), and then doubles are paired into two-lane instructions, which needs the classes.
/// </summary>
internal static class BeforeSelection
{
    public static void Run(IrFunction function)
    {
        RegisterClasses.Assign(function);
        SlpVectorization.Run(function);
        PairedDivision.Run(function); // after vectorisation, which may already have paired a division
    }
}
