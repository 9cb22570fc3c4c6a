using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Maru.Sdk.Bench;

// In-process: the benchmark calls the native library the build put next to it. 30 warm-up iterations: enough calls for
// tiered compilation to have replaced the first-tier code before measuring (as bench/Maru.Runtime.Bench does).
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(30).WithIterationCount(30))
    .AddColumn(StatisticColumn.Min);
BenchmarkSwitcher.FromTypes([typeof(TypedCalls)]).Run(args, config);
