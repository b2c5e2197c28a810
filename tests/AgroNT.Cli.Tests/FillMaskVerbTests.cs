using System.Text.Json.Nodes;
using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

public sealed class FillMaskVerbTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void FillMask_ModelCardWidget_ReproducesHuggingFaceTop5()
    {
        var widget = JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.HfReference, "index.json")))!["fixtures"]!["widget"]!;
        var (code, stdout, stderr) = _cli.Run("fill-mask", "--model", SharedData.TinyModel, (string)widget["text"]!, "--top-k", "5", "--json");
        Assert.True(code == 0, stderr);
        var predictions = JsonNode.Parse(stdout.Trim())!.AsArray();
        var expected = widget["fill_mask_top5"]!.AsArray();
        Assert.Equal(5, predictions.Count);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal((int)expected[i]!["token"]!, (int)predictions[i]!["token_id"]!);
            Assert.Equal((string)expected[i]!["token_str"]!, (string)predictions[i]!["token"]!);
            Assert.Equal((double)expected[i]!["score"]!, (double)predictions[i]!["score"]!, 1e-6);
        }
    }

    [Fact]
    public void FillMask_TwoMasks_PrintsOneArrayEach()
    {
        var (code, stdout, _) = _cli.Run("fill-mask", "--model", SharedData.TinyModel, "ACGTAC<mask>GGATCC<mask>TT", "--json", "-k", "3");
        Assert.Equal(0, code);
        var lines = stdout.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.Equal(3, JsonNode.Parse(l)!.AsArray().Count));
    }

    [Fact]
    public void FillMask_NoMask_ExplainsWhatToWrite()
    {
        var (code, _, stderr) = _cli.Run("fill-mask", "--model", SharedData.TinyModel, "ACGTACGT");
        Assert.Equal(1, code);
        Assert.Contains("<mask>", stderr);
    }
}
