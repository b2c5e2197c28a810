using AgroNT.Tests.Common;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Onnx;
using AgroNT.Transforms.Tests.Tokenization;
using AgroNT.Transforms.Tokenization;
using Xunit.Abstractions;

namespace AgroNT.Transforms.Tests.Onnx;

public sealed class AgroNTOnnxEmbedderTests(ITestOutputHelper output)
{
    private static readonly KmerTokenizerOptions s_hf = KmerTokenizerOptions.Default with { Mode = TokenizerMode.Hf };

    private static AgroNTOnnxEmbedder Tiny(Pooling pooling = Pooling.Mean, int batchSize = 8, LengthPolicy policy = LengthPolicy.Error) =>
        new(TinyOnnxModel.Folder, new AgroNTOnnxEmbedderOptions
        {
            Pooling = pooling,
            BatchSize = batchSize,
            IntraOpThreads = 1,
            Tokenizer = s_hf with { LengthPolicy = policy },
        });

    private static int[][] BatchInputs(HfBatchRecord batch) =>
        [.. batch.Lengths.Select((length, row) => batch.InputIds.Longs.Skip(row * batch.InputIds.Shape[1]).Take(length).Select(v => (int)v).ToArray())];

    [Theory]
    [InlineData("modelcard")]
    [InlineData("mixed")]
    public void EmbedTokenIds_FixtureBatch_ReproducesOnnxAndPyTorchHiddenStates(string name)
    {
        var batch = HfTokenizationFixtures.LoadBatches().Single(b => b.Name == name);
        var onnx = Npy.Read(Path.Combine(SharedData.HfReference, "tiny", "onnx", $"{name}.last_hidden_state.npy"));
        var torch = Npy.Read(Path.Combine(SharedData.HfReference, "tiny", "batch", $"{name}.last_hidden_state.npy"));
        int[][] inputs = BatchInputs(batch);
        using var tokens = Tiny(Pooling.Tokens);
        using var cls = Tiny(Pooling.Cls);
        var perToken = tokens.EmbedTokenIds(inputs);
        var atCls = cls.EmbedTokenIds(inputs);

        int width = onnx.Shape[1], hidden = onnx.Shape[2];
        double maxOnnx = 0, maxTorch = 0;
        for (int row = 0; row < inputs.Length; row++)
        {
            for (int t = 0; t < inputs[row].Length; t++)
            {
                for (int h = 0; h < hidden; h++)
                {
                    float actual = t == 0 ? atCls[row][h] : perToken[row][(t - 1) * hidden + h];
                    int at = (row * width + t) * hidden + h;
                    maxOnnx = Math.Max(maxOnnx, Math.Abs(actual - onnx.Doubles[at]));
                    maxTorch = Math.Max(maxTorch, Math.Abs(actual - torch.Doubles[at]));
                }
            }
        }
        output.WriteLine($"{name}: max |ours - tiny/onnx| = {maxOnnx:E2}, max |ours - PyTorch| = {maxTorch:E2}");
        Assert.True(maxOnnx < 1e-4, $"ONNX fixture difference {maxOnnx}");
        Assert.True(maxTorch < 1e-4, $"PyTorch fixture difference {maxTorch}");
    }

    [Fact]
    public void Embed_Text_EqualsMeanOfPyTorchLastHiddenState()
    {
        var batch = HfTokenizationFixtures.LoadBatches().Single(b => b.Name == "mixed");
        var torch = Npy.Read(Path.Combine(SharedData.HfReference, "tiny", "batch", "mixed.last_hidden_state.npy"));
        string[] texts = [.. batch.SequenceNames.Select(n => HfTokenizationFixtures.Get(n).Text)];
        using var embedder = Tiny();
        var vectors = embedder.Embed(texts);
        int width = torch.Shape[1], hidden = torch.Shape[2];
        for (int row = 0; row < texts.Length; row++)
        {
            int length = batch.Lengths[row];
            for (int h = 0; h < hidden; h++)
            {
                double mean = 0;
                for (int t = 1; t < length; t++)
                {
                    mean += torch.Doubles[(row * width + t) * hidden + h] / (length - 1);
                }
                Assert.Equal(mean, vectors[row][h], 1e-4);
            }
        }
    }

    [Fact]
    public void Embed_BatchSizeOneOrEight_GivesTheSameVectors()
    {
        string[] texts = [.. TestDna.Sequences.Where(s => !s.Contains('R')), "ACGTTGCA", "GATTACAGATTACAGATTACA"];
        using var single = Tiny(batchSize: 1);
        using var batched = Tiny(batchSize: 8);
        var a = single.Embed(texts);
        var b = batched.Embed(texts);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(a[i].Length, b[i].Length);
            for (int h = 0; h < a[i].Length; h++)
            {
                Assert.Equal(a[i][h], b[i][h], 1e-5);
            }
        }
        Assert.True(batched.ComputedTokens >= batched.RealTokens);
    }

    [Fact]
    public void Embed_WindowsPolicy_CombinesWindowVectors()
    {
        string dna = string.Concat(Enumerable.Repeat("ACGTTGCAAGGCTTAC", 420));
        using var embedder = Tiny(policy: LengthPolicy.Windows);
        var windows = embedder.Tokenizer.EncodeWindows(dna);
        Assert.True(windows.Count > 1);
        var parts = embedder.EmbedTokenIds([.. windows.Select(w => w.Ids)]);
        float[] expected = EmbeddingPooler.CombineWindows(Pooling.Mean, WindowAggregation.TokenWeightedMean, parts, [.. windows.Select(w => w.TokenCount)]);
        Assert.Equal(expected, embedder.Embed(dna));
    }

    [Fact]
    public void Properties_DescribeTheTinyGraph()
    {
        using var embedder = Tiny();
        Assert.Equal(64, embedder.HiddenSize);
        Assert.Equal(2, embedder.Layer);
        Assert.Equal(2, embedder.NumHiddenLayers);
        Assert.Equal("last_hidden_state", embedder.OutputName);
        Assert.Equal([2], embedder.AvailableLayers);
        Assert.Equal(64, embedder.VectorLength);
    }

    [Fact]
    public void Constructor_LayerNotInGraph_NamesTheExportCommand()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AgroNTOnnxEmbedder(TinyOnnxModel.Folder, new AgroNTOnnxEmbedderOptions { Layer = 1 }));
        Assert.Contains("--layers 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_FolderWithoutModel_ThrowsFileNotFound()
    {
        var e = Assert.Throws<FileNotFoundException>(() => new AgroNTOnnxEmbedder(SharedData.TinyModel));
        Assert.Contains("export-onnx", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_CudaWithoutGpuRuntime_ExplainsThePackage()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new AgroNTOnnxEmbedder(TinyOnnxModel.Folder, new AgroNTOnnxEmbedderOptions { ExecutionProvider = OnnxExecutionProvider.Cuda }));
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmbedTokenIds_IdOutsideVocabularyOrTooLong_Throws()
    {
        using var embedder = Tiny();
        Assert.Throws<ArgumentException>(() => embedder.EmbedTokenIds([[3, 4105]]));
        Assert.Throws<ArgumentException>(() => embedder.EmbedTokenIds([new int[1025]]));
        Assert.Throws<ArgumentException>(() => embedder.EmbedTokenIds([[]]));
    }
}
