using System.Diagnostics;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Embeddings;

namespace AgroNT.MLNet.Evaluation;

/// <summary>How a <see cref="TaskRunner"/> learns a task from its training split.</summary>
public enum TaskRunMethod
{
    /// <summary>Pooled embeddings of the frozen encoder, then LightGBM per output (<see cref="FrozenEncoderLearner.Fit"/>).</summary>
    FrozenLightGbm,

    /// <summary>IA3 fine-tuning (<see cref="FineTuningMethod.Ia3"/>).</summary>
    Ia3,

    /// <summary>LoRA fine-tuning (<see cref="FineTuningMethod.Lora"/>).</summary>
    Lora,

    /// <summary>Full fine-tuning (<see cref="FineTuningMethod.Full"/>).</summary>
    Full,

    /// <summary>The alignment-free baseline: 6-mer frequencies, then LightGBM per output; needs no model.</summary>
    KmerLightGbm,
}

/// <summary>Settings of a <see cref="TaskRunner"/>. Call <see cref="Validate"/> to check them (the runner does).</summary>
public sealed record TaskRunOptions
{
    /// <summary>How the task is learnt. <value>The default is <see cref="TaskRunMethod.FrozenLightGbm"/>.</value></summary>
    public TaskRunMethod Method { get; init; } = TaskRunMethod.FrozenLightGbm;

    /// <summary>
    /// A model folder or cached Hub id (anything <see cref="DnaEmbedders.Open"/> or <see cref="FineTuningTrainer.Fit(string, BenchmarkDataView, BenchmarkDataView?, IProgress{FineTuningProgress}?, CancellationToken)"/>
    /// takes); required by every method but <see cref="TaskRunMethod.KmerLightGbm"/>, which ignores it.
    /// </summary>
    public string? Model { get; init; }

    /// <summary>Use at most the first N training rows; null for all. <value>The default is null.</value></summary>
    public int? MaxTrainRows { get; init; }

    /// <summary>Use at most the first N validation and the first N test rows; null for all. <value>The default is null.</value></summary>
    public int? MaxEvaluationRows { get; init; }

    /// <summary>Seed of the learners and of fine-tuning. <value>The default is 42.</value></summary>
    public int Seed { get; init; } = 42;

    /// <summary><c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>: where the encoder runs. <value>The default is <c>cpu</c>.</value></summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// Evaluate the validation split too (when the task ships one), in <see cref="TaskRunResult.Validation"/>; off by
    /// default, since the frozen methods do not otherwise read it. <value>The default is false.</value>
    /// </summary>
    public bool EvaluateValidation { get; init; }

    /// <summary>
    /// The fine-tuning settings of <see cref="TaskRunMethod.Ia3"/>, <see cref="TaskRunMethod.Lora"/> and
    /// <see cref="TaskRunMethod.Full"/>; their <see cref="FineTuningOptions.Method"/>, <see cref="FineTuningOptions.Seed"/>
    /// and <see cref="FineTuningOptions.Device"/> are replaced by <see cref="Method"/>, <see cref="Seed"/> and <see cref="Device"/>.
    /// <value>The default is <see cref="FineTuningOptions"/>' defaults.</value>
    /// </summary>
    public FineTuningOptions FineTuning { get; init; } = new();

    /// <summary>Whether <see cref="Method"/> fine-tunes the encoder.</summary>
    public bool FineTunes => Method is TaskRunMethod.Ia3 or TaskRunMethod.Lora or TaskRunMethod.Full;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    /// <exception cref="ArgumentException">An option is out of range or missing.</exception>
    public void Validate() => ValidateFor(hasEmbedder: false);

