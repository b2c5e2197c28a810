using AgroNT.MLNet.Training.Checkpointing;

namespace AgroNT.MLNet.Tests.Training;

public sealed class TrainingCheckpointStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agront-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Save_ThenFindNewestComplete_ReturnsTheNewestVerified()
    {
        var store = new TrainingCheckpointStore(_folder);
        Save(store, 10);
        Save(store, 20);

        var newest = store.FindNewestComplete(_ => Assert.Fail("no warning expected"));

        Assert.Equal(20, newest!.Step);
        Assert.Null(TrainingCheckpointStore.Verify(newest));
        Assert.Equal(["step-00000010", "step-00000020"], Directory.GetDirectories(_folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void FindNewestComplete_FileCutShort_WarnsAndFallsBackToThePrevious()
    {
        var store = new TrainingCheckpointStore(_folder);
        Save(store, 10);
        var damaged = Save(store, 20);
        using (var stream = new FileStream(damaged.ModelPath, FileMode.Open))
        {
            stream.SetLength(stream.Length / 2);
        }
        var warnings = new List<string>();

        var found = store.FindNewestComplete(warnings.Add);

        Assert.Equal(10, found!.Step);
        Assert.Contains("model.safetensors", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void FindNewestComplete_CheckpointOfTheOtherKindOfTraining_IsPassedOverNamingBothFormats()
    {
        Save(new TrainingCheckpointStore(_folder), 10);
        var fineTuning = new TrainingCheckpointStore(_folder, TrainingCheckpointStore.FineTuningFormat);
        var warnings = new List<string>();

        Assert.Null(fineTuning.FindNewestComplete(warnings.Add));

        Assert.Contains("'AgroNT.PretrainingCheckpoint' manifest, not 'AgroNT.FineTuningCheckpoint'", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_SameLengthButAlteredBytes_FailsOnTheHash()
    {
        var store = new TrainingCheckpointStore(_folder);
        var checkpoint = Save(store, 5);
        byte[] bytes = File.ReadAllBytes(checkpoint.OptimizerPath);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(checkpoint.OptimizerPath, bytes);

        Assert.Contains("SHA-256", TrainingCheckpointStore.Verify(checkpoint), StringComparison.Ordinal);
    }

    [Fact]
    public void List_IgnoresTemporaryFolders_PruneKeepsTheNewestAndRemovesLeftovers()
    {
        var store = new TrainingCheckpointStore(_folder);
        for (int step = 1; step <= 4; step++)
        {
            Save(store, step);
        }
        Directory.CreateDirectory(Path.Combine(_folder, "step-00000009.tmp-abc"));

        Assert.Equal([4L, 3, 2, 1], store.List().Select(c => c.Step));
        store.Prune(keep: 2);

        Assert.Equal([4L, 3], store.List().Select(c => c.Step));
        Assert.False(Directory.Exists(Path.Combine(_folder, "step-00000009.tmp-abc")));
    }

    [Fact]
    public void Save_WriterThrows_LeavesNoCheckpoint()
    {
        var store = new TrainingCheckpointStore(_folder);
        Assert.Throws<IOException>(() => store.Save(3, folder =>
        {
            File.WriteAllText(Path.Combine(folder, TrainingCheckpointStore.ModelFileName), "partial");
            throw new IOException("disk full");
        }));

        Assert.Empty(store.List());
        Assert.Empty(Directory.GetDirectories(_folder));
    }

    private static TrainingCheckpoint Save(TrainingCheckpointStore store, long step) => store.Save(step, folder =>
    {
        File.WriteAllBytes(Path.Combine(folder, TrainingCheckpointStore.ModelFileName), Enumerable.Range(0, 1000).Select(i => (byte)(i * step)).ToArray());
        File.WriteAllBytes(Path.Combine(folder, TrainingCheckpointStore.OptimizerFileName), [1, 2, 3, (byte)step]);
        File.WriteAllText(Path.Combine(folder, TrainingCheckpointStore.StateFileName), $"{{\"step\":{step}}}");
    });
}
