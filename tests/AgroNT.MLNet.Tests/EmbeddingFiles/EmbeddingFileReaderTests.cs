using System.Text;
using AgroNT.MLNet.EmbeddingFiles;

namespace AgroNT.MLNet.Tests.EmbeddingFiles;

public sealed class EmbeddingFileReaderTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFoundAtOnce()
    {
        string path = _folder.File("missing.parquet");

        var error = Assert.Throws<FileNotFoundException>(() => EmbeddingFileReader.Read(path));

        Assert.Equal(path, error.FileName);
    }

    [Fact]
    public void Read_UnknownExtension_ThrowsArgumentException()
    {
        File.WriteAllText(_folder.File("x.txt"), "");

        Assert.Throws<ArgumentException>(() => EmbeddingFileReader.Read(_folder.File("x.txt")));
    }

    [Fact]
    public void Read_CsvWithCrLfAndQuotedLineBreaks_ParsesEveryRecord()
    {
        string path = Write("in.csv", "id,e0,e1\r\n\"multi\r\nline, \"\"quoted\"\"\",1,2\r\nplain,-0.5,1e3\r\n\"\",3,4");

        var rows = EmbeddingFileReader.Read(path).ToList();

        Assert.Equal(["multi\r\nline, \"quoted\"", "plain", ""], rows.Select(r => r.Id));
        Assert.Equal([[1f, 2f], [-0.5f, 1000f], [3f, 4f]], rows.Select(r => r.Embedding));
    }

    [Fact]
    public void Read_CsvRowWithTooFewFields_ThrowsNamingTheLine()
    {
        string path = Write("in.csv", "id,e0,e1\na,1,2\nb,1\n");

        var error = Assert.Throws<InvalidDataException>(() => EmbeddingFileReader.Read(path).ToList());

        Assert.Contains("line 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("2 fields but the header has 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CsvValueThatIsNotANumber_ThrowsNamingTheColumn()
    {
        string path = Write("in.csv", "id,e0,e1\na,1,oops\n");

        var error = Assert.Throws<InvalidDataException>(() => EmbeddingFileReader.Read(path).ToList());

        Assert.Contains("column 'e1' holds 'oops'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("id,e0\n\"open,1\n", "not closed")]
    [InlineData("id,e0\n\"a\"b,1\n", "closing quote")]
    [InlineData("id,e0\na\"b,1\n", "quote inside an unquoted field")]
    [InlineData("", "empty")]
    public void Read_MalformedCsv_ThrowsSayingWhatIsWrong(string text, string expected)
    {
        string path = Write("in.csv", text);

        var error = Assert.Throws<InvalidDataException>(() => EmbeddingFileReader.Read(path).ToList());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_JsonLinesFromPython_ToleratesSpacesExtraKeysBlankLinesAndDoubles()
    {
        // Python's json.dumps widens float32 to float64 text; it still rounds back to the same float32.
        string path = Write("in.jsonl", "{\"layer\": 3, \"embedding\": [0.10000000149011612, -2.0, 1e-45], \"id\": \"a\"}\r\n\n{\"id\": \"b\", \"embedding\": []}");

        var rows = EmbeddingFileReader.Read(path).ToList();

        Assert.Equal(["a", "b"], rows.Select(r => r.Id));
        Assert.Equal([0.1f, -2f, float.Epsilon], rows[0].Embedding);
        Assert.Empty(rows[1].Embedding);
    }

    [Theory]
    [InlineData("{\"id\": \"a\"}", "\"embedding\" is missing")]
    [InlineData("{\"embedding\": [1]}", "\"id\" is missing")]
    [InlineData("{\"id\": 5, \"embedding\": [1]}", "\"id\" must be a string")]
    [InlineData("{\"id\": \"a\", \"embedding\": [1, \"x\"]}", "embedding[1] is not a float32 number")]
    [InlineData("{\"id\": \"a\", \"embedding\": [1e39]}", "embedding[0] is not a float32 number")]
    [InlineData("{\"id\": \"a\", \"embedding\": [1]", "not valid JSON")]
    [InlineData("[1, 2]", "expected a JSON object")]
    public void Read_MalformedJsonLine_ThrowsNamingTheLine(string line, string expected)
    {
        string path = Write("in.jsonl", "{\"id\": \"ok\", \"embedding\": [1]}\n" + line + "\n");

        var error = Assert.Throws<InvalidDataException>(() => EmbeddingFileReader.Read(path).ToList());

        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NpySavedByNumPy_ReadsTheRows()
    {
        string path = ForeignFiles.Save(_folder, "numpy.npy", ForeignFiles.NumPyFloat32TwoByTwo);
        File.WriteAllText(_folder.File("numpy.ids.txt"), "first\nsecond\n");

        var rows = EmbeddingFileReader.Read(path).ToList();

        Assert.Equal(["first", "second"], rows.Select(r => r.Id));
        Assert.Equal([[1.5f, -2f], [0.25f, 3f]], rows.Select(r => r.Embedding));
    }

    [Fact]
    public void Write_NpySameMatrixAsNumPy_IsByteIdenticalToNumPysFile()
    {
        string path = _folder.File("ours.npy");
        using (var writer = EmbeddingFileWriter.Create(path))
        {
            writer.Write("first", [1.5f, -2f]);
            writer.Write("second", [0.25f, 3f]);
            writer.Complete();
        }

        Assert.Equal(Convert.FromBase64String(ForeignFiles.NumPyFloat32TwoByTwo), File.ReadAllBytes(path));
    }

    [Fact]
    public void Read_NpyWithoutIdsSidecar_ThrowsNamingTheSidecar()
    {
        string path = ForeignFiles.Save(_folder, "lonely.npy", ForeignFiles.NumPyFloat32TwoByTwo);

        var error = Assert.Throws<FileNotFoundException>(() => EmbeddingFileReader.Read(path));

        Assert.Equal(_folder.File("lonely.ids.txt"), error.FileName);
        Assert.Contains("lonely.ids.txt", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("only-one\n", "holds 1 ids but")]
    [InlineData("a\nb\nc\n", "more ids than the 2 rows")]
    public void Read_NpySidecarWithWrongIdCount_Throws(string ids, string expected)
    {
        string path = ForeignFiles.Save(_folder, "m.npy", ForeignFiles.NumPyFloat32TwoByTwo);
        File.WriteAllText(_folder.File("m.ids.txt"), ids);

        var error = Assert.Throws<InvalidDataException>(() => EmbeddingFileReader.Read(path).ToList());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(ForeignFiles.NumPyFloat64OneByTwo), "'<f8', expected float32")]
    [InlineData(nameof(ForeignFiles.NumPyFortranOrder), "Fortran order")]
    public void Read_NpyNotFloat32InCOrder_ThrowsSayingHowToConvert(string fixture, string expected)
    {
        string base64 = (string)typeof(ForeignFiles).GetField(fixture)!.GetValue(null)!;
        string path = ForeignFiles.Save(_folder, "other.npy", base64);
        File.WriteAllText(_folder.File("other.ids.txt"), "a\nb\n");

        var error = Assert.Throws<InvalidDataException>(() => EmbeddingFileReader.Read(path).ToList());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NpyCutShort_ThrowsSayingSo()
    {
        byte[] bytes = Convert.FromBase64String(ForeignFiles.NumPyFloat32TwoByTwo);
        File.WriteAllBytes(_folder.File("cut.npy"), bytes[..^3]);
        File.WriteAllText(_folder.File("cut.ids.txt"), "a\nb\n");

        var error = Assert.Throws<InvalidDataException>(() => EmbeddingFileReader.Read(_folder.File("cut.npy")).ToList());

        Assert.Contains("cut short", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NotAnNpyFile_ThrowsNamingTheMagic()
    {
        File.WriteAllText(_folder.File("fake.npy"), "hello");
        File.WriteAllText(_folder.File("fake.ids.txt"), "");

        var error = Assert.Throws<InvalidDataException>(() => EmbeddingFileReader.Read(_folder.File("fake.npy")).ToList());

        Assert.Contains("NUMPY", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ParquetFromDuckDbWithNullableColumns_ReadsRowsIncludingAnEmptyList()
    {
        string path = ForeignFiles.Save(_folder, "duck.parquet", ForeignFiles.DuckDbNullableColumns);

        var rows = EmbeddingFileReader.Read(path).ToList();

        Assert.Equal(["x", "y", "z"], rows.Select(r => r.Id));
        Assert.Equal([[1.5f, -2f], [], [3.25f]], rows.Select(r => r.Embedding));
    }

    [Fact]
    public void Read_ParquetWithNullElement_ThrowsNamingTheId()
    {
        string path = ForeignFiles.Save(_folder, "nulls.parquet", ForeignFiles.DuckDbNullElementAndNullList);

        var error = Assert.Throws<InvalidDataException>(() => EmbeddingFileReader.Read(path).ToList());

        Assert.Contains("id 'x' holds a null value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ParquetListOfDoubles_ThrowsAskingForFloat32()
    {
        string path = ForeignFiles.Save(_folder, "doubles.parquet", ForeignFiles.DuckDbDoubleList);

        var error = Assert.Throws<InvalidDataException>(() => EmbeddingFileReader.Read(path).ToList());

        Assert.Contains("list-of-float32 column 'embedding'", error.Message, StringComparison.Ordinal);
    }

    private string Write(string name, string text)
    {
        string path = _folder.File(name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }
}
