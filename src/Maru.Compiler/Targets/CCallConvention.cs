using Maru.Compiler.Semantics;

namespace Maru.Compiler.Targets;

/// <summary>
/// Where one argument of a call with a C signature goes: register numbers within their class, each -1 when not used,
/// and the byte offset and size (4 or 8) of its place in the stack argument area, offset -1 when not on the stack.
/// </summary>
public readonly record struct CArgumentPlace(int GeneralRegister, int VectorRegister, int StackOffset, int StackSize = 8);

/// <summary>The places of a call's arguments and the 8-byte slots of stack argument area they use.</summary>
public sealed record CArgumentLayout(CArgumentPlace[] Places, int StackSlots);

/// <summary>
/// How an ABI places the arguments of a C call whose signature is known (spec section 11): general and floating-point
/// registers, then 8-byte stack slots in argument order.
/// </summary>
/// <param name="ByPosition">Windows x64: argument i takes register i of its class, and the other class's register i stays unused.</param>
/// <param name="VariadicVectorsAlsoInGeneral">Windows x64: a variable double is passed in its integer register as well.</param>
/// <param name="VariadicOnStack">Apple arm64: every variable argument goes to the stack.</param>
/// <param name="PacksStack">Apple arm64: a fixed <c>int</c> or <c>float</c> on the stack takes 4 bytes, 4-aligned, not 8.</param>
public sealed record CCallConvention(int GeneralRegisters, int VectorRegisters, bool ByPosition, bool VariadicVectorsAlsoInGeneral, bool VariadicOnStack, bool PacksStack)
{
    public static readonly CCallConvention SysV = new(6, 8, ByPosition: false, VariadicVectorsAlsoInGeneral: false, VariadicOnStack: false, PacksStack: false);
    public static readonly CCallConvention Windows = new(4, 4, ByPosition: true, VariadicVectorsAlsoInGeneral: true, VariadicOnStack: false, PacksStack: false);
    public static readonly CCallConvention Aapcs64 = new(8, 8, ByPosition: false, VariadicVectorsAlsoInGeneral: false, VariadicOnStack: false, PacksStack: false);
    public static readonly CCallConvention AppleArm64 = new(8, 8, ByPosition: false, VariadicVectorsAlsoInGeneral: false, VariadicOnStack: true, PacksStack: true);

    public CArgumentLayout Place(CSignature signature)
    {
        var places = new CArgumentPlace[signature.Parameters.Count];
        int general = 0, vector = 0, stackBytes = 0;
        for (int i = 0; i < places.Length; i++)
        {
            var type = signature.Parameters[i];
            bool isVector = CSignature.IsFloatingPoint(type);
            bool isVariable = i >= signature.VariadicFrom;
            CArgumentPlace OnStack()
            {
                int size = PacksStack && !isVariable && type is CType.Int or CType.Float ? 4 : 8;
                int offset = (stackBytes + size - 1) / size * size;
                stackBytes = offset + size;
                return new(-1, -1, offset, size);
            }
            if (ByPosition)
            {
                places[i] = i >= GeneralRegisters ? OnStack()
                    : !isVector ? new(i, -1, -1)
                    : new(isVariable && VariadicVectorsAlsoInGeneral ? i : -1, i, -1);
            }
            else if (isVariable && VariadicOnStack) places[i] = OnStack();
            else if (isVector) places[i] = vector < VectorRegisters ? new(-1, vector++, -1) : OnStack();
            else places[i] = general < GeneralRegisters ? new(general++, -1, -1) : OnStack();
        }
        return new CArgumentLayout(places, (stackBytes + 7) / 8);
    }
}
