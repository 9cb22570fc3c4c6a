using Maru.Compiler.Targets.X64;
using System.Runtime.CompilerServices;
using Maru.Compiler.Diagnostics;
using Maru.Compiler.Toolchain.Integrated;
using Maru.Tests.Conformance;

namespace Maru.Compiler.Tests.Toolchain.Integrated;

/// <summary>
/// Differential tests of the integrated assembler: for the assembly of every conformance program and every x86-64
/// snapshot, its .text, .rodata and .data bytes and its relocation places equal what GNU as makes of the same text.
/// </summary>
[TestClass]
public sealed class IntegratedAssemblerTests
{
    // GNU as's ELF relocation type for each kind the integrated assembler records.
    private static readonly Dictionary<RelocationKind, uint[]> ElfTypes = new()
    {
        [RelocationKind.Absolute64] = [1], [RelocationKind.Pc32] = [2], [RelocationKind.Plt32] = [4],
        [RelocationKind.GotPcRel] = [9, 42], // R_X86_64_GOTPCREL, R_X86_64_REX_GOTPCRELX
    };

    public static IEnumerable<object[]> Inputs() =>
        ConformanceProgram.Names().Select(p => new object[] { "conformance/" + (string)p[0] })
            .Concat(Directory.GetFiles(SnapshotFolder(), "X64SnapshotTests.*.verified.txt").Order(StringComparer.Ordinal)
                .Select(Path.GetFileName).Where(IsLinuxX64Snapshot)
                .Select(name => new object[] { "snapshot/" + name }))
            .Append(["forms/every-register"])
            .Append(["forms/loop-heads"])
            .Append(["forms/jumps-across-alignments"]);

    // The linux-x64 snapshots are the ones without a runtime identifier in their name (the integrated toolchain is ELF only).
    private static bool IsLinuxX64Snapshot(string? name) =>
        !Maru.Compiler.Targets.Targets.SupportedRuntimeIdentifiers.Any(rid => name!.Contains($".{rid}.", StringComparison.Ordinal));

