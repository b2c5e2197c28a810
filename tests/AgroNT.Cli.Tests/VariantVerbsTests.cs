using System.Globalization;
using System.Text;
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
        var train = Enumerable.Range(0, 8).Select(i => new TaskExample($"r{i}", _sequence.Substring(1000 * i, 36), [1 + i], i + 1));
        string folder = _cli.PathOf("finetuned");
        using (var fitted = new FineTuningTrainer(new FineTuningOptions { BatchSize = 8, MaxSteps = 1 }).Fit(SharedData.TinyModel, ProblemType.Regression, 1, train))
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

    [Fact]
    public void ScoreVariants_HalfAGzipVcf_FailsWithOneLineNamingTheFile()
    {
        string vcf = _cli.PathOf("v.vcf.gz");
        byte[] gzip = GzipFiles.Gzip(Encoding.ASCII.GetBytes(Vcf(Enumerable.Range(0, 3_000).Select(i => 40 + 41 * i))));
        File.WriteAllBytes(vcf, gzip[..(gzip.Length / 2)]);
        string output = _cli.PathOf("scores.tsv");

        var (code, _, stderr) = _cli.Run("score-variants", "--model", SharedData.TinyModel, "--reference", _reference, "--vcf", vcf, "-o", output, "--window", "60", "--layers", "none", "--batch-size", "256");

        Assert.Equal(1, code);
        string error = Assert.Single(stderr.Split('\n'), l => l.Contains("error"));
        Assert.StartsWith("agront score-variants: error: ", error);
        Assert.Contains(vcf, error);
        Assert.Contains("truncated", error);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("half")]
    [InlineData("flipped")]
    public void ScoreVariants_DamagedGzipReference_FailsNamingTheFile(string damage)
    {
        string reference = _cli.PathOf("chloroplast.fa.gz");
        byte[] gzip = GzipFiles.Gzip(File.ReadAllBytes(_reference));
        File.WriteAllBytes(reference, damage == "half" ? gzip[..(gzip.Length / 2)] : GzipFiles.FlipBytes(gzip, gzip.Length / 2, 8));
        string vcf = _cli.PathOf("v.vcf");
        File.WriteAllText(vcf, Vcf([4000]));

        var (code, _, stderr) = _cli.Run("score-variants", "--model", SharedData.TinyModel, "--reference", reference, "--vcf", vcf, "-o", _cli.PathOf("s.tsv"));

        Assert.Equal(1, code);
        Assert.StartsWith("agront score-variants: error: --reference: ", stderr);
        Assert.Contains(reference, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\nNC_000932.1\t5\t.\tA\tC\n", "it does not start with a '>' header line")]
    public void ScoreVariantsAndIsm_EmptyOrNonFastaReference_AreErrors(string content, string reason)
    {
        string reference = _cli.PathOf("reference.fa");
        File.WriteAllText(reference, content);
        string vcf = _cli.PathOf("v.vcf");
        File.WriteAllText(vcf, Vcf([4000]));

        var scored = _cli.Run("score-variants", "--model", SharedData.TinyModel, "--reference", reference, "--vcf", vcf, "-o", _cli.PathOf("s.tsv"));
        var ism = _cli.Run("ism", "--model", SharedData.TinyModel, "--reference", reference, "--region", "NC_000932.1:1-10", "-o", _cli.PathOf("i.tsv"));

        foreach (var (code, _, stderr) in new[] { scored, ism })
        {
            Assert.Equal(1, code);
            Assert.Contains($"error: --reference: {reference} is not a FASTA file: {reason}", stderr);
            Assert.Single(stderr.Trim().Split('\n'));
        }
        Assert.False(File.Exists(_cli.PathOf("s.tsv")));
    }

    [Fact]
    public void ScoreVariants_ZeroByteFaiFromAFullDisk_IsRebuilt_AndTheVariantsScored()
    {
        File.WriteAllText(_reference + ".fai", "");
        File.SetLastWriteTimeUtc(_reference + ".fai", File.GetLastWriteTimeUtc(_reference).AddMinutes(1));
        string vcf = _cli.PathOf("v.vcf");
        File.WriteAllText(vcf, Vcf([4000, 90_000]));
        string output = _cli.PathOf("scores.tsv");

        var (code, _, stderr) = _cli.Run("score-variants", "--model", SharedData.TinyModel, "--reference", _reference, "--vcf", vcf, "-o", output, "--window", "300", "--layers", "none");

        Assert.True(code == 0, stderr);
        Assert.Contains($"rebuilt {_reference}.fai", stderr);
        Assert.Equal(["ok", "ok"], File.ReadAllLines(output).Skip(1).Select(l => l.Split('\t')[5]));
        Assert.StartsWith($"NC_000932.1\t{_sequence.Length}\t", File.ReadAllText(_reference + ".fai"));
    }

    [Fact]
    public void ScoreVariants_ContigEnds_AreScored_AndPositionsPastTheEndAreOutsideContig()
    {
        string vcf = _cli.PathOf("v.vcf");
        File.WriteAllText(vcf, Vcf([1, 2, _sequence.Length, _sequence.Length + 1]));
        string output = _cli.PathOf("scores.tsv");

        var (code, _, stderr) = _cli.Run("score-variants", "--model", SharedData.TinyModel, "--reference", _reference, "--vcf", vcf, "-o", output, "--layers", "none");

        Assert.True(code == 0, stderr);
        var rows = File.ReadAllLines(output).Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.Equal(["ok", "ok", "ok", "outside_contig"], rows.Select(r => r[5]));
        Assert.All(rows.Take(3), r => Assert.True(double.IsFinite(double.Parse(r[6], CultureInfo.InvariantCulture))));
        Assert.Contains("1 not scored: outside_contig", stderr);
    }

    [Fact]
    public void Ism_RegionAtTheContigStart_EveryBaseScored()
    {
        string output = _cli.PathOf("ism.tsv");
        var (code, _, stderr) = _cli.Run("ism", "--model", SharedData.TinyModel, "--reference", _reference, "--region", "NC_000932.1:1-12", "-o", output, "--window", "300");
        Assert.True(code == 0, stderr);
        var rows = File.ReadAllLines(output).Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.Equal(36, rows.Count);
        Assert.All(rows, r => Assert.Equal("ok", r[5]));
    }

    /// <summary>A VCF with one SNV at each 1-based position (REF from the chloroplast, N past its end).</summary>
    private string Vcf(IEnumerable<int> positions) =>
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        + string.Concat(positions.Select(p =>
        {
            char reference = p <= _sequence.Length ? _sequence[p - 1] : 'A';
            return $"NC_000932.1\t{p}\tv{p}\t{reference}\t{Other(reference)}\t.\t.\t.\n";
        }));

    [Fact]
    public void ScoreVariantsAndIsm_StrandBoth_EqualTheLibrary()
    {
        string vcf = _cli.PathOf("s.vcf");
        File.WriteAllLines(vcf,
        [
            "##fileformat=VCFv4.2",
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
            $"NC_000932.1\t4000\ta\t{_sequence[3999]}\t{Other(_sequence[3999])}\t.\t.\t.",
            $"NC_000932.1\t70000\tb\t{_sequence[69999]}\t{Other(_sequence[69999])}\t.\t.\t.",
        ]);
        string output = _cli.PathOf("both.tsv");
        var (code, _, stderr) = _cli.Run("score-variants", "--model", SharedData.TinyModel, "--reference", _reference, "--vcf", vcf, "-o", output, "--window", "300", "--layers", "none", "--strand", "both");
        Assert.True(code == 0, stderr);
        string ism = _cli.PathOf("ism.tsv");
        var ismRun = _cli.Run("ism", "--model", SharedData.TinyModel, "--reference", _reference, "--region", "NC_000932.1:3999-4001", "-o", ism, "--window", "300", "--strand", "both");
        Assert.True(ismRun.ExitCode == 0, ismRun.Stderr);

        using var model = MLNet.AgroNTModel.Load(SharedData.TinyModel);
        using var reference = MLNet.Variants.FastaReference.Open(_reference, writeIndex: false);
        var expected = new MLNet.Variants.VariantScorer(model, new MLNet.Variants.VariantScoringOptions { WindowBases = 300, Layers = [], Strand = Transforms.Embeddings.Strand.Both })
            .Score(reference, MLNet.Variants.VcfReader.Read(vcf));
        var rows = File.ReadAllLines(output).Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.Equal(2, rows.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(expected[i].Llr!.Value, double.Parse(rows[i][6], CultureInfo.InvariantCulture), 1e-5);
        }
        var ismRow = File.ReadAllLines(ism).Skip(1).Select(l => l.Split('\t')).Single(r => r[1] == "4000" && r[4] == Other(_sequence[3999]).ToString());
        Assert.Equal(expected[0].Llr!.Value, double.Parse(ismRow[6], CultureInfo.InvariantCulture), 1e-5);
    }
}
