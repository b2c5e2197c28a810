using System.Buffers.Binary;
using System.Text;
using AgroNT.MLNet.EmbeddingFiles;
using AgroNT.Tests.Common;
using Parquet;
using Parquet.Schema;

namespace AgroNT.MLNet.Tests.EmbeddingFiles;

public sealed class EmbeddingFileWriterTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public static TheoryData<EmbeddingFileFormat> AllFormats => [.. Enum.GetValues<EmbeddingFileFormat>()];

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void WriteThenRead_RandomRows_RoundTripBitIdentical(EmbeddingFileFormat format)
    {
        var rows = EmbeddingRows.Fixed(
            count: 60,
            dimension: 13,
            finiteOnly: format == EmbeddingFileFormat.JsonLines,
            idsWithLineBreaks: format != EmbeddingFileFormat.Npy);
        string path = _folder.File("out" + Extension(format));

        WriteAll(path, rows);

        EmbeddingRows.AssertBitIdentical(rows, [.. EmbeddingFileReader.Read(path)]);
    }

    [Theory]
    [InlineData(EmbeddingFileFormat.JsonLines)]
    [InlineData(EmbeddingFileFormat.Parquet)]
    public void WriteThenRead_VariableLengthRowsWithEmptyOnes_RoundTrip(EmbeddingFileFormat format)
    {
        var rows = EmbeddingRows.Variable(40);
        string path = _folder.File("tokens" + Extension(format));

        WriteAll(path, rows);

        EmbeddingRows.AssertBitIdentical(rows, [.. EmbeddingFileReader.Read(path)]);
    }

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void Complete_NoRows_WritesAnEmptyFileThatReadsBack(EmbeddingFileFormat format)
    {
        string path = _folder.File("empty" + Extension(format));

        WriteAll(path, []);

        Assert.True(File.Exists(path));
        Assert.Empty(EmbeddingFileReader.Read(path));
    }

    [Fact]
    public void Complete_NoRowsNpy_WritesShapeZeroByZeroAndEmptySidecar()
    {
        string path = _folder.File("empty.npy");

        WriteAll(path, []);

        var array = Npy.Read(path);
        Assert.Equal([0, 0], array.Shape);
        Assert.Equal(128, new FileInfo(path).Length);
        Assert.Equal(0, new FileInfo(_folder.File("empty.ids.txt")).Length);
    }

    [Fact]
    public void Complete_NoRowsCsv_WritesTheIdHeaderAlone()
    {
        string path = _folder.File("empty.csv");

        WriteAll(path, []);

        Assert.Equal("id\n", File.ReadAllText(path));
    }

    [Fact]
    public async Task Complete_NoRowsParquet_WritesAFileWithTheSchemaAndNoRowGroups()
    {
        string path = _folder.File("empty.parquet");

        WriteAll(path, []);

        await using var reader = await ParquetReader.CreateAsync(path, null, CancellationToken.None);
        Assert.Equal(0, reader.RowGroupCount);
        Assert.Equal(["id", "embedding"], reader.Schema.Fields.Select(f => f.Name));
        Assert.False(reader.CustomMetadata.ContainsKey("dim"));
    }

    [Fact]
    public void Complete_JsonLines_WritesOneCompactObjectPerLineInUtf8WithoutBom()
    {
        string path = _folder.File("out.jsonl");

        WriteAll(path, [("a,\"b\" ü", [0.1f, -2f, 3.5e-5f]), ("line2", [])]);

        byte[] bytes = File.ReadAllBytes(path);
        Assert.NotEqual(0xEF, bytes[0]);
        Assert.Equal(
            "{\"id\":\"a,\\\"b\\\" ü\",\"embedding\":[0.1,-2,3.5E-05]}\n{\"id\":\"line2\",\"embedding\":[]}\n",
            Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Complete_Csv_WritesHeaderAndQuotesIdsPerRfc4180()
    {
        string path = _folder.File("out.csv");

        WriteAll(path, [("plain", [1.5f, -0f]), ("a,b", [float.NaN, 1e-45f]), ("say \"hi\"", [float.PositiveInfinity, 3f]), ("", [0.1f, 2f]), ("two\nlines", [1f, 2f])]);

        Assert.Equal(
            "id,e0,e1\nplain,1.5,-0\n\"a,b\",NaN,1E-45\n\"say \"\"hi\"\"\",Infinity,3\n\"\",0.1,2\n\"two\nlines\",1,2\n",
            File.ReadAllText(path));
    }

    [Fact]
    public void Complete_Npy_HeaderIsWhatNumPyParses()
    {
        string path = _folder.File("matrix.npy");
        float[][] values = [[1f, 2f, 3f, 4f], [-1f, 0.5f, float.Epsilon, float.MaxValue], [0f, -0f, 7f, 1e-3f]];

        WriteAll(path, [("r0", values[0]), ("r1", values[1]), ("r2", values[2])]);

        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0], bytes[..8]);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        int dataStart = 10 + headerLength;
        Assert.Equal(0, dataStart % 64);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", header, StringComparison.Ordinal);
        Assert.EndsWith("\n", header, StringComparison.Ordinal);
        Assert.Equal("", header[60..^1].Trim(' '));
        Assert.Equal(3 * 4 * sizeof(float), bytes.Length - dataStart);

        var array = Npy.Read(path);
        Assert.Equal("<f4", array.DType);
        Assert.Equal([3, 4], array.Shape);
        Assert.Equal(values.SelectMany(v => v).Select(v => (double)v), array.Doubles);
        Assert.Equal("r0\nr1\nr2\n", File.ReadAllText(_folder.File("matrix.ids.txt")));
    }

    [Fact]
    public async Task Complete_Parquet_WritesAStandardListColumnAndDimMetadata()
    {
        string path = _folder.File("out.parquet");

        WriteAll(path, EmbeddingRows.Fixed(5, dimension: 7, finiteOnly: true, idsWithLineBreaks: true));

        await using var reader = await ParquetReader.CreateAsync(path, null, CancellationToken.None);
        var id = Assert.IsType<DataField>(reader.Schema.Fields[0], exactMatch: false);
        Assert.Equal("id", id.Name);
        // Parquet.Net 6 reads UTF-8 string columns back as ReadOnlyMemory<char>.
        Assert.Contains(id.ClrType, new[] { typeof(string), typeof(ReadOnlyMemory<char>) });
        Assert.False(id.IsNullable);
        var list = Assert.IsType<ListField>(reader.Schema.Fields[1]);
        Assert.Equal("embedding", list.Name);
        var element = Assert.IsType<DataField>(list.Item, exactMatch: false);
        Assert.Equal(typeof(float), element.ClrType);
        Assert.Equal("embedding/list/element", element.Path.ToString());
        Assert.Equal("7", reader.CustomMetadata["dim"]);
    }

    [Fact]
    public async Task Complete_ParquetVariableLength_HasNoDimMetadata()
    {
        string path = _folder.File("tokens.parquet");

        WriteAll(path, EmbeddingRows.Variable(8));

        await using var reader = await ParquetReader.CreateAsync(path, null, CancellationToken.None);
        Assert.False(reader.CustomMetadata.ContainsKey("dim"));
    }

    [Theory]
    [InlineData(10, 1_000_000, 35, 4, 4)]
    [InlineData(1024, 30, 20, 10, 7)]
    public async Task Write_ParquetPastRowGroupLimits_SplitsRowGroupsAndRoundTrips(int maxRows, long maxValues, int rowCount, int dimension, int expectedGroups)
    {
        string path = _folder.File("groups.parquet");
        var rows = EmbeddingRows.Fixed(rowCount, dimension, finiteOnly: false, idsWithLineBreaks: true);

        using (var writer = EmbeddingFileWriter.Create(path, EmbeddingFileFormat.Parquet, new ParquetRowGroupLimits(maxRows, maxValues)))
        {
            foreach (var (id, embedding) in rows)
            {
                writer.Write(id, embedding);
            }
            writer.Complete();
        }

        await using (var reader = await ParquetReader.CreateAsync(path, null, CancellationToken.None))
        {
            Assert.Equal(expectedGroups, reader.RowGroupCount);
        }
        EmbeddingRows.AssertBitIdentical(rows, [.. EmbeddingFileReader.Read(path)]);
    }

    [Theory]
    [InlineData(EmbeddingFileFormat.Csv, "CSV")]
    [InlineData(EmbeddingFileFormat.Npy, "NPY")]
    public void Write_RowOfAnotherLength_ThrowsSuggestingJsonlOrParquetAndStaysUsable(EmbeddingFileFormat format, string name)
    {
        string path = _folder.File("fixed" + Extension(format));
        using var writer = EmbeddingFileWriter.Create(path);
        writer.Write("first", [1f, 2f, 3f]);

        var error = Assert.Throws<InvalidOperationException>(() => writer.Write("second", [1f, 2f]));

        Assert.Contains("Row 1 (id 'second')", error.Message, StringComparison.Ordinal);
        Assert.Contains("has 2 values, but the earlier rows have 3", error.Message, StringComparison.Ordinal);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Contains(".jsonl or .parquet", error.Message, StringComparison.Ordinal);
        writer.Write("third", [4f, 5f, 6f]);
        writer.Complete();
        Assert.Equal(["first", "third"], EmbeddingFileReader.Read(path).Select(r => r.Id));
    }

    [Fact]
    public void Write_NpyIdWithLineBreak_ThrowsBecauseTheSidecarIsOneIdPerLine()
    {
        using var writer = EmbeddingFileWriter.Create(_folder.File("x.npy"));

        var error = Assert.Throws<ArgumentException>(() => writer.Write("a\nb", [1f]));

        Assert.Contains("line break", error.Message, StringComparison.Ordinal);
        Assert.Contains(".ids.txt", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Write_JsonLinesNonFiniteValue_ThrowsNamingTheIndex(float value)
    {
        using var writer = EmbeddingFileWriter.Create(_folder.File("x.jsonl"));

        var error = Assert.Throws<ArgumentException>(() => writer.Write("seq", [0f, value]));

        Assert.Contains("embedding[1]", error.Message, StringComparison.Ordinal);
        Assert.Contains(".parquet or .npy", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void Write_IdWithUnpairedSurrogate_ThrowsInsteadOfWritingReplacementCharacters(EmbeddingFileFormat format)
    {
        using var writer = EmbeddingFileWriter.Create(_folder.File("x" + Extension(format)));

        var error = Assert.Throws<ArgumentException>(() => writer.Write("bad\uD800id", [1f]));

        Assert.Contains("not valid Unicode", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void Dispose_WithoutComplete_LeavesNoFile(EmbeddingFileFormat format)
    {
        string path = _folder.File("abandoned" + Extension(format));

        using (var writer = EmbeddingFileWriter.Create(path))
        {
            foreach (var (id, embedding) in EmbeddingRows.Fixed(2000, 16, finiteOnly: true, idsWithLineBreaks: false))
            {
                writer.Write(id, embedding);
            }
            Assert.NotEmpty(_folder.FileNames());
        }

        Assert.Empty(_folder.FileNames());
    }

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void Dispose_WithoutComplete_LeavesAnExistingFileUntouched(EmbeddingFileFormat format)
    {
        string path = _folder.File("kept" + Extension(format));
        File.WriteAllText(path, "previous results");
        File.WriteAllText(_folder.File("kept.ids.txt"), "previous ids");

        using (var writer = EmbeddingFileWriter.Create(path))
        {
            writer.Write("new", [1f, 2f]);
        }

        Assert.Equal("previous results", File.ReadAllText(path));
        Assert.Equal("previous ids", File.ReadAllText(_folder.File("kept.ids.txt")));
        Assert.Equal(new[] { "kept" + Extension(format), "kept.ids.txt" }.Order(StringComparer.Ordinal), _folder.FileNames());
    }

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void Write_BeforeComplete_WritesOnlyATemporaryFileBesideTheDestination(EmbeddingFileFormat format)
    {
        string path = _folder.File("out" + Extension(format));
        using var writer = EmbeddingFileWriter.Create(path);
        writer.Write("a", [1f]);

        Assert.False(File.Exists(path));
        Assert.All(_folder.FileNames(), name => Assert.Matches(@"^out\.(ids\.txt|[a-z]+)\.tmp-[0-9a-f]{12}$", name));

        writer.Complete();
        Assert.True(File.Exists(path));
        Assert.DoesNotContain(_folder.FileNames(), name => name.Contains(".tmp-", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void Complete_ExistingFile_IsReplaced(EmbeddingFileFormat format)
    {
        string path = _folder.File("out" + Extension(format));
        File.WriteAllText(path, "previous results");

        WriteAll(path, [("new", [1f, 2f])]);

        var row = Assert.Single(EmbeddingFileReader.Read(path));
        Assert.Equal("new", row.Id);
    }

    [Fact]
    public void Create_ExplicitFormat_WinsOverTheExtension()
    {
        string path = _folder.File("out.dat");

        using (var writer = EmbeddingFileWriter.Create(path, EmbeddingFileFormat.JsonLines))
        {
            Assert.Equal(EmbeddingFileFormat.JsonLines, writer.Format);
            writer.Write("a", [1f]);
            writer.Complete();
        }

        Assert.Equal("{\"id\":\"a\",\"embedding\":[1]}\n", File.ReadAllText(path));
        Assert.Equal("a", EmbeddingFileReader.Read(path, EmbeddingFileFormat.JsonLines).Single().Id);
    }

    [Fact]
    public void Create_MissingFolder_ThrowsNamingTheFolder()
    {
        string path = _folder.File(Path.Combine("no-such-folder", "out.parquet"));

        var error = Assert.Throws<DirectoryNotFoundException>(() => EmbeddingFileWriter.Create(path));

        Assert.Contains("no-such-folder", error.Message, StringComparison.Ordinal);
        Assert.Contains("Create it first", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_UnknownExtension_ThrowsBeforeCreatingAnything()
    {
        Assert.Throws<ArgumentException>(() => EmbeddingFileWriter.Create(_folder.File("out.txt")));
        Assert.Empty(_folder.FileNames());
    }

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void Complete_RenameFails_DeletesTheTemporaryFileAndRefusesMoreRows(EmbeddingFileFormat format)
    {
        string path = _folder.File("out" + Extension(format));
        using var writer = EmbeddingFileWriter.Create(path);
        writer.Write("a", [1f]);
        // Something else takes the destination's name meanwhile, so the final rename cannot replace it.
        Directory.CreateDirectory(path);

        Assert.ThrowsAny<IOException>(writer.Complete);

        Assert.DoesNotContain(_folder.FileNames(), name => name.Contains(".tmp-", StringComparison.Ordinal));
        var error = Assert.Throws<InvalidOperationException>(() => writer.Write("b", [2f]));
        Assert.Contains("abandoned after an error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_AfterComplete_Throws()
    {
        using var writer = EmbeddingFileWriter.Create(_folder.File("out.csv"));
        writer.Write("a", [1f]);
        writer.Complete();

        Assert.Throws<InvalidOperationException>(() => writer.Write("b", [2f]));
        Assert.Throws<InvalidOperationException>(writer.Complete);
        Assert.Equal(1, writer.RowCount);
    }

    [Fact]
    public void Write_AfterDispose_ThrowsObjectDisposed()
    {
        var writer = EmbeddingFileWriter.Create(_folder.File("out.csv"));
        writer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => writer.Write("b", [2f]));
    }

    [Fact]
    public async Task CompleteAsync_Parquet_PutsTheFileInPlace()
    {
        string path = _folder.File("async.parquet");
        var rows = EmbeddingRows.Fixed(10, 4, finiteOnly: false, idsWithLineBreaks: true);

        await using (var writer = EmbeddingFileWriter.Create(path))
        {
            foreach (var (id, embedding) in rows)
            {
                writer.Write(id, embedding);
            }
            await writer.CompleteAsync();
        }

        EmbeddingRows.AssertBitIdentical(rows, [.. EmbeddingFileReader.Read(path)]);
    }

    [Fact]
    public async Task DisposeAsync_WithoutComplete_LeavesNoFile()
    {
        await using (var writer = EmbeddingFileWriter.Create(_folder.File("abandoned.parquet")))
        {
            writer.Write("a", [1f]);
        }

        Assert.Empty(_folder.FileNames());
    }

    private static void WriteAll(string path, IEnumerable<(string Id, float[] Embedding)> rows)
    {
        using var writer = EmbeddingFileWriter.Create(path);
        foreach (var (id, embedding) in rows)
        {
            writer.Write(id, embedding);
        }
        writer.Complete();
    }

    private static string Extension(EmbeddingFileFormat format) => format switch
    {
        EmbeddingFileFormat.Parquet => ".parquet",
        EmbeddingFileFormat.Csv => ".csv",
        EmbeddingFileFormat.JsonLines => ".jsonl",
        EmbeddingFileFormat.Npy => ".npy",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };
}
