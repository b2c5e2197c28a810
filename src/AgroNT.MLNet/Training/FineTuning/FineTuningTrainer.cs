using System.Diagnostics;
using AgroNT.Transforms.Benchmarks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>
/// Fine-tunes AgroNT on a labelled task (binary, multi-label, regression or multi-output regression) with IA3, LoRA or
/// full fine-tuning: a task head on the pooled encoder output, AdamW, validation-based early stopping that keeps the
/// best validation's parameters, progress reports and cancellation.
/// </summary>
/// <remarks>
/// Losses: binary cross-entropy on logits for classification (each label independently for multi-label), mean
/// squared error on standardized targets for regression. Training data may be a list (shuffled whole every epoch) or
/// a stream such as <see cref="BenchmarkDataView.ReadExamples"/> (re-read every epoch and shuffled through a buffer of
/// <see cref="FineTuningOptions.ShuffleBufferSize"/> examples), so a 5 GB training file never has to fit in memory.
/// </remarks>
public sealed class FineTuningTrainer
{
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
    public FineTunedModel Fit(string modelFolderOrHubId, BenchmarkProblemType problemType, int outputCount, IEnumerable<BenchmarkExample> train,
        IEnumerable<BenchmarkExample>? validation = null, IProgress<FineTuningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(modelFolderOrHubId);
        var model = AgroNTModel.Load(modelFolderOrHubId, new AgroNTModelOptions { Tokenizer = Options.Tokenizer });
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
    public FineTunedModel Fit(AgroNTModel model, BenchmarkProblemType problemType, int outputCount, IEnumerable<BenchmarkExample> train,
        IEnumerable<BenchmarkExample>? validation = null, IProgress<FineTuningProgress>? progress = null, CancellationToken cancellationToken = default)
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
        torch.manual_seed(Options.Seed);
        var head = new SequenceTaskHead(model.Config.HiddenSize, outputCount, model.Config.HiddenDropoutProb, model.Device, model.DType);
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

    private static (float[] Mean, float[] Scale) TargetStatistics(IEnumerable<BenchmarkExample> train, int outputs, CancellationToken cancellationToken)
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

    private static void CheckLabels(BenchmarkExample example, int outputs)
    {
        if (example.Labels.Length != outputs)
        {
            throw new ArgumentException($"Example '{example.Name}' (line {example.LineNumber}) has {example.Labels.Length} labels; the task has {outputs}.");
        }
    }

    /// <summary>One training run: optimisers, loop state and the best parameters so far.</summary>
    private sealed class Run
    {
        private readonly FineTuningOptions _options;
        private readonly FineTunedModel _fitted;
        private readonly IProgress<FineTuningProgress>? _progress;
        private readonly CancellationToken _cancellationToken;
        private readonly List<Parameter> _trainable;
        private readonly List<OptimizerHelper> _optimizers = [];
        private readonly List<TrainingCurvePoint> _points = [];
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Random _random;
        private readonly string _metricName;
        private List<Tensor>? _best;
        private double _bestLoss = double.PositiveInfinity;
        private long _bestStep;
        private int _sinceBest;
        private long _step;
        private long? _totalSteps;
        private double _lossSum;
        private int _lossCount;
        private double _lastTrainLoss = double.NaN;

        public Run(FineTuningTrainer trainer, FineTunedModel fitted, IProgress<FineTuningProgress>? progress, CancellationToken cancellationToken)
        {
            _options = trainer.Options;
            _fitted = fitted;
            _progress = progress;
            _cancellationToken = cancellationToken;
            _random = new Random(_options.Seed);
            _metricName = fitted.ProblemType switch
            {
                BenchmarkProblemType.BinaryClassification => "auroc",
                BenchmarkProblemType.MultiLabelClassification => "macro_auroc",
                BenchmarkProblemType.Regression => "r2",
                _ => "mean_r2",
            };

            var network = fitted.Model.Network;
            bool full = fitted.Method == FineTuningMethod.Full;
            foreach (var parameter in network.parameters())
            {
                parameter.requires_grad = false;
            }
            List<Parameter> encoderSide = full ? [.. network.Esm.parameters()] : [.. fitted.AdapterParameters.Select(p => p.Parameter)];
            List<Parameter> head = [.. fitted.Head.parameters()];
            foreach (var parameter in encoderSide.Concat(head))
            {
                parameter.requires_grad = true;
            }
            _trainable = [.. encoderSide, .. head];
            // Decoupled decay for matrices only: biases, LayerNorms and IA3 scales (which start at 1) are not decayed.
            AddOptimizer(encoderSide.Where(p => p.dim() >= 2), _options.EffectiveLearningRate, _options.WeightDecay);
            AddOptimizer(encoderSide.Where(p => p.dim() < 2), _options.EffectiveLearningRate, 0);
            AddOptimizer(head.Where(p => p.dim() >= 2), _options.HeadLearningRate, _options.WeightDecay);
            AddOptimizer(head.Where(p => p.dim() < 2), _options.HeadLearningRate, 0);
        }

        public FineTuningHistory Train(IEnumerable<BenchmarkExample> train, IEnumerable<BenchmarkExample>? validation)
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

        private FineTuningHistory TrainCore(IEnumerable<BenchmarkExample> train, IEnumerable<BenchmarkExample>? validation)
        {
            int? count = train is IReadOnlyCollection<BenchmarkExample> collection ? collection.Count : null;
            if (count is 0)
            {
                throw new ArgumentException("The training data has no examples.", nameof(train));
            }
            if (count is { } n)
            {
                long perEpoch = (n + _options.BatchSize - 1) / _options.BatchSize;
                _totalSteps = Math.Min(perEpoch * _options.Epochs, _options.MaxSteps ?? long.MaxValue);
            }
            bool stoppedEarly = false;
            int lastEpoch = 1;
            for (int epoch = 1; epoch <= _options.Epochs && !stoppedEarly && !StepLimitReached; epoch++)
            {
                lastEpoch = epoch;
                bool any = false;
                foreach (var batch in Batches(Shuffled(train)))
                {
                    any = true;
                    TrainStep(batch);
                    if (_step % _options.ReportInterval == 0)
                    {
                        Report(epoch, validationLoss: null, metric: null, isBest: false);
                    }
                    if (validation is not null && _options.EvaluationInterval is { } interval && _step % interval == 0)
                    {
                        stoppedEarly = Validate(epoch, validation);
                    }
                    if (stoppedEarly || StepLimitReached)
                    {
                        break;
                    }
                }
                if (!any)
                {
                    throw new ArgumentException("The training data has no examples.", nameof(train));
                }
                if (validation is not null && _options.EvaluationInterval is null && !stoppedEarly)
                {
                    stoppedEarly = Validate(epoch, validation);
                }
            }
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
            return new FineTuningHistory(_points, _metricName, _step, _bestStep, _best is null ? null : _bestLoss, stoppedEarly, _clock.Elapsed);
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

        private void TrainStep(IReadOnlyList<BenchmarkExample> batch)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            _fitted.SetTraining(true);
            var (ids, mask) = Tokenize(batch);
            var outputs = _fitted.Forward(ids, mask);
            var loss = Loss(outputs, Labels(batch, outputs.device, outputs.dtype));
            foreach (var optimizer in _optimizers)
            {
                optimizer.zero_grad();
            }
            loss.backward();
            if (_options.MaxGradientNorm is { } maxNorm)
            {
                nn.utils.clip_grad_norm_(_trainable, maxNorm);
            }
            foreach (var optimizer in _optimizers)
            {
                optimizer.step();
            }
            _step++;
            _lossSum += loss.to(ScalarType.Float64).item<double>();
            _lossCount++;
        }

        /// <summary>Runs a validation; returns whether training should stop (patience exhausted).</summary>
        private bool Validate(int epoch, IEnumerable<BenchmarkExample> validation)
        {
            double lossSum = 0;
            int examples = 0;
            var labels = new List<float>();
            var predictions = new List<float>();
            foreach (var batch in Batches(validation))
            {
                _cancellationToken.ThrowIfCancellationRequested();
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
            double loss = lossSum / examples;
            double metric = HeadlineMetric(labels.ToArray(), predictions.ToArray());
            bool improved = loss < _bestLoss;
            if (improved)
            {
                _bestLoss = loss;
                _bestStep = _step;
                _sinceBest = 0;
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
            else
            {
                _sinceBest++;
            }
            Report(epoch, loss, metric, improved);
            return _sinceBest >= _options.Patience;
        }

        private double HeadlineMetric(float[] labels, float[] predictions)
        {
            int k = _fitted.OutputCount;
            return _fitted.ProblemType switch
            {
                BenchmarkProblemType.BinaryClassification => BenchmarkMetrics.Auroc([.. labels.Select(l => l == 1f)], predictions),
                BenchmarkProblemType.MultiLabelClassification => BenchmarkMetrics.MultiLabel(labels, predictions, k).MacroAuroc,
                BenchmarkProblemType.Regression => BenchmarkMetrics.R2(labels, predictions),
                _ => BenchmarkMetrics.MultiOutputRegression(labels, predictions, k).MeanR2,
            };
        }

        private void Report(int epoch, double? validationLoss, double? metric, bool isBest)
        {
            // A validation right after a loss report carries that report's loss rather than an empty mean.
            double trainLoss = _lossCount > 0 ? _lossSum / _lossCount : _lastTrainLoss;
            _lastTrainLoss = trainLoss;
            if (_lossCount > 0 || validationLoss is not null)
            {
                _points.Add(new TrainingCurvePoint(_step, epoch, trainLoss, validationLoss, metric));
            }
            _progress?.Report(new FineTuningProgress(epoch, _step, _totalSteps, trainLoss, validationLoss, metric, _metricName, isBest, _clock.Elapsed));
            _lossSum = 0;
            _lossCount = 0;
        }

        private Tensor Loss(Tensor outputs, Tensor labels) => _fitted.ProblemType.IsClassification()
            ? nn.functional.binary_cross_entropy_with_logits(outputs, labels)
            : nn.functional.mse_loss(outputs, _fitted.ToTargets(labels));

        private (Tensor Ids, Tensor Mask) Tokenize(IReadOnlyList<BenchmarkExample> batch)
        {
            var tokenizer = _fitted.Model.Tokenizer;
            var inputs = batch.Select(e => tokenizer.EncodeToIds(e.Sequence, e.Name)).ToList();
            return TokenBatches.ToTensors(inputs, _fitted.Model.Config.PadTokenId, _fitted.Model.Device);
        }

        private Tensor Labels(IReadOnlyList<BenchmarkExample> batch, Device device, ScalarType dtype)
        {
            int k = _fitted.OutputCount;
            var values = new float[batch.Count * k];
            for (int i = 0; i < batch.Count; i++)
            {
                CheckLabels(batch[i], k);
                batch[i].Labels.CopyTo(values, i * k);
            }
            return tensor(values, [batch.Count, k], device: device).to(dtype);
        }

        private IEnumerable<IReadOnlyList<BenchmarkExample>> Batches(IEnumerable<BenchmarkExample> examples)
        {
            var batch = new List<BenchmarkExample>(_options.BatchSize);
            foreach (var example in examples)
            {
                batch.Add(example);
                if (batch.Count == _options.BatchSize)
                {
                    yield return batch;
                    batch = new List<BenchmarkExample>(_options.BatchSize);
                }
            }
            if (batch.Count > 0)
            {
                yield return batch;
            }
        }

        private IEnumerable<BenchmarkExample> Shuffled(IEnumerable<BenchmarkExample> examples)
        {
            if (examples is IReadOnlyList<BenchmarkExample> list)
            {
                int[] order = [.. Enumerable.Range(0, list.Count)];
                _random.Shuffle(order);
                foreach (int i in order)
                {
                    yield return list[i];
                }
                yield break;
            }
            // A stream: keep a buffer full and emit a random member each time one arrives.
            var buffer = new List<BenchmarkExample>(Math.Min(_options.ShuffleBufferSize, 1 << 16));
            foreach (var example in examples)
            {
                if (buffer.Count < _options.ShuffleBufferSize)
                {
                    buffer.Add(example);
                    continue;
                }
                int pick = _random.Next(buffer.Count);
                yield return buffer[pick];
                buffer[pick] = example;
            }
            _random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buffer));
            foreach (var example in buffer)
            {
                yield return example;
            }
        }
    }
}
