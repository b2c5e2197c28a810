using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AgroNT.MLNet.Training.Checkpointing;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>
/// Fine-tunes AgroNT on a labelled task (binary, multi-label, regression or multi-output regression) with IA3, LoRA or
/// full fine-tuning: a task head on the pooled encoder output, AdamW, validation-based early stopping that keeps the
/// best validation's parameters, progress reports, cancellation, and resumable checkpoints
/// (<see cref="FineTuningOptions.CheckpointFolder"/>: k steps + resume + k steps give the weights of 2k steps).
/// </summary>
/// <remarks>
/// Losses: binary cross-entropy on logits for classification (each label independently for multi-label), mean
/// squared error on standardized targets for regression. Training data may be a list (shuffled whole every epoch) or
/// a stream such as <see cref="BenchmarkDataView.ReadExamples"/> (re-read every epoch and shuffled through a buffer of
/// <see cref="FineTuningOptions.ShuffleBufferSize"/> examples), so a 5 GB training file never has to fit in memory.
/// </remarks>
public sealed class FineTuningTrainer
{
    private const string BestFileName = "best.safetensors";

    /// <summary>Creates a trainer.</summary>
    /// <param name="options">The settings; defaults (IA3, 10 epochs, batch 8) when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public FineTuningTrainer(FineTuningOptions? options = null)
    {
        Options = options ?? new FineTuningOptions();
        Options.Validate();
    }

    /// <summary>The settings in force.</summary>
    public FineTuningOptions Options { get; }

    /// <summary>Fine-tunes a model folder on benchmark files (problem type and label count come from the training view).</summary>
    /// <param name="modelFolderOrHubId">A Hugging Face AgroNT folder or a cached Hub id.</param>
    /// <param name="train">The training file.</param>
    /// <param name="validation">The validation file, for early stopping; <see langword="null"/> trains every epoch and keeps the last parameters.</param>
    /// <param name="progress">Receives reports; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Checked every step.</param>
    /// <returns>The fitted model (the caller disposes it).</returns>
    public FineTunedModel Fit(string modelFolderOrHubId, BenchmarkDataView train, BenchmarkDataView? validation = null,
        IProgress<FineTuningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (validation is not null && (validation.ProblemType != train.ProblemType || validation.LabelCount != train.LabelCount))
        {
            throw new ArgumentException(
                $"The validation file ({validation.ProblemType}, {validation.LabelCount} labels) does not match the training file ({train.ProblemType}, {train.LabelCount} labels).",
                nameof(validation));
        }
        return Fit(modelFolderOrHubId, train.ProblemType, train.LabelCount, train.ReadExamples(), validation?.ReadExamples(), progress, cancellationToken);
    }

