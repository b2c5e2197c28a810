using System.Security.Cryptography;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using AgroNT.Tests.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Checkpoints;

/// <summary>
/// The fast load path: float32 weights pointed at a private map of model.safetensors instead of copied, bf16 converted
/// straight from the map, Linear layers built without random initialisation, and the vectorised NaN/infinity scan.
/// </summary>
public sealed class MappedWeightsTests
{
    private static readonly AgroNTModelOptions Mapped = new() { MapWeights = true };
    private static readonly AgroNTModelOptions Copied = new() { MapWeights = false };

    [Fact]
    public void Load_MappedAndCopied_GiveTheSameTensorsBitForBit_AndTheFileValues()
    {
        using var mapped = AgroNTModel.Load(TinyModel.Folder, Mapped);
        using var copied = AgroNTModel.Load(TinyModel.Folder, Copied);
        using var reader = SafeTensorsFile.Open(TinyModel.SafeTensors);
        using var scope = NewDisposeScope();

        var copiedParameters = copied.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        int compared = 0;
        foreach ((string name, var parameter) in mapped.Network.named_parameters())
        {
            Assert.True(parameter.bytes.SequenceEqual(copiedParameters[name].bytes), $"{name} differs between the mapped and the copied load");
            if (reader.Contains(name))
            {
                Assert.True(parameter.bytes.SequenceEqual(reader.ReadTensor(name).bytes), $"{name} differs from the file");
                compared++;
            }
        }
        Assert.True(compared >= 40, $"only {compared} parameters were compared with the file");
    }

    [Fact]
    public void LoadInto_WithMapWeights_PointsEveryFloat32TargetAtTheFile_AndWithoutItCopiesAll()
    {
        var config = EsmConfig.FromFile(TinyModel.Folder);
        using var network = NewUninitialised(config);
        using var copiedNetwork = NewUninitialised(config);

        CheckpointLoadResult mapped = CheckpointLoader.LoadInto(network, TinyModel.Folder, new CheckpointLoadOptions { MapWeights = true });
        CheckpointLoadResult copied = CheckpointLoader.LoadInto(copiedNetwork, TinyModel.Folder);

        Assert.Equal(mapped.LoadedTensorCount, mapped.MappedTensorCount);
        Assert.True(mapped.MappedTensorCount >= 40);
        Assert.Equal(0, copied.MappedTensorCount);
    }

    [Fact]
    public void LoadInto_PyTorchBinWithMapWeights_CopiesBecauseItsCrcIsChecked()
    {
        var config = EsmConfig.FromFile(TinyModel.Folder);
        using var network = NewUninitialised(config);

        CheckpointLoadResult result = CheckpointLoader.LoadInto(network, TinyModel.Folder,
            new CheckpointLoadOptions { MapWeights = true, Format = CheckpointFormat.PyTorch });

        Assert.Equal(0, result.MappedTensorCount);
    }

    [Fact]
    public void LoadBFloat16_EqualsTheFloat32LoadConvertedByLibtorch()
    {
        using var fp32 = AgroNTModel.Load(TinyModel.Folder, Mapped);
        using var bf16 = AgroNTModel.Load(TinyModel.Folder, new AgroNTModelOptions { Precision = Precision.BFloat16 });
        using var scope = NewDisposeScope();

        var reference = fp32.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach ((string name, var parameter) in bf16.Network.named_parameters())
        {
            Assert.Equal(ScalarType.BFloat16, parameter.dtype);
            Tensor expected = reference[name].to(ScalarType.BFloat16);
            Assert.True(parameter.bytes.SequenceEqual(expected.bytes), $"{name}: the streamed bf16 conversion differs from libtorch's");
        }
    }

