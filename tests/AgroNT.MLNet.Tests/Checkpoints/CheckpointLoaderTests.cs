using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class CheckpointLoaderTests
{
    [Fact]
    public void LoadInto_BinAndSafeTensors_GiveIdenticalValuesForAll44Keys()
    {
        using var scope = NewDisposeScope();
        var fromSafe = EmptyTargets(TinyModel.StateDict());
        var fromBin = EmptyTargets(TinyModel.StateDict());

        CheckpointLoadResult safe = CheckpointLoader.LoadInto(fromSafe, TinyModel.Folder);
        CheckpointLoadResult bin = CheckpointLoader.LoadInto(fromBin, TinyModel.Folder, new CheckpointLoadOptions { Format = CheckpointFormat.PyTorch });

        Assert.Equal(CheckpointFormat.SafeTensors, safe.Format);
        Assert.Equal(CheckpointFormat.PyTorch, bin.Format);
        Assert.Equal(44, safe.LoadedTensorCount);
        Assert.Equal(44, bin.LoadedTensorCount);
        foreach ((string name, Tensor target) in fromSafe)
        {
            Assert.Equal(target.data<float>().ToArray(), fromBin[name].data<float>().ToArray());
        }
    }

    [Fact]
    public void LoadInto_KeysThatDoNotFit_ThrowsOneExceptionListingAllAndCopiesNothing()
    {
        using var scope = NewDisposeScope();
        var stateDict = TinyModel.StateDict();
        var targets = new Dictionary<string, Tensor>();
        foreach ((string name, long[] shape) in stateDict)
        {
            targets[name] = full(shape, 7f);
        }
        targets.Remove("lm_head.bias");                                   // unexpected in the checkpoint
        targets["esm.pooler.dense.weight"] = full(new long[] { 64, 64 }, 7f); // missing from it
        targets["lm_head.dense.weight"] = full(new long[] { 32, 64 }, 7f);    // mis-shaped

        var error = Assert.Throws<CheckpointMismatchException>(() => CheckpointLoader.LoadInto(targets, TinyModel.Folder));

        Assert.Equal(["esm.pooler.dense.weight"], error.MissingKeys);
        Assert.Equal(["lm_head.bias"], error.UnexpectedKeys);
        CheckpointShapeMismatch mismatch = Assert.Single(error.ShapeMismatches);
        Assert.Equal("lm_head.dense.weight", mismatch.Name);
        Assert.Equal([32L, 64L], mismatch.Expected);
        Assert.Equal([64L, 64L], mismatch.Found);
        Assert.Contains("1 missing, 1 unexpected, 1 mis-shaped", error.Message);
        Assert.Contains("lm_head.dense.weight: model [32, 64], checkpoint [64, 64]", error.Message);
        Assert.All(targets.Values, t => Assert.True(t.eq(7f).all().item<bool>(), "a tensor was modified before validation finished"));
    }

    [Fact]
    public void LoadInto_ContactHead_IsSkippedByDefaultAndReportedInTheResult()
    {
        using var scope = NewDisposeScope();
        var targets = EmptyTargets(TinyModel.StateDict().Where(e => !e.Name.StartsWith("esm.contact_head.", StringComparison.Ordinal)));

        CheckpointLoadResult result = CheckpointLoader.LoadInto(targets, TinyModel.Folder);

        Assert.Equal(42, result.LoadedTensorCount);
        Assert.Equal(["esm.contact_head.regression.bias", "esm.contact_head.regression.weight"], result.SkippedCheckpointKeys.Order(StringComparer.Ordinal));
        Assert.Empty(result.UnloadedModelKeys);
    }

    [Fact]
    public void LoadInto_EmptyIgnoreList_ReportsContactHeadAsUnexpected()
    {
        using var scope = NewDisposeScope();
        var targets = EmptyTargets(TinyModel.StateDict().Where(e => !e.Name.StartsWith("esm.contact_head.", StringComparison.Ordinal)));

        var error = Assert.Throws<CheckpointMismatchException>(() =>
            CheckpointLoader.LoadInto(targets, TinyModel.Folder, new CheckpointLoadOptions { IgnoredUnexpectedKeys = [] }));

        Assert.Equal(2, error.UnexpectedKeys.Count);
    }

    [Fact]
    public void LoadInto_PositionIdsBufferMissing_IsAllowedAndLeftUnchanged()
    {
        using var scope = NewDisposeScope();
        var targets = EmptyTargets(TinyModel.StateDict());
        Tensor positionIds = arange(1026L).unsqueeze(0);
        targets["esm.embeddings.position_ids"] = positionIds;

        CheckpointLoadResult result = CheckpointLoader.LoadInto(targets, TinyModel.Folder);

        Assert.Equal(["esm.embeddings.position_ids"], result.UnloadedModelKeys);
        Assert.Equal(1025L, positionIds[0, 1025].item<long>());
    }

    [Fact]
    public void LoadInto_Bf16AndF16Files_ConvertToTheHandRoundedFloat32Values()
    {
        float[] known = [1f, -2.5f, 3.14159265f, 1e-3f, 1.00390625f, 1.01171875f, -65504f, 6.1e-5f, 0f, -0f, 123456.789f];
        ushort[] bf16 = known.Select(HandBuilt.RoundToBFloat16).ToArray();
        ushort[] f16 = known.Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray();
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("model.safetensors"), HandBuilt.SafeTensors("{\"format\":\"pt\"}",
            ("a.bf16", "BF16", [known.Length], HandBuilt.UInt16s(bf16)),
            ("a.f16", "F16", [known.Length], HandBuilt.UInt16s(f16)),
            ("a.f64", "F64", [known.Length], known.SelectMany(v => BitConverter.GetBytes((double)v + 1e-12)).ToArray())));
        using var scope = NewDisposeScope();
        var targets = new Dictionary<string, Tensor>
        {
            ["a.bf16"] = empty(known.Length),
            ["a.f16"] = empty(known.Length),
            ["a.f64"] = empty(known.Length),
        };

        // A 4-byte window forces several chunks through the conversion buffer; 123456.789 overflows fp16 to +Inf, which
        // the loader refuses unless allowed.
        Assert.Contains("a.f16 (1 of 11 values)", Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.LoadInto(targets, temp.Path)).Message);
        CheckpointLoader.LoadInto(targets, temp.Path, new CheckpointLoadOptions { ChunkBytes = 4, AllowNonFiniteWeights = true });

        Assert.Equal(bf16.Select(HandBuilt.BFloat16ToSingle), targets["a.bf16"].data<float>().ToArray());
        Assert.Equal(f16.Select(h => (float)BitConverter.UInt16BitsToHalf(h)), targets["a.f16"].data<float>().ToArray());
        Assert.Equal(known.Select(v => (float)((double)v + 1e-12)), targets["a.f64"].data<float>().ToArray());
        Assert.NotEqual(known, targets["a.bf16"].data<float>().ToArray()); // the rounding did happen
    }

    [Fact]
    public void LoadInto_Bf16Target_GetsRoundToNearestEvenValues()
    {
        float[] known = [1f, -2.5f, 3.14159265f, 1e-3f, 1.00390625f, 1.01171875f, 0.1f, 123456.789f];
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("model.safetensors"), HandBuilt.SafeTensors("", ("w", "F32", [2, 4], HandBuilt.Floats(known))));
        using var scope = NewDisposeScope();
        Tensor target = empty(new long[] { 2, 4 }, ScalarType.BFloat16);

        CheckpointLoader.LoadInto(new Dictionary<string, Tensor> { ["w"] = target }, temp.Path);

        float[] expected = known.Select(v => HandBuilt.BFloat16ToSingle(HandBuilt.RoundToBFloat16(v))).ToArray();
        Assert.Equal(expected, target.to(ScalarType.Float32).data<float>().ToArray());
    }

    [Fact]
    public void LoadInto_Module_FillsParametersAndPersistentBuffers()
    {
        using var scope = NewDisposeScope();
        using var model = new HeadOnly();
        using var expectedReader = SafeTensorsFile.Open(TinyModel.SafeTensors);

        CheckpointLoadResult result = CheckpointLoader.LoadInto(model, TinyModel.Folder,
            new CheckpointLoadOptions { IgnoredUnexpectedKeys = ["esm.*"], Format = CheckpointFormat.PyTorch });

        Assert.Equal(6, result.LoadedTensorCount);
        foreach ((string name, Tensor tensor) in model.state_dict())
        {
            Assert.Equal(expectedReader.ReadTensor(name).data<float>().ToArray(), tensor.data<float>().ToArray());
        }
        Assert.True(model.lm_head.dense.weight!.requires_grad);
        // The non-persistent buffer is not a checkpoint key, so it is neither required nor touched.
        Assert.Equal(-1L, model.get_buffer("scratch")!.max().item<long>());
    }

    [Fact]
    public void LoadInto_KeyPrefix_LoadsTheEncoderIntoBareNames()
    {
        using var scope = NewDisposeScope();
        var encoderOnly = TinyModel.StateDict()
            .Where(e => e.Name.StartsWith("esm.", StringComparison.Ordinal) && !e.Name.StartsWith("esm.contact_head.", StringComparison.Ordinal))
            .Select(e => (e.Name["esm.".Length..], e.Shape));
        var targets = EmptyTargets(encoderOnly);

        CheckpointLoadResult result = CheckpointLoader.LoadInto(targets, TinyModel.Folder, new CheckpointLoadOptions { CheckpointKeyPrefix = "esm." });

        Assert.Equal(36, result.LoadedTensorCount);
        Assert.Contains("lm_head.bias", result.SkippedCheckpointKeys);
        using var reader = SafeTensorsFile.Open(TinyModel.SafeTensors);
        Assert.Equal(reader.ReadTensor("esm.encoder.layer.1.output.dense.weight").data<float>().ToArray(),
            targets["encoder.layer.1.output.dense.weight"].data<float>().ToArray());
    }

    [Fact]
    public void LoadInto_HubIdNotInCache_ThrowsDirectoryNotFoundWithDownloadCommand()
    {
        using var temp = new TempFolder();
        var error = Assert.Throws<DirectoryNotFoundException>(() =>
            CheckpointLoader.LoadInto(new Dictionary<string, Tensor>(), temp.File("no-such-folder")));

        Assert.Contains("neither an existing folder nor a Hugging Face Hub id", error.Message);
    }

    [Fact]
    public void LoadInto_CancelledToken_StopsBeforeCopying()
    {
        using var scope = NewDisposeScope();
        var targets = EmptyTargets(TinyModel.StateDict());
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => CheckpointLoader.LoadInto(targets, TinyModel.Folder, null, cancelled.Token));
    }

    internal static Dictionary<string, Tensor> EmptyTargets(IEnumerable<(string Name, long[] Shape)> stateDict) =>
        stateDict.ToDictionary(e => e.Name, e => full(e.Shape, float.NaN));

    /// <summary>The LM head alone, with the bias as a persistent buffer and one non-persistent buffer.</summary>
    private sealed class HeadOnly : nn.Module
    {
        public readonly LmHead lm_head = new();

        public HeadOnly() : base(nameof(HeadOnly))
        {
            RegisterComponents();
            register_buffer("scratch", full(3, -1L), persistent: false);
        }
    }

    private sealed class LmHead : nn.Module
    {
        public readonly Linear dense = nn.Linear(64, 64);
        public readonly LayerNorm layer_norm = nn.LayerNorm(64);
        public readonly Linear decoder = nn.Linear(64, 4105, hasBias: false);

        public LmHead() : base(nameof(LmHead))
        {
            RegisterComponents();
            register_buffer("bias", zeros(4105));
        }
    }
}
