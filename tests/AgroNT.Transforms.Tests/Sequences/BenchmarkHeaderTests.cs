using AgroNT.Transforms.Sequences;

namespace AgroNT.Transforms.Tests.Sequences;

public sealed class BenchmarkHeaderTests
{
    [Theory]
    [InlineData("NC_000932:1-402(+)|1", "NC_000932:1-402(+)", new[] { 1f })]
    [InlineData(">seq|0", "seq", new[] { 0f })]
    [InlineData("promoter_17|-0.375", "promoter_17", new[] { -0.375f })]
    [InlineData("x|1e-3|2.5E2| 7 ", "x", new[] { 0.001f, 250f, 7f })]
    [InlineData("chr1:100-1100|0|1|1|0", "chr1:100-1100", new[] { 0f, 1f, 1f, 0f })]
    [InlineData("|1", "", new[] { 1f })]
    public void Parse_ValidHeaders_SplitsNameAndLabels(string header, string name, float[] labels)
    {
        Assert.Equal(new BenchmarkLabel(name, labels), BenchmarkHeader.Parse(header));
    }

    [Fact]
    public void Parse_CommaDecimalCulture_StillUsesInvariantCulture()
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");

            Assert.Equal([0.5f], BenchmarkHeader.Parse("a|0.5").Labels);
            Assert.Throws<FormatException>(() => BenchmarkHeader.Parse("a|0,5"));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Parse_NoBar_ThrowsNamingTheHeader()
    {
        var exception = Assert.Throws<FormatException>(() => BenchmarkHeader.Parse("NC_000932.1"));

        Assert.Contains("'NC_000932.1'", exception.Message);
        Assert.Contains("no '|'", exception.Message);
    }

    [Theory]
    [InlineData("a|x", 1, "x")]
    [InlineData("a|0|1|yes", 3, "yes")]
    [InlineData("a|1|", 2, "")]
    [InlineData("a||1", 1, "")]
    [InlineData("a|NaN", 1, "NaN")]
    [InlineData("a|1e39", 1, "1e39")]
    public void Parse_BadLabelField_ThrowsNamingHeaderAndField(string header, int field, string text)
    {
        var exception = Assert.Throws<FormatException>(() => BenchmarkHeader.Parse(header));

        Assert.Contains($"'{header}'", exception.Message);
        Assert.Contains($"label field {field} '{text}'", exception.Message);
    }

    [Fact]
    public void TryParse_ValidAndInvalid_ReportsWithoutThrowing()
    {
        Assert.True(BenchmarkHeader.TryParse("a|1|0", out BenchmarkLabel? label));
        Assert.Equal(new BenchmarkLabel("a", [1f, 0f]), label);
        Assert.False(BenchmarkHeader.TryParse("a|one", out label));
        Assert.Null(label);
        Assert.False(BenchmarkHeader.TryParse("plain", out _));
        Assert.False(BenchmarkHeader.TryParse(null, out _));
    }

    [Fact]
    public void Parse_ChloroplastCodingTrain_EveryHeaderIsBinaryAndClassesAreBalanced()
    {
        var labels = SequenceReader.ReadFile(TaskFile("chloroplast_coding", "train.fa"))
            .Select(r => BenchmarkHeader.Parse(r.Name))
            .ToList();

        Assert.Equal(1_204, labels.Count);
        Assert.All(labels, l => Assert.Single(l.Labels));
        Assert.All(labels, l => Assert.Matches(@"^NC_000932:\d+-\d+\(\+\)$", l.Name));
        Assert.Equal(602, labels.Count(l => l.Labels[0] == 0f));
        Assert.Equal(602, labels.Count(l => l.Labels[0] == 1f));
    }

    [Fact]
    public void Parse_ChloroplastFeaturesTrain_FourLabelsWithTheDocumentedCounts()
    {
        var labels = SequenceReader.ReadFile(TaskFile("chloroplast_features", "train.fa"))
            .Select(r => BenchmarkHeader.Parse(r.Name))
            .ToList();

        Assert.Equal(355, labels.Count);
        Assert.All(labels, l => Assert.Equal(4, l.Labels.Length));
        Assert.All(labels, l => Assert.All(l.Labels, v => Assert.True(v is 0f or 1f)));
        // The task README: CDS 322, tRNA 83, rRNA 0, intron-containing gene 126.
        Assert.Equal([322, 83, 0, 126], Enumerable.Range(0, 4).Select(i => labels.Count(l => l.Labels[i] == 1f)));
    }

    private static string TaskFile(string task, string file) =>
        Path.Combine(AgroNT.Tests.Common.SharedData.Data, "tasks", task, file);
}
