using AgroNT.MLNet.EmbeddingFiles;

namespace AgroNT.MLNet.Tests.EmbeddingFiles;

public sealed class EmbeddingFileFormatsTests
{
    [Theory]
    [InlineData("out.parquet", EmbeddingFileFormat.Parquet)]
    [InlineData("results/OUT.CSV", EmbeddingFileFormat.Csv)]
    [InlineData("/tmp/x.y.jsonl", EmbeddingFileFormat.JsonLines)]
    [InlineData("embeddings.Npy", EmbeddingFileFormat.Npy)]
    public void FromPath_KnownExtension_ReturnsItsFormat(string path, EmbeddingFileFormat expected) =>
        Assert.Equal(expected, EmbeddingFileFormats.FromPath(path));

    [Theory]
    [InlineData("out.json")]
    [InlineData("out.txt")]
    [InlineData("out")]
    [InlineData("out.parquet.gz")]
    public void FromPath_UnknownExtension_ThrowsNamingAcceptedExtensions(string path)
    {
        var error = Assert.Throws<ArgumentException>(() => EmbeddingFileFormats.FromPath(path));
        Assert.Equal("path", error.ParamName);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(".parquet, .csv, .jsonl, .npy", error.Message, StringComparison.Ordinal);
    }
}
