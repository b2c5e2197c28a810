using System.IO.Compression;
using AgroNT.MLNet;

namespace AgroNT.Cli.Tests;

public sealed class PretrainVerbTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public PretrainVerbTests()
    {
        // Two records of random DNA, gzip-compressed, the second held out by name.
        var random = new Random(2);
        string Dna(int length) => new([.. Enumerable.Range(0, length).Select(_ => "ACGT"[random.Next(4)])]);
        using var writer = new StreamWriter(new GZipStream(File.Create(Genome), CompressionLevel.Fastest));
        writer.Write($">train one\n{Dna(2400)}\n>held\n{Dna(900).ToLowerInvariant()}\n");
    }

    private string Genome => _cli.PathOf("genome.fa.gz");

    public void Dispose() => _cli.Dispose();

    private static readonly string[] s_tinySizes = ["--hidden", "16", "--layers", "1", "--heads", "2", "--intermediate", "32"];

    private string[] TinyRun(string output, params string[] extra) => TinyRunWith(output, s_tinySizes, extra);

    private string[] TinyRunWith(string output, string[] architecture, params string[] extra) =>
    [
        "pretrain", "--genome", Genome, "--out", output, .. architecture,
        "--max-steps", "4", "--batch-tokens", "120", "--micro-batch", "2", "--window", "300", "--overlap", "10",
        "--validation-record", "held", "--region-length", "1000", "--validation-interval", "2", "--checkpoint-interval", "2",
        "--log-interval", "1", "--lr", "3e-3", "--seed", "5", .. extra,
    ];

    [Fact]
    public void Pretrain_TinyRun_WritesAModelFolderMetricsAndPlotAndReportsValidation()
    {
        string output = _cli.PathOf("model");
        var (code, stdout, stderr) = _cli.Run(TinyRun(output));

        Assert.True(code == 0, stderr);
        foreach (string file in new[] { "config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "metrics.csv", "loss.png" })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        }
        Assert.Contains("update 4/4: loss", stderr, StringComparison.Ordinal);
        Assert.Contains("tokens/s", stderr, StringComparison.Ordinal);
        Assert.Contains("ETA", stderr, StringComparison.Ordinal);
        Assert.Contains("validation: loss", stdout, StringComparison.Ordinal);
        Assert.Contains("<mask> positions", stdout, StringComparison.Ordinal);
        using var model = AgroNTModel.Load(output);
        Assert.Equal(16, model.Config.HiddenSize);
        Assert.Equal(1, model.Config.NumHiddenLayers);
    }

    [Fact]
    public void Pretrain_Cancelled_WritesACheckpointAndResumeFinishesTheRun()
    {
        string output = _cli.PathOf("cancelled");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = CliApp.Run(TinyRun(output), stdout, stderr, cancelled.Token);

        Assert.Equal(130, code);
        Assert.Contains("--resume", stderr.ToString(), StringComparison.Ordinal);
        Assert.Single(Directory.GetDirectories(Path.Combine(output, "checkpoints")));

        var (resumed, _, resumeErrors) = _cli.Run(TinyRun(output, "--resume"));
        Assert.True(resumed == 0, resumeErrors);
        Assert.Contains("resuming at update 0", resumeErrors, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));
    }

    [Fact]
    public void Pretrain_ConfigFile_SetsTheArchitecture_InitContinuesAModel()
    {
        string config = _cli.PathOf("config.json");
        File.WriteAllText(config, (EsmConfig.AgroNT1B with { HiddenSize = 24, NumHiddenLayers = 1, NumAttentionHeads = 3, IntermediateSize = 48 }).ToJson());
        string first = _cli.PathOf("first");
        var (code, _, stderr) = _cli.Run(TinyRunWith(first, ["--config", config]));
        Assert.True(code == 0, stderr);
        Assert.Equal(24, EsmConfig.FromFile(first).HiddenSize);

        string second = _cli.PathOf("second");
        (code, _, stderr) = _cli.Run(TinyRunWith(second, ["--init", first]));
        Assert.True(code == 0, stderr);
        Assert.Equal(24, EsmConfig.FromFile(second).HiddenSize);
    }

    [Theory]
    [InlineData("no genome", "pretrain", "--out", "x", "--hidden", "16")]
    [InlineData("--config config.json or sizes", "pretrain", "--genome", "GENOME", "--out", "x")]
    [InlineData("--init continues an existing model", "pretrain", "--genome", "GENOME", "--out", "x", "--init", "m", "--hidden", "8")]
    [InlineData("--decay must be", "pretrain", "--genome", "GENOME", "--out", "x", "--hidden", "40", "--decay", "step")]
    [InlineData("--lr must be a number", "pretrain", "--genome", "GENOME", "--out", "x", "--hidden", "40", "--lr", "fast")]
    public void Pretrain_UsageErrors_ExitTwoWithAOneLineMessage(string expected, params string[] args)
    {
        string[] resolved = [.. args.Select(a => a == "GENOME" ? Genome : a)];
        var (code, _, stderr) = _cli.Run(resolved);

        Assert.Equal(2, code);
        Assert.Contains(expected == "no genome" ? "needs --genome" : expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void Pretrain_MissingGenomeFile_ExitsOneNamingIt()
    {
        var (code, _, stderr) = _cli.Run("pretrain", "--genome", _cli.PathOf("absent.fa"), "--out", _cli.PathOf("o"), "--hidden", "16", "--layers", "1", "--heads", "2", "--intermediate", "32");

        Assert.Equal(1, code);
        Assert.Contains("absent.fa", stderr, StringComparison.Ordinal);
    }
}
