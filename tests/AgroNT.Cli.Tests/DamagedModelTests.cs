using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

/// <summary>A model folder with damaged weights is refused by the verbs that load it, unless the user asks otherwise.</summary>
public sealed class DamagedModelTests : IDisposable
{
    // The masked-LM head: embeddings never read it, so a model allowed to load still embeds exactly as the intact one.
    private const string Tensor = "lm_head.dense.weight";
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>The tiny model with safetensors weights only, one value of <see cref="Tensor"/> set to NaN.</summary>
    private string ModelWithNaN()
    {
        string folder = Directory.CreateDirectory(_cli.PathOf("nan-model")).FullName;
        foreach (string file in Directory.GetFiles(SharedData.TinyModel).Where(f => !f.EndsWith(".bin", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
        string weights = Path.Combine(folder, "model.safetensors");
        // safetensors: an 8-byte header length, the JSON header, then the data; data_offsets count from the data's start.
        using var stream = new FileStream(weights, FileMode.Open, FileAccess.ReadWrite);
        var length = new byte[8];
        stream.ReadExactly(length);
        var header = new byte[BitConverter.ToInt64(length)];
        stream.ReadExactly(header);
        using var json = System.Text.Json.JsonDocument.Parse(header);
        stream.Position = 8 + header.Length + json.RootElement.GetProperty(Tensor).GetProperty("data_offsets")[0].GetInt64();
        stream.Write(BitConverter.GetBytes(float.NaN));
        return folder;
    }

    [Fact]
    public void Embed_NaNWeight_ExitsOneNamingTheTensor_AndTheFlagLoadsIt()
    {
        string model = ModelWithNaN();
        string input = _cli.PathOf("in.fa");
        File.WriteAllText(input, ">a\nACGTACGTACGTAAA\n");
        string output = _cli.PathOf("e.jsonl"), intact = _cli.PathOf("intact.jsonl");

        var refused = _cli.Run("embed", "--model", model, "-i", input, "-o", output);
        Assert.False(File.Exists(output));
        var allowed = _cli.Run("embed", "--model", model, "-i", input, "-o", output, "--allow-non-finite-weights");
        Assert.Equal(0, _cli.Run("embed", "--model", SharedData.TinyModel, "-i", input, "-o", intact).ExitCode);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(Tensor + " (1 of ", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("--allow-non-finite-weights", refused.Stderr, StringComparison.Ordinal);
        Assert.True(allowed.ExitCode == 0, allowed.Stderr);
        Assert.Equal(File.ReadAllText(intact), File.ReadAllText(output));
    }
}