    /// <summary>Fine-tunes a model folder on labelled sequences.</summary>
    /// <param name="modelFolderOrHubId">A Hugging Face AgroNT folder or a cached Hub id; it is loaded with <see cref="FineTuningOptions.Tokenizer"/>.</param>
    /// <param name="problemType">What the labels mean.</param>
    /// <param name="outputCount">Labels per example (1 for binary and regression).</param>
    /// <param name="train">Training examples; enumerated once per epoch.</param>
    /// <param name="validation">Validation examples, enumerated at each validation; <see langword="null"/> for none.</param>
    /// <param name="progress">Receives reports; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Checked every step.</param>
    /// <returns>The fitted model (the caller disposes it).</returns>
    public FineTunedModel Fit(string modelFolderOrHubId, ProblemType problemType, int outputCount, IEnumerable<TaskExample> train,
        IEnumerable<TaskExample>? validation = null, IProgress<FineTuningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(modelFolderOrHubId);
        var model = AgroNTModel.Load(modelFolderOrHubId, new AgroNTModelOptions { Tokenizer = Options.Tokenizer, Device = Options.Device, Precision = Options.Precision });
        try
        {
            return Fit(model, problemType, outputCount, train, validation, progress, cancellationToken);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Fine-tunes a loaded model, which becomes part of the result: its weights change (full fine-tuning) or adapters
    /// are attached to it (IA3, LoRA), and disposing the result disposes it. Its own tokenizer settings are used.
    /// </summary>
    /// <param name="model">The model; use it only through the result afterwards.</param>
    /// <param name="problemType">What the labels mean.</param>
    /// <param name="outputCount">Labels per example (1 for binary and regression).</param>
    /// <param name="train">Training examples; enumerated once per epoch.</param>
    /// <param name="validation">Validation examples, enumerated at each validation; <see langword="null"/> for none.</param>
    /// <param name="progress">Receives reports; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Checked every step.</param>
    /// <returns>The fitted model.</returns>
    /// <exception cref="ArgumentException">The output count does not fit the problem type, an example has the wrong number of labels, or there is no training data.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the model is left without adapters and must not be reused.</exception>
    public FineTunedModel Fit(AgroNTModel model, ProblemType problemType, int outputCount, IEnumerable<TaskExample> train,
        IEnumerable<TaskExample>? validation = null, IProgress<FineTuningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        if (!Enum.IsDefined(problemType))
        {
            throw new ArgumentOutOfRangeException(nameof(problemType), problemType, "Unknown problem type.");
        }
        if (outputCount <= 0 || (problemType.IsSingleOutput() && outputCount != 1))
        {
            throw new ArgumentOutOfRangeException(nameof(outputCount), outputCount, $"A {problemType} task needs {(problemType.IsSingleOutput() ? "exactly 1 output" : "at least 1 output")}.");
        }
        if (model.Tokenizer.Options.LengthPolicy == Transforms.Tokenization.LengthPolicy.Windows)
        {
            throw new ArgumentException("The model's tokenizer uses LengthPolicy.Windows; fine-tuning needs one model input per example (Truncate or Error).", nameof(model));
        }

        var (mean, scale) = problemType.IsClassification() || !Options.StandardizeTargets
            ? (Enumerable.Repeat(0f, outputCount).ToArray(), Enumerable.Repeat(1f, outputCount).ToArray())
            : TargetStatistics(train, outputCount, cancellationToken);
        if (model.DType != ScalarType.Float32 && Options.Method == FineTuningMethod.Full)
        {
            throw new ArgumentException(
                "Full fine-tuning trains every weight and needs float32 weights; load the model in float32 (Precision.Float32, --precision fp32) or use IA3 or LoRA, whose parameters stay float32.",
                nameof(model));
        }
        // The head is float32 whatever the encoder's precision: the pooled states are cast to it (FineTunedModel.Forward).
        var head = new SequenceTaskHead(model.Config.HiddenSize, outputCount, model.Config.HiddenDropoutProb, model.Device, ScalarType.Float32);
        EncoderAdapters adapters;
        try
        {
            adapters = Options.Method switch
            {
                FineTuningMethod.Ia3 => EncoderAdapters.Ia3(model.Network.Esm),
                FineTuningMethod.Lora => EncoderAdapters.Lora(model.Network.Esm, Options.Lora),
                _ => EncoderAdapters.None(),
            };
        }
        catch
        {
            head.Dispose();
            throw;
        }
        var fitted = new FineTunedModel(model, head, adapters, problemType, outputCount, Options.Pooling, Options.Lora, mean, scale);
        try
        {
            Initialize(head, adapters, model.Config.HiddenSize);
            fitted.History = new Run(this, fitted, progress, cancellationToken).Train(train, validation);
            fitted.Freeze();
            return fitted;
        }
        catch
        {
            // The caller owns the model: detach the adapters and free the head, but leave the model to them.
            adapters.Dispose();
            head.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Draws the head's weights and LoRA's A matrices (PyTorch's Linear default: uniform in +-1/sqrt(fan-in)) from a
    /// generator of the trainer's own, seeded with <see cref="FineTuningOptions.Seed"/>: torch's global generator is
    /// shared by every thread, so another model built at the same time would change them.
    /// </summary>
    private void Initialize(SequenceTaskHead head, EncoderAdapters adapters, long hiddenSize)
    {
        using var generator = new Generator(unchecked((ulong)Options.Seed));
        using var noGrad = no_grad();
        var targets = head.parameters().Select(p => (p, hiddenSize))
            .Concat(adapters.NamedParameters.Where(p => p.Name.EndsWith(".lora_A.weight", StringComparison.Ordinal)).Select(p => (p.Parameter, p.Parameter.shape[1])));
        foreach (var (parameter, fanIn) in targets)
        {
            double bound = 1 / Math.Sqrt(fanIn);
            using var values = empty(parameter.shape, ScalarType.Float32).uniform_(-bound, bound, generator);
            parameter.copy_(values);
        }
    }

    private static (float[] Mean, float[] Scale) TargetStatistics(IEnumerable<TaskExample> train, int outputs, CancellationToken cancellationToken)
    {
        var sum = new double[outputs];
        var sumSquares = new double[outputs];
        long count = 0;
        foreach (var example in train)
        {
            cancellationToken.ThrowIfCancellationRequested();
            CheckLabels(example, outputs);
            for (int j = 0; j < outputs; j++)
            {
                sum[j] += example.Labels[j];
                sumSquares[j] += (double)example.Labels[j] * example.Labels[j];
            }
            count++;
        }
        if (count == 0)
        {
            throw new ArgumentException("The training data has no examples.", nameof(train));
        }
        var mean = new float[outputs];
        var scale = new float[outputs];
        for (int j = 0; j < outputs; j++)
        {
            double m = sum[j] / count;
            double variance = Math.Max(0, sumSquares[j] / count - m * m);
            mean[j] = (float)m;
            // A constant output keeps unit scale rather than dividing by zero.
            scale[j] = variance > 0 ? (float)Math.Sqrt(variance) : 1f;
        }
        return (mean, scale);
    }

    internal static void CheckLabels(TaskExample example, int outputs)
    {
        if (example.Labels.Length != outputs)
        {
            throw new ArgumentException($"Example '{example.Name}' (line {example.LineNumber}) has {example.Labels.Length} labels; the task has {outputs}.");
        }
    }

    /// <summary>One training run: optimisers, loop state, the best parameters so far and checkpoints.</summary>
    private sealed class Run
    {
        private const ulong ShuffleStream = 1;
        private const ulong DropoutStream = 2;
        private const ulong AugmentStream = 3;
        private readonly FineTuningOptions _options;
        private readonly FineTunedModel _fitted;
        private readonly IProgress<FineTuningProgress>? _progress;
        private readonly CancellationToken _cancellationToken;
        private readonly List<Parameter> _trainable;
        private readonly List<string> _trainableNames;
        private readonly List<AdamW> _optimizers = [];
        private readonly List<TrainingCurvePoint> _points = [];
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly ulong _seed;
        private readonly string _metricName;
        private readonly TrainingCheckpointStore? _store;
        private readonly GradientAccumulation _accumulation;
        private readonly ResumeSettings _settings;
        private List<Tensor>? _best;
        private double _bestLoss = double.PositiveInfinity;
        private long _bestStep;
        private int _sinceBest;
        private long _step;
        private long? _totalSteps;
        private double _lossSum;
        private int _lossCount;
        private double _lastTrainLoss = double.NaN;
        private double _previousSeconds;
        // The data position: the epoch under way and the batches of it already trained on. It moves to the next
        // epoch only once the epoch's closing validation is done, so a checkpoint between the two repeats it.
        private int _epoch = 1;
        private long _batchesTaken;
        private bool _stoppedEarly;
        // A checkpoint written while an interval validation was cancelled: the resumed run validates first.
        private bool _pendingValidation;
        private bool _dirty;

        public Run(FineTuningTrainer trainer, FineTunedModel fitted, IProgress<FineTuningProgress>? progress, CancellationToken cancellationToken)
        {
            _options = trainer.Options;
            _fitted = fitted;
            _progress = progress;
            _cancellationToken = cancellationToken;
            _seed = unchecked((ulong)_options.Seed);
            _metricName = fitted.ProblemType switch
            {
                ProblemType.BinaryClassification => "auroc",
                ProblemType.MultiLabelClassification => "macro_auroc",
                ProblemType.Regression => "r2",
                _ => "mean_r2",
            };

            var network = fitted.Model.Network;
            bool full = fitted.Method == FineTuningMethod.Full;
            foreach (var parameter in network.parameters())
            {
                parameter.requires_grad = false;
            }
            List<(string Name, Parameter Parameter)> encoderSide = full
                ? [.. network.Esm.named_parameters().Select(p => ("esm." + p.name, p.parameter))]
                : [.. fitted.AdapterParameters];
            List<(string Name, Parameter Parameter)> head = [.. fitted.Head.named_parameters().Select(p => ("classifier." + p.name, p.parameter))];
            foreach (var (_, parameter) in encoderSide.Concat(head))
            {
                parameter.requires_grad = true;
            }
            _trainable = [.. encoderSide.Concat(head).Select(p => p.Parameter)];
            _trainableNames = [.. encoderSide.Concat(head).Select(p => p.Name)];
            // Decoupled decay for matrices only: biases, LayerNorms and IA3 scales (which start at 1) are not decayed.
            AddOptimizer(encoderSide.Select(p => p.Parameter).Where(p => p.dim() >= 2), _options.EffectiveLearningRate, _options.WeightDecay);
            AddOptimizer(encoderSide.Select(p => p.Parameter).Where(p => p.dim() < 2), _options.EffectiveLearningRate, 0);
            AddOptimizer(head.Select(p => p.Parameter).Where(p => p.dim() >= 2), _options.HeadLearningRate, _options.WeightDecay);
            AddOptimizer(head.Select(p => p.Parameter).Where(p => p.dim() < 2), _options.HeadLearningRate, 0);
            _accumulation = new GradientAccumulation(_options, fitted);
            _store = _options.CheckpointFolder is { } folder ? new TrainingCheckpointStore(folder, TrainingCheckpointStore.FineTuningFormat) : null;
            _settings = Settings();
        }

        private double ElapsedSeconds => _previousSeconds + _clock.Elapsed.TotalSeconds;

        public FineTuningHistory Train(IEnumerable<TaskExample> train, IEnumerable<TaskExample>? validation)
        {
            try
            {
                return TrainCore(train, validation);
            }
            finally
            {
                foreach (var optimizer in _optimizers)
                {
                    optimizer.Dispose();
                }
                foreach (var tensor in _best ?? [])
                {
                    tensor.Dispose();
                }
            }
        }

        private FineTuningHistory TrainCore(IEnumerable<TaskExample> train, IEnumerable<TaskExample>? validation)
        {
            int? count = train is IReadOnlyCollection<TaskExample> collection ? collection.Count : null;
            if (count is 0)
            {
                throw new ArgumentException("The training data has no examples.", nameof(train));
            }
            if (count is { } n)
            {
                long perEpoch = (n + _options.BatchSize - 1) / _options.BatchSize;
                _totalSteps = Math.Min(perEpoch * _options.Epochs, _options.MaxSteps ?? long.MaxValue);
            }
            _settings.Set("validation", validation is not null, new ResumeOption("validation data", "--validation"));
            if (_store is not null)
            {
                if (_options.Resume)
                {
                    Restore();
                }
                else
                {
                    _store.RefuseExisting();
                }
            }
            _clock.Restart();
            if (_pendingValidation)
            {
                _pendingValidation = false;
                _stoppedEarly = Validate(_epoch, validation!, atInterval: true);
            }
            int startEpoch = _epoch;
            long skip = _batchesTaken;
            int lastEpoch = Math.Min(_epoch, _options.Epochs);
            for (int epoch = startEpoch; epoch <= _options.Epochs && !_stoppedEarly; epoch++)
            {
                long taken = epoch == startEpoch ? skip : 0;
                if (StepLimitReached && taken == 0)
                {
                    break;
                }
                lastEpoch = epoch;
                _epoch = epoch;
                _batchesTaken = taken;
                bool any = taken > 0;
                foreach (var batch in StepLimitReached ? [] : Batches(Shuffled(train, epoch)).Skip(checked((int)taken)))
                {
                    any = true;
                    StopIfCancelled();
                    TrainStep(batch);
                    _batchesTaken++;
                    if (_step % _options.ReportInterval == 0)
                    {
                        Report(epoch, validationLoss: null, metric: null, isBest: false);
                    }
                    if (validation is not null && _options.EvaluationInterval is { } interval && _step % interval == 0)
                    {
                        _stoppedEarly = Validate(epoch, validation, atInterval: true);
                    }
                    if (_options.CheckpointInterval is { } every && _step % every == 0)
                    {
                        WriteCheckpoint(epoch);
                    }
                    if (_stoppedEarly || StepLimitReached)
                    {
                        break;
                    }
                }
                if (!any)
                {
                    throw new ArgumentException("The training data has no examples.", nameof(train));
                }
                if (validation is not null && _options.EvaluationInterval is null && !_stoppedEarly)
                {
                    if (StepLimitReached)
                    {
                        // The step limit cut the epoch: this closing validation is this run's alone. The final checkpoint
                        // is the state before it, so a run resumed with more steps goes on as an uninterrupted one would.
                        WriteCheckpoint(epoch);
                        _stoppedEarly = Validate(epoch, validation, atInterval: false);
                        _dirty = false;
                    }
                    else
                    {
                        _stoppedEarly = Validate(epoch, validation, atInterval: false);
                    }
                }
                if (StepLimitReached)
                {
                    break;
                }
                if (!_stoppedEarly)
                {
                    _epoch = epoch + 1;
                    _batchesTaken = 0;
                    _dirty = true;
                }
            }
            // Before the closing loss report, so that a run resumed from this checkpoint accumulates its loss as an uninterrupted one would.
            WriteCheckpoint(lastEpoch);
            if (_lossCount > 0)
            {
                Report(lastEpoch, validationLoss: null, metric: null, isBest: false);
            }
            if (_best is not null)
            {
                using var noGrad = no_grad();
                for (int i = 0; i < _trainable.Count; i++)
                {
                    _trainable[i].copy_(_best[i]);
                }
            }
            else
            {
                _bestStep = _step;
            }
            return new FineTuningHistory(_points, _metricName, _step, _bestStep, _best is null ? null : _bestLoss, _stoppedEarly, TimeSpan.FromSeconds(ElapsedSeconds));
        }

        private bool StepLimitReached => _options.MaxSteps is { } max && _step >= max;

        private void AddOptimizer(IEnumerable<Parameter> parameters, double learningRate, double weightDecay)
        {
            List<Parameter> list = [.. parameters];
            if (list.Count > 0)
            {
                _optimizers.Add(optim.AdamW(list, lr: learningRate, weight_decay: weightDecay));
            }
        }

        /// <summary>On cancellation: writes a checkpoint (when checkpointing) and throws.</summary>
        private void StopIfCancelled()
        {
            if (_cancellationToken.IsCancellationRequested)
            {
                WriteCheckpoint(_epoch);
                _cancellationToken.ThrowIfCancellationRequested();
            }
        }

        private void TrainStep(IReadOnlyList<TaskExample> batch)
        {
            using var scope = NewDisposeScope();
            // Dropout draws from torch's generator, seeded per step so that a resumed run draws what an uninterrupted one would.
            torch.manual_seed(unchecked((long)CounterRandom.Derive(_seed, DropoutStream, (ulong)_step)));
            _fitted.SetTraining(true);
            foreach (var optimizer in _optimizers)
            {
                optimizer.zero_grad();
            }
            double loss = _accumulation.Accumulate(_fitted, _options.ReverseComplementAugment ? Augmented(batch) : batch);
            if (_options.MaxGradientNorm is { } maxNorm)
            {
                nn.utils.clip_grad_norm_(_trainable, maxNorm);
            }
            foreach (var optimizer in _optimizers)
            {
                optimizer.StepParameterByParameter();
            }
            _step++;
            _dirty = true;
            _lossSum += loss;
            _lossCount++;
        }

        /// <summary>Runs a validation; returns whether training should stop (patience exhausted).</summary>
        private bool Validate(int epoch, IEnumerable<TaskExample> validation, bool atInterval)
        {
            double lossSum = 0;
            int examples = 0;
            var labels = new List<float>();
            var predictions = new List<float>();
            foreach (var batch in Batches(validation))
            {
                if (_cancellationToken.IsCancellationRequested)
                {
                    // A closing validation is repeated anyway (the position is still inside its epoch); an interval one is flagged.
                    _pendingValidation = atInterval;
                    _dirty = true;
                    StopIfCancelled();
                }
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                _fitted.SetTraining(false);
                var (ids, mask) = Tokenize(batch);
                var outputs = _fitted.Forward(ids, mask);
                var batchLabels = Labels(batch, outputs.device, outputs.dtype);
                lossSum += Loss(outputs, batchLabels).to(ScalarType.Float64).item<double>() * batch.Count;
                examples += batch.Count;
                predictions.AddRange(_fitted.ToPredictions(outputs).to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray());
                foreach (var example in batch)
                {
                    labels.AddRange(example.Labels);
                }
            }
            if (examples == 0)
            {
                throw new ArgumentException("The validation data has no examples.", nameof(validation));
            }
            _dirty = true;
            double loss = lossSum / examples;
            double metric = HeadlineMetric(labels.ToArray(), predictions.ToArray());
            bool improved = loss < _bestLoss;
            if (improved)
            {
                _bestLoss = loss;
                _bestStep = _step;
                _sinceBest = 0;
                CopyToBest();
            }
            else
            {
                _sinceBest++;
            }
            Report(epoch, loss, metric, improved);
            return _sinceBest >= _options.Patience;
        }

        private void CopyToBest()
        {
            using var noGrad = no_grad();
            if (_best is null)
            {
                _best = [.. _trainable.Select(p => p.detach().clone())];
            }
            else
            {
                for (int i = 0; i < _trainable.Count; i++)
                {
                    _best[i].copy_(_trainable[i]);
                }
            }
        }

        private void WriteCheckpoint(int epoch)
        {
            if (_store is null || !_dirty)
            {
                return;
            }
            var state = new FineTuningState(_step, ElapsedSeconds, _settings.ToJson())
            {
                Epoch = _epoch,
                BatchesTaken = _batchesTaken,
                StoppedEarly = _stoppedEarly,
                PendingValidation = _pendingValidation,
                HasBest = _best is not null,
                BestLoss = _bestLoss,
                BestStep = _bestStep,
                SinceBest = _sinceBest,
                LossSum = _lossSum,
                LossCount = _lossCount,
                LastTrainLoss = _lastTrainLoss,
                Points = [.. _points],
            };
            var checkpoint = _store.Save(state, _optimizers, folder =>
            {
                FineTunedModel.SaveTensors(_trainableNames.Zip(_trainable, (name, p) => KeyValuePair.Create(name, (Tensor)p)), Path.Combine(folder, TrainingCheckpointStore.ModelFileName));
                if (_best is not null)
                {
                    FineTunedModel.SaveTensors(_trainableNames.Zip(_best, KeyValuePair.Create), Path.Combine(folder, BestFileName));
                }
            });
            _store.Prune(_options.KeepCheckpoints);
            _dirty = false;
            _progress?.Report(new FineTuningProgress(epoch, _step, _totalSteps, _lastTrainLoss, null, null, _metricName, false, TimeSpan.FromSeconds(ElapsedSeconds))
            {
                Checkpoint = checkpoint.Folder,
            });
        }

        private void Restore()
        {
            var found = _store!.LoadNewest<FineTuningState>(_settings,
                "Resume with the same model, data, method, seed, batch size and learning rates, or use another checkpoint folder.", message => Note(message));
            if (found is not { } loaded)
            {
                Note($"resume: no complete checkpoint in {_store.Folder}; starting from the beginning.");
                return;
            }
            var (checkpoint, state) = loaded;
            FineTunedModel.LoadTensors(checkpoint.ModelPath, _trainableNames.Zip(_trainable, (name, p) => (name, (Tensor)p)));
            if (state.HasBest)
            {
                using (no_grad())
                {
                    _best = [.. _trainable.Select(p => p.detach().clone())];
                }
                FineTunedModel.LoadTensors(Path.Combine(checkpoint.Folder, BestFileName), _trainableNames.Zip(_best, (name, t) => (name, t)));
            }
            TrainingCheckpointStore.LoadOptimizers(checkpoint, _optimizers);
            _step = state.Step;
            _epoch = state.Epoch;
            _batchesTaken = state.BatchesTaken;
            _stoppedEarly = state.StoppedEarly;
            _pendingValidation = state.PendingValidation;
            _bestLoss = state.BestLoss;
            _bestStep = state.BestStep;
            _sinceBest = state.SinceBest;
            _lossSum = state.LossSum;
            _lossCount = state.LossCount;
            _lastTrainLoss = state.LastTrainLoss;
            _previousSeconds = state.ElapsedSeconds;
            _points.Clear();
            _points.AddRange(state.Points);
            _dirty = false;
            Note($"resuming from {checkpoint.Folder}: step {_step}, epoch {_epoch}, {_batchesTaken} batches of it done.");
        }

        /// <summary>What a resumed run must share with the checkpoint it continues.</summary>
        private ResumeSettings Settings()
        {
            var o = _options;
            var f = _fitted;
            var settings = new ResumeSettings()
                .Set("model", JsonNode.Parse((f.Model.Config with { TorchDtype = "float32" }).ToJson()), new ResumeOption("the model", "--model"))
                .Set("problemType", f.ProblemType.ToString(), new ResumeOption("the problem type", "--task"))
                .Set("outputs", f.OutputCount, new ResumeOption("the number of outputs", "--train's labels"))
                .Set("method", f.Method.ToString(), new ResumeOption("Method", "--method"))
                .Set("pooling", f.Pooling.ToString(), new ResumeOption("Pooling", "--pooling"));
            if (f.Method == FineTuningMethod.Lora)
            {
                settings.SetJoined("lora", '/', (new("Lora.Rank", "--lora-rank"), o.Lora.Rank), (new("Lora.Alpha", "--lora-alpha"), o.Lora.Alpha),
                    (new("Lora.TargetModules", "--lora-targets"), string.Join(",", o.Lora.TargetModules)));
            }
            else
            {
                settings.Set("lora", null, new ResumeOption("Lora", "--lora-rank/--lora-alpha/--lora-targets"));
            }
            return settings
                .Set("parameters", new JsonArray([.. _trainableNames.Zip(_trainable, (name, p) => (JsonNode)$"{name}[{string.Join(",", p.shape)}]")]),
                    new ResumeOption("the trained parameters", "--method/--model"))
                .Set("seed", o.Seed, new ResumeOption("Seed", "--seed"))
                .Set("batchSize", o.BatchSize, new ResumeOption("BatchSize", "--batch-size"))
                .Set("shuffleBufferSize", o.ShuffleBufferSize, new ResumeOption("ShuffleBufferSize"))
                .SetJoined("optimizer", '/', (new("LearningRate", "--learning-rate"), o.EffectiveLearningRate), (new("HeadLearningRate", "--head-learning-rate"), o.HeadLearningRate),
                    (new("WeightDecay"), o.WeightDecay), (new("MaxGradientNorm"), o.MaxGradientNorm))
                .Set("evaluationInterval", o.EvaluationInterval, new ResumeOption("EvaluationInterval", "--eval-every"))
                .Set("targets", string.Join(",", f.TargetMean.Concat(f.TargetScale).Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
                    new ResumeOption("the regression targets' standardization", "--train's labels"))
                // Left out when off, so checkpoints written before the option existed still resume.
                .Set("rcAugment", o.ReverseComplementAugment ? true : null, new ResumeOption("ReverseComplementAugment", "--rc-augment"), omitWhenNull: true);
        }

        private void Note(string message) =>
            _progress?.Report(new FineTuningProgress(_epoch, _step, _totalSteps, _lastTrainLoss, null, null, _metricName, false, TimeSpan.FromSeconds(ElapsedSeconds))
            {
                Message = message,
            });

        private double HeadlineMetric(float[] labels, float[] predictions) =>
            BenchmarkMetrics.Evaluate(_fitted.ProblemType, labels, predictions, _fitted.OutputCount).Headline;

        private void Report(int epoch, double? validationLoss, double? metric, bool isBest)
        {
            // A validation right after a loss report carries that report's loss rather than an empty mean.
            double trainLoss = _lossCount > 0 ? _lossSum / _lossCount : _lastTrainLoss;
            _lastTrainLoss = trainLoss;
            if (_lossCount > 0 || validationLoss is not null)
            {
                _points.Add(new TrainingCurvePoint(_step, epoch, trainLoss, validationLoss, metric));
            }
            _progress?.Report(new FineTuningProgress(epoch, _step, _totalSteps, trainLoss, validationLoss, metric, _metricName, isBest, TimeSpan.FromSeconds(ElapsedSeconds)));
            _lossSum = 0;
            _lossCount = 0;
        }

        private Tensor Loss(Tensor outputs, Tensor labels) => GradientAccumulation.Loss(_fitted, outputs, labels);

        /// <summary>The batch with each example reverse-complemented with probability 0.5, drawn from (seed, step).</summary>
        private TaskExample[] Augmented(IReadOnlyList<TaskExample> batch)
        {
            var random = new CounterRandom(_seed, AugmentStream, (ulong)_step);
            var options = _fitted.Model.Tokenizer.Options;
            return [.. batch.Select(e => random.NextInt(2) == 1
                ? e with { Sequence = StrandText.ReverseComplement(e.Sequence, options, e.Name) }
                : e)];
        }

        private (Tensor Ids, Tensor Mask) Tokenize(IReadOnlyList<TaskExample> batch) => GradientAccumulation.Tokenize(_fitted, batch);

        private Tensor Labels(IReadOnlyList<TaskExample> batch, Device device, ScalarType dtype) => GradientAccumulation.Labels(_fitted, batch, device, dtype);

        private IEnumerable<IReadOnlyList<TaskExample>> Batches(IEnumerable<TaskExample> examples)
        {
            var batch = new List<TaskExample>(_options.BatchSize);
            foreach (var example in examples)
            {
                batch.Add(example);
                if (batch.Count == _options.BatchSize)
                {
                    yield return batch;
                    batch = new List<TaskExample>(_options.BatchSize);
                }
            }
            if (batch.Count > 0)
            {
                yield return batch;
            }
        }

        private IEnumerable<TaskExample> Shuffled(IEnumerable<TaskExample> examples, int epoch)
        {
            // The epoch's order is a function of (seed, epoch) alone, so a resumed run can replay it and skip what was trained.
            var random = new CounterRandom(_seed, ShuffleStream, (ulong)epoch);
            if (examples is IReadOnlyList<TaskExample> list)
            {
                int[] order = [.. Enumerable.Range(0, list.Count)];
                Shuffle(ref random, order);
                foreach (int i in order)
                {
                    yield return list[i];
                }
                yield break;
            }
            // A stream: keep a buffer full and emit a random member each time one arrives.
            var buffer = new List<TaskExample>(Math.Min(_options.ShuffleBufferSize, 1 << 16));
            foreach (var example in examples)
            {
                if (buffer.Count < _options.ShuffleBufferSize)
                {
                    buffer.Add(example);
                    continue;
                }
                int pick = random.NextInt(buffer.Count);
                yield return buffer[pick];
                buffer[pick] = example;
            }
            var rest = buffer.ToArray();
            Shuffle(ref random, rest);
            foreach (var example in rest)
            {
                yield return example;
            }
        }

        private static void Shuffle<T>(ref CounterRandom random, T[] items)
        {
            for (int i = items.Length - 1; i > 0; i--)
            {
                int j = random.NextInt(i + 1);
                (items[i], items[j]) = (items[j], items[i]);
            }
        }
    }
}
