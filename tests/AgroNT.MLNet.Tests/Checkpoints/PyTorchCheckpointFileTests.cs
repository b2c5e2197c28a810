using System.IO.Compression;
using System.Text;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class PyTorchCheckpointFileTests
{
    [Fact]
    public void Open_TinyModel_ListsTheStateDictKeysAndShapes()
    {
        using PyTorchCheckpointFile file = PyTorchCheckpointFile.Open(TinyModel.Bin);

        var expected = TinyModel.StateDict();
        Assert.Equal(expected.Count, file.Tensors.Count);
        // Tensors come in file order: torch.save writes storages sorted by key as text ("0", "1", "10", ...).
        Assert.Equal(expected.Select(e => e.Name).Order(StringComparer.Ordinal), file.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        var shapes = expected.ToDictionary(e => e.Name, e => e.Shape);
        Assert.All(file.Tensors, t => Assert.Equal(shapes[t.Name], t.Shape));
        Assert.All(file.Tensors, t => Assert.Equal(ScalarType.Float32, t.DType));
        Assert.Equal("pytorch_model", file.ArchiveName);
    }

    [Fact]
    public void ReadTensor_EveryKey_EqualsTheSafeTensorsFileElementwise()
    {
        using PyTorchCheckpointFile bin = PyTorchCheckpointFile.Open(TinyModel.Bin);
        using SafeTensorsFile safe = SafeTensorsFile.Open(TinyModel.SafeTensors);

        Assert.Equal(44, bin.Tensors.Count);
        foreach (CheckpointTensorInfo info in bin.Tensors)
        {
            using Tensor fromBin = bin.ReadTensor(info.Name);
            using Tensor fromSafe = safe.ReadTensor(info.Name);
            Assert.Equal(fromSafe.shape, fromBin.shape);
            Assert.Equal(fromSafe.data<float>().ToArray(), fromBin.data<float>().ToArray());
        }
    }

    [Fact]
    public void ReadTensor_PositionEmbeddings_EqualsStorageEntryReadWithSystemIOCompression()
    {
        // data.pkl gives position_embeddings storage '1' (see pickletools); read that entry with the BCL's zip reader.
        byte[] expected;
        using (ZipArchive zip = ZipFile.OpenRead(TinyModel.Bin))
        using (var stream = new MemoryStream())
        {
            zip.GetEntry("pytorch_model/data/1")!.Open().CopyTo(stream);
            expected = stream.ToArray();
        }

        using PyTorchCheckpointFile file = PyTorchCheckpointFile.Open(TinyModel.Bin);
        using Tensor positions = file.ReadTensor("esm.embeddings.position_embeddings.weight");

        Assert.Equal(1026 * 64 * 4, expected.Length);
        Assert.Equal(expected, positions.bytes.ToArray());
    }

    [Theory]
    [InlineData("os", "system", false)]
    [InlineData("posix", "system", false)]
    [InlineData("builtins", "eval", true)]
    [InlineData("subprocess", "Popen", true)]
    [InlineData("torch", "load", false)]
    public void Open_MaliciousGlobal_RefusesAndRunsNothing(string module, string name, bool stackGlobal)
    {
        using var temp = new TempFolder();
        string marker = temp.File("pwned");
        var pickle = new PickleBuilder().Proto(2);
        pickle = stackGlobal ? pickle.StackGlobal(module, name) : pickle.Global(module, name);
        pickle.Unicode($"touch {marker}").Tuple1().Reduce().Stop();
        string path = temp.File("pytorch_model.bin");
        File.WriteAllBytes(path, TorchZip.Checkpoint(pickle.ToArray()));

        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpointFile.Open(path));

        Assert.Contains($"refuses to load pickle global '{module}.{name}'", error.Message);
        Assert.Contains("a .bin is data", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith(path, error.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Open_MaliciousGlobalAfterValidTensors_Refuses()
    {
        using var temp = new TempFolder();
        string marker = temp.File("pwned");
        byte[] pickle = new PickleBuilder().Proto(2).EmptyDict().Mark()
            .Unicode("w").Tensor("FloatStorage", "0", 2, 0, [2], [1])
            .Unicode("payload").Global("os", "system").Unicode($"touch {marker}").Tuple1().Reduce()
            .SetItems().Stop().ToArray();
        string path = temp.File("pytorch_model.bin");
        File.WriteAllBytes(path, TorchZip.Checkpoint(pickle, ("0", HandBuilt.Floats(1, 2))));

        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpointFile.Open(path));

        Assert.Contains("'os.system'", error.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void ReadTensor_TransposedView_ReadsTheViewsValues()
    {
        // A 2x3 view of a 3x2 storage with strides (1, 2), at offset 1 of a 7-element storage: torch.save keeps views.
        using var temp = new TempFolder();
        byte[] pickle = new PickleBuilder().Proto(2).EmptyDict().Mark()
            .Unicode("t").Tensor("FloatStorage", "0", 7, 1, [2, 3], [1, 2])
            .SetItems().Stop().ToArray();
        string path = temp.File("pytorch_model.bin");
        File.WriteAllBytes(path, TorchZip.Checkpoint(pickle, ("0", HandBuilt.Floats(9, 0, 1, 2, 3, 4, 5))));

        using PyTorchCheckpointFile file = PyTorchCheckpointFile.Open(path);
        using Tensor t = file.ReadTensor("t");

        Assert.Equal([2L, 3L], t.shape);
        Assert.Equal([0f, 2f, 4f, 1f, 3f, 5f], t.data<float>().ToArray());
    }

    [Fact]
    public void ReadTensor_SharedStorageAtOffset_ReadsEachSlice()
    {
        using var temp = new TempFolder();
        byte[] pickle = new PickleBuilder().Proto(2).EmptyDict().Mark()
            .Unicode("a").Tensor("HalfStorage", "0", 4, 0, [2], [1])
            .Unicode("b").Tensor("HalfStorage", "0", 4, 2, [2], [1])
            .SetItems().Stop().ToArray();
        byte[] halves = HandBuilt.UInt16s(new[] { 1f, 2f, 0.5f, -3f }.Select(v => BitConverter.HalfToUInt16Bits((Half)v)));
        string path = temp.File("pytorch_model.bin");
        File.WriteAllBytes(path, TorchZip.Checkpoint(pickle, ("0", halves)));

        using PyTorchCheckpointFile file = PyTorchCheckpointFile.Open(path);
        using Tensor b = file.ReadTensor("b", ScalarType.Float32);

        Assert.Equal(ScalarType.Float16, file.GetTensorInfo("a").DType);
        Assert.Equal([0.5f, -3f], b.data<float>().ToArray());
    }

    [Fact]
    public void Open_ViewPastItsStorage_Throws()
    {
        using var temp = new TempFolder();
        byte[] pickle = new PickleBuilder().Proto(2).EmptyDict().Mark()
            .Unicode("t").Tensor("FloatStorage", "0", 4, 2, [3], [1])
            .SetItems().Stop().ToArray();
        string path = temp.File("pytorch_model.bin");
        File.WriteAllBytes(path, TorchZip.Checkpoint(pickle, ("0", HandBuilt.Floats(1, 2, 3, 4))));

        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpointFile.Open(path));

        Assert.Contains("reaches element 4 of storage '0', which has 4", error.Message);
    }

    [Fact]
    public void Open_MissingStorageEntry_Throws()
    {
        using var temp = new TempFolder();
        byte[] pickle = new PickleBuilder().Proto(2).EmptyDict().Mark()
            .Unicode("t").Tensor("FloatStorage", "5", 1, 0, [1], [1])
            .SetItems().Stop().ToArray();
        string path = temp.File("pytorch_model.bin");
        File.WriteAllBytes(path, TorchZip.Checkpoint(pickle));

        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpointFile.Open(path));

        Assert.Contains("no entry 'archive/data/5'", error.Message);
    }

    [Fact]
    public void Open_ValueThatIsNotATensor_ThrowsNotAStateDict()
    {
        using var temp = new TempFolder();
        byte[] pickle = new PickleBuilder().Proto(2).EmptyDict().Unicode("epoch").Int(3).SetItem().Stop().ToArray();
        string path = temp.File("pytorch_model.bin");
        File.WriteAllBytes(path, TorchZip.Checkpoint(pickle));

        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpointFile.Open(path));

        Assert.Contains("'epoch' is an integer, not a tensor", error.Message);
    }

    [Fact]
    public void Open_FileCutShort_ThrowsCutShort()
    {
        using var temp = new TempFolder();
        string path = temp.File("pytorch_model.bin");
        File.WriteAllBytes(path, File.ReadAllBytes(TinyModel.Bin)[..1_000_000]);

        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpointFile.Open(path));

        Assert.StartsWith(path, error.Message);
        Assert.Contains("cut short", error.Message);
    }

    [Fact]
    public void Open_LegacyPickleFormat_ThrowsWithResaveAdvice()
    {
        using var temp = new TempFolder();
        string path = temp.File("pytorch_model.bin");
        File.WriteAllBytes(path, new PickleBuilder().Proto(2).Int(0x1950a86a).Stop().ToArray());

        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpointFile.Open(path));

        Assert.Contains("legacy torch.save format", error.Message);
    }

    [Fact]
    public void Open_NotAZip_Throws()
    {
        using var temp = new TempFolder();
        string path = temp.File("pytorch_model.bin");
        File.WriteAllText(path, "<html>404 Not Found</html>");

        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpointFile.Open(path));

        Assert.Contains("not a torch.save zip archive", error.Message);
    }

    [Fact]
    public void Open_TorchScriptArchive_ThrowsNotAStateDict()
    {
        using var temp = new TempFolder();
        string path = temp.File("model.pt");
        File.WriteAllBytes(path, TorchZip.Build([("m/constants.pkl", [0x80, 2, 0x2e]), ("m/code/m.py", Encoding.ASCII.GetBytes("x"))]));

        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpointFile.Open(path));

        Assert.Contains("TorchScript", error.Message);
    }

    [Fact]
    public void Open_BigEndianByteOrder_Throws()
    {
        using var temp = new TempFolder();
        byte[] pickle = new PickleBuilder().Proto(2).EmptyDict().Stop().ToArray();
        string path = temp.File("pytorch_model.bin");
        File.WriteAllBytes(path, TorchZip.Build([("archive/data.pkl", pickle), ("archive/byteorder", Encoding.ASCII.GetBytes("big"))]));

        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpointFile.Open(path));

        Assert.Contains("big-endian", error.Message);
    }
}