    [Fact]
    public void Float32ToBFloat16_MatchesLibtorchOnTiesSubnormalsInfinitiesAndRandomValues()
    {
        uint[] special =
        [
            0x3F80_8000, 0x3F81_8000, 0x3F80_7FFF, 0x3F80_8001, 0xBF80_8000, 0xBF81_8000, // ties to even, both signs
            0x0000_0001, 0x0000_8000, 0x0001_8000, 0x807F_FFFF,                          // subnormals
            0x7F7F_FFFF, 0xFF7F_FFFF, 0x7F7F_8000,                                       // largest finite: rounds to infinity
            0x7F80_0000, 0xFF80_0000, 0x0000_0000, 0x8000_0000,
        ];
        var random = new Random(5);
        uint[] values = [.. special, .. Enumerable.Range(0, 1000).Select(_ => (uint)random.NextInt64(0, 1L << 32)).Where(IsNotNaN)];
        using var scope = NewDisposeScope();
        Tensor source = tensor(values.Select(BitConverter.UInt32BitsToSingle).ToArray());
        ushort[] expected = source.to(ScalarType.BFloat16).bytes.ToArray().Chunk(2).Select(b => BitConverter.ToUInt16(b)).ToArray();

        var actual = new ushort[values.Length];
        WeightKernels.Float32ToBFloat16(values, actual);

        Assert.Equal(expected, actual);
        Assert.Equal((ushort)0x7FC0, WeightKernels.Float32ToBFloat16(0x7FC0_0001));
        Assert.Equal((ushort)0x7FC0, WeightKernels.Float32ToBFloat16(0xFFFF_FFFF));

        static bool IsNotNaN(uint bits) => !float.IsNaN(BitConverter.UInt32BitsToSingle(bits));
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.Float64)]
    public void CountNonFinite_AgreesWithLibtorch_AcrossBlockAndVectorBoundaries(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        // 3 MiB of float32 and a ragged tail: several parallel blocks, vector loops and a scalar remainder.
        Tensor values = randn(786_437).to(dtype);
        var random = new Random(3);
        double[] specials = [double.NaN, double.PositiveInfinity, double.NegativeInfinity];
        for (int i = 0; i < 57; i++)
        {
            values[random.Next(786_437)] = tensor(specials[i % 3]).to(dtype);
        }
        values[0] = tensor(double.NaN).to(dtype);
        values[786_436] = tensor(double.PositiveInfinity).to(dtype);
        long expected = values.isfinite().logical_not().sum().item<long>();

        long[] counts = WeightKernels.CountNonFinite([(WeightKernels.DataPointer(values), values.numel() * values.ElementSize, dtype)]);

        Assert.InRange(expected, 2, 59);
        Assert.Equal(expected, counts[0]);
    }

    [Fact]
    public void MappedModel_DisposedThenLoadedAgain_StillComputesTheCopiedModelsLogits()
    {
        using var copied = AgroNTModel.Load(TinyModel.Folder, Copied);
        var first = AgroNTModel.Load(TinyModel.Folder, Mapped);
        float[] before = Logits(first);
        first.Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();

        using var second = AgroNTModel.Load(TinyModel.Folder, Mapped);

        Assert.Equal(Logits(copied), before);
        Assert.Equal(before, Logits(second));
    }

    [Fact]
    public void MappedModel_TrainedInPlace_NeverWritesTheFile_NorAnotherModelMappingIt()
    {
        using var temp = new TempFolder();
        foreach (string file in Directory.GetFiles(TinyModel.Folder))
        {
            File.Copy(file, temp.File(Path.GetFileName(file)));
        }
        string weights = temp.File("model.safetensors");
        File.SetAttributes(weights, FileAttributes.ReadOnly);
        string hashBefore = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(weights)));
        using var bystander = AgroNTModel.Load(temp.Path, Mapped);
        float[] bystanderBefore = Logits(bystander);

        using (var trained = AgroNTModel.Load(temp.Path, Mapped))
        {
            float[] untrained = Logits(trained);
            trained.Network.train();
            var optimizer = optim.SGD(trained.Network.parameters(), 0.5);
            for (int step = 0; step < 3; step++)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var output = trained.Network.Forward(Ids(trained));
                output.Logits.pow(2).mean().backward();
                optimizer.step();
            }
            trained.Network.eval();
            Assert.NotEqual(untrained, Logits(trained));
        }

        Assert.Equal(hashBefore, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(weights))));
        Assert.Equal(bystanderBefore, Logits(bystander));
        using var reloaded = AgroNTModel.Load(temp.Path, Mapped);
        Assert.Equal(bystanderBefore, Logits(reloaded));
        File.SetAttributes(weights, FileAttributes.Normal);
    }

    [Fact]
    public void MappedModel_SurvivesTheFileBeingReplacedByARename()
    {
        using var temp = new TempFolder();
        foreach (string file in Directory.GetFiles(TinyModel.Folder))
        {
            File.Copy(file, temp.File(Path.GetFileName(file)));
        }
        using var model = AgroNTModel.Load(temp.Path, Mapped);
        float[] before = Logits(model);

        // What every writer in this library does: write a new file, rename it over the old one.
        File.WriteAllBytes(temp.File("other.safetensors"), new byte[4096]);
        File.Move(temp.File("other.safetensors"), temp.File("model.safetensors"), overwrite: true);

        Assert.Equal(before, Logits(model));
    }

    [Fact]
    public void SkipRandomInit_HoldsOnlyOnThisThreadAndOnlyWhileOpen()
    {
        bool inside;
        bool otherThread = true;
        using (ParameterInitialisation.SkipRandomInit())
        {
            inside = ParameterInitialisation.Skipping;
            var thread = new Thread(() => otherThread = ParameterInitialisation.Skipping);
            thread.Start();
            thread.Join();
        }

        Assert.True(inside);
        Assert.False(otherThread);
        Assert.False(ParameterInitialisation.Skipping);
    }

    private static EsmForMaskedLM NewUninitialised(EsmConfig config)
    {
        using (ParameterInitialisation.SkipRandomInit())
        {
            return new EsmForMaskedLM(config);
        }
    }

    private static Tensor Ids(AgroNTModel model) =>
        tensor(model.Tokenizer.EncodeToIds("ACGTACGTTTGACCAGTAGGCATACGTAGCTAGCATTTACGGACT", null).Select(i => (long)i).ToArray()).unsqueeze(0);

    private static float[] Logits(AgroNTModel model)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return model.Network.Forward(Ids(model)).Logits.contiguous().data<float>().ToArray();
    }
}
