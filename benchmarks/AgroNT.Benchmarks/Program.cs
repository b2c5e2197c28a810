using BenchmarkDotNet.Running;

namespace AgroNT.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project benchmarks/AgroNT.Benchmarks -- --filter '*'</c>, or a
/// one-shot measurement verb: <c>-- checkpoint-load</c> (see <see cref="CheckpointLoadBenchmark"/>) or
/// <c>-- featurize-fit</c> (see <see cref="FeaturizeFitBenchmark"/>).
/// </summary>
public static class Program
{
    /// <summary>Entry point; a verb runs its measurement, anything else goes to BenchmarkDotNet's switcher.</summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == CheckpointLoadBenchmark.Verb)
        {
            return CheckpointLoadBenchmark.Run(args[1..]);
        }
        if (args.Length > 0 && args[0] == FeaturizeFitBenchmark.Verb)
        {
            return FeaturizeFitBenchmark.Run(args[1..]);
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
