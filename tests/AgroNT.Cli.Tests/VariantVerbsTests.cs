using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;

namespace AgroNT.Cli.Tests;

public sealed class VariantVerbsTests : IDisposable
{
    private readonly CliRunner _cli = new();
    private readonly string _reference;
    private readonly string _sequence;

    public VariantVerbsTests()
    {
        // A copy, so the .fai the verbs build is written beside it and never into the shared data.
        _reference = _cli.PathOf("chloroplast.fa");
        File.Copy(Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa"), _reference);
        _sequence = string.Concat(File.ReadLines(_reference).Skip(1).Select(l => l.Trim())).ToUpperInvariant();
    }

    public void Dispose() => _cli.Dispose();

    private static char Other(char c) => c == 'A' ? 'C' : 'A';

    [Fact]
    public void ScoreVariants_WritesOneRowPerInputAllele_WithStatuses()
    {
        string vcf = _cli.PathOf("v.vcf");
        File.WriteAllLines(vcf,
        [
            "##fileformat=VCFv4.2",
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
            $"NC_000932.1\t4000\ta\t{_sequence[3999]}\t{Other(_sequence[3999])},{_sequence[3999]}\t.\t.\t.",
            $"NC_000932.1\t4100\tb\t{_sequence.Substring(4099, 3)}\t{_sequence[4099]}\t.\t.\t.",
            $"chrZ\t10\tc\tA\tG\t.\t.\t.",
        ]);
        string output = _cli.PathOf("scores.tsv");
        var (code, _, stderr) = _cli.Run("score-variants", "--model", SharedData.TinyModel, "--reference", _reference, "--vcf", vcf, "-o", output, "--window", "300", "--layers", "1,2");
        Assert.True(code == 0, stderr);
        var lines = File.ReadAllLines(output);
        Assert.Equal("chrom\tpos\tid\tref\talt\tstatus\tllr\temb_cosine_1\temb_dot_1\temb_cosine_2\temb_dot_2", lines[0]);
        Assert.Equal(5, lines.Length);
        Assert.Equal(["ok", "ok", "indel", "missing_contig"], lines.Skip(1).Select(l => l.Split('\t')[5]));
        Assert.Equal("0", lines[2].Split('\t')[6]);
        Assert.Contains("variants/s", stderr);
        Assert.True(File.Exists(_reference + ".fai"));
    }

    [Fact]
    public void Ism_WritesTableAndHeatmap()
    {
        string output = _cli.PathOf("ism.tsv"), heatmap = _cli.PathOf("ism.png");
        var (code, _, stderr) = _cli.Run("ism", "--model", SharedData.TinyModel, "--reference", _reference, "--region", "NC_000932.1:30001-30030", "-o", output, "--heatmap", heatmap, "--window", "300");
        Assert.True(code == 0, stderr);
        Assert.Equal(1 + 3 * 30, File.ReadAllLines(output).Length);
        Assert.Equal((byte)'P', File.ReadAllBytes(heatmap)[1]);
        Assert.Contains("5 masked windows", stderr);
    }

    [Fact]
    public void Ism_FineTunedFolder_WritesLog2Ratios()
    {
        var train = Enumerable.Range(0, 8).Select(i => new BenchmarkExample($"r{i}", _sequence.Substring(1000 * i, 36), [1 + i], i + 1));
        string folder = _cli.PathOf("finetuned");
        using (var fitted = new FineTuningTrainer(new FineTuningOptions { BatchSize = 8, MaxSteps = 1 }).Fit(SharedData.TinyModel, BenchmarkProblemType.Regression, 1, train))
        {
            fitted.Save(folder);
        }
        string output = _cli.PathOf("ft.tsv");
        var (code, _, stderr) = _cli.Run("ism", "--model", folder, "--reference", _reference, "--region", "NC_000932.1:30001-30010", "-o", output);
        Assert.True(code == 0, stderr);
        var lines = File.ReadAllLines(output);
        Assert.EndsWith("\tlog2_ratio", lines[0]);
        Assert.Equal(1 + 3 * 10, lines.Length);
        Assert.Contains("31 sequences predicted", stderr);
    }

    [Fact]
    public void Ism_BadRegion_IsAUsageError()
    {
        var (code, _, stderr) = _cli.Run("ism", "--model", SharedData.TinyModel, "--reference", _reference, "--region", "NC_000932.1", "-o", _cli.PathOf("x.tsv"));
        Assert.Equal(2, code);
        Assert.Contains("chrom:start-end", stderr);
    }
}
