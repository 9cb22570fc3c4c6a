namespace Maru.Compiler.Targets.X64;

/// <summary>
/// Orders the instructions of loop blocks, after register allocation, longest chain of latencies first. The processor
/// executes out of order, but when more operations are ready than it has units for, the oldest go first: an operation
/// of the loop-carried chain written after one that is off it loses a cycle to it, every iteration (mandelbrot's loop
/// took 7% longer in source order than in this one). Only instructions that write a register and no memory, and touch
/// no flags, move, within the runs between the others (stores, compares, flag users, calls, branches stay put, so no
/// load crosses a store); every register dependence, true, anti or output, keeps its order.
/// </summary>
public static class X64Scheduler
{
    /// <summary>Longer runs are left as they are (the scheduling is quadratic in a run's length).</summary>
    private const int MaxRun = 128;

    private const int LoadLatency = 4;

    public static void Apply(MachineFunction function)
    {
        foreach (var block in function.Blocks)
        {
            // Outside loops the order runs once: not worth the compile time.
            if (block.LoopDepth == 0) continue;
            var code = block.Instructions;
            int start = 0;
            for (int i = 0; i <= code.Count; i++)
            {
                if (i < code.Count && Latency(code[i]) > 0) continue;
                if (i - start > 2 && i - start <= MaxRun) ScheduleRun(code, start, i);
                start = i + 1;
            }
        }
    }

    /// <summary>The cycles until an instruction's result can be used; 0 for an instruction that stays where it is.</summary>
    public static int Latency(MachineInstruction instruction)
    {
        var o = instruction.Operands;
        if (o.Length == 0 || !o[0].IsRegister || o[0].Access == Access.Use) return 0;
        bool reads = o.Length > 1 && o[1].Kind is OperandKind.Memory or OperandKind.SymbolMemory or OperandKind.Slot or OperandKind.IncomingArgument;
        int load = reads ? LoadLatency : 0;
        return (X64Op)instruction.Opcode switch
        {
            X64Op.Lea => 1,
            X64Op.Mov or X64Op.MovSd or X64Op.MovBits or X64Op.SignExtendInt or X64Op.MovUpd => Math.Max(1, load),
            X64Op.MovZxByte or X64Op.MovSxByte or X64Op.MovSxWord or X64Op.MovZxWord or X64Op.MovSxLong or X64Op.MovLong
                or X64Op.LoadExternAddress => LoadLatency,
            X64Op.LoadSingle => LoadLatency + 3,
            X64Op.AddSd or X64Op.SubSd or X64Op.MulSd or X64Op.CompareSd or X64Op.CvtSi2Sd or X64Op.CvtTSd2Si
                or X64Op.RoundToSingle or X64Op.WidenSingle or X64Op.AddPd or X64Op.SubPd or X64Op.MulPd => load + 3,
            X64Op.DivSd or X64Op.DivPd => load + 13,
            X64Op.UnpckLpd or X64Op.HighLane => 1,
            X64Op.SqrtSd => load + 20,
            X64Op.MinSd or X64Op.MaxSd or X64Op.AndPd or X64Op.AndnPd or X64Op.OrPd or X64Op.XorPd => load + 1,
            _ => 0,
        };
    }

    /// <summary>List scheduling of <c>code[start..end)</c>: of the instructions whose predecessors are placed, the highest first.</summary>
    private static void ScheduleRun(List<MachineInstruction> code, int start, int end)
    {
        int n = end - start;
        var successors = new List<(int To, bool Data)>[n];
        var predecessors = new int[n];
        var lastDef = new int[MachineFunction.FirstVirtual];
        Array.Fill(lastDef, -1);
        var readers = new List<int>?[MachineFunction.FirstVirtual];
        bool allocated = true;
        for (int i = 0; i < n; i++)
        {
            successors[i] = [];
            var instruction = code[start + i];
            int index = i;
            void Edge(int from, bool data)
            {
                successors[from].Add((index, data));
                predecessors[index]++;
            }
            instruction.ForEachUse(r =>
            {
                if (r >= MachineFunction.FirstVirtual) { allocated = false; return; }
                if (lastDef[r] >= 0) Edge(lastDef[r], data: true);
            });
            instruction.ForEachDef(r =>
            {
                if (r >= MachineFunction.FirstVirtual) { allocated = false; return; }
                if (lastDef[r] >= 0) Edge(lastDef[r], data: false);
                foreach (int reader in readers[r] ?? []) if (reader != index) Edge(reader, data: false);
            });
            if (!allocated) return;
            instruction.ForEachUse(r => (readers[r] ??= []).Add(index));
            instruction.ForEachDef(r =>
            {
                lastDef[r] = index;
                readers[r]?.Clear();
            });
        }
        // The height of an instruction: the longest chain of latencies from its start to the run's end.
        var height = new int[n];
        for (int i = n - 1; i >= 0; i--)
        {
            int latency = Latency(code[start + i]);
            height[i] = latency;
            foreach (var (to, data) in successors[i]) height[i] = Math.Max(height[i], data ? latency + height[to] : height[to]);
        }
        var ready = new List<int>();
        for (int i = 0; i < n; i++) if (predecessors[i] == 0) ready.Add(i);
        var order = new MachineInstruction[n];
        for (int placed = 0; placed < n; placed++)
        {
            int best = 0;
            for (int k = 1; k < ready.Count; k++)
                if (height[ready[k]] > height[ready[best]] || (height[ready[k]] == height[ready[best]] && ready[k] < ready[best])) best = k;
            int chosen = ready[best];
            ready.RemoveAt(best);
            order[placed] = code[start + chosen];
            foreach (var (to, _) in successors[chosen]) if (--predecessors[to] == 0) ready.Add(to);
        }
        for (int i = 0; i < n; i++) code[start + i] = order[i];
    }
}
