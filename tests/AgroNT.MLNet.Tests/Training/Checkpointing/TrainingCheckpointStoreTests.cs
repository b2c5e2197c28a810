using System.Text.Json.Nodes;
using AgroNT.MLNet.Training.Checkpointing;
using AgroNT.MLNet.Training.Data;
using AgroNT.MLNet.Training.FineTuning;

namespace AgroNT.MLNet.Tests.Training.Checkpointing;

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

    // trainer_state.json as fine-tuning wrote it before the state was typed (no stateVersion: version 1).
    private const string FineTuningStateVersion1 = """
        {
          "step": 6,
          "epoch": 2,
          "batchesTaken": 1,
          "stoppedEarly": false,
          "pendingValidation": true,
          "hasBest": false,
          "bestLoss": null,
          "bestStep": 0,
          "sinceBest": 0,
          "lossSum": 1.25,
          "lossCount": 2,
          "lastTrainLoss": null,
          "elapsedSeconds": 3.5,
          "points": [
            { "step": 5, "epoch": 1, "trainLoss": 0.75, "validationLoss": 0.5, "validationMetric": null }
          ],
          "settings": { "seed": 7, "optimizer": "0.01/0.01/0.01/1", "evaluationInterval": null }
        }
        """;

    private static ResumeSettings FineTuningSettings(double learningRate = 0.01) => new ResumeSettings()
        .Set("seed", 7, new ResumeOption("Seed", "--seed"))
        .SetJoined("optimizer", '/', (new("LearningRate", "--learning-rate"), learningRate), (new("HeadLearningRate", "--head-learning-rate"), 0.01),
            (new("WeightDecay"), 0.01), (new("MaxGradientNorm"), (double?)1.0))
        .Set("evaluationInterval", (int?)null, new ResumeOption("EvaluationInterval", "--eval-every"))
        .Set("rcAugment", null, new ResumeOption("ReverseComplementAugment", "--rc-augment"), omitWhenNull: true);

    [Fact]
    public void LoadNewest_FineTuningStateOfVersion1_ReadsEveryField()
    {
        var store = new TrainingCheckpointStore(_folder, TrainingCheckpointStore.FineTuningFormat);
        SaveState(store, 6, FineTuningStateVersion1);

        var (checkpoint, state) = store.LoadNewest<FineTuningState>(FineTuningSettings(), "advice", _ => Assert.Fail("no warning expected"))!.Value;

        Assert.Equal(6, checkpoint.Step);
        Assert.Equal((6L, 2, 1L, false, true, false), (state.Step, state.Epoch, state.BatchesTaken, state.StoppedEarly, state.PendingValidation, state.HasBest));
        Assert.Equal(double.PositiveInfinity, state.BestLoss);
        Assert.True(double.IsNaN(state.LastTrainLoss));
        Assert.Equal((1.25, 2, 3.5), (state.LossSum, state.LossCount, state.ElapsedSeconds));
        Assert.Equal([new TrainingCurvePoint(5, 1, 0.75, 0.5, null)], state.Points);
    }

    [Fact]
    public void LoadNewest_Version1StateWithAnotherLearningRate_IsRefusedNamingTheOptionAndBothValues()
    {
        var store = new TrainingCheckpointStore(_folder, TrainingCheckpointStore.FineTuningFormat);
        SaveState(store, 6, FineTuningStateVersion1);

        var error = Assert.Throws<InvalidOperationException>(() => store.LoadNewest<FineTuningState>(FineTuningSettings(1e-4), "Resume with the same settings.", _ => { }));

        Assert.Contains("step-00000006 was written with other settings: --learning-rate 0.0001 (LearningRate) differs from the checkpoint's 0.01. Resume with the same settings.",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadNewest_PretrainingStateOfVersion1_ReadsTheDataPosition()
    {
        var store = new TrainingCheckpointStore(_folder);
        SaveState(store, 4, """{"step":4,"epoch":1,"windowsTaken":17,"tokens":9000,"elapsedSeconds":2.5,"settings":{"seed":7}}""");

        var (_, state) = store.LoadNewest<PretrainingState>(new ResumeSettings().Set("seed", 7, new ResumeOption("Seed", "--seed")), "advice", _ => { })!.Value;

        Assert.Equal((4L, new DataPosition(1, 17), 9000L, 2.5), (state.Step, state.Data, state.Tokens, state.ElapsedSeconds));
    }

    [Fact]
    public void LoadNewest_StateOfANewerVersion_IsRefusedNamingBothVersions()
    {
        var store = new TrainingCheckpointStore(_folder);
        SaveState(store, 4, """{"stateVersion":99,"step":4,"epoch":1,"windowsTaken":17,"tokens":9000,"elapsedSeconds":2.5,"settings":{}}""");

        var error = Assert.Throws<InvalidDataException>(() => store.LoadNewest<PretrainingState>(new ResumeSettings(), "advice", _ => { }));

        Assert.Contains($"state version 99, newer than this library's {TrainerState.CurrentVersion}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadNewest_EmptyFolder_IsNull()
    {
        Assert.Null(new TrainingCheckpointStore(_folder).LoadNewest<PretrainingState>(new ResumeSettings(), "advice", _ => { }));
    }

    [Fact]
    public void SaveTypedState_ThenLoadNewest_GivesTheSameStateWithTheCurrentVersion()
    {
        var store = new TrainingCheckpointStore(_folder, TrainingCheckpointStore.FineTuningFormat);
        var settings = FineTuningSettings();
        var state = new FineTuningState(12, 8.25, settings.ToJson())
        {
            Epoch = 3, BatchesTaken = 2, StoppedEarly = true, PendingValidation = false, HasBest = true, BestLoss = 0.125, BestStep = 10,
            SinceBest = 1, LossSum = double.Epsilon, LossCount = 1, LastTrainLoss = 0.5,
            Points = [new TrainingCurvePoint(10, 3, 0.5, 0.125, 0.875), new TrainingCurvePoint(12, 3, double.NaN, null, null)],
        };

        var saved = store.Save(state, [], folder => File.WriteAllBytes(Path.Combine(folder, TrainingCheckpointStore.ModelFileName), [1, 2, 3]));
        var (checkpoint, loaded) = store.LoadNewest<FineTuningState>(settings, "advice", _ => Assert.Fail("no warning expected"))!.Value;

        Assert.Equal(saved.Folder, checkpoint.Folder);
        Assert.Null(TrainingCheckpointStore.Verify(checkpoint, TrainingCheckpointStore.FineTuningFormat));
        Assert.Equal(TrainerState.CurrentVersion, JsonNode.Parse(File.ReadAllText(checkpoint.StatePath))!["stateVersion"]!.GetValue<int>());
        Assert.Equal(state.Points, loaded.Points);
        Assert.Equal(state with { Points = loaded.Points, Settings = loaded.Settings }, loaded);
        Assert.True(JsonNode.DeepEquals(state.Settings, loaded.Settings));
        Assert.Empty(Directory.GetFiles(checkpoint.Folder, "*.tmp-*"));
    }

    [Fact]
    public void RefuseExisting_FolderWithACheckpoint_ThrowsNamingResume()
    {
        var store = new TrainingCheckpointStore(_folder, TrainingCheckpointStore.FineTuningFormat);
        store.RefuseExisting();
        Save(store, 1);

        var error = Assert.Throws<InvalidOperationException>(store.RefuseExisting);

        Assert.Contains("already holds fine-tuning checkpoints of an earlier run: continue it with Resume (--resume)", error.Message, StringComparison.Ordinal);
    }

    private static void SaveState(TrainingCheckpointStore store, long step, string stateJson) => store.Save(step, folder =>
    {
        File.WriteAllBytes(Path.Combine(folder, TrainingCheckpointStore.ModelFileName), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(folder, TrainingCheckpointStore.OptimizerFileName), [4, 5]);
        File.WriteAllText(Path.Combine(folder, TrainingCheckpointStore.StateFileName), stateJson);
    });

    private static TrainingCheckpoint Save(TrainingCheckpointStore store, long step) => store.Save(step, folder =>
    {
        File.WriteAllBytes(Path.Combine(folder, TrainingCheckpointStore.ModelFileName), Enumerable.Range(0, 1000).Select(i => (byte)(i * step)).ToArray());
        File.WriteAllBytes(Path.Combine(folder, TrainingCheckpointStore.OptimizerFileName), [1, 2, 3, (byte)step]);
        File.WriteAllText(Path.Combine(folder, TrainingCheckpointStore.StateFileName), $"{{\"step\":{step}}}");
    });
}
