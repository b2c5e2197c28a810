using System.Text.Json.Nodes;
using AgroNT.MLNet.EmbeddingFiles;
using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

/// <summary>tokenize, embed, fill-mask and info on an ESM-2 protein folder, with FASTA and .txt protein input.</summary>
public sealed class Esm2VerbTests : IDisposable
{
    private static readonly JsonNode s_index = JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.Esm2Reference, "index.json")))!;
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private static JsonNode Record(string name) => s_index["fixtures"]!["tokenization"]!.AsArray().Single(r => (string)r!["name"]! == name)!;

    private static int[] Ids(string name) => [.. Record(name)["input_ids"]!.AsArray().Select(v => (int)v!)];

    private string Fasta()
    {
        // insulin_b wrapped over two lines, peptide_10 in lowercase (normalize mode upper-cases it).
        string path = _cli.PathOf("proteins.fa");
        File.WriteAllText(path, ">insulin_b human insulin B chain\nFVNQHLCGSHLVEAL\nYLVCGERGFFYTPKT\n>peptide_10\nmktayiakqr\n");
        return path;
    }

    private string Text()
    {
        string path = _cli.PathOf("proteins.txt");
        File.WriteAllText(path, "MKTAYIAKQR\nFVNQHLCGSHLVEALYLVCGERGFFYTPKT\nM\n");
        return path;
    }

    [Fact]
    public void Tokenize_FastaAndTxt_GiveEsmTokenizerIds()
    {
        string output = _cli.PathOf("fa.jsonl");
        var (code, _, stderr) = _cli.Run("tokenize", "--model", SharedData.Esm2TinyModel, "-i", Fasta(), "-o", output);
        Assert.True(code == 0, stderr);
        var lines = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["insulin_b", "peptide_10"], lines.Select(l => (string)l["id"]!));
        Assert.Equal(Ids("insulin_b"), lines[0]["input_ids"]!.AsArray().Select(v => (int)v!));
        Assert.Equal(Ids("peptide_10"), lines[1]["input_ids"]!.AsArray().Select(v => (int)v!));

        output = _cli.PathOf("txt.jsonl");
        (code, _, stderr) = _cli.Run("tokenize", "--model", SharedData.Esm2TinyModel, "-i", Text(), "-o", output, "--tokenizer-mode", "hf");
        Assert.True(code == 0, stderr);
        lines = [.. File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!)];
        Assert.Equal(["line1", "line2", "line3"], lines.Select(l => (string)l["id"]!));
        Assert.Equal(Ids("len1_M"), lines[2]["input_ids"]!.AsArray().Select(v => (int)v!));
    }

    [Fact]
    public void Embed_PoolingCls_IsTheClsRowOfTheFixtureLastHiddenState()
    {
        foreach (var (input, names) in new[] { (Text(), new[] { "peptide_10", "insulin_b", "len1_M" }), (Fasta(), new[] { "insulin_b", "peptide_10" }) })
        {
            string output = _cli.PathOf($"cls{names.Length}.jsonl");
            var (code, _, stderr) = _cli.Run("embed", "--model", SharedData.Esm2TinyModel, "-i", input, "-o", output, "--pooling", "cls");
            Assert.True(code == 0, stderr);
            var rows = EmbeddingFileReader.Read(output).ToList();
            Assert.Equal(names.Length, rows.Count);
            for (int i = 0; i < names.Length; i++)
            {
                var hidden = Npy.Read(Path.Combine(SharedData.Esm2Reference, "tiny", "single", $"{names[i]}.last_hidden_state.npy"));
                double max = Enumerable.Range(0, 64).Max(h => Math.Abs(hidden.Doubles[h] - rows[i].Embedding[h]));
                Assert.InRange(max, 0, 1e-4);
            }
        }
    }

    [Fact]
    public void ExportOnnx_ThenEmbedWithTheOnnxEngine_GivesTheFixtureClsRows()
    {
        string onnx = _cli.PathOf("onnx");
        var (code, _, stderr) = _cli.Run("export-onnx", "--model", SharedData.Esm2TinyModel, "-o", onnx);
        Assert.True(code == 0, stderr);
        string output = _cli.PathOf("onnx.jsonl");
        (code, _, stderr) = _cli.Run("embed", "--engine", "onnx", "--model", onnx, "-i", Fasta(), "-o", output, "--pooling", "cls");
        Assert.True(code == 0, stderr);
        var rows = EmbeddingFileReader.Read(output).ToList();
        string[] names = ["insulin_b", "peptide_10"];
        for (int i = 0; i < names.Length; i++)
        {
            var hidden = Npy.Read(Path.Combine(SharedData.Esm2Reference, "tiny", "single", $"{names[i]}.last_hidden_state.npy"));
            Assert.InRange(Enumerable.Range(0, 64).Max(h => Math.Abs(hidden.Doubles[h] - rows[i].Embedding[h])), 0, 1e-4);
        }
    }

    [Fact]
    public void Embed_CharacterOutsideTheProteinVocabulary_ExitsNonZeroNamingIt()
    {
        string input = _cli.PathOf("stop.txt");
        File.WriteAllText(input, "MKTAYIAKQR\nMKT*AY\n");
        var (code, _, stderr) = _cli.Run("embed", "--model", SharedData.Esm2TinyModel, "-i", input, "-o", _cli.PathOf("x.jsonl"));
        Assert.NotEqual(0, code);
        Assert.Contains("'line2'", stderr, StringComparison.Ordinal);
        Assert.Contains("'*'", stderr, StringComparison.Ordinal);
        Assert.Contains("position 3", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void FillMask_ProteinText_ReproducesHuggingFaceTop5()
    {
        var fill = s_index["fixtures"]!["fill_mask"]!;
        var (code, stdout, stderr) = _cli.Run("fill-mask", "--model", SharedData.Esm2TinyModel, (string)fill["text"]!, "--json");
        Assert.True(code == 0, stderr);
        var predictions = JsonNode.Parse(stdout.Trim())!.AsArray();
        var expected = fill["fill_mask_top5"]![0]!["top5"]!.AsArray();
        Assert.Equal(expected.Select(e => (int)e!["token"]!), predictions.Select(p => (int)p!["token_id"]!));
        Assert.Equal(expected.Select(e => (string)e!["token_str"]!), predictions.Select(p => (string)p!["token"]!));
        Assert.Equal((double)expected[0]!["score"]!, (double)predictions[0]!["score"]!, 1e-5);
    }

    [Fact]
    public void Info_Esm2Folder_NamesTheRotaryArchitecture()
    {
        var (code, stdout, stderr) = _cli.Run("info", "--model", SharedData.Esm2TinyModel);
        Assert.True(code == 0, stderr);
        Assert.Equal("", stderr);
        Assert.Contains("rotary positions, token dropout, LM head tied to the embeddings (ESM-2)", stdout, StringComparison.Ordinal);
        Assert.Contains("1024 tokens (<cls> + 1,022 residues + <eos>)", stdout, StringComparison.Ordinal);
        Assert.Contains("33 tokens, protein", stdout, StringComparison.Ordinal);

        (code, stdout, _) = _cli.Run("info", "--model", SharedData.Esm2TinyModel, "--json");
        Assert.Equal(0, code);
        var json = JsonNode.Parse(stdout)!;
        Assert.Equal("ESM-2", (string)json["family"]!);
        Assert.Equal("rotary", (string)json["position_embedding_type"]!);
    }
}
