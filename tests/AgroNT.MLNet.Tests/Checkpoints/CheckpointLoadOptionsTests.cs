using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class CheckpointLoadOptionsTests
{
    [Fact]
    public void Defaults_NewOptions_IgnoreContactHeadAndPositionIdsWithSixteenMiBWindows()
    {
        var options = new CheckpointLoadOptions();

        Assert.Equal(CheckpointFormat.Auto, options.Format);
        Assert.Equal(["esm.contact_head.*", "*.position_ids"], options.IgnoredUnexpectedKeys);
        Assert.Equal(["*.position_ids"], options.IgnoredMissingKeys);
        Assert.Null(options.CheckpointKeyPrefix);
        Assert.Equal(16L << 20, options.ChunkBytes);
        Assert.Null(options.Progress);
    }

    [Fact]
    public void IgnoredMissingKeys_Pattern_LetsAModelKeyStayUnloaded()
    {
        using var scope = NewDisposeScope();
        var targets = CheckpointLoaderTests.EmptyTargets(TinyModel.StateDict());
        Tensor classifier = full(2, 64, 3f);
        targets["classifier.weight"] = classifier;

        CheckpointLoadResult result = CheckpointLoader.LoadInto(targets, TinyModel.Folder,
            new CheckpointLoadOptions { IgnoredMissingKeys = ["classifier.*"] });

        Assert.Equal(["classifier.weight"], result.UnloadedModelKeys);
        Assert.True(classifier.eq(3f).all().item<bool>());
    }
}
