using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training.Checkpointing;
using AgroNT.MLNet.Training.Data;
using AgroNT.Transforms.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Training;

/// <summary>Wall time of a number of complete updates.</summary>
/// <param name="Updates">Updates timed.</param>
/// <param name="Tokens">Real tokens they trained on.</param>
/// <param name="Seconds">Their wall time.</param>
public readonly record struct UpdateTiming(int Updates, long Tokens, double Seconds);

/// <summary>One execution of <see cref="AgroNTPretrainer.Train"/>: the model, optimiser, data stream and logs.</summary>
internal sealed class PretrainingRun : IDisposable
{
    // Validation masks come from their own stream, apart from every training epoch's.
    private const long ValidationStream = -1;

    private readonly PretrainingOptions _options;
    private readonly PretrainingCorpus _corpus;
    private readonly IProgress<PretrainingProgress>? _progress;
    private readonly ulong _seed;
    private readonly AgroNTModel _model;
    private readonly EsmForMaskedLM _compute;
    private readonly (Parameter Master, Parameter Compute)[] _mixedPairs;
    private readonly Parameter[] _parameters;
    private readonly AdamW _optimizer;
    private readonly KmerTokenizer _tokenizer;
    private readonly MlmMasker _masker;
    private readonly TrainingCheckpointStore _store;
    private readonly LearningRateSchedule _schedule;
    private readonly ResumeSettings _settings;
    private readonly Stopwatch _clock = new();
    private TrainingWindowStream? _stream;
    private List<MaskedBatch>? _validationSet;
    private double[]? _frequencyLogProbabilities;
    private ValidationMetrics? _lastValidation;
    private long _step;
    private long _tokens;
    private double _previousSeconds;
    private long _stepsThisRun;
    private long _tokensThisRun;
    private string? _lastCheckpoint;
    private long _lastCheckpointStep = -1;
    private bool _resumed;

    public PretrainingRun(PretrainingOptions options, PretrainingCorpus corpus, IProgress<PretrainingProgress>? progress)
    {
        _options = options;
        _corpus = corpus;
        _progress = progress;
        _seed = unchecked((ulong)options.Seed);
        Native.TorchRuntime.Initialize();

        _model = options.Config is { } config
            ? AgroNTModel.CreateRandom(config, KmerVocabulary.FromTokens(AgroNTVocabulary.Tokens()), options.Seed, new AgroNTModelOptions { Device = options.Device })
            : AgroNTModel.Load(options.InitFrom!, new AgroNTModelOptions { Device = options.Device });
        try
        {
            var vocabulary = _model.Tokenizer.Vocabulary as KmerVocabulary
                ?? throw new NotSupportedException($"{options.InitFrom} has a protein vocabulary; pretraining reads DNA genomes and needs a k-mer (AgroNT-style) model.");
            int maxTokens = Math.Min(options.MaxTokens ?? _model.Config.MaxTokens, Math.Min(_model.Config.MaxTokens, vocabulary.MaxTokens));
            _tokenizer = KmerTokenizer.Create(vocabulary, KmerTokenizerOptions.Default with { LengthPolicy = LengthPolicy.Truncate, MaxTokens = maxTokens });
            _masker = new MlmMasker(vocabulary, options.Masking);
            _schedule = options.Schedule;
            _store = new TrainingCheckpointStore(options.ResolvedCheckpointFolder);
            _settings = Settings(maxTokens);

            var master = _model.Network;
            if (options.Precision == Precision.BFloat16)
            {
                _compute = new EsmForMaskedLM(_model.Config, _model.Device, ScalarType.BFloat16);
                var computeParameters = _compute.named_parameters().ToDictionary(p => p.name, p => p.parameter);
                _mixedPairs = master.named_parameters().Select(p => (p.parameter, computeParameters[p.name])).ToArray();
            }
            else
            {
                _compute = master;
                _mixedPairs = [];
            }
            _parameters = master.parameters().ToArray();
            _optimizer = CreateOptimizer(master, options);
            _compute.Esm.Encoder.ActivationCheckpointing = options.ActivationCheckpointing switch
            {
                FineTuning.ActivationCheckpointing.On => true,
                FineTuning.ActivationCheckpointing.Off => false,
                // The weights are resident already: what is available now is shared by everything else.
                _ => MemoryEstimate.ForPretraining(_model.Config, options.MicroBatchSize, maxTokens, options.Precision) is var plain
                    && plain.TotalBytes - plain.WeightBytes - plain.OverheadBytes > MemoryEstimate.AvailableBytes(),
            };
        }
        catch
        {
            _model.Dispose();
            throw;
        }
    }

