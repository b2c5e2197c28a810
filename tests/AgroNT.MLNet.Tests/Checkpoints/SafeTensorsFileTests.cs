using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class SafeTensorsFileTests
{
    [Fact]
    public void Open_TinyModel_ListsTheStateDictKeysAndShapes()
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(TinyModel.SafeTensors);

        var expected = TinyModel.StateDict().ToDictionary(e => e.Name, e => e.Shape);
        Assert.Equal(44, file.Tensors.Count);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), file.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (CheckpointTensorInfo tensor in file.Tensors)
        {
            Assert.Equal(expected[tensor.Name], tensor.Shape);
            Assert.Equal(ScalarType.Float32, tensor.DType);
        }
        Assert.Equal(CheckpointFormat.SafeTensors, file.Format);
    }

    [Fact]
    public void Open_TinyModel_ReadsFormatMetadataAndDataStart()
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(TinyModel.SafeTensors);

        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(8 + 4648, file.DataStart);
        Assert.Equal(0, file.DataStart % 8);
    }

    [Fact]
    public void ReadTensor_LmHeadBias_MatchesBytesParsedByHand()
    {
        // An independent reading of the file: header JSON and little-endian floats, by hand.
        byte[] bytes = File.ReadAllBytes(TinyModel.SafeTensors);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using JsonDocument header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        JsonElement offsets = header.RootElement.GetProperty("lm_head.bias").GetProperty("data_offsets");
        long begin = 8 + headerLength + offsets[0].GetInt64();
        var expected = new float[4105];
        for (int i = 0; i < expected.Length; i++)
        {
            expected[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)begin + 4 * i));
        }

        using SafeTensorsFile file = SafeTensorsFile.Open(TinyModel.SafeTensors);
        using Tensor bias = file.ReadTensor("lm_head.bias");

        Assert.Equal(expected, bias.data<float>().ToArray());
        Assert.Contains(expected, v => v != 0);
    }

    [Fact]
    public void Open_FileCutShort_ThrowsNamingFileAndTensor()
    {
        using var temp = new TempFolder();
        byte[] bytes = File.ReadAllBytes(TinyModel.SafeTensors);
        string path = temp.File("model.safetensors");
        File.WriteAllBytes(path, bytes[..^100]);

        var error = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Open(path));

        Assert.Equal(path, error.FilePath);
        Assert.StartsWith(path, error.Message);
        Assert.Contains("cut short", error.Message);
        Assert.Contains("lm_head.layer_norm.weight", error.Message); // the last tensor in the data
    }

    [Fact]
    public void Open_HeaderNameNotUtf8_ThrowsCheckpointFormatException()
    {
        // Found by the fuzz harness: an 8-byte header {"<0x80>":1} once escaped as InvalidOperationException.
        using var temp = new TempFolder();
        string path = temp.File("model.safetensors");
        byte[] header = [(byte)'{', (byte)'"', 0x80, (byte)'"', (byte)':', (byte)'1', (byte)'}', (byte)' '];
        File.WriteAllBytes(path, [.. BitConverter.GetBytes(8L), .. header]);

        var error = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Open(path));

        Assert.Contains("not valid UTF-8", error.Message);
    }

    [Theory]
    [InlineData(3, "shorter than the 8-byte header length")]
    [InlineData(100, "header length field says 4648 bytes")]
    public void Open_FileCutInsideHeader_ThrowsCutShort(int keep, string expected)
    {
        using var temp = new TempFolder();
        string path = temp.File("model.safetensors");
        File.WriteAllBytes(path, File.ReadAllBytes(TinyModel.SafeTensors)[..keep]);

        var error = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(expected, error.Message);
        Assert.Contains("cut short", error.Message);
    }

    [Fact]
    public void Open_EmptyFile_ThrowsEmpty()
    {
        using var temp = new TempFolder();
        string path = temp.File("model.safetensors");
        File.WriteAllBytes(path, []);

        var error = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Open(path));

        Assert.Contains("empty", error.Message);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]", "JSON header is corrupt")]
    [InlineData("[1,2,3]", "not a JSON object")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", "lacks dtype, shape or a [begin, end] data_offsets")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "needs 12 bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", "not a non-negative integer")]
    [InlineData("{\"a\":{\"dtype\":\"U16\",\"shape\":[4],\"data_offsets\":[0,8]}}", "dtype U16, which TorchSharp cannot hold")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "overlap")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "twice")]
    [InlineData("{\"__metadata__\":{\"format\":3}}", "is not a string")]
    public void Open_CorruptHeader_ThrowsNamingTheProblem(string header, string expected)
    {
        using var temp = new TempFolder();
        string path = temp.File("bad.safetensors");
        File.WriteAllBytes(path, HandBuilt.SafeTensorsRaw(Encoding.UTF8.GetBytes(header), new byte[8]));

        var error = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(expected, error.Message);
        Assert.StartsWith(path, error.Message);
    }

    [Fact]
    public void Open_HugeHeaderLength_ThrowsInsteadOfAllocating()
    {
        using var temp = new TempFolder();
        string path = temp.File("bad.safetensors");
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue / 2);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Open(path));

        Assert.Contains("cut short or is not a safetensors file", error.Message);
    }

    [Fact]
    public void Open_EveryDType_ReportsTypesAndReadsValues()
    {
        using var temp = new TempFolder();
        string path = temp.File("all.safetensors");
        File.WriteAllBytes(path, HandBuilt.SafeTensors("",
            ("f64", "F64", [1], BitConverter.GetBytes(2.5)),
            ("f32", "F32", [1], HandBuilt.Floats(-1.5f)),
            ("f16", "F16", [1], BitConverter.GetBytes(BitConverter.HalfToUInt16Bits((Half)0.75f))),
            ("bf16", "BF16", [1], HandBuilt.UInt16s([HandBuilt.RoundToBFloat16(3f)])),
            ("i64", "I64", [1], BitConverter.GetBytes(-7L)),
            ("i32", "I32", [1], BitConverter.GetBytes(-8)),
            ("i16", "I16", [1], BitConverter.GetBytes((short)-9)),
            ("i8", "I8", [1], [unchecked((byte)(sbyte)-10)]),
            ("u8", "U8", [1], [250]),
            ("bool", "BOOL", [2], [1, 0]),
            ("scalar", "F32", [], HandBuilt.Floats(4f)),
            ("empty", "F32", [0, 3], [])));

        using SafeTensorsFile file = SafeTensorsFile.Open(path);

        Assert.Empty(file.Metadata);
        var types = file.Tensors.ToDictionary(t => t.Name, t => t.DType);
        Assert.Equal(ScalarType.Float64, types["f64"]);
        Assert.Equal(ScalarType.Float16, types["f16"]);
        Assert.Equal(ScalarType.BFloat16, types["bf16"]);
        Assert.Equal(ScalarType.Int8, types["i8"]);
        Assert.Equal(ScalarType.Byte, types["u8"]);
        Assert.Equal(ScalarType.Bool, types["bool"]);
        string[] floating = ["f64", "f32", "f16", "bf16", "i64", "i32", "i16", "i8", "u8", "scalar"];
        float[] expected = [2.5f, -1.5f, 0.75f, 3f, -7f, -8f, -9f, -10f, 250f, 4f];
        for (int i = 0; i < floating.Length; i++)
        {
            using Tensor value = file.ReadTensor(floating[i], ScalarType.Float32);
            Assert.Equal(expected[i], value.data<float>()[0]);
        }
        using Tensor flags = file.ReadTensor("bool");
        Assert.Equal([true, false], flags.data<bool>().ToArray());
        using Tensor empty = file.ReadTensor("empty");
        Assert.Equal([0L, 3L], empty.shape);
        Assert.Empty(file.GetTensorInfo("scalar").Shape);
    }

    [Fact]
    public void Open_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => SafeTensorsFile.Open(Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".safetensors")));
    }

    [Fact]
    public void CopyTo_AfterDispose_ThrowsObjectDisposed()
    {
        SafeTensorsFile file = SafeTensorsFile.Open(TinyModel.SafeTensors);
        file.Dispose();
        using Tensor target = empty(4105);

        Assert.Throws<ObjectDisposedException>(() => file.CopyTo("lm_head.bias", target));
    }
}