    internal void ValidateFor(bool hasEmbedder)
    {
        if (!Enum.IsDefined(Method))
        {
            throw new ArgumentException($"{nameof(Method)} {Method} is not a {nameof(TaskRunMethod)}.", nameof(Method));
        }
        if (Method != TaskRunMethod.KmerLightGbm && !(hasEmbedder && Method == TaskRunMethod.FrozenLightGbm) && string.IsNullOrWhiteSpace(Model))
        {
            throw new ArgumentException($"{nameof(Method)} {Method} needs {nameof(Model)} (a model folder or cached Hub id); only {TaskRunMethod.KmerLightGbm} runs without one.", nameof(Model));
        }
        if (MaxTrainRows is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTrainRows), MaxTrainRows, $"{nameof(MaxTrainRows)} must be at least 1, or null for every row.");
        }
        if (MaxEvaluationRows is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEvaluationRows), MaxEvaluationRows, $"{nameof(MaxEvaluationRows)} must be at least 1, or null for every row.");
        }
        try
        {
            _ = ComputeDevice.Parse(Device);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"{nameof(Device)}: {e.Message}", nameof(Device), e);
        }
        ArgumentNullException.ThrowIfNull(FineTuning, nameof(FineTuning));
    }
}

/// <summary>What one <see cref="TaskRunner.Run(BenchmarkDataSet, IProgress{string}?, CancellationToken)"/> measured.</summary>
/// <param name="Task">The task.</param>
/// <param name="Method">How it was learnt.</param>
/// <param name="TrainRows">Training rows used.</param>
/// <param name="ValidationRows">Validation rows read: by fine-tuning (early stopping) or <see cref="TaskRunOptions.EvaluateValidation"/>; 0 otherwise.</param>
/// <param name="TestRows">Test rows predicted.</param>
/// <param name="Test">Every metric of the task's problem type on the test split, with its headline one.</param>
/// <param name="Validation">The same on the validation split, with <see cref="TaskRunOptions.EvaluateValidation"/> and a task that ships one; else null.</param>
/// <param name="Notes">What a reader should know: constant outputs, metrics left undefined.</param>
/// <param name="Elapsed">Wall time of the run (loading, learning, predicting).</param>
public sealed record TaskRunResult(BenchmarkTask Task, TaskRunMethod Method, int TrainRows, int ValidationRows, int TestRows,
    TaskEvaluation Test, TaskEvaluation? Validation, IReadOnlyList<string> Notes, TimeSpan Elapsed)
{
    /// <summary>The task's headline metric's name on the test split (<c>auroc</c>, <c>macro_auroc</c>, <c>r2</c>, <c>mean_r2</c>).</summary>
    public string HeadlineName => Test.HeadlineName;

    /// <summary>The task's headline metric on the test split (NaN when undefined, e.g. one class in the test rows).</summary>
    public double Headline => Test.Headline;
}

/// <summary>
/// Runs a task end to end: learns it from its training split (a frozen encoder plus LightGBM, the 6-mer baseline, or
/// fine-tuning, which also reads the validation split for early stopping), predicts its test split and scores it with
/// the problem type's metrics (<see cref="BenchmarkMetrics.Evaluate"/>). <c>agront bench --pgb-root</c> is this over
/// Plant Genomic Benchmark configs. The frozen method loads its encoder once, on the first run, and reuses it for every
/// later run of this runner; fine-tuning loads a fresh copy per run.
/// </summary>
/// <example>
/// <code>
/// var data = PlantGenomicBenchmark.LoadSplits(root, PlantGenomicBenchmark.Get("lncrna/g_max"));
/// using var runner = new TaskRunner(new TaskRunOptions { Model = "InstaDeepAI/agro-nucleotide-transformer-1b" });
/// TaskRunResult result = runner.Run(data);
/// Console.WriteLine($"{result.HeadlineName} {result.Headline:0.000}");
/// </code>
/// </example>
public sealed class TaskRunner : IDisposable
{
    private const int PredictionChunk = 512;

    private IDnaEmbedder? _embedder;
    private readonly bool _ownsEmbedder;

    /// <summary>A runner that opens its encoder (for <see cref="TaskRunMethod.FrozenLightGbm"/>) from <see cref="TaskRunOptions.Model"/> when first needed.</summary>
    /// <param name="options">The settings; validated now.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public TaskRunner(TaskRunOptions options)
        : this(options, null)
    {
    }