    public PretrainingResult Execute(CancellationToken cancellationToken)
    {
        var start = new DataPosition(0, 0);
        if (_options.Resume)
        {
            start = RestoreNewestCheckpoint();
        }
        else
        {
            _store.RefuseExisting();
        }
        var metrics = new MetricsLog(_options.OutputFolder, _step);
        _stream = new TrainingWindowStream(_corpus, _seed, _options.ShuffleBufferWindows, start);
        _validationSet = BuildValidationSet();
        SyncComputeWeights();
        Report(PretrainingEvent.Started, double.NaN, 0, Describe(start));
        _clock.Start();

        if (_step == 0 && _validationSet is not null)
        {
            Validate(metrics, 0);
        }
        double lossSum = 0;
        int lossCount = 0;
        double learningRate = 0;
        while (_step < _options.MaxSteps)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                WriteCheckpoint(metrics);
                Report(PretrainingEvent.Cancelled, double.NaN, learningRate,
                    $"cancelled at update {_step}; checkpoint {_lastCheckpoint}; continue with --resume.");
                return Result(PretrainingStatus.Cancelled);
            }
            learningRate = _schedule.At(_step + 1);
            double loss = TrainStep(learningRate);
            _step++;
            _stepsThisRun++;
            if (double.IsFinite(loss))
            {
                lossSum += loss;
                lossCount++;
            }
            bool last = _step == _options.MaxSteps;
            if (_step % _options.LogInterval == 0 || last)
            {
                double mean = lossCount > 0 ? lossSum / lossCount : double.NaN;
                metrics.Append(new MetricsRow(_step, _tokens, learningRate, lossCount > 0 ? mean : null, null, TokensPerSecond, ElapsedSeconds));
                Report(PretrainingEvent.Step, mean, learningRate, StepMessage(mean, learningRate));
                lossSum = 0;
                lossCount = 0;
            }
            if (_validationSet is not null && ((_options.ValidationInterval > 0 && _step % _options.ValidationInterval == 0) || last))
            {
                Validate(metrics, learningRate);
            }
            if ((_options.CheckpointInterval > 0 && _step % _options.CheckpointInterval == 0) || last)
            {
                WriteCheckpoint(metrics);
            }
        }

        _model.Network.eval();
        _model.Save(_options.OutputFolder);
        if (_options.WriteLossPlot)
        {
            metrics.WritePlot(PlotTitle());
        }
        Report(PretrainingEvent.Finished, double.NaN, learningRate,
            $"done: {_step} updates, {_tokens:N0} tokens in {TimeSpan.FromSeconds(ElapsedSeconds):hh\\:mm\\:ss}; model folder {_options.OutputFolder}"
            + (_lastValidation is { } v ? $"; validation accuracy {v.Accuracy:P2} (<mask> positions {v.MaskAccuracy:P2}) vs {v.BaselineAccuracy:P2} ({v.MaskBaselineAccuracy:P2}) for always {v.BaselineToken}" : ""));
        return Result(PretrainingStatus.Completed);
    }

    /// <summary>
    /// Times <paramref name="updates"/> complete updates (data, forward, backward, clipping, AdamW) after
    /// <paramref name="warmup"/> untimed ones, without validation, checkpoints or output: the benchmark's measurement.
    /// </summary>
    internal UpdateTiming TimeUpdates(int warmup, int updates)
    {
        _stream ??= new TrainingWindowStream(_corpus, _seed, _options.ShuffleBufferWindows, new DataPosition(0, 0));
        SyncComputeWeights();
        for (int i = 0; i < warmup; i++)
        {
            TrainStep(_schedule.At(++_step));
        }
        long tokensBefore = _tokens;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < updates; i++)
        {
            TrainStep(_schedule.At(++_step));
        }
        return new UpdateTiming(updates, _tokens - tokensBefore, clock.Elapsed.TotalSeconds);
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _optimizer.Dispose();
        if (!ReferenceEquals(_compute, _model.Network))
        {
            _compute.Dispose();
        }
        _model.Dispose();
    }

    private double ElapsedSeconds => _previousSeconds + _clock.Elapsed.TotalSeconds;

    private double TokensPerSecond => _tokensThisRun / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);

    /// <summary>One update: micro-batches until the token budget is met, one backward each, clipping, AdamW.</summary>
    private double TrainStep(double learningRate)
    {
        foreach (var group in _optimizer.ParamGroups)
        {
            group.LearningRate = learningRate;
        }
        // Dropout draws from torch's global generator: seeding it per update keeps a resumed run identical.
        torch.manual_seed(unchecked((long)CounterRandom.Derive(_seed, (ulong)_step + 1, 0x44524F50 /* "DROP" */)));

        var batches = new List<MaskedBatch>();
        int tokens = 0;
        while (tokens < _options.BatchTokens)
        {
            var windows = new List<NumberedWindow>(_options.MicroBatchSize);
            for (int i = 0; i < _options.MicroBatchSize; i++)
            {
                windows.Add(_stream!.Next());
            }
            var batch = MaskedBatch.Create(MaskedBatch.Numbered(windows), _tokenizer, _masker, _seed);
            batches.Add(batch);
            tokens += batch.RealTokens;
        }
        long selected = batches.Sum(b => (long)b.Targets.Length);
        _tokens += tokens;
        _tokensThisRun += tokens;
        if (selected == 0)
        {
            return double.NaN;
        }

        _compute.train();
        double lossTotal = 0;
        foreach (var batch in batches)
        {
            using var scope = NewDisposeScope();
            var lossSum = ScoredLoss(_compute, batch, out _);
            // Dividing each micro-batch's sum by the update's total makes accumulation equal one large batch.
            using (Scalar denominator = (double)selected)
            {
                lossSum.div(denominator).backward();
            }
            LayerCheckpoint.ReleaseHandedBack();
            lossTotal += lossSum.item<float>();
        }
        using (var scope = NewDisposeScope())
        {
            if (_mixedPairs.Length > 0)
            {
                using (no_grad())
                {
                    // The grad accessor hands out a new wrapper each time, outside any dispose scope: dispose them here.
                    foreach (var (master, compute) in _mixedPairs)
                    {
                        using var grad = compute.grad;
                        if (grad is null)
                        {
                            continue;
                        }
                        using var masterGrad = master.grad;
                        masterGrad!.copy_(grad);
                        grad.zero_();
                    }
                }
            }
            if (_options.MaxGradientNorm > 0)
            {
                nn.utils.clip_grad_norm_(_parameters, _options.MaxGradientNorm);
            }
            _optimizer.StepParameterByParameter();
            _optimizer.zero_grad();
        }
        SyncComputeWeights();
        return lossTotal / selected;
    }

    /// <summary>Summed cross-entropy over a batch's selected tokens; the LM head runs on those positions only.</summary>
    private Tensor ScoredLoss(EsmForMaskedLM network, MaskedBatch batch, out Tensor logits)
    {
        var device = _model.Device;
        var (ids, mask) = batch.Inputs.ToTensors(device);
        var hidden = network.Esm.Forward(ids, mask).LastHiddenState;
        var positions = tensor(batch.SelectedPositions, device: device);
        var scored = hidden.reshape(-1, hidden.shape[2]).index_select(0, positions);
        logits = network.LMHead.forward(scored).to(ScalarType.Float32);
        var targets = tensor(batch.Targets, device: device);
        return nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.Sum);
    }

    private void Validate(MetricsLog metrics, double learningRate)
    {
        var batches = _validationSet!;
        _compute.eval();
        double loss = 0;
        long correct = 0, selected = 0, maskCorrect = 0, masked = 0;
        var targets = new List<(long Target, bool Masked)>();
        using (no_grad())
        {
            foreach (var batch in batches)
            {
                if (batch.Targets.Length == 0)
                {
                    continue;
                }
                using var scope = NewDisposeScope();
                var lossSum = ScoredLoss(_compute, batch, out var logits);
                loss += lossSum.item<float>();
                var predicted = logits.argmax(-1).data<long>().ToArray();
                for (int i = 0; i < predicted.Length; i++)
                {
                    bool hit = predicted[i] == batch.Targets[i];
                    bool isMask = batch.Inputs.InputIds[batch.SelectedPositions[i]] == _masker.MaskId;
                    correct += hit ? 1 : 0;
                    maskCorrect += hit && isMask ? 1 : 0;
                    masked += isMask ? 1 : 0;
                    targets.Add((batch.Targets[i], isMask));
                }
                selected += batch.Targets.Length;
            }
        }
        _compute.train();
        if (selected == 0)
        {
            Report(PretrainingEvent.Warning, double.NaN, learningRate, "the validation windows have no selected token; nothing to score.");
            return;
        }
        double baselineLoss = -targets.Average(t => _frequencyLogProbabilities![t.Target]);
        long baselineId = targets.GroupBy(t => t.Target).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        long baselineHits = targets.Count(t => t.Target == baselineId);
        long baselineMaskHits = targets.Count(t => t.Masked && t.Target == baselineId);
        _lastValidation = new ValidationMetrics(loss / selected, (double)correct / selected, (double)baselineHits / selected,
            masked == 0 ? double.NaN : (double)maskCorrect / masked, masked == 0 ? double.NaN : (double)baselineMaskHits / masked,
            _tokenizer.Vocabulary.GetToken((int)baselineId), selected, masked, batches.Sum(b => b.Rows) / _options.ValidationMasks, baselineLoss);
        metrics.Append(new MetricsRow(_step, _tokens, learningRate, null, _lastValidation, TokensPerSecond, ElapsedSeconds));
        var v = _lastValidation;
        Report(PretrainingEvent.Validation, double.NaN, learningRate, string.Create(CultureInfo.InvariantCulture,
            $"validation at update {_step}: loss {v.Loss:F4} (training-frequency baseline {v.BaselineLoss:F4}), perplexity {v.Perplexity:F1}, accuracy {v.Accuracy:P2} on {v.SelectedTokens:N0} selected tokens and {v.MaskAccuracy:P2} on the {v.MaskTokens:N0} <mask>ed ones (always {v.BaselineToken}: {v.BaselineAccuracy:P2} / {v.MaskBaselineAccuracy:P2}), {v.Windows} windows{(_options.ValidationMasks > 1 ? $" x {_options.ValidationMasks} mask draws" : "")}"));
    }

    /// <summary>
    /// Picks up to <see cref="PretrainingOptions.ValidationWindows"/> evenly spaced held-out windows, each masked
    /// <see cref="PretrainingOptions.ValidationMasks"/> times (draw k uses stream <c>-1 - k</c>), once for the whole run.
    /// </summary>
    private List<MaskedBatch>? BuildValidationSet()
    {
        if (!_corpus.HasValidation)
        {
            return null;
        }
        long total = _corpus.ReadWindows(CorpusPart.Validation).LongCount();
        if (total == 0)
        {
            Report(PretrainingEvent.Warning, double.NaN, 0, "the validation part of the corpus has no window (check the split and the validation genomes); training without validation.");
            return null;
        }
        int wanted = (int)Math.Min(total, _options.ValidationWindows);
        var picks = new HashSet<long>(Enumerable.Range(0, wanted).Select(i => i * total / wanted));
        _frequencyLogProbabilities = FrequencyLogProbabilities();
        var chosen = _corpus.ReadWindows(CorpusPart.Validation).Select((w, i) => (w, i: (long)i)).Where(p => picks.Contains(p.i))
            .SelectMany(p => Enumerable.Range(0, _options.ValidationMasks).Select(k => (p.w.Sequence, ValidationStream - k, p.i))).ToList();
        return chosen.Chunk(_options.MicroBatchSize).Select(c => MaskedBatch.Create(c, _tokenizer, _masker, _seed)).ToList();
    }

    /// <summary>Log-probabilities of a context-free model: training token frequencies, add-one smoothed over the ordinary tokens.</summary>
    private double[] FrequencyLogProbabilities()
    {
        var vocabulary = _tokenizer.Vocabulary;
        var counts = new long[vocabulary.Count];
        var buffer = new int[_tokenizer.MaxTokens];
        long total = 0;
        foreach (var window in _corpus.ReadWindows(CorpusPart.Training))
        {
            int count = _tokenizer.EncodeToIds(window.Sequence, buffer);
            for (int i = 0; i < count; i++)
            {
                if (_masker.IsSelectable(buffer[i]))
                {
                    counts[buffer[i]]++;
                    total++;
                }
            }
            if (total >= PretrainingDefaults.FrequencyBaselineTokens)
            {
                break;
            }
        }
        int ordinary = Enumerable.Range(0, vocabulary.Count).Count(_masker.IsSelectable);
        return counts.Select((c, id) => _masker.IsSelectable(id) ? Math.Log((c + 1.0) / (total + ordinary)) : double.NegativeInfinity).ToArray();
    }

    private void SyncComputeWeights()
    {
        if (_mixedPairs.Length == 0)
        {
            return;
        }
        using (no_grad())
        {
            foreach (var (master, compute) in _mixedPairs)
            {
                compute.copy_(master);
                using var existing = master.grad;
                if (existing is null)
                {
                    // The masters' gradients are filled by copying the bf16 ones; they need a buffer of their own.
                    using var buffer = zeros_like(master);
                    master.grad = buffer;
                }
            }
        }
    }

    private void WriteCheckpoint(MetricsLog metrics)
    {
        if (_step == _lastCheckpointStep)
        {
            return;
        }
        var state = new PretrainingState(_step, _stream!.Position, _tokens, ElapsedSeconds, _settings.ToJson());
        var checkpoint = _store.Save(state, [_optimizer], folder =>
        {
            using (no_grad())
            {
                var tensors = _model.Network.state_dict().Select(p => KeyValuePair.Create(p.Key, p.Value.to(ScalarType.Float32, CPU).contiguous())).ToList();
                try
                {
                    CheckpointWriter.SaveSafeTensors(tensors, Path.Combine(folder, TrainingCheckpointStore.ModelFileName), new Dictionary<string, string> { ["format"] = "pt" });
                }
                finally
                {
                    foreach (var (_, t) in tensors)
                    {
                        t.Dispose();
                    }
                }
            }
        });
        _store.Prune(_options.KeepCheckpoints);
        _lastCheckpoint = checkpoint.Folder;
        _lastCheckpointStep = _step;
        if (_options.WriteLossPlot)
        {
            metrics.WritePlot(PlotTitle());
        }
        Report(PretrainingEvent.Checkpoint, double.NaN, _schedule.At(Math.Max(1, _step)), $"checkpoint {checkpoint.Folder}");
    }

    private DataPosition RestoreNewestCheckpoint()
    {
        var found = _store.LoadNewest<PretrainingState>(_settings,
            "Resume with the same genomes, model, seed, batch, schedule and precision, or start a new output folder.",
            message => Report(PretrainingEvent.Warning, double.NaN, 0, message));
        if (found is not { } loaded)
        {
            Report(PretrainingEvent.Warning, double.NaN, 0, $"resume: no complete checkpoint in {_store.Folder}; starting from the beginning.");
            return new DataPosition(0, 0);
        }
        var (checkpoint, state) = loaded;
        CheckpointLoader.LoadInto(_model.Network, checkpoint.ModelPath);
        TrainingCheckpointStore.LoadOptimizers(checkpoint, [_optimizer]);
        _step = state.Step;
        _tokens = state.Tokens;
        _previousSeconds = state.ElapsedSeconds;
        _lastCheckpoint = checkpoint.Folder;
        _lastCheckpointStep = state.Step;
        _resumed = true;
        return state.Data;
    }

    private static AdamW CreateOptimizer(EsmForMaskedLM network, PretrainingOptions options)
    {
        var decayed = new List<Parameter>();
        var plain = new List<Parameter>();
        foreach (var (name, parameter) in network.named_parameters())
        {
            (IsDecayed(name) ? decayed : plain).Add(parameter);
        }
        var groups = new[]
        {
            new AdamW.ParamGroup(decayed, options.PeakLearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay),
            new AdamW.ParamGroup(plain, options.PeakLearningRate, options.Beta1, options.Beta2, options.Epsilon, 0),
        };
        return optim.AdamW(groups, options.PeakLearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay);
    }

    /// <summary>Whether weight decay applies to a parameter: weight matrices and embeddings, not biases or LayerNorms (as BERT/ESM training does).</summary>
    internal static bool IsDecayed(string parameterName) =>
        !(parameterName.EndsWith(".bias", StringComparison.Ordinal) || parameterName.Contains("LayerNorm", StringComparison.Ordinal)
          || parameterName.Contains("layer_norm", StringComparison.Ordinal));

    /// <summary>The settings a resumed run must share with the checkpoint it continues.</summary>
    private ResumeSettings Settings(int maxTokens)
    {
        var o = _options;
        var w = _corpus.Windowing;
        return new ResumeSettings()
            .Set("model", JsonNode.Parse((_model.Config with { TorchDtype = "float32" }).ToJson()),
                new ResumeOption("Config", "--config/--init/--hidden/--layers/--heads/--intermediate"))
            .Set("init", o.InitFrom is null ? null : Path.GetFullPath(o.InitFrom), new ResumeOption("InitFrom", "--init"))
            .Set("seed", o.Seed, new ResumeOption("Seed", "--seed"))
            .Set("trainingSources", new JsonArray(_corpus.TrainingSources.Select(s => (JsonNode?)s).ToArray()), new ResumeOption("the training genomes", "--genome"))
            .Set("validationSources", new JsonArray(_corpus.ValidationSources.Select(s => (JsonNode?)s).ToArray()), new ResumeOption("the validation genomes", "--validation-genome"))
            .Set("split", _corpus.Split.Describe(), new ResumeOption("the validation split", "--validation-fraction/--validation-record/--region-length"))
            .SetJoined("windowing", '/', (new("WindowingOptions.WindowLength", "--window"), w.WindowLength), (new("WindowingOptions.Overlap", "--overlap"), w.Overlap),
                (new("WindowingOptions.MaxAmbiguousFraction", "--max-n-fraction"), w.MaxAmbiguousFraction), (new("WindowingOptions.MinWindowLength"), w.MinWindowLength))
            .SetJoined("masking", '/', (new("Masking.SelectionProbability"), o.Masking.SelectionProbability), (new("Masking.MaskTokenFraction"), o.Masking.MaskTokenFraction),
                (new("Masking.RandomTokenFraction"), o.Masking.RandomTokenFraction))
            .Set("maxTokens", maxTokens, new ResumeOption("MaxTokens", "--max-tokens"))
            .SetJoined("batch", 'x', (new("MicroBatchSize", "--micro-batch"), o.MicroBatchSize), (new("BatchTokens", "--batch-tokens"), o.BatchTokens))
            .Set("shuffleBufferWindows", o.ShuffleBufferWindows, new ResumeOption("ShuffleBufferWindows", "--shuffle-buffer"))
            .SetJoined("schedule", '/', (new("PeakLearningRate", "--lr"), o.PeakLearningRate), (new("WarmupSteps", "--warmup"), o.ResolvedWarmupSteps),
                (new("MaxSteps", "--max-steps"), o.MaxSteps), (new("Decay", "--decay"), o.Decay), (new("MinLearningRateRatio", "--min-lr-ratio"), o.MinLearningRateRatio))
            .SetJoined("optimizer", '/', (new("WeightDecay", "--weight-decay"), o.WeightDecay), (new("Beta1"), o.Beta1), (new("Beta2"), o.Beta2),
                (new("Epsilon"), o.Epsilon), (new("MaxGradientNorm", "--clip"), o.MaxGradientNorm))
            .Set("precision", o.Precision.ToString(), new ResumeOption("Precision", "--precision"));
    }

    private string Describe(DataPosition start)
    {
        var c = _model.Config;
        long parameters = _parameters.Sum(p => p.numel());
        string origin = _resumed ? $"resuming at update {_step} (epoch {start.Epoch}, window {start.WindowsTaken})" : _options.InitFrom is null ? $"from scratch (seed {_options.Seed})" : $"from {_options.InitFrom}";
        return string.Create(CultureInfo.InvariantCulture,
            $"{c.NumHiddenLayers} layers x hidden {c.HiddenSize} ({parameters:N0} parameters), {origin}; {_options.MaxSteps} updates of >= {_options.BatchTokens:N0} tokens, "
            + $"{_options.Precision}, {_corpus.TrainingSources.Count} training genome(s), validation: {(_validationSet is null ? "none" : $"{_validationSet.Sum(b => b.Rows) / _options.ValidationMasks} windows{(_options.ValidationMasks > 1 ? $" x {_options.ValidationMasks} mask draws" : "")} ({_corpus.Split.Describe()}{(_corpus.ValidationSources.Count > 0 ? $" + {_corpus.ValidationSources.Count} genome(s)" : "")})")}");
    }

    private string StepMessage(double loss, double learningRate)
    {
        double perStep = _clock.Elapsed.TotalSeconds / Math.Max(1, _stepsThisRun);
        var remaining = TimeSpan.FromSeconds(perStep * (_options.MaxSteps - _step));
        return string.Create(CultureInfo.InvariantCulture,
            $"update {_step}/{_options.MaxSteps}: loss {loss:F4}, lr {learningRate:G3}, {TokensPerSecond:N0} tokens/s, {_tokens:N0} tokens, ETA {remaining:hh\\:mm\\:ss}");
    }

    private string PlotTitle() => string.Create(CultureInfo.InvariantCulture,
        $"MLM pretraining: {_model.Config.NumHiddenLayers} layers x hidden {_model.Config.HiddenSize}");

    private void Report(PretrainingEvent kind, double loss, double learningRate, string message)
    {
        if (_progress is null)
        {
            return;
        }
        double perStep = _stepsThisRun > 0 ? _clock.Elapsed.TotalSeconds / _stepsThisRun : 0;
        _progress.Report(new PretrainingProgress(kind, _step, _options.MaxSteps, _tokens, loss, learningRate, TokensPerSecond,
            TimeSpan.FromSeconds(ElapsedSeconds), TimeSpan.FromSeconds(perStep * (_options.MaxSteps - _step)),
            kind == PretrainingEvent.Validation ? _lastValidation : null, message));
    }

    private PretrainingResult Result(PretrainingStatus status) =>
        new(status, _step, _tokens, TimeSpan.FromSeconds(ElapsedSeconds), _lastValidation, _options.OutputFolder, _lastCheckpoint);
}
