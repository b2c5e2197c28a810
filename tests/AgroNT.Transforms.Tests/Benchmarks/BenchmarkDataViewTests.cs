using System.IO.Compression;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Sequences;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Tests.Benchmarks;

public sealed class BenchmarkDataViewTests : IDisposable
{
    private static readonly BenchmarkTask s_coding = new()
    {
        Family = "chloroplast", Config = "coding", ProblemType = ProblemType.BinaryClassification, OutputCount = 1,
        MinLength = 402, MaxLength = 402, Splits = [BenchmarkSplit.Train, BenchmarkSplit.Validation, BenchmarkSplit.Test],
    };

    private static readonly BenchmarkTask s_features = new()
    {
        Family = "chloroplast", Config = "features", ProblemType = ProblemType.MultiLabelClassification, OutputCount = 4,
        MinLength = 1000, MaxLength = 1000, Splits = [BenchmarkSplit.Train, BenchmarkSplit.Validation, BenchmarkSplit.Test],
    };

    private readonly BenchmarkFolder _folder = new BenchmarkFolder()
        .Link("chloroplast_coding", "chloroplast", "coding")
        .Link("chloroplast_features", "chloroplast", "features");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(BenchmarkSplit.Train, 1204)]
    [InlineData(BenchmarkSplit.Validation, 206)]
    [InlineData(BenchmarkSplit.Test, 134)]
    public void Load_BinaryTaskInHubLayout_StreamsBalancedBooleanLabels(BenchmarkSplit split, int rows)
    {
        var view = PlantGenomicBenchmark.Load(_folder.Root, s_coding, split);
        var examples = new MLContext().Data.CreateEnumerable<BinaryRow>(view, reuseRowObject: false).ToList();

        Assert.Equal(rows, examples.Count);
        Assert.Equal(rows / 2, examples.Count(e => e.Label));
        Assert.All(examples, e => Assert.Equal(402, e.Sequence.Length));
        Assert.All(examples, e => Assert.Matches(@"^NC_000932:\d+-\d+\(\+\)$", e.Name));
    }

    [Fact]
    public void Load_BinaryTask_SchemaHasNameSequenceAndBooleanLabel()
    {
        var view = PlantGenomicBenchmark.Load(_folder.Root, s_coding, BenchmarkSplit.Test);

        Assert.Equal(["Name", "Sequence", "Label"], view.Schema.Select(c => c.Name));
        Assert.Equal(TextDataViewType.Instance, view.Schema["Sequence"].Type);
        Assert.Equal(BooleanDataViewType.Instance, view.Schema["Label"].Type);
        Assert.Equal("Label", view.LabelColumnName);
        Assert.False(view.CanShuffle);
        Assert.Null(view.GetRowCount());
    }

    [Fact]
    public void Load_FirstRecord_MatchesTheFile()
    {
        var first = PlantGenomicBenchmark.Load(_folder.Root, s_coding, BenchmarkSplit.Train).ReadExamples().First();
        var record = SequenceReader.ReadFile(BenchmarkFolder.SharedTask("chloroplast_coding", "train")).First();

        Assert.Equal(BenchmarkHeader.Parse(record.Name), new BenchmarkLabel(first.Name, first.Labels));
        Assert.Equal(record.Sequence, first.Sequence);
        Assert.Equal(1, first.LineNumber);
    }

    [Fact]
    public void Load_MultiLabelTask_LabelsVectorWithTheReadmeFrequencies()
    {
        var view = PlantGenomicBenchmark.Load(_folder.Root, s_features, BenchmarkSplit.Train);
        var rows = new MLContext().Data.CreateEnumerable<MultiLabelRow>(view, reuseRowObject: false).ToList();

        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 4), view.Schema["Labels"].Type);
        Assert.Equal(355, rows.Count);
        // README: train positives l1 322, l2 83, l3 0, l4 126.
        Assert.Equal([322f, 83f, 0f, 126f], Enumerable.Range(0, 4).Select(i => rows.Sum(r => r.Labels[i])));
        Assert.All(rows, r => Assert.Equal(1000, r.Sequence.Length));
    }

    [Fact]
    public void Load_WrongLabelCountForTheTask_ThrowsWithFileAndLine()
    {
        // chloroplast_features has 4 labels; chromatin_access/zea_mays expects 19.
        _folder.Link("chloroplast_features", "chromatin_access", "zea_mays", "test");
        var view = PlantGenomicBenchmark.Load(_folder.Root, "chromatin_access/zea_mays", BenchmarkSplit.Test);

        var exception = Assert.Throws<SequenceFormatException>(() => view.ReadExamples().First());

        Assert.EndsWith("zea_mays_test.fa", exception.SourceName);
        Assert.Equal(1, exception.LineNumber);
        Assert.Contains("has 4 labels but task chromatin_access/zea_mays has 19", exception.Message);
        Assert.StartsWith($"{view.FilePath}, line 1: ", exception.Message);
    }

    [Fact]
    public void Load_UnconfirmedLabelCount_IsTakenFromTheFirstRecord()
    {
        _folder.Link("chloroplast_features", "gene_exp", "glycine_max", "test");

        var view = PlantGenomicBenchmark.Load(_folder.Root, "gene_exp/glycine_max", BenchmarkSplit.Test);

        Assert.Equal(4, view.LabelCount);
        Assert.Equal(73, view.ReadExamples().Count());
    }

    [Fact]
    public void Open_MalformedHeader_ThrowsWithFileAndLine()
    {
        string path = _folder.Write("bad.fa", ">a|1\nACGT\n>b|one\nACGT\n");

        var exception = Assert.Throws<SequenceFormatException>(() => BenchmarkDataView.Open(path, ProblemType.BinaryClassification).ReadExamples().ToList());

        Assert.Equal(path, exception.SourceName);
        Assert.Equal(3, exception.LineNumber);
        Assert.Contains("label field 1 'one'", exception.Message);
    }

    [Fact]
    public void Open_HeaderWithoutBar_ThrowsWithFileAndLine()
    {
        string path = _folder.Write("nobar.fa", ">a|0\nACGT\nACGT\n>b\nACGT\n");

        var exception = Assert.Throws<SequenceFormatException>(() => BenchmarkDataView.Open(path, ProblemType.Regression).ReadExamples().ToList());

        Assert.Equal(4, exception.LineNumber);
        Assert.Contains("no '|'", exception.Message);
    }

    [Theory]
    [InlineData(ProblemType.BinaryClassification, ">a|2\nACGT\n", "binary label must be 0 or 1")]
    [InlineData(ProblemType.MultiLabelClassification, ">a|0|0.5\nACGT\n", "multi-label label must be 0 or 1")]
    public void Open_ClassLabelOtherThanZeroOrOne_Throws(ProblemType type, string text, string message)
    {
        string path = _folder.Write("classes.fa", text);

        var exception = Assert.Throws<SequenceFormatException>(() => BenchmarkDataView.Open(path, type).ReadExamples().ToList());

        Assert.Contains(message, exception.Message);
    }

    [Fact]
    public void Open_RegressionAndMultiOutput_KeepRealLabels()
    {
        string single = _folder.Write("reg.fa", ">a|-0.25\nACGT\n>b|3.5\nAC\n");
        string multi = _folder.Write("multi.fa", ">a|-0.25|1|2\nACGT\n>b|3.5|0|1e-3\nAC\n");

        var rows = new MLContext().Data.CreateEnumerable<RegressionRow>(BenchmarkDataView.Open(single, ProblemType.Regression), false).ToList();
        var multiView = BenchmarkDataView.Open(multi, ProblemType.MultiOutputRegression);

        Assert.Equal([-0.25f, 3.5f], rows.Select(r => r.Label));
        Assert.Equal(NumberDataViewType.Single, BenchmarkDataView.Open(single, ProblemType.Regression).Schema["Label"].Type);
        Assert.Equal(3, multiView.LabelCount);
        Assert.Equal([3.5f, 0f, 0.001f], multiView.ReadExamples().Last().Labels);
    }

    [Fact]
    public void Open_DeclaredLabelCountDiffers_ThrowsNamingTheDeclaration()
    {
        string path = _folder.Write("multi.fa", ">a|1|2|3\nACGT\n>b|1|2\nACGT\n");

        var view = BenchmarkDataView.Open(path, ProblemType.MultiOutputRegression);
        var exception = Assert.Throws<SequenceFormatException>(() => view.ReadExamples().ToList());

        Assert.Equal(3, view.LabelCount);
        Assert.Equal(3, exception.LineNumber);
        Assert.Contains("has 2 labels but the first record of the file has 3", exception.Message);
    }

    [Fact]
    public void Cursor_BadRecordAtTheEnd_IsOnlyReportedWhenReached()
    {
        string path = _folder.Write("late.fa", ">a|1\nACGT\n>b|0\nACGT\n>c|x\nACGT\n");
        var view = BenchmarkDataView.Open(path, ProblemType.BinaryClassification);

        using var cursor = view.GetRowCursor(view.Schema);
        var label = cursor.GetGetter<bool>(view.Schema["Label"]);
        var name = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema["Name"]);
        bool value = false;
        ReadOnlyMemory<char> text = default;

        Assert.True(cursor.MoveNext());
        label(ref value);
        name(ref text);
        Assert.True(value);
        Assert.Equal("a", text.ToString());
        Assert.True(cursor.MoveNext());
        Assert.Equal(1, cursor.Position);
        Assert.Throws<SequenceFormatException>(() => cursor.MoveNext());
    }

    [Fact]
    public void Cursor_InactiveColumnOrWrongType_ThrowsClearly()
    {
        var view = PlantGenomicBenchmark.Load(_folder.Root, s_coding, BenchmarkSplit.Test);
        using var cursor = view.GetRowCursor([view.Schema["Label"]]);

        Assert.False(cursor.IsColumnActive(view.Schema["Sequence"]));
        Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema["Sequence"]));
        Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<float>(view.Schema["Label"]));
    }

    [Fact]
    public void Load_GzipCopy_IsUsedWhenThePlainFileIsAbsent()
    {
        Directory.CreateDirectory(Path.Combine(_folder.Root, "lncrna"));
        using (var output = new GZipStream(File.Create(Path.Combine(_folder.Root, "lncrna", "g_max_test.fa.gz")), CompressionLevel.Fastest))
        using (var input = File.OpenRead(BenchmarkFolder.SharedTask("chloroplast_coding", "test")))
        {
            input.CopyTo(output);
        }

        var view = PlantGenomicBenchmark.Load(_folder.Root, "lncrna/g_max", BenchmarkSplit.Test);

        Assert.Equal(134, view.ReadExamples().Count());
    }

    [Fact]
    public void Open_MissingFileOrWrongCount_ThrowsAtOnce()
    {
        Assert.Throws<FileNotFoundException>(() => BenchmarkDataView.Open(Path.Combine(_folder.Root, "none.fa"), ProblemType.Regression));
        string path = _folder.Write("x.fa", ">a|1\nA\n");
        Assert.Throws<ArgumentOutOfRangeException>(() => BenchmarkDataView.Open(path, ProblemType.Regression, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => BenchmarkDataView.Open(path, ProblemType.MultiLabelClassification, 0));
        string empty = _folder.Write("empty.fa", "");
        Assert.Throws<SequenceFormatException>(() => BenchmarkDataView.Open(empty, ProblemType.MultiLabelClassification));
    }

    private sealed class BinaryRow
    {
        public string Name { get; set; } = "";

        public string Sequence { get; set; } = "";

        public bool Label { get; set; }
    }

    private sealed class RegressionRow
    {
        public string Sequence { get; set; } = "";

        public float Label { get; set; }
    }

    private sealed class MultiLabelRow
    {
        public string Sequence { get; set; } = "";

        [VectorType(4)]
        public float[] Labels { get; set; } = [];
    }
}
