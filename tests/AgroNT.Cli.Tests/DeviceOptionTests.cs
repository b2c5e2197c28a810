using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

/// <summary>
/// <c>--device</c> on every compute verb. This machine's libtorch is the CPU build, so <c>cuda</c> must fail before any
/// work with one line naming what is missing and the package that brings it.
/// </summary>
public sealed class DeviceOptionTests : IDisposable
{
    private readonly CliRunner _cli = new();
    private readonly string _reference;
    private readonly string _vcf;
    private readonly string _task = Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "test.fa");

    public DeviceOptionTests()
    {
        _reference = _cli.PathOf("chloroplast.fa");
        File.Copy(Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa"), _reference);
        _vcf = _cli.PathOf("v.vcf");
        File.WriteAllLines(_vcf, ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO", "NC_000932.1\t4000\ta\tA\tC\t.\t.\t."]);
    }

    public void Dispose() => _cli.Dispose();

    public static TheoryData<string> Verbs => ["embed", "fill-mask", "score-variants", "ism", "finetune", "pretrain", "bench"];

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Device_CudaWithoutCudaLibtorch_ExitsOneWithOneLineNamingThePackage(string verb)
    {
        string output = _cli.PathOf(verb + "-out");

        var (code, stdout, stderr) = _cli.Run([.. Arguments(verb, output), "--device", "cuda"]);

        Assert.True(code == 1, $"exit {code}: {stderr}");
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"agront {verb}: error: Device cuda:0 was requested", line, StringComparison.Ordinal);
        Assert.Contains("torch.cuda.is_available() is false", line, StringComparison.Ordinal);
        Assert.Contains("TorchSharp-cuda-linux", line, StringComparison.Ordinal);
        Assert.Contains("--device cpu", line, StringComparison.Ordinal);
        Assert.Equal("", stdout);
        Assert.False(Directory.Exists(output) || File.Exists(output), "nothing is written when the device is missing");
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Device_Gpu_IsAUsageError(string verb)
    {
        var (code, _, stderr) = _cli.Run([.. Arguments(verb, _cli.PathOf(verb + "-out")), "--device", "gpu"]);

        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Contains("--device: Device must be cpu, cuda or cuda:N", stderr, StringComparison.Ordinal);
        Assert.Contains("'gpu'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Device_Cpu_RunsAsWithout()
    {
        var (code, stdout, stderr) = _cli.Run("fill-mask", "--model", SharedData.TinyModel, "--device", "cpu", "--json", "ACCTGA<mask>TTCTGAGTC");

        Assert.True(code == 0, stderr);
        Assert.StartsWith("[{\"token\":", stdout, StringComparison.Ordinal);
    }

    private string[] Arguments(string verb, string output) => verb switch
    {
        "embed" => ["embed", "--model", SharedData.TinyModel, "-i", _task, "-o", output + ".parquet"],
        "fill-mask" => ["fill-mask", "--model", SharedData.TinyModel, "ACCTGA<mask>TTCTGAGTC"],
        "score-variants" => ["score-variants", "--model", SharedData.TinyModel, "--reference", _reference, "--vcf", _vcf, "-o", output + ".tsv"],
        "ism" => ["ism", "--model", SharedData.TinyModel, "--reference", _reference, "--region", "NC_000932.1:30001-30030", "-o", output + ".tsv"],
        "finetune" => ["finetune", "--model", SharedData.TinyModel, "--train", _task, "--test", _task, "--task", "binary", "--method", "ia3", "--out", output],
        "pretrain" => ["pretrain", "--genome", _reference, "--init", SharedData.TinyModel, "--out", output, "--max-steps", "1"],
        "bench" => ["bench", "--layers", "1", "--hidden", "64", "--heads", "4", "--intermediate", "128", "--repeats", "1"],
        _ => throw new ArgumentOutOfRangeException(nameof(verb), verb, null),
    };
}
