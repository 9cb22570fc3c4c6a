using Maru.Compiler.Semantics;

namespace Maru.Compiler.Targets;

/// <summary>Where one argument of a call with a C signature goes: register numbers within their class and a stack slot, each -1 when not used.</summary>
public readonly record struct CArgumentPlace(int GeneralRegister, int VectorRegister, int StackSlot);

/// <summary>
/// How an ABI places the arguments of a C call whose signature is known (spec section 11): general and floating-point
/// registers, then 8-byte stack slots in argument order.
/// </summary>
/// <param name="ByPosition">Windows x64: argument i takes register i of its class, and the other class's register i stays unused.</param>
/// <param name="VariadicVectorsAlsoInGeneral">Windows x64: a variable double is passed in its integer register as well.</param>
/// <param name="VariadicOnStack">Apple arm64: every variable argument goes to the stack.</param>
public sealed record CCallConvention(int GeneralRegisters, int VectorRegisters, bool ByPosition, bool VariadicVectorsAlsoInGeneral, bool VariadicOnStack)
{
    public static readonly CCallConvention SysV = new(6, 8, ByPosition: false, VariadicVectorsAlsoInGeneral: false, VariadicOnStack: false);
    public static readonly CCallConvention Windows = new(4, 4, ByPosition: true, VariadicVectorsAlsoInGeneral: true, VariadicOnStack: false);
    public static readonly CCallConvention Aapcs64 = new(8, 8, ByPosition: false, VariadicVectorsAlsoInGeneral: false, VariadicOnStack: false);
    public static readonly CCallConvention AppleArm64 = new(8, 8, ByPosition: false, VariadicVectorsAlsoInGeneral: false, VariadicOnStack: true);

    public CArgumentPlace[] Place(CSignature signature)
    {
        var places = new CArgumentPlace[signature.Parameters.Count];
        int general = 0, vector = 0, stack = 0;
        for (int i = 0; i < places.Length; i++)
        {
            bool isVector = CSignature.IsFloatingPoint(signature.Parameters[i]);
            bool isVariable = i >= signature.VariadicFrom;
            if (ByPosition)
            {
                places[i] = i >= GeneralRegisters ? new(-1, -1, stack++)
                    : !isVector ? new(i, -1, -1)
                    : new(isVariable && VariadicVectorsAlsoInGeneral ? i : -1, i, -1);
            }
            else if (isVariable && VariadicOnStack) places[i] = new(-1, -1, stack++);
            else if (isVector) places[i] = vector < VectorRegisters ? new(-1, vector++, -1) : new(-1, -1, stack++);
            else places[i] = general < GeneralRegisters ? new(general++, -1, -1) : new(-1, -1, stack++);
        }
        return places;
    }
}
