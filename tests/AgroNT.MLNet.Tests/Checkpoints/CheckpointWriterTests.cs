using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class CheckpointWriterTests
{
    [Fact]
    public void SaveSafeTensors_TinyModel_RereadsIdenticalBytesPerTensorAndTheSameHeader()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        using var original = SafeTensorsFile.Open(TinyModel.SafeTensors);
        // Read from the .bin so the round trip crosses formats.
        Dictionary<string, Tensor> tensors;
        using (var bin = PyTorchCheckpointFile.Open(TinyModel.Bin))
        {
            tensors = bin.Tensors.ToDictionary(t => t.Name, t => bin.ReadTensor(t.Name));
        }
        string path = temp.File("model.safetensors");

        CheckpointWriter.SaveSafeTensors(tensors, path);

        using var written = SafeTensorsFile.Open(path);
        Assert.Equal(original.Tensors, written.Tensors); // names, dtypes, shapes, in data order
        Assert.Equal(original.Metadata, written.Metadata);
        Assert.Equal(original.DataStart, written.DataStart);
        foreach (CheckpointTensorInfo info in written.Tensors)
        {
            Assert.Equal(original.ReadTensor(info.Name).bytes.ToArray(), written.ReadTensor(info.Name).bytes.ToArray());
        }
        var expectedShapes = TinyModel.StateDict().ToDictionary(e => e.Name, e => e.Shape);
        Assert.All(written.Tensors, t => Assert.Equal(expectedShapes[t.Name], t.Shape));
    }

    [Fact]
    public void SaveSafeTensors_TinyModel_IsByteIdenticalToHuggingFacesFile()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> tensors;
        using (var source = SafeTensorsFile.Open(TinyModel.SafeTensors))
        {
            tensors = source.Tensors.ToDictionary(t => t.Name, t => source.ReadTensor(t.Name));
        }
        string path = temp.File("model.safetensors");

        CheckpointWriter.SaveSafeTensors(tensors.Reverse(), path);

        Assert.Equal(TinyModel.Sha256("model.safetensors"), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
    }

    [Fact]
    public void SaveSafeTensors_ProducerReadingTheBin_ConvertsToHuggingFacesExactFileAndDisposesEachTensor()
    {
        using var temp = new TempFolder();
        using var bin = PyTorchCheckpointFile.Open(TinyModel.Bin);
        var produced = new List<Tensor>();
        string path = temp.File("model.safetensors");

        CheckpointWriter.SaveSafeTensors(bin.Tensors, info =>
        {
            Tensor tensor = bin.ReadTensor(info.Name);
            produced.Add(tensor);
            return tensor;
        }, path);

        Assert.Equal(TinyModel.Sha256("model.safetensors"), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
        Assert.Equal(44, produced.Count);
        Assert.All(produced, t => Assert.True(t.IsInvalid));
    }

    [Fact]
    public void SaveSafeTensors_ProducerReturnsAnotherShape_ThrowsAndLeavesNoFile()
    {
        using var temp = new TempFolder();
        CheckpointTensorInfo[] layout = [new("a", ScalarType.Float32, [2]), new("b", ScalarType.Float32, [3])];

        var error = Assert.Throws<InvalidOperationException>(() =>
            CheckpointWriter.SaveSafeTensors(layout, info => zeros(2), temp.File("x.safetensors")));

        Assert.Contains("for 'b'", error.Message);
        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void SaveSafeTensors_MixedTypes_WritesAlignedSortedPaddedHeader()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["b.flag"] = tensor(new[] { true, false, true }),
            ["a.half"] = tensor(new[] { 1f, 2f }).to(ScalarType.BFloat16),
            ["c.long"] = tensor(new[] { 5L }),
            ["a.float"] = tensor(new[] { 0.5f, -1f, 3f }),
        };
        string path = temp.File("mixed.safetensors");

        CheckpointWriter.SaveSafeTensors(tensors, path, new Dictionary<string, string> { ["note"] = "test" });

        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + headerLength) % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\",\"note\":\"test\"},", header);
        Assert.EndsWith("}", header.TrimEnd(' '));
        using JsonDocument json = JsonDocument.Parse(header);
        var names = json.RootElement.EnumerateObject().Select(p => p.Name).Skip(1).ToList();
        // Larger elements first, each group by name, so every tensor's data is naturally aligned; offsets contiguous.
        Assert.Equal(["c.long", "a.float", "a.half", "b.flag"], names);
        long expectedBegin = 0;
        foreach (string name in names)
        {
            JsonElement offsets = json.RootElement.GetProperty(name).GetProperty("data_offsets");
            Assert.Equal(expectedBegin, offsets[0].GetInt64());
            expectedBegin = offsets[1].GetInt64();
        }
        Assert.Equal(bytes.Length - 8 - headerLength, expectedBegin);
        using var reread = SafeTensorsFile.Open(path);
        Assert.Equal("BF16", json.RootElement.GetProperty("a.half").GetProperty("dtype").GetString());
        Assert.Equal([1f, 2f], reread.ReadTensor("a.half", ScalarType.Float32).data<float>().ToArray());
        Assert.Equal([true, false, true], reread.ReadTensor("b.flag").data<bool>().ToArray());
    }

    [Fact]
    public void SaveSafeTensors_NonContiguousTensor_WritesItsLogicalOrder()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        Tensor transposed = arange(6f).reshape(2, 3).t();
        string path = temp.File("t.safetensors");

        CheckpointWriter.SaveSafeTensors([new("t", transposed)], path);

        using var reread = SafeTensorsFile.Open(path);
        Assert.Equal([3L, 2L], reread.GetTensorInfo("t").Shape);
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], reread.ReadTensor("t").data<float>().ToArray());
    }

    [Fact]
    public void SaveSafeTensors_ExistingFile_IsReplacedAndNoTemporaryFileRemains()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        string path = temp.File("model.safetensors");
        File.WriteAllText(path, "old");

        CheckpointWriter.SaveSafeTensors([new("x", ones(2))], path);

        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(temp.Path).Select(Path.GetFileName));
        using var reread = SafeTensorsFile.Open(path);
        Assert.Equal([1f, 1f], reread.ReadTensor("x").data<float>().ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("__metadata__")]
    public void SaveSafeTensors_ReservedOrEmptyName_ThrowsAndWritesNothing(string name)
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();

        Assert.Throws<ArgumentException>(() => CheckpointWriter.SaveSafeTensors([new(name, ones(1))], temp.File("x.safetensors")));

        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void SaveSafeTensors_ComplexTensor_ThrowsNotSupported()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();

        Assert.Throws<NotSupportedException>(() =>
            CheckpointWriter.SaveSafeTensors([new("c", zeros(2, ScalarType.ComplexFloat32))], temp.File("c.safetensors")));
    }

    [Fact]
    public void SaveShardedSafeTensors_TinyModel_WritesTwoShardsAndAnIndex()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        using var source = SafeTensorsFile.Open(TinyModel.SafeTensors);
        var tensors = source.Tensors.ToDictionary(t => t.Name, t => source.ReadTensor(t.Name));
        File.WriteAllText(temp.File("model.safetensors"), "stale single file that would shadow the shards");

        IReadOnlyList<string> files = CheckpointWriter.SaveShardedSafeTensors(tensors, temp.Path, source.TotalBytes * 3 / 4);

        Assert.Equal(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"],
            files.Select(Path.GetFileName));
        Assert.False(File.Exists(temp.File("model.safetensors")));
        using JsonDocument index = JsonDocument.Parse(File.ReadAllBytes(temp.File("model.safetensors.index.json")));
        Assert.Equal(source.TotalBytes, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        Assert.Equal(44, index.RootElement.GetProperty("weight_map").EnumerateObject().Count());
    }

    [Fact]
    public void SaveShardedSafeTensors_EverythingFitsOneShard_WritesPlainModelSafeTensors()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        File.WriteAllText(temp.File("model.safetensors.index.json"), "{}");

        IReadOnlyList<string> files = CheckpointWriter.SaveShardedSafeTensors([new("x", ones(3))], temp.Path, 1 << 20);

        Assert.Equal([temp.File("model.safetensors")], files);
        Assert.False(File.Exists(temp.File("model.safetensors.index.json")));
    }
}