    private static string SnapshotFolder([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "Targets", "Snapshots");

    /// <summary>
    /// The double and narrow-memory forms the X64 target prints, with every general register (the corpus's code uses only
    /// the registers its allocation picks) and xmm0–xmm15, so each REX bit and ModRM/SIB special case is compared.
    /// </summary>
    private static string EveryRegisterForms()
    {
        var text = new System.Text.StringBuilder("\t.text\nf:\n");
        for (int r = 0; r < 16; r++)
        {
            string q = X64Registers.Name(r), l = X64Registers.Name(r, 4), w = X64Registers.Name(r, 2), x = $"%xmm{r}", y = $"%xmm{15 - r}";
            string index = X64Registers.Name(r == 4 ? 5 : r); // rsp cannot be an index
            string memory = $"8({q})", indexed = $"-4({X64Registers.Name(15 - r)},{index},4)", bare = $"({q})";
            foreach (string m in new[] { memory, indexed, bare })
            {
                text.Append($"\tmovsbq\t{m}, {q}\n\tmovswq\t{m}, {q}\n\tmovzwl\t{m}, {l}\n\tmovslq\t{m}, {q}\n\tmovl\t{m}, {l}\n");
                text.Append($"\tmovl\t{l}, {m}\n\tmovw\t{w}, {m}\n\tmovl\t$-5, {m}\n\tmovw\t$-32768, {m}\n\tmovw\t$4660, {m}\n");
                text.Append($"\tmovss\t{m}, {x}\n\tmovss\t{x}, {m}\n\tmovupd\t{m}, {x}\n\tmovupd\t{x}, {m}\n");
                // Memory operands of folded loads and read-modify-writes.
                text.Append($"\tcmpb\t$0, {m}\n\tcmpb\t$200, {m}\n\tcmpq\t$1, {m}\n\tcmpq\t{q}, {m}\n\tcmpq\t{m}, {q}\n\timulq\t{m}, {q}\n");
                text.Append($"\taddq\t{q}, {m}\n\tsubq\t$1, {m}\n\txorq\t{q}, {m}\n\taddsd\t{m}, {x}\n\tmulsd\t{m}, {x}\n\tucomisd\t{m}, {x}\n");
            }
            text.Append($"\tmovq\t{q}, {x}\n\tmovq\t{x}, {q}\n\tcvtsi2sdq\t{q}, {x}\n\tcvttsd2si\t{x}, {q}\n");
            text.Append($"\txorl\t{l}, {l}\n\ttestq\t{q}, {q}\n");
            text.Append($"\tadcq\t$0, {q}\n\tadcq\t$-1, {q}\n\tsbbq\t$0, {q}\n\tsbbq\t$-1, {q}\n\tucomisd\t.Lk(%rip), {x}\n\tcmpq\tk(%rip), {q}\n");
            foreach (string op in new[] { "addsd", "subsd", "mulsd", "divsd", "sqrtsd", "ucomisd", "cvtss2sd", "cvtsd2ss", "cmpeqsd", "cmpltsd", "cmplesd", "cmpneqsd",
                         "cmpunordsd", "minsd", "maxsd", "andpd", "andnpd", "orpd", "xorpd", "unpcklpd", "unpckhpd", "addpd", "subpd", "mulpd", "divpd" })
                text.Append($"\t{op}\t{x}, {y}\n");
            text.Append($"\tcmovaeq\t{q}, {X64Registers.Name(15 - r)}\n\tcmovpq\t{q}, {X64Registers.Name(15 - r)}\n\tcmovaq\t{q}, {X64Registers.Name(15 - r)}\n");
        }
        return text.Append("\t.data\nk:\n.Lk:\n\t.quad 0\n").ToString();
    }

    /// <summary>
    /// Loop heads as the X64 target pads them (to 16 bytes if that takes at most 10, else to 8) after code of every length
    /// modulo 16, so each amount of padding, and the nops that fill it, is compared. Then forward jumps over such a head
    /// at the edge of a short jump's reach, behind a jump that must grow: the padding absorbs the growth, and GNU as
    /// keeps the second jump short.
    /// </summary>
    private static string LoopHeadForms()
    {
        var text = new System.Text.StringBuilder("\t.text\nf:\n");
        for (int length = 0; length < 16; length++)
        {
            for (int i = 0; i < length; i++) text.Append("\tret\n");
            text.Append($"\t.p2align 4,,10\n\t.p2align 3\n.Lhead{length}:\n\tcqto\n\tjne\t.Lhead{length}\n\tret\n");
        }
        for (int length = 110; length < 130; length++)
        {
            text.Append($"\tjge\t.Lfar{length}\n\tjl\t.Lmid{length}\n");
            for (int i = 0; i < length; i++) text.Append("\tret\n");
            text.Append($"\t.p2align 4,,10\n\t.p2align 3\n.Lmid{length}:\n");
            for (int i = 0; i < 40; i++) text.Append("\tret\n");
            text.Append($".Lfar{length}:\n\tret\n");
        }
        return text.ToString();
    }

    /// <summary>
    /// A backward jump that must grow, then a forward jump over a loop head's alignment to a target near the end of its
    /// reach, for every offset of the alignment and distance of the target: the forward jump is short exactly when GNU
    /// as makes it short (it assumes the alignment absorbs what the backward jump grew).
    /// </summary>
    private static string JumpsAcrossAlignments()
    {
        var text = new System.Text.StringBuilder("\t.text\n");
        int label = 0;
        for (int offset = 0; offset < 16; offset++)
            for (int distance = 110; distance < 136; distance++, label++)
            {
                text.Append($".Ltop{label}:\n").Append(string.Concat(Enumerable.Repeat("\taddq\t$1000, %rbx\n", 20)));
                text.Append($"\tjne\t.Ltop{label}\n").Append(string.Concat(Enumerable.Repeat("\tret\n", offset)));
                text.Append($"\tjge\t.Lend{label}\n\t.p2align 4,,10\n").Append(string.Concat(Enumerable.Repeat("\tret\n", distance)));
                text.Append($".Lend{label}:\n\tret\n");
            }
        return text.ToString();
    }

    private static string AssemblyOf(string input)
    {
        if (input == "forms/every-register") return EveryRegisterForms();
        if (input == "forms/loop-heads") return LoopHeadForms();
        if (input == "forms/jumps-across-alignments") return JumpsAcrossAlignments();
        if (input.StartsWith("snapshot/", StringComparison.Ordinal)) return File.ReadAllText(Path.Combine(SnapshotFolder(), input["snapshot/".Length..]));
        var program = ConformanceProgram.Load(input["conformance/".Length..]);
        return TestCompiler.Assembly(program.Text, path: program.Path); // its own path, so that load finds files beside it
    }

    [TestMethod]
    [DynamicData(nameof(Inputs))]
    public void SectionsEqualGnuAs(string input)
    {
        string assembly = AssemblyOf(input);
        var diagnostics = new DiagnosticBag();
        ObjectFile? integrated = X64Assembler.Assemble("input.s", assembly, diagnostics);
        Assert.IsNotNull(integrated, string.Join("\n", diagnostics.Items));

        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("input.s"), assembly);
        var run = NativeHarness.Run("as", ["--64", "-o", directory.File("input.o"), directory.File("input.s")], TimeSpan.FromMinutes(1));
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        var gnu = new ElfObject(File.ReadAllBytes(directory.File("input.o")));

        foreach (string section in ObjectFile.SectionNames)
        {
            byte[] ours = integrated.Sections.GetValueOrDefault(section, []);
            Assert.AreEqual(Convert.ToHexString(gnu.Section(section)), Convert.ToHexString(ours), $"{section} of {input}");
            var expected = gnu.Relocations(section);
            var actual = integrated.Relocations.Where(r => r.Section == section).OrderBy(r => r.Offset).ToList();
            Assert.AreEqual(string.Join(" ", expected.Select(r => r.Offset)), string.Join(" ", actual.Select(r => r.Offset)), $"relocation places in {section} of {input}");
            for (int i = 0; i < actual.Count; i++)
                CollectionAssert.Contains(ElfTypes[actual[i].Kind], expected[i].Type, $"relocation at {actual[i].Offset} in {section} of {input}");
        }
    }

