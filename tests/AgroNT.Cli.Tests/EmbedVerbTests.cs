using System.Text.Json.Nodes;
using AgroNT.MLNet;
using AgroNT.MLNet.EmbeddingFiles;
using AgroNT.MLNet.Featurization;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Sequences;

namespace AgroNT.Cli.Tests;

public sealed class EmbedVerbTests : IDisposable
{
    private static readonly string s_task = Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "test.fa");
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Embed_Jsonl_EqualsTheLibraryEmbedderInInputOrder()
    {
        string output = _cli.PathOf("e.jsonl");
        var (code, _, stderr) = _cli.Run("embed", "--model", SharedData.TinyModel, "-i", s_task, "-o", output, "--batch-size", "16");
        Assert.True(code == 0, stderr);

        var lines = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!).ToList();
        var records = SequenceReader.ReadFile(s_task).ToList();
        Assert.Equal(records.Count, lines.Count);
        using var model = AgroNTModel.Load(SharedData.TinyModel);
        var expected = new AgroNTEmbedder(model).Embed(records.Select(r => r.Sequence).ToList());
        for (int i = 0; i < records.Count; i++)
        {
            Assert.Equal(records[i].Name, (string)lines[i]["id"]!);
            float[] actual = lines[i]["embedding"]!.AsArray().Select(v => (float)v!).ToArray();
            Assert.Equal(expected[i], actual);
        }
    }

    [Fact]
    public void Embed_EveryFormat_HoldsTheSameNumbers()
    {
        var results = new Dictionary<string, List<(string Id, float[] Embedding)>>();
        foreach (string extension in new[] { "jsonl", "csv", "npy", "parquet" })
        {
            string output = _cli.PathOf($"e.{extension}");
            var (code, _, stderr) = _cli.Run("embed", "--model", SharedData.TinyModel, "-i", s_task, "-o", output, "--layer", "1", "--pooling", "cls");
            Assert.True(code == 0, stderr);
            results[extension] = EmbeddingFileReader.Read(output).ToList();
        }
        var reference = results["jsonl"];
        Assert.Equal(134, reference.Count);
        foreach (var (format, rows) in results)
        {
            Assert.Equal(reference.Select(r => r.Id), rows.Select(r => r.Id));
            Assert.Equal(reference.Select(r => r.Embedding), rows.Select(r => r.Embedding));
        }
    }

    [Fact]
    public void Embed_WithoutModel_UsesTheEmbeddedDefault()
    {
        string output = _cli.PathOf("d.npy");
        var (code, _, stderr) = _cli.Run("embed", "-i", s_task, "-o", output);
        Assert.True(code == 0, stderr);
        var rows = EmbeddingFileReader.Read(output).ToList();
        Assert.Equal(134, rows.Count);
        int hidden = EsmConfig.FromFile(Path.Combine(AppContext.BaseDirectory, "models", CommonOptions.DefaultModelFolderName)).HiddenSize;
        Assert.All(rows, r => Assert.Equal(hidden, r.Embedding.Length));
    }

    [Fact]
    public void Embed_LayerOutOfRange_IsAUsageError()
    {
        var (code, _, stderr) = _cli.Run("embed", "--model", SharedData.TinyModel, "-i", s_task, "-o", _cli.PathOf("x.jsonl"), "--layer", "7");
        Assert.Equal(2, code);
        Assert.Contains("--layer", stderr);
    }

    [Fact]
    public void Embed_UnknownOutputExtension_IsAUsageError()
    {
        var (code, _, stderr) = _cli.Run("embed", "--model", SharedData.TinyModel, "-i", s_task, "-o", _cli.PathOf("x.xlsx"));
        Assert.Equal(2, code);
        Assert.Contains(".parquet", stderr);
    }

    [Fact]
    public void Embed_StrandReverseAndBoth_EqualTheLibraryOnTheReverseComplement()
    {
        var records = SequenceReader.ReadFile(s_task).Take(10).ToList();
        string input = _cli.PathOf("ten.fa");
        File.WriteAllText(input, string.Concat(records.Select(r => $">{r.Name}\n{r.Sequence}\n")));
        string reverse = _cli.PathOf("r.jsonl"), both = _cli.PathOf("b.jsonl");
        var run = _cli.Run("embed", "--model", SharedData.TinyModel, "-i", input, "-o", reverse, "--strand", "reverse");
        Assert.True(run.ExitCode == 0, run.Stderr);
        run = _cli.Run("embed", "--model", SharedData.TinyModel, "-i", input, "-o", both, "--strand", "both");
        Assert.True(run.ExitCode == 0, run.Stderr);

        using var model = AgroNTModel.Load(SharedData.TinyModel);
        var embedder = new AgroNTEmbedder(model);
        var forward = embedder.Embed(records.Select(r => r.Sequence).ToList());
        var ofRc = embedder.Embed(records.Select(r => Dna.ReverseComplement(r.Sequence)).ToList());
        var reverseRows = EmbeddingFileReader.Read(reverse).ToList();
        var bothRows = EmbeddingFileReader.Read(both).ToList();
        for (int i = 0; i < records.Count; i++)
        {
            for (int h = 0; h < forward[i].Length; h++)
            {
                Assert.Equal(ofRc[i][h], reverseRows[i].Embedding[h], 1e-6);
                Assert.Equal((forward[i][h] + ofRc[i][h]) / 2, bothRows[i].Embedding[h], 1e-5);
            }
        }
    }

    [Fact]
    public void Embed_StrandBothWithTokenPooling_IsAUsageError()
    {
        var (code, _, stderr) = _cli.Run("embed", "--model", SharedData.TinyModel, "-i", s_task, "-o", _cli.PathOf("t.npy"), "--strand", "both", "--pooling", "tokens");
        Assert.Equal(2, code);
        Assert.Contains("--pooling per-nucleotide", stderr);
        Assert.False(File.Exists(_cli.PathOf("t.npy")));
    }
}