    /// <summary>A runner that embeds with <paramref name="embedder"/> for <see cref="TaskRunMethod.FrozenLightGbm"/> (it stays the caller's to dispose).</summary>
    /// <param name="options">The settings; validated now. <see cref="TaskRunOptions.Model"/> is still required by fine-tuning methods.</param>
    /// <param name="embedder">A pooling embedder (mean or cls), or null to open one from <see cref="TaskRunOptions.Model"/>.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public TaskRunner(TaskRunOptions options, IDnaEmbedder? embedder)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ValidateFor(hasEmbedder: embedder is not null);
        Options = options;
        _embedder = embedder;
        _ownsEmbedder = embedder is null;
    }

    /// <summary>The settings.</summary>
    public TaskRunOptions Options { get; }

    /// <summary>Runs one task with <paramref name="options"/> and disposes what it loaded.</summary>
    /// <param name="data">The task's splits (<see cref="PlantGenomicBenchmark.LoadSplits"/>, or your own files as <see cref="BenchmarkDataView"/>s).</param>
    /// <param name="options">The settings.</param>
    /// <param name="progress">Receives one line per stage and each note; null for none.</param>
    /// <param name="cancellationToken">Stops the run between stages and prediction chunks.</param>
    /// <returns>The result.</returns>
    public static TaskRunResult Run(BenchmarkDataSet data, TaskRunOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        using var runner = new TaskRunner(options);
        return runner.Run(data, progress, cancellationToken);
    }

    /// <summary>Learns the task from its training split, predicts its test split and scores it.</summary>
    /// <param name="data">The task's splits (<see cref="PlantGenomicBenchmark.LoadSplits"/>, or your own files as <see cref="BenchmarkDataView"/>s).</param>
    /// <param name="progress">Receives one line per stage and each note; null for none.</param>
    /// <param name="cancellationToken">Stops the run between stages and prediction chunks.</param>
    /// <returns>The result.</returns>
    /// <exception cref="InvalidDataException">The test split (or the validation split, when evaluated) has no records.</exception>
    public TaskRunResult Run(BenchmarkDataSet data, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var clock = Stopwatch.StartNew();
        var task = data.Task;
        int outputs = data.Train.LabelCount;
        var train = Limit(data.Train.ReadExamples(), Options.MaxTrainRows);
        var validation = data.Validation is { } v ? Limit(v.ReadExamples(), Options.MaxEvaluationRows) : null;
        var notes = new List<string>();
        void Note(string note)
        {
            notes.Add(note);
            progress?.Report(note);
        }

        Func<IReadOnlyList<TaskExample>, IReadOnlyList<float[]>> predict;
        FineTunedModel? fitted = null;
        int trainRows;
        try
        {
            if (!Options.FineTunes)
            {
                var examples = train.ToList();
                trainRows = examples.Count;
                var featurizer = Options.Method == TaskRunMethod.KmerLightGbm ? SequenceFeaturizer.SixMerFrequencies : SequenceFeaturizer.Embeddings(Embedder());
                progress?.Report($"{(Options.Method == TaskRunMethod.KmerLightGbm ? "counting 6-mers of" : "embedding")} {examples.Count} training rows and fitting LightGBM");
                var frozen = FrozenEncoderLearner.Fit(featurizer, task.ProblemType, outputs, examples, Options.Seed, cancellationToken);
                foreach (string note in frozen.Notes)
                {
                    Note(note);
                }
                predict = chunk => frozen.Predict(featurizer, chunk, cancellationToken);
            }
            else
            {
                var counted = new CountingExamples(train);
                var fineTuning = Options.FineTuning with
                {
                    Method = Options.Method switch { TaskRunMethod.Lora => FineTuningMethod.Lora, TaskRunMethod.Full => FineTuningMethod.Full, _ => FineTuningMethod.Ia3 },
                    Seed = Options.Seed,
                    Device = Options.Device,
                };
                progress?.Report($"fine-tuning with {MethodName(Options.Method)}");
                fitted = new FineTuningTrainer(fineTuning).Fit(Options.Model!, task.ProblemType, outputs, counted, validation, null, cancellationToken);
                trainRows = counted.Count;
                var current = fitted;
                predict = chunk => current.Predict([.. chunk.Select(e => e.Sequence)], cancellationToken: cancellationToken);
            }

            var (test, testRows) = Score("test", data.Test, Limit(data.Test.ReadExamples(), Options.MaxEvaluationRows), task, outputs, predict, Note, cancellationToken);
            TaskEvaluation? validationScore = null;
            int validationRows = 0;
            if (Options.EvaluateValidation && data.Validation is { } validationView)
            {
                (validationScore, validationRows) = Score("validation", validationView, validation!, task, outputs, predict, n => Note("validation: " + n), cancellationToken);
            }
            else if (fitted is not null)
            {
                validationRows = validation?.Count() ?? 0;
            }
            return new TaskRunResult(task, Options.Method, trainRows, validationRows, testRows, test, validationScore, notes, clock.Elapsed);
        }
        finally
        {
            fitted?.Dispose();
        }
    }

    /// <summary>The CLI and file spelling of a method: <c>frozen-lightgbm</c>, <c>ia3</c>, <c>lora</c>, <c>full</c>, <c>kmer-lightgbm</c>.</summary>
    /// <param name="method">The method.</param>
    /// <returns>Its name.</returns>
    public static string MethodName(TaskRunMethod method) => method switch
    {
        TaskRunMethod.FrozenLightGbm => "frozen-lightgbm",
        TaskRunMethod.Ia3 => "ia3",
        TaskRunMethod.Lora => "lora",
        TaskRunMethod.Full => "full",
        TaskRunMethod.KmerLightGbm => "kmer-lightgbm",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Not a task run method."),
    };

    /// <summary>The method a <see cref="MethodName"/> spells, or null when <paramref name="name"/> is none of them.</summary>
    /// <param name="name">The name (case-sensitive).</param>
    /// <returns>The method, or null.</returns>
    public static TaskRunMethod? ParseMethodName(string name) =>
        Enum.GetValues<TaskRunMethod>().Cast<TaskRunMethod?>().FirstOrDefault(m => MethodName(m!.Value) == name);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsEmbedder)
        {
            _embedder?.Dispose();
        }
        _embedder = null;
    }

    private IDnaEmbedder Embedder() =>
        _embedder ??= DnaEmbedders.Open(Options.Model!, new DnaEmbedderOptions { Device = Options.Device });

    private static (TaskEvaluation Evaluation, int Rows) Score(string split, BenchmarkDataView view, IEnumerable<TaskExample> examples, BenchmarkTask task, int outputs,
        Func<IReadOnlyList<TaskExample>, IReadOnlyList<float[]>> predict, Action<string> note, CancellationToken cancellationToken)
    {
        var labels = new List<float>();
        var predictions = new List<float>();
        int rows = 0;
        foreach (var chunk in examples.Chunk(PredictionChunk))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var predicted = predict(chunk);
            for (int i = 0; i < chunk.Length; i++)
            {
                labels.AddRange(chunk[i].Labels);
                predictions.AddRange(predicted[i]);
            }
            rows += chunk.Length;
        }
        if (rows == 0)
        {
            throw new InvalidDataException($"The {split} file {view.FilePath} has no records.");
        }
        var evaluation = BenchmarkMetrics.Evaluate(task.ProblemType, labels.ToArray(), predictions.ToArray(), outputs);
        foreach (string n in evaluation.Notes)
        {
            note(n);
        }
        return (evaluation, rows);
    }

    private static IEnumerable<TaskExample> Limit(IEnumerable<TaskExample> examples, int? max) => max is { } m ? examples.Take(m) : examples;

    /// <summary>Re-enumerable examples that remember how many the last complete pass gave.</summary>
    private sealed class CountingExamples(IEnumerable<TaskExample> source) : IEnumerable<TaskExample>
    {
        public int Count { get; private set; }

        public IEnumerator<TaskExample> GetEnumerator()
        {
            int count = 0;
            foreach (var example in source)
            {
                count++;
                yield return example;
            }
            Count = count;
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