    [TestMethod]
    public void LongAndShortJumpsAreChosenAsGnuAsChooses()
    {
        // A loop body that straddles the rel8 limit: the backward jump must grow, the forward one over a short body must not.
        var text = new System.Text.StringBuilder("\t.text\nf:\n.Ltop:\n\tjne .Lend\n");
        for (int i = 0; i < 40; i++) text.Append("\taddq $1000, %rbx\n");
        text.Append("\tjmp .Ltop\n.Lend:\n\tret\n");
        var diagnostics = new DiagnosticBag();
        ObjectFile? integrated = X64Assembler.Assemble("jumps.s", text.ToString(), diagnostics);
        Assert.IsNotNull(integrated);
        byte[] code = integrated.Sections[".text"];
        Assert.AreEqual(0x0F, code[0], "the forward jump over 280 bytes is near");
        Assert.AreEqual(0x85, code[1]);
        Assert.AreEqual(0xE9, code[^6], "the backward jump is near");
        Assert.AreEqual(-(code.Length - 1), BitConverter.ToInt32(code, code.Length - 5));
    }

    [TestMethod]
    [DataRow("\t.text\nf:\n\tud2\n", 3, "unsupported instruction 'ud2'")]
    [DataRow("\t.text\nf:\n\tmovq %ymm0, %rax\n", 3, "unsupported operand '%ymm0'")]
    [DataRow("\t.text\nf:\n\tmovq $1, %rax, %rbx\n", 3, "unsupported instruction 'movq")]
    [DataRow("\t.text\nf:\n\tmovq (%rax, %rbx\n", 3, "unsupported operand")]
    [DataRow("\t.text\nf:\n\tmovq 0x(%rax), %rbx\n", 3, "unsupported operand")]
    [DataRow("\t.text\n\n\t.balign 16\n", 3, "unsupported directive '.balign'")]
    [DataRow("\t.section .tbss\n", 1, "unsupported section '.tbss'")]
    [DataRow("\t.data\n\t.asciz \"open\n", 2, "malformed string")]
    [DataRow("\t.text\nf:\nf:\n", 3, "symbol 'f' is already defined")]
    [DataRow("\tret\n", 1, "outside .text, .data or .rodata")]
    [DataRow("\t.data\n\tret\n", 2, "instruction 'ret' outside .text")]
    public void UnsupportedTextIsADiagnosticAtItsLine(string text, int line, string message)
    {
        var diagnostics = new DiagnosticBag();
        Assert.IsNull(X64Assembler.Assemble("bad.s", text, diagnostics));
        var error = diagnostics.Items.Single();
        Assert.AreEqual(DiagnosticCodes.AssemblerError, error.Code);
        Assert.AreEqual("bad.s", error.Path);
        Assert.AreEqual(line, error.Line);
        StringAssert.Contains(error.Message, message);
    }

    private const string Damage = "%$(),.:\"0123456789abcxz@\n\t -*";

    [TestMethod]
    public void DamagedAssemblyIsRefusedWithDiagnosticsAndNeverThrows()
    {
        // Random deletions, duplications and byte changes in real assembly: each result either assembles and links, or is
        // refused with MARU0902/MARU0903 diagnostics; no exception escapes either stage.
        string assembly = AssemblyOf("snapshot/X64SnapshotTests.GlobalsStringsAndExterns.verified.txt")
            + AssemblyOf("snapshot/X64SnapshotTests.LoopOverAnArray.verified.txt").Replace("\t.text\n", "");
        var random = new Random(5);
        int refused = 0;
        for (int i = 0; i < 3000; i++)
        {
            var text = new System.Text.StringBuilder(assembly);
            for (int edits = random.Next(1, 4); edits > 0; edits--)
            {
                int at = random.Next(text.Length);
                switch (random.Next(3))
                {
                    case 0: text.Remove(at, Math.Min(random.Next(1, 12), text.Length - at)); break;
                    case 1: text.Insert(at, assembly.Substring(random.Next(assembly.Length - 20), 20)); break;
                    default: text[at] = Damage[random.Next(Damage.Length)]; break;
                }
            }
            var diagnostics = new DiagnosticBag();
            ObjectFile? assembled = X64Assembler.Assemble("fuzz.s", text.ToString(), diagnostics);
            if (assembled is not null) ElfSharedObjectWriter.Link([assembled], "libfuzz.so", [], diagnostics);
            if (diagnostics.HasErrors) refused++;
            Assert.IsTrue(diagnostics.Items.All(d => d.Code is DiagnosticCodes.AssemblerError or DiagnosticCodes.LinkerError),
                string.Join("\n", diagnostics.Items));
        }
        Assert.IsGreaterThan(100, refused, "the damage is mostly refused");
    }
}
