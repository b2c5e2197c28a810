using System.Text.Json.Nodes;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training;
using AgroNT.MLNet.Training.Checkpointing;
using AgroNT.MLNet.Training.Data;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Transforms.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Training;

public sealed class AgroNTPretrainerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agront-pretrain-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Out(string name) => Path.Combine(_folder, name);

    [Fact]
    public void Train_KStepsResumeKSteps_EqualsTwoKUninterruptedSteps()
    {
        // Accumulation (several micro-batches per update) and epoch roll-over are both exercised.
        var options = TinyTraining.Options(Out("straight"), maxSteps: 8) with { BatchTokens = 250, CheckpointInterval = 0 };
        var straight = new AgroNTPretrainer(options).Train(TinyTraining.Corpus());

        using var cancellation = new CancellationTokenSource();
        var interrupted = options with { OutputFolder = Out("resumed") };
        var first = new AgroNTPretrainer(interrupted).Train(TinyTraining.Corpus(), new TinyTraining.CancelAtStep(4, cancellation), cancellation.Token);
        Assert.Equal(PretrainingStatus.Cancelled, first.Status);
        Assert.Equal(4, first.Steps);
        Assert.False(File.Exists(Path.Combine(Out("resumed"), "model.safetensors")));

        var second = new AgroNTPretrainer(interrupted with { Resume = true }).Train(TinyTraining.Corpus());

        Assert.Equal(PretrainingStatus.Completed, second.Status);
        Assert.Equal(straight.Tokens, second.Tokens);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Out("straight"), "model.safetensors")), File.ReadAllBytes(Path.Combine(Out("resumed"), "model.safetensors")));
        Assert.Equal(straight.Validation, second.Validation);
    }

    [Fact]
    public void Train_Resume_NewestCheckpointCutShort_UsesThePreviousAndStillMatchesAnUninterruptedRun()
    {
        var options = TinyTraining.Options(Out("straight"), maxSteps: 6) with { CheckpointInterval = 0 };
        new AgroNTPretrainer(options).Train(TinyTraining.Corpus());

        using var cancellation = new CancellationTokenSource();
        var interrupted = options with { OutputFolder = Out("resumed"), CheckpointInterval = 2 };
        new AgroNTPretrainer(interrupted).Train(TinyTraining.Corpus(), new TinyTraining.CancelAtStep(4, cancellation), cancellation.Token);
        var store = new TrainingCheckpointStore(interrupted.ResolvedCheckpointFolder);
        var newest = store.List()[0];
        Assert.Equal(4, newest.Step);
        using (var stream = new FileStream(newest.ModelPath, FileMode.Open))
        {
            stream.SetLength(stream.Length - 100);
        }

        var recorder = new TinyTraining.Recorder();
        var result = new AgroNTPretrainer(interrupted with { Resume = true }).Train(TinyTraining.Corpus(), recorder);

        var warning = Assert.Single(recorder.Reports, r => r.Event == PretrainingEvent.Warning);
        Assert.Contains("step-00000004", warning.Message, StringComparison.Ordinal);
        Assert.Contains("resuming at update 2", recorder.Reports.First(r => r.Event == PretrainingEvent.Started).Message, StringComparison.Ordinal);
        Assert.Equal(6, result.Steps);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Out("straight"), "model.safetensors")), File.ReadAllBytes(Path.Combine(Out("resumed"), "model.safetensors")));
    }

    [Fact]
    public void Train_WritesAHuggingFaceFolderThatReloadsWithTheTrainedLogits()
    {
        var options = TinyTraining.Options(Out("model"), maxSteps: 4) with { WriteLossPlot = true };
        var result = new AgroNTPretrainer(options).Train(TinyTraining.Corpus());

        string folder = result.OutputFolder;
        foreach (string file in new[] { "config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "metrics.csv", "loss.png" })
        {
            Assert.True(File.Exists(Path.Combine(folder, file)), file);
        }
        var tokenizerConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "tokenizer_config.json")))!.AsObject();
        Assert.True(tokenizerConfig.ContainsKey("eos_token"));
        Assert.Null(tokenizerConfig["eos_token"]);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(folder, "loss.png")).Take(4));

        // The final checkpoint holds the trained weights: a network filled from it and the reloaded folder agree exactly.
        using var reloaded = AgroNTModel.Load(folder);
        using var fromCheckpoint = new EsmForMaskedLM(TinyTraining.Config);
        CheckpointLoader.LoadInto(fromCheckpoint, Path.Combine(result.LastCheckpoint!, TrainingCheckpointStore.ModelFileName));
        fromCheckpoint.eval();
        using var scope = NewDisposeScope();
        var ids = tensor(reloaded.Tokenizer.EncodeToIds(TinyTraining.RandomDna(120, 99), null).Select(i => (long)i).ToArray()).unsqueeze(0);
        using (no_grad())
        {
            Assert.True(reloaded.Network.Forward(ids).Logits.eq(fromCheckpoint.Forward(ids).Logits).all().item<bool>());
        }
        Assert.Equal(TinyTraining.Config with { TorchDtype = "float32", Extra = reloaded.Config.Extra }, reloaded.Config);
    }

    [Fact]
    public void Train_ReportsProgressAndWritesMetricsForEveryStepAndValidation()
    {
        var recorder = new TinyTraining.Recorder();
        var result = new AgroNTPretrainer(TinyTraining.Options(Out("m"), maxSteps: 6)).Train(TinyTraining.Corpus(), recorder);

        Assert.Equal([1L, 2, 3, 4, 5, 6], recorder.Reports.Where(r => r.Event == PretrainingEvent.Step).Select(r => r.Step));
        Assert.Equal([0L, 3, 6], recorder.Reports.Where(r => r.Event == PretrainingEvent.Validation).Select(r => r.Step));
        Assert.All(recorder.Reports.Where(r => r.Event == PretrainingEvent.Step), r =>
        {
            Assert.True(double.IsFinite(r.TrainingLoss) && r.TrainingLoss > 0);
            Assert.True(r.TokensPerSecond > 0);
        });
        Assert.Equal(PretrainingEvent.Finished, recorder.Reports[^1].Event);
        var v = result.Validation!;
        Assert.InRange(v.BaselineAccuracy, 0, 1);
        Assert.True(v.MaskTokens > 0 && v.MaskTokens <= v.SelectedTokens);
        Assert.Equal(Math.Exp(v.Loss), v.Perplexity, 10);
        // Random DNA, a few thousand training tokens: the smoothed frequencies are close to uniform over the 4,101 ordinary tokens.
        Assert.InRange(v.BaselineLoss, 7.0, Math.Log(4101) + 0.5);

        string[] lines = File.ReadAllLines(Path.Combine(Out("m"), "metrics.csv"));
        Assert.StartsWith("step,tokens,learning_rate,train_loss,val_loss", lines[0], StringComparison.Ordinal);
        Assert.Equal(6 + 3, lines.Length - 1);
    }

    [Fact]
    public void ValidationMasks_ScoreEveryWindowUnderIndependentDraws()
    {
        var single = new AgroNTPretrainer(TinyTraining.Options(Out("k1"), maxSteps: 1)).Train(TinyTraining.Corpus()).Validation!;
        var triple = new AgroNTPretrainer(TinyTraining.Options(Out("k3"), maxSteps: 1) with { ValidationMasks = 3 }).Train(TinyTraining.Corpus()).Validation!;

        Assert.Equal(single.Windows, triple.Windows);
        // The first draw is the single-draw set; the two others are new draws of 15% each, not copies of it.
        Assert.InRange(triple.SelectedTokens, 2.4 * single.SelectedTokens, 3.6 * single.SelectedTokens);
        Assert.NotEqual(3 * single.SelectedTokens, triple.SelectedTokens);
        Assert.Throws<ArgumentOutOfRangeException>(() => (TinyTraining.Options(Out("k0")) with { ValidationMasks = 0 }).Validate());
    }

    [Fact]
    public void Train_RepetitiveGenome_LearnsToBeatTheMostFrequentToken()
    {
        // Each 300 bp window repeats one of 20 random 6-mers (every one of them in training): a masked token is given
        // by its neighbours, which the frequency baseline cannot use.
        var random = new Random(4);
        string[] kmers = Enumerable.Range(0, 20).Select(i => TinyTraining.RandomDna(6, 100 + i)).ToArray();
        int[] order = [.. Enumerable.Range(0, 48).Select(i => i % 20).OrderBy(_ => random.Next()), .. Enumerable.Range(0, 20).OrderBy(_ => random.Next()).Take(8)];
        string Windows(IEnumerable<int> picks) => string.Concat(picks.Select(k => string.Concat(Enumerable.Repeat(kmers[k], 50))));
        (string, string)[] records =
        [
            ("a", Windows(order[..24])),
            ("b", Windows(order[24..48])),
            ("held-out", Windows(order[48..56])),
        ];
        var corpus = PretrainingCorpus.FromSequences("repeats", () => records, ValidationSplit.ByRecord("held-out").WithRegionLength(1200),
            windowing: new WindowingOptions { WindowLength = 300, Overlap = 0 });
        var options = TinyTraining.Options(Out("r"), maxSteps: 100) with
        {
            Config = TinyTraining.Config with { HiddenSize = 64, IntermediateSize = 128, NumAttentionHeads = 4 },
            PeakLearningRate = 1e-2,
            WarmupSteps = 4,
            Decay = LearningRateDecay.Constant,
            BatchTokens = 400,
            MicroBatchSize = 8,
            ValidationInterval = 0,
            CheckpointInterval = 0,
            LogInterval = 100,
        };

        var v = new AgroNTPretrainer(options).Train(corpus).Validation!;

        Assert.True(v.MaskAccuracy > v.MaskBaselineAccuracy + 0.2, $"masked accuracy {v.MaskAccuracy} vs baseline {v.MaskBaselineAccuracy}");
        Assert.True(v.Loss < v.BaselineLoss, $"loss {v.Loss} vs the frequency baseline's {v.BaselineLoss}");
    }

    [Fact]
    public void Train_ActivationCheckpointing_GivesTheSameWeightsAsThePlainPath()
    {
        // Accumulation over several micro-batches; the recomputed layers must hand back the same gradients.
        var options = TinyTraining.Options(Out("plain"), maxSteps: 4) with { BatchTokens = 250, CheckpointInterval = 0, ValidationInterval = 0 };
        new AgroNTPretrainer(options).Train(TinyTraining.Corpus());
        new AgroNTPretrainer(options with { OutputFolder = Out("checkpointed"), ActivationCheckpointing = ActivationCheckpointing.On })
            .Train(TinyTraining.Corpus());

        using var plain = AgroNTModel.Load(Out("plain"));
        using var checkpointed = AgroNTModel.Load(Out("checkpointed"));
        using var initial = AgroNTModel.CreateRandom(TinyTraining.Config, KmerVocabulary.FromTokens(AgroNTVocabulary.Tokens()), options.Seed);
        var trained = plain.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var start = initial.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        int moved = 0;
        foreach (var (name, parameter) in checkpointed.Network.named_parameters())
        {
            double difference = (parameter - trained[name]).abs().max().item<float>();
            Assert.True(difference <= 1e-5, $"{name} differs by {difference}");
            moved += (trained[name] - start[name]).abs().max().item<float>() > 1e-4 ? 1 : 0;
        }
        Assert.True(moved > 10, $"only {moved} tensors moved away from the initial weights: the updates did not train");
    }

    [Fact]
    public void ForPretraining_Checkpointing_KeepsOneLayerInputPerLayer()
    {
        // AgroNT-1B, one 1,024-token window: with checkpointing the layers keep L x H elements per token (their inputs)
        // plus two layers' intermediates, instead of every layer's.
        var config = EsmConfig.AgroNT1B;
        var plain = MemoryEstimate.ForPretraining(config, 1, 1024);
        var checkpointed = MemoryEstimate.ForPretraining(config, 1, 1024, checkpointing: true);
        long perLayer = MemoryEstimate.ActivationBytesFor(config, FineTuningMethod.Full, 1, 1024, checkpointing: false) / (config.NumHiddenLayers + 1);
        Assert.Equal(plain.WeightBytes + plain.GradientBytes + plain.OptimizerBytes, checkpointed.WeightBytes + checkpointed.GradientBytes + checkpointed.OptimizerBytes);
        // The masked-LM head keeps 4H + 2V elements per token either way (by hand: 1,024 x (6,000 + 8,214) x 4 bytes).
        long head = 1024L * (4 * 1500 + 2 * config.VocabSize) * 4;
        Assert.Equal(MemoryEstimate.ActivationBytesFor(config, FineTuningMethod.Full, 1, 1024, checkpointing: true) + head, checkpointed.ActivationBytes);
        Assert.Equal(MemoryEstimate.ActivationBytesFor(config, FineTuningMethod.Full, 1, 1024, checkpointing: false) + head, plain.ActivationBytes);
        Assert.True(checkpointed.ActivationBytes < plain.ActivationBytes / 7, $"{checkpointed.ActivationBytes} vs {plain.ActivationBytes}");
        Assert.True(checkpointed.ActivationBytes >= 2 * perLayer, "at least the recomputed layer's intermediates");
        Assert.True(checkpointed.TotalBytes <= 16L << 30, $"AgroNT-1B pretraining with checkpointing should fit 16 GiB: {checkpointed}");
    }

    [Fact]
    public void Train_BFloat16_TrainsWithFp32MasterWeightsAndSavesFp32()
    {
        var result = new AgroNTPretrainer(TinyTraining.Options(Out("bf16"), maxSteps: 3) with { Precision = Precision.BFloat16 }).Train(TinyTraining.Corpus());

        Assert.True(double.IsFinite(result.Validation!.Loss));
        using var reader = CheckpointReader.Open(Out("bf16"));
        Assert.All(reader.Tensors, t => Assert.Equal(ScalarType.Float32, t.DType));
    }

    [Theory]
    [InlineData(Precision.Float32)]
    [InlineData(Precision.BFloat16)]
    public void Updates_LeaveNoLiveTensors(Precision precision)
    {
        var options = TinyTraining.Options(Out("leak"), maxSteps: 10) with { Precision = precision, BatchTokens = 250 };
        using var run = new PretrainingRun(options, TinyTraining.Corpus(), progress: null);
        run.TimeUpdates(warmup: 1, updates: 0);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var timing = run.TimeUpdates(warmup: 0, updates: 3);

        Assert.Equal(3, timing.Updates);
        Assert.True(timing.Tokens >= 3 * 250);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Train_ExistingCheckpointsWithoutResume_Refuses()
    {
        var options = TinyTraining.Options(Out("twice"), maxSteps: 2);
        new AgroNTPretrainer(options).Train(TinyTraining.Corpus());

        var error = Assert.Throws<InvalidOperationException>(() => new AgroNTPretrainer(options).Train(TinyTraining.Corpus()));
        Assert.Contains("resume", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_ResumeWithOtherSettings_NamesWhatChanged()
    {
        var options = TinyTraining.Options(Out("changed"), maxSteps: 2);
        new AgroNTPretrainer(options).Train(TinyTraining.Corpus());

        var error = Assert.Throws<InvalidOperationException>(() =>
            new AgroNTPretrainer(options with { Resume = true, Seed = 8, MaxSteps = 4 }).Train(TinyTraining.Corpus()));
        Assert.Contains("--seed 8 (Seed) differs from the checkpoint's " + options.Seed, error.Message, StringComparison.Ordinal);
        Assert.Contains("--max-steps 4 (MaxSteps) differs from the checkpoint's 2", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("--lr", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_InitFromAFolder_ContinuesItsWeightsAndVocabulary()
    {
        new AgroNTPretrainer(TinyTraining.Options(Out("base"), maxSteps: 2)).Train(TinyTraining.Corpus());
        var options = TinyTraining.Options(Out("continued"), maxSteps: 2) with { Config = null, InitFrom = Out("base") };

        var result = new AgroNTPretrainer(options).Train(TinyTraining.Corpus());

        Assert.Equal(PretrainingStatus.Completed, result.Status);
        Assert.Equal(File.ReadAllText(Path.Combine(Out("base"), "vocab.txt")), File.ReadAllText(Path.Combine(Out("continued"), "vocab.txt")));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(Out("base"), "model.safetensors")), File.ReadAllBytes(Path.Combine(Out("continued"), "model.safetensors")));
    }

    [Theory]
    [InlineData("esm.encoder.layer.0.attention.self.query.weight", true)]
    [InlineData("esm.embeddings.word_embeddings.weight", true)]
    [InlineData("lm_head.decoder.weight", true)]
    [InlineData("esm.encoder.layer.0.attention.self.query.bias", false)]
    [InlineData("esm.encoder.layer.1.LayerNorm.weight", false)]
    [InlineData("esm.encoder.emb_layer_norm_after.weight", false)]
    [InlineData("lm_head.layer_norm.weight", false)]
    [InlineData("lm_head.bias", false)]
    public void WeightDecay_AppliesToWeightMatricesAndEmbeddingsOnly(string name, bool decayed) =>
        Assert.Equal(decayed, PretrainingRun.IsDecayed(name));

    [Fact]
    public void Options_NeitherOrBothStartingPoints_Refused()
    {
        Assert.Throws<ArgumentException>(() => new AgroNTPretrainer(new PretrainingOptions { OutputFolder = Out("x") }));
        Assert.Throws<ArgumentException>(() => new AgroNTPretrainer(new PretrainingOptions { OutputFolder = Out("x"), Config = TinyTraining.Config, InitFrom = "y" }));
    }
}
