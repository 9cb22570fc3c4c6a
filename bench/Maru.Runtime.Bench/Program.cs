using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Maru.Runtime.Bench;

// In-process: the benchmarks load native libraries, and the repository's build settings apply to this project as they are.
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(5).WithIterationCount(30))
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);

if (args is ["--breakdown", ..])
{
    Breakdown.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200);
    return;
}
BenchmarkSwitcher.FromTypes([typeof(CompileToCallable), typeof(CallCost), typeof(CompileThroughput)]).Run(args, config);
