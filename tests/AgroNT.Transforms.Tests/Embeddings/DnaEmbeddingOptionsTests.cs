using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Onnx;

namespace AgroNT.Transforms.Tests.Embeddings;

public sealed class DnaEmbeddingOptionsTests
{
    [Fact]
    public void Defaults_AreTheDocumentedConstants()
    {
        var options = new AgroNTOnnxEmbedderOptions();

        Assert.Null(options.Layer);
        Assert.Equal(Pooling.Mean, options.Pooling);
        Assert.Equal(DnaEmbeddingOptions.DefaultBatchSize, options.BatchSize);
        Assert.Equal(DnaEmbeddingOptions.DefaultMaxBatchTokens, options.MaxBatchTokens);
        Assert.Equal(DnaEmbeddingOptions.DefaultMaxPaddingFraction, options.MaxPaddingFraction);
        Assert.Equal(WindowAggregation.TokenWeightedMean, options.WindowAggregation);
        options.Validate();
    }

    [Theory]
    [InlineData("BatchSize")]
    [InlineData("MaxBatchTokens")]
    [InlineData("MaxPaddingFraction")]
    [InlineData("Layer")]
    [InlineData("IntraOpThreads")]
    [InlineData("CudaDeviceId")]
    public void Validate_OutOfRange_NamesTheOption(string name)
    {
        var options = name switch
        {
            "BatchSize" => new AgroNTOnnxEmbedderOptions { BatchSize = 0 },
            "MaxBatchTokens" => new AgroNTOnnxEmbedderOptions { MaxBatchTokens = -5 },
            "MaxPaddingFraction" => new AgroNTOnnxEmbedderOptions { MaxPaddingFraction = 1.0 },
            "Layer" => new AgroNTOnnxEmbedderOptions { Layer = -1 },
            "IntraOpThreads" => new AgroNTOnnxEmbedderOptions { IntraOpThreads = 0 },
            _ => new AgroNTOnnxEmbedderOptions { CudaDeviceId = -2 },
        };

        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(name, error.ParamName);
        Assert.StartsWith(name, error.Message, StringComparison.Ordinal);
    }
}
