using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms.Tests.Tokenization;

public sealed class KmerScannerTests
{
    private static int Count(KmerTokenizerOptions options, string text)
    {
        var scanner = new KmerScanner(TestVocabularies.Tiny, options);
        var sink = new CountSink(TestVocabularies.Tiny.K);
        scanner.Tokenize(text, ref sink, "s");
        return sink.Count;
    }

    [Theory]
    [InlineData("ACGTACGTACGT", 2)]
    [InlineData("ACGTAC\nGTACGT", 2)]
    [InlineData("ACG\nTAC", 1)]
    [InlineData("acgtac gtacgt\t", 2)]
    [InlineData("ACGTRACGT", 9)]
    [InlineData("", 0)]
    [InlineData(" \n ", 0)]
    public void Tokenize_NormalizeMode_CountsAfterDroppingWhitespace(string text, int expected)
    {
        Assert.Equal(expected, Count(KmerTokenizerOptions.Default, text));
    }

    [Theory]
    [InlineData("ACG\nTAC", 6)]
    [InlineData("acgt", 1)]
    [InlineData("ac gt", 2)]
    [InlineData("<mask>", 1)]
    [InlineData("<mask", 1)]
    public void Tokenize_HfMode_WhitespaceSeparatesAndUnknownRunsCollapse(string text, int expected)
    {
        Assert.Equal(expected, Count(new KmerTokenizerOptions { Mode = TokenizerMode.Hf }, text));
    }

    [Fact]
    public void Tokenize_CapacityReached_ReportsTruncation()
    {
        var scanner = new KmerScanner(TestVocabularies.Tiny, KmerTokenizerOptions.Default);
        var sink = new CountSink(6, capacity: 2);

        bool truncated = scanner.Tokenize("ACGTAC\nGTACGT\nNN", ref sink, null);

        Assert.True(truncated);
        Assert.Equal(2, sink.Count);
        Assert.Equal(13, sink.LastEnd);
    }
}
