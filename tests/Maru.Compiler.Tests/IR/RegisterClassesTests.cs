using Maru.Compiler.IR;
using Maru.Compiler.Semantics;

namespace Maru.Compiler.Tests.IR;

/// <summary>Where doubles live: the choice of register class per register and the copies between the classes.</summary>
[TestClass]
public sealed class RegisterClassesTests
{
    private static IrFunction Assigned(string source)
    {
        var function = IrTests.Lower(source, optimise: true);
        RegisterClasses.Assign(function);
        return function;
    }

    private static bool IsFloat(IrFunction function, Value value) => value.IsRegister && function.FloatRegisters.Contains(value.Register);

    private static IEnumerable<Instruction> CrossClassCopies(IrFunction function, BasicBlock block) =>
        block.Instructions.Where(i => i.Opcode == Opcode.Copy && i.Args[0].IsRegister
                                      && IsFloat(function, i.Args[0]) != function.FloatRegisters.Contains(i.Dest));

    [TestMethod]
    public void AnAccumulatingLoopKeepsItsDoublesInFloatRegistersWithoutCrossingInside()
    {
        var function = Assigned("""
            (define-function dot (a b n)
              (let ((s 0.0) (i 0))
                (while (< i n) (set s (fl+ s (fl* (double-at a i) (double-at b i)))) (set i (+ i 1)))
                s))
            """);
        var loopBlocks = function.Blocks.Where(b => b.LoopDepth > 0).ToList();
        Assert.IsNotEmpty(loopBlocks);
        var arithmetic = loopBlocks.SelectMany(b => b.Instructions).Where(i => i.Operator is Operator.FAdd or Operator.FMul).ToList();
        Assert.HasCount(2, arithmetic);
        foreach (var instruction in arithmetic)
        {
            Assert.IsTrue(function.FloatRegisters.Contains(instruction.Dest), instruction.ToString());
            Assert.IsTrue(instruction.Args.All(a => IsFloat(function, a)), instruction.ToString());
        }
        var loads = loopBlocks.SelectMany(b => b.Instructions).Where(i => i.Opcode == Opcode.Load).ToList();
        Assert.IsTrue(loads.All(l => function.FloatRegisters.Contains(l.Dest)), "a word load that feeds fl* loads into a float register");
        Assert.IsTrue(loads.All(l => !IsFloat(function, l.Args[0]) && !IsFloat(function, l.Args[1])), "addresses stay words");
        Assert.IsEmpty(loopBlocks.SelectMany(b => CrossClassCopies(function, b)), function.ToString());
    }

    [TestMethod]
    public void ADoubleReturnedAsAWordCrossesOnceAtTheReturn()
    {
        var function = Assigned("(define-function f (x) (fl* x x))");
        var multiply = function.Blocks.SelectMany(b => b.Instructions).Single(i => i.Operator == Operator.FMul);
        Assert.IsTrue(function.FloatRegisters.Contains(multiply.Dest));
        var exit = function.Blocks.Single(b => b.Terminator.Kind == TerminatorKind.Return);
        Assert.IsFalse(IsFloat(function, exit.Terminator.A), "a function returns words");
        Assert.HasCount(1, CrossClassCopies(function, exit).Where(c => c.Args[0].Register == multiply.Dest));
    }

    [TestMethod]
    public void WordsStayInGeneralRegistersAndNothingIsAdded()
    {
        const string source = "(define-function f (a b) (let ((s 0)) (while (< a b) (set s (+ s (oop-at a 0))) (set a (+ a 8))) s))";
        string before = IrTests.Lower(source, optimise: true).ToString();
        var function = Assigned(source);
        Assert.IsEmpty(function.FloatRegisters);
        Assert.AreEqual(before, function.ToString());
    }

    [TestMethod]
    public void EveryOperandIsInTheClassItsInstructionNeeds()
    {
        // Doubles compared in a branch, converted both ways, stored at both widths, through min, max and rounding.
        foreach (string source in new[]
        {
            "(define-function f (p n) (let ((s 0.0) (i 0)) (while (< i n) (set s (fl+ s (long->double (int32-at p i)))) (set i (+ i 1))) (if (fl< s 1.5) (double->long s) (set-double-at p 0 (flsqrt s)))))",
            "(define-function f (p x) (set-float-at p 1 (fl/ x 3.0)) (fl= x (float-at p 1)))",
            "(define-function f (x y) (let ((m (flmax x y))) (fl- m (flfloor m))))",
        })
        {
            var function = Assigned(source);
            foreach (var instruction in function.Blocks.SelectMany(b => b.Instructions))
            {
                bool doubleOperands = instruction.Operator is >= Operator.FAdd and <= Operator.FGt
                                      || instruction.Operator is Operator.FSqrt or (>= Operator.FFloor and <= Operator.FTruncate)
                                      || instruction.Operator is Operator.DoubleToLong or Operator.StoreFloat;
                if (instruction.Opcode is Opcode.Binary or Opcode.Unary && doubleOperands)
                    Assert.IsTrue(instruction.Args.All(a => a.IsConstant || IsFloat(function, a)), $"{instruction} in\n{function}");
                if (instruction.Opcode is Opcode.Binary && WordArithmetic.IsComparison(instruction.Operator) || instruction.Operator is Operator.LongToDouble)
                    Assert.IsTrue(instruction.Args.All(a => !IsFloat(function, a)), $"{instruction} in\n{function}");
                if (instruction.Opcode is Opcode.Load or Opcode.Store)
                    Assert.IsTrue(!IsFloat(function, instruction.Args[0]) && !IsFloat(function, instruction.Args[1]), $"{instruction} in\n{function}");
            }
            foreach (var block in function.Blocks)
                if (block.Terminator.Kind is TerminatorKind.Branch or TerminatorKind.Return)
                    Assert.IsFalse(IsFloat(function, block.Terminator.A), $"{block.Terminator} in\n{function}");
        }
    }
}
