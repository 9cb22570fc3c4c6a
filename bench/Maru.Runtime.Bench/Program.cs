using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Maru.Runtime.Bench;

// In-process: the benchmarks load native libraries, and the repository's build settings apply to this project as they are.
// 30 warm-up iterations: enough calls for tiered compilation to have replaced the compiler's first-tier code before measuring.
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(30).WithIterationCount(30))
    .AddColumn(StatisticColumn.Min)
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);

if (args is ["--first-compile"])
{
    FirstCompile.Run();
    return;
}
if (args is ["--breakdown", ..])
{
    Breakdown.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200);
    return;
}
BenchmarkSwitcher.FromTypes([typeof(CompileToCallable), typeof(CallCost), typeof(CompileThroughput), typeof(BuildMaruEvaluator)]).Run(args, config);
