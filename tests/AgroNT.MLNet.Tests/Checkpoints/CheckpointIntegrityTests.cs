using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Checkpoints;

/// <summary>Damaged weights fail to load, naming what is damaged, instead of loading as silent NaN or garbage.</summary>
public sealed class CheckpointIntegrityTests
{
    private const string Tensor = "esm.encoder.layer.0.attention.self.query.weight";

    /// <summary>A copy of the tiny model folder holding only the weight file named.</summary>
    private static string CopyTinyModel(TempFolder temp, string weightFile)
    {
        foreach (string file in Directory.GetFiles(TinyModel.Folder))
        {
            string name = Path.GetFileName(file);
            if (name is not ("model.safetensors" or "pytorch_model.bin") || name == weightFile)
            {
                File.Copy(file, temp.File(name));
            }
        }
        return temp.Path;
    }

    private static long DataOffset(string weightFile, string tensor)
    {
        using CheckpointReader reader = CheckpointReader.Open(weightFile);
        return reader.GetSource(tensor).Offset;
    }

    [Fact]
    public void Load_SixtyFourFlippedBytesInsideATensorOfPytorchModelBin_FailsNamingTheEntryAndTheTensor()
    {
        using var temp = new TempFolder();
        string folder = CopyTinyModel(temp, "pytorch_model.bin");
        string bin = Path.Combine(folder, "pytorch_model.bin");
        using (AgroNTModel intact = AgroNTModel.Load(folder))
        {
            Assert.Equal(2, intact.Config.NumHiddenLayers);
        }
        long offset = DataOffset(bin, Tensor) + 256;
        using (var stream = new FileStream(bin, FileMode.Open, FileAccess.ReadWrite))
        {
            var bytes = new byte[64];
            stream.Position = offset;
            stream.ReadExactly(bytes);
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] ^= 0x5A;
            }
            stream.Position = offset;
            stream.Write(bytes);
        }

        var error = Assert.Throws<CheckpointFormatException>(() => AgroNTModel.Load(folder));

        Assert.Contains("CRC-32", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{Tensor}'", error.Message, StringComparison.Ordinal);
        Assert.Matches("zip entry 'pytorch_model/data/[0-9]+'", error.Message);
        Assert.Equal(bin, error.FilePath);
    }

    [Fact]
    public void ReadTensor_ViewOfAStorageDamagedOutsideTheView_FailsTheCrcCheck()
    {
        // The view covers elements 1..6 of a 7-element storage; the damage is in element 0, which the view never reads.
        using var temp = new TempFolder();
        byte[] pickle = new PickleBuilder().Proto(2).EmptyDict().Mark()
            .Unicode("t").Tensor("FloatStorage", "0", 7, 1, [2, 3], [1, 2])
            .SetItems().Stop().ToArray();
        byte[] storage = HandBuilt.Floats(9, 0, 1, 2, 3, 4, 5);
        byte[] archive = TorchZip.Checkpoint(pickle, ("0", storage));
        string path = temp.File("pytorch_model.bin");
        File.WriteAllBytes(path, archive);
        long start = DataOffset(path, "t"); // a strided view: its source starts at the storage
        Assert.Equal(storage, archive.AsSpan((int)start, storage.Length).ToArray());
        archive[start + 1] ^= 0x01;
        File.WriteAllBytes(path, archive);

        using PyTorchCheckpointFile file = PyTorchCheckpointFile.Open(path);
        var error = Assert.Throws<CheckpointFormatException>(() => file.ReadTensor("t"));

        Assert.Contains("zip entry 'archive/data/0' (the data of tensor 't') fails its CRC-32 check", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NaNInASafeTensorsWeight_FailsNamingTheTensor_AndTheAllowOptionLoadsIt()
    {
        using var temp = new TempFolder();
        string folder = CopyTinyModel(temp, "model.safetensors");
        string file = Path.Combine(folder, "model.safetensors");
        long offset = DataOffset(file, Tensor);
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = offset + (4 * 5);
            stream.Write(BitConverter.GetBytes(float.NaN));
            stream.Write(BitConverter.GetBytes(float.NegativeInfinity));
        }

        var error = Assert.Throws<CheckpointFormatException>(() => AgroNTModel.Load(folder));

        Assert.Contains($"{Tensor} (2 of ", error.Message, StringComparison.Ordinal);
        Assert.Contains("1 tensor(s) hold NaN or infinite values", error.Message, StringComparison.Ordinal);
        Assert.Contains("AllowNonFiniteWeights", error.Message, StringComparison.Ordinal);

        using AgroNTModel model = AgroNTModel.Load(folder, new AgroNTModelOptions { AllowNonFiniteWeights = true });
        using var scope = NewDisposeScope();
        Tensor weight = CheckpointLoader.StateTensors(model.Network)[Tensor].flatten();
        Assert.True(weight[5].isnan().item<bool>());
        Assert.True(weight[6].isneginf().item<bool>());
        Assert.Equal(2L, weight.isfinite().logical_not().sum().item<long>());
    }
}
