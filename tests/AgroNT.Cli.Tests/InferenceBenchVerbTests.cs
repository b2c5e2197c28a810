using System.Globalization;
using System.Text.RegularExpressions;

namespace AgroNT.Cli.Tests;

/// <summary><c>agront bench</c> in its inference mode, run as a user runs it, on a small random architecture.</summary>
public sealed partial class InferenceBenchVerbTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [GeneratedRegex(@"^\[fp32\] full 1024-token windows: ceiling (\d+)% of matmul peak \(attention is ([\d.]+)% of the operations", RegexOptions.Multiline)]
    private static partial Regex FullCeiling();

    [GeneratedRegex(@"^\[fp32\] attention kernel \(scaled_dot_product_attention, 4 x 1024 tokens, 4 heads of 16; best of 15 before the passes and 15 after\): [\d.]+ GFLOP/s = (\d+)% of matmul peak", RegexOptions.Multiline)]
    private static partial Regex AttentionLine();

    [Fact]
    public void Bench_SmallArchitecture_ReportsEverySetPackedWithItsCeilingAndTheShortSetAtTwoBatchSizes()
    {
        var (code, stdout, stderr) = _cli.Run("bench", "--layers", "1", "--hidden", "64", "--heads", "4", "--intermediate", "128", "--repeats", "1", "--precision", "fp32");
        Assert.True(code == 0, stderr);

        Assert.Matches(AttentionLine(), stdout);
        var ceiling = FullCeiling().Match(stdout);
        Assert.True(ceiling.Success, stdout);
        // By hand, per token of a 1,024-token window: attention 4 x 64 x 1024 = 262,144 operations, weight products
        // 2 x (4 x 64^2 + 2 x 64 x 128) = 65,536, so attention is 80.0% of them.
        Assert.Equal("80.0", ceiling.Groups[2].Value);
        Assert.InRange(int.Parse(ceiling.Groups[1].Value, CultureInfo.InvariantCulture), 1, 100);

        // Every set is packed: no padding computed, however mixed the lengths.
        foreach (string set in new[] { "[fp32] full 1024-token windows: 4096 tokens", "[fp32] mixed 100-6000 bp windows:", "[fp32 batch 8] short 170 bp windows:", "[fp32 batch 64] short 170 bp windows:" })
        {
            string line = stdout.Split('\n').Single(l => l.StartsWith(set, StringComparison.Ordinal) && l.Contains("tokens/s", StringComparison.Ordinal));
            Assert.EndsWith("padding computed 0.0%", line.TrimEnd());
        }
    }
}
